//! Rollout undo as kubectl does it: the deployment's ReplicaSets (matched by owner UID) are
//! its history; the chosen revision's pod template (without pod-template-hash) replaces the
//! deployment's with a JSON patch, annotations copied from the ReplicaSet. A paused deployment
//! is refused, as kubectl refuses it.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use kube::Client;
use kube::api::{Api, ListParams, Patch};
use serde_json::{Value, json};

use super::catalogue::{Action, Workload};
use super::kube::{ActionError, deployments, params};
use super::preview::{Change, Preview};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Annotations kubectl does not copy from a ReplicaSet on rollback.
const NOT_COPIED: &[&str] = &[
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// One entry of a deployment's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub images: Vec<String>,
    pub change_cause: Option<String>,
    template: Value,
    annotations: serde_json::Map<String, Value>,
}

fn revision_of(annotations: Option<&std::collections::BTreeMap<String, String>>) -> Option<i64> {
    annotations?.get(REVISION)?.parse().ok()
}

/// `name=image` for each container of a pod template.
pub(crate) fn images(template: &Value) -> Vec<String> {
    template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        c["name"].as_str().unwrap_or(""),
                        c["image"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The deployment and its history, oldest first.
pub async fn history(
    client: &Client,
    namespace: &str,
    deployment: &str,
) -> Result<(Deployment, Vec<Revision>), ActionError> {
    let d = deployments(client, namespace).get(deployment).await?;
    let uid = d.metadata.uid.clone();
    let selector = d
        .spec
        .selector
        .match_labels
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), namespace);
    let list = rss.list(&ListParams::default().labels(&selector)).await?;
    let mut revisions: Vec<Revision> = list
        .items
        .into_iter()
        .filter(|rs| {
            rs.metadata.owner_references.as_ref().is_some_and(|o| {
                o.iter()
                    .any(|o| o.controller == Some(true) && Some(&o.uid) == uid.as_ref())
            })
        })
        .filter_map(|rs| {
            let number = revision_of(rs.metadata.annotations.as_ref())?;
            let mut template = serde_json::to_value(rs.spec.template?).ok()?;
            if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
                labels.remove("pod-template-hash");
            }
            let annotations = rs.metadata.annotations.unwrap_or_default();
            Some(Revision {
                number,
                images: images(&template),
                change_cause: annotations.get("kubernetes.io/change-cause").cloned(),
                template,
                annotations: annotations
                    .into_iter()
                    .filter(|(k, _)| !NOT_COPIED.contains(&k.as_str()))
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            })
        })
        .collect();
    revisions.sort_by_key(|r| r.number);
    Ok((d, revisions))
}

struct Plan {
    current: i64,
    target: Revision,
    from_images: Vec<String>,
    patch: Value,
    replicas: usize,
}

async fn plan(client: &Client, namespace: &str, deployment: &str, revision: Option<i64>) -> Result<Plan, ActionError> {
    let (d, history) = history(client, namespace, deployment).await?;
    if d.spec.paused == Some(true) {
        return Err(ActionError::ours(format!(
            "deployment/{deployment} is paused: resume it before rolling back (as kubectl requires)"
        )));
    }
    let current = revision_of(d.metadata.annotations.as_ref())
        .or_else(|| history.last().map(|r| r.number))
        .unwrap_or(0);
    let target =
        match revision {
            Some(n) => history
                .iter()
                .find(|r| r.number == n)
                .ok_or_else(|| ActionError::ours(format!("deployment/{deployment} has no revision {n}")))?,
            None => history.iter().rev().find(|r| r.number < current).ok_or_else(|| {
                ActionError::ours(format!("deployment/{deployment} has no revision before {current}"))
            })?,
        }
        .clone();
    if target.number == current {
        return Err(ActionError::ours(format!(
            "deployment/{deployment} is already at revision {current}"
        )));
    }
    let spec_template = serde_json::to_value(&d.spec.template).unwrap_or(Value::Null);
    let mut annotations: serde_json::Map<String, Value> = d
        .metadata
        .annotations
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    annotations.extend(target.annotations.clone());
    let patch = json!([
        {"op": "replace", "path": "/spec/template", "value": target.template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]);
    Ok(Plan {
        current,
        from_images: images(&spec_template),
        patch,
        replicas: d.spec.replicas.unwrap_or(1).max(0) as usize,
        target,
    })
}

async fn send(
    client: &Client,
    namespace: &str,
    deployment: &str,
    patch: &Value,
    dry_run: bool,
) -> Result<Deployment, ActionError> {
    let p: json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| ActionError::ours(format!("bad rollback patch: {e}")))?;
    Ok(deployments(client, namespace)
        .patch(deployment, &params(dry_run), &Patch::Json::<()>(p))
        .await?)
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    deployment: &str,
    revision: Option<i64>,
) -> Result<Preview, ActionError> {
    let plan = plan(client, namespace, deployment, revision).await?;
    send(client, namespace, deployment, &plan.patch, true).await?;
    let object = format!("deployment/{deployment}");
    let mut changes = vec![Change {
        object: object.clone(),
        field: "revision".into(),
        from: plan.current.to_string(),
        to: format!("{} (as a new revision)", plan.target.number),
    }];
    let (from, to) = (plan.from_images.join(", "), plan.target.images.join(", "));
    if from != to {
        changes.push(Change {
            object: object.clone(),
            field: "image".into(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    let mut summary = format!(
        "{object}: back to revision {} from {}",
        plan.target.number, plan.current
    );
    if from != to {
        summary.push_str(&format!("; image {from} → {to}"));
    }
    Ok(Preview {
        summary,
        changes,
        pods: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        objects: plan.replicas.max(1),
        undo: Some(Action::RolloutUndo {
            namespace: namespace.to_string(),
            workload: Workload::deployment(deployment),
            revision: Some(plan.current),
        }),
    })
}

pub async fn run(
    client: &Client,
    namespace: &str,
    deployment: &str,
    revision: Option<i64>,
) -> Result<(String, Value, Option<Action>), ActionError> {
    let plan = plan(client, namespace, deployment, revision).await?;
    let d = send(client, namespace, deployment, &plan.patch, false).await?;
    Ok((
        format!(
            "deployment/{deployment} rolled back to revision {} ({})",
            plan.target.number,
            plan.target.images.join(", ")
        ),
        json!({"from_revision": plan.current, "to_revision": plan.target.number, "generation": d.metadata.generation}),
        Some(Action::RolloutUndo {
            namespace: namespace.to_string(),
            workload: Workload::deployment(deployment),
            revision: Some(plan.current),
        }),
    ))
}
