//! The flight recorder's watches: one kube-rs watcher per kind a responder (and a replay)
//! needs, reading whole objects as the API server serves them and handing each change to the
//! recorder's thread over a bounded queue: when the recorder falls behind, its own watches wait
//! (the API server holds what follows), never the console's. Secrets are never watched. A kind the server does not serve, or the user may not list, is
//! left out, and the log says which.

use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::record::ObjectKey;
use super::recorder::Change;
use super::redaction::Redaction;

/// (group, version, kind, plural, namespaced) of each kind recorded.
pub const KINDS: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "Namespace", "namespaces", false),
    ("", "v1", "Node", "nodes", false),
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Event", "events", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ConfigMap", "configmaps", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", true),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
];

/// The running watches; dropping it stops them.
pub struct Following {
    _tasks: JoinSet<()>,
}

/// Starts watching every kind in `KINDS`, sending changes to `tx`.
pub fn follow(client: kube::Client, tx: mpsc::Sender<Change>, redaction: &Redaction) -> Following {
    let mut tasks = JoinSet::new();
    for &(group, version, kind, plural, _) in KINDS {
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        tasks.spawn(watch(api, resource, tx.clone(), redaction.clone()));
    }
    Following { _tasks: tasks }
}

async fn watch(api: Api<DynamicObject>, resource: ApiResource, tx: mpsc::Sender<Change>, redaction: Redaction) {
    let backoff = kube::runtime::watcher::DefaultBackoff::default();
    // Lists in pages of 500 from the most recent state: a resourceVersion=0 list is served
    // whole from the cache, and 150,000 whole pods at once would be gigabytes here.
    let config = watcher::Config::default()
        .list_semantic(watcher::ListSemantic::MostRecent)
        .page_size(500);
    let mut stream = watcher(api, config).backoff(backoff).boxed();
    let mut listed = false;
    while let Some(item) = stream.next().await {
        let change = match item {
            Ok(watcher::Event::InitApply(o) | watcher::Event::Apply(o)) => {
                match Change::applied(whole(o, &resource), &redaction) {
                    Some(c) => c,
                    None => continue,
                }
            }
            Ok(watcher::Event::Delete(o)) => {
                let meta = &o.metadata;
                Change::Deleted(ObjectKey {
                    api_version: resource.api_version.clone(),
                    kind: resource.kind.clone(),
                    namespace: meta.namespace.clone().unwrap_or_default(),
                    name: meta.name.clone().unwrap_or_default(),
                })
            }
            Ok(watcher::Event::InitDone) if !listed => {
                listed = true;
                Change::Listed(resource.kind.clone())
            }
            Ok(watcher::Event::InitDone) => continue,
            Ok(watcher::Event::Init) => continue,
            Err(e) => {
                let refused = match &e {
                    watcher::Error::InitialListFailed(kube::Error::Api(s)) => Some(s.code),
                    _ => None,
                };
                if !listed && matches!(refused, Some(403..=405)) {
                    tracing::warn!(kind = %resource.kind, error = %crate::http::causes(&e), "the flight recorder leaves this kind out");
                    let _ = tx.send(Change::LeftOut(resource.kind.clone())).await;
                    return;
                }
                tracing::warn!(kind = %resource.kind, error = %crate::http::causes(&e), "a flight recorder's watch was interrupted");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if tx.send(change).await.is_err() {
            return;
        }
    }
}

/// The object as served, with the apiVersion and kind list items may leave out.
fn whole(o: DynamicObject, resource: &ApiResource) -> serde_json::Value {
    let mut v = serde_json::to_value(&o).unwrap_or(serde_json::Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.insert("apiVersion".into(), resource.api_version.clone().into());
        map.insert("kind".into(), resource.kind.clone().into());
    }
    v
}
