//! What the pod watcher reads of a Pod: only the fields the health model uses. A list of
//! 150,000 pods is otherwise built into whole typed objects (containers, volumes, env, managed
//! fields) only to be dropped again, which is most of what the console spends following a
//! cluster (`cargo bench --bench cluster_model`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::{Deserialize, Deserializer};

/// The label a ReplicaSet's pods carry, which names the Deployment they belong to.
pub const TEMPLATE_HASH: &str = "pod-template-hash";

/// A Pod, as far as the health model reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct PodView {
    #[serde(deserialize_with = "meta")]
    pub metadata: ObjectMeta,
    pub spec: Option<Spec>,
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub node_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub conditions: Option<Vec<Condition>>,
    pub container_statuses: Option<Vec<ContainerStatus>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    pub restart_count: Option<i32>,
    pub state: Option<State>,
    pub last_state: Option<State>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct State {
    pub waiting: Option<Waiting>,
    pub terminated: Option<Terminated>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Waiting {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Terminated {
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// The metadata the watcher and the model read; the rest (managed fields, annotations, other
/// labels) is skipped while parsing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<OwnerReference>>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
}

fn meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = Meta::deserialize(d)?;
    let labels = m.labels.map(|mut l| {
        l.retain(|k, _| k == TEMPLATE_HASH);
        l
    });
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        labels,
        owner_references: m.owner_references,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        ..ObjectMeta::default()
    })
}

impl kube::Resource for PodView {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("Pod")
    }

    fn group(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    fn version(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("v1")
    }

    fn plural(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("pods")
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    #[test]
    fn a_pod_is_read_for_what_the_model_needs_and_nothing_else() {
        let json = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "checkout-7d9f-abcde", "namespace": "shop", "uid": "u1", "resourceVersion": "42",
                "labels": {"app": "checkout", "pod-template-hash": "7d9f"},
                "annotations": {"a": "b"},
                "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7d9f", "uid": "r1", "controller": true}],
                "creationTimestamp": "2026-11-24T14:00:00Z",
                "deletionTimestamp": null
            },
            "spec": {"nodeName": "node-3", "containers": [{"name": "app", "image": "checkout:2", "env": [{"name": "X", "value": "1"}]}], "volumes": null},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{
                    "name": "app", "restartCount": 4, "ready": false, "image": "checkout:2", "imageID": "",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "Error", "message": "panic: boom", "exitCode": 2}}
                }]
            }
        });
        // The same JSON is a valid Pod (the view reads a real object, not a shape of its own).
        let _: Pod = serde_json::from_value(json.clone()).expect("a Pod");
        let view: PodView = serde_json::from_value(json).expect("a view");
        let mut i = crate::cluster::intern::Interner::default();
        let row = crate::cluster::rows::pod_row(&view, &mut i);
        assert_eq!((row.restarts, row.ready, row.terminating), (4, false, false));
        assert_eq!(row.phase, crate::cluster::rows::Phase::Running);
        assert_eq!(row.waiting().map(|t| t.as_str()), Some("CrashLoopBackOff"));
        assert_eq!(row.last_termination().map(|t| t.as_str()), Some("Error"));
        assert_eq!(row.last_message().map(|t| t.as_str()), Some("panic: boom"));
        assert_eq!(row.node.as_deref(), Some("node-3"));
        assert_eq!(row.created, 1_795_528_800);
        let owner = row.owner.as_ref().expect("an owner");
        assert_eq!(
            (owner.kind, owner.name.as_str()),
            (crate::cluster::rows::OwnerKind::Deployment, "checkout")
        );
        assert_eq!(view.metadata.labels.as_ref().map(BTreeMap::len), Some(1));
        assert!(view.metadata.managed_fields.is_none() && view.metadata.annotations.is_none());
    }
}
