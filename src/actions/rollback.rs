//! Rollout undo as kubectl does it: the deployment's ReplicaSets (matched by owner UID) are
//! its history; the chosen revision's pod template (without pod-template-hash) replaces the
//! deployment's with a JSON patch, annotations copied from the ReplicaSet. A paused deployment
//! is refused, as kubectl refuses it.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Client;
use kube::api::{Api, ListParams, Patch};
use serde_json::{Value, json};

use super::catalogue::{Action, Workload};
use super::kube::{ActionError, deployments, params};
use super::preview::{Change, Done, History, PastRevision, Preview};
use super::stamp::Stamp;

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

/// Whether an object's owner references name `uid` as its controller (how a workload's
/// ReplicaSets or ControllerRevisions are told from others matching its selector).
pub(super) fn controlled_by(refs: Option<&Vec<OwnerReference>>, uid: Option<&String>) -> bool {
    refs.is_some_and(|o| o.iter().any(|o| o.controller == Some(true) && Some(&o.uid) == uid))
}

/// The revision to go back to: `revision`, else the newest before `current`.
pub(super) fn choose<R: Clone>(
    history: &[R],
    number: impl Fn(&R) -> i64,
    object: &str,
    current: i64,
    revision: Option<i64>,
) -> Result<R, ActionError> {
    match revision {
        Some(n) => history
            .iter()
            .find(|r| number(r) == n)
            .ok_or_else(|| ActionError::ours(format!("{object} has no revision {n}"))),
        None => history
            .iter()
            .rev()
            .find(|r| number(r) < current)
            .ok_or_else(|| ActionError::ours(format!("{object} has no revision before {current}"))),
    }
    .cloned()
}

/// What an undo does, wherever the history is kept.
pub(super) struct Step<'a> {
    pub namespace: &'a str,
    pub workload: Workload,
    pub current: i64,
    pub target: i64,
    pub from_images: Vec<String>,
    pub to_images: Vec<String>,
    /// Pods the rollout replaces.
    pub pods: usize,
    /// The whole history, oldest first, to pick another revision from.
    pub history: Vec<PastRevision>,
}

/// A history entry as a preview shows it.
pub(super) fn past(number: i64, images: &[String], change_cause: &Option<String>) -> PastRevision {
    PastRevision {
        number,
        images: images.to_vec(),
        change_cause: change_cause.clone(),
    }
}

impl Step<'_> {
    /// Its own undo: back to the revision running now.
    fn undo(&self) -> Action {
        Action::RolloutUndo {
            namespace: self.namespace.to_string(),
            workload: self.workload.clone(),
            revision: Some(self.current),
        }
    }

    /// The preview: the revision and, when it changes, the image.
    pub fn preview(&self) -> Preview {
        let object = self.workload.to_string();
        let mut changes = vec![Change::new(
            &object,
            "revision",
            self.current,
            format!("{} (as a new revision)", self.target),
        )];
        let mut summary = format!("{object}: back to revision {} from {}", self.target, self.current);
        let (from, to) = (self.from_images.join(", "), self.to_images.join(", "));
        if from != to {
            summary.push_str(&format!("; image {from} → {to}"));
            changes.push(Change::new(&object, "image", from, to));
        }
        Preview {
            history: Some(History {
                current: self.current,
                target: self.target,
                revisions: self.history.clone(),
            }),
            ..Preview::of(summary, changes, self.pods.max(1), Some(self.undo()))
        }
    }

    /// The result of running it: words, the API's answer in brief, and its undo.
    pub fn done(&self, generation: Option<i64>) -> Done {
        Done::new(
            format!(
                "{} rolled back to revision {} ({})",
                self.workload,
                self.target,
                self.to_images.join(", ")
            ),
            json!({"from_revision": self.current, "to_revision": self.target, "to_images": self.to_images,
                   "generation": generation}),
            Some(self.undo()),
        )
    }
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
        .filter(|rs| controlled_by(rs.metadata.owner_references.as_ref(), uid.as_ref()))
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
    history: Vec<PastRevision>,
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
    let target = choose(
        &history,
        |r| r.number,
        &format!("deployment/{deployment}"),
        current,
        revision,
    )?;
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
        history: history
            .iter()
            .map(|r| past(r.number, &r.images, &r.change_cause))
            .collect(),
    })
}

async fn send(
    client: &Client,
    namespace: &str,
    deployment: &str,
    patch: &Value,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<Deployment, ActionError> {
    // After the annotations are replaced, the stamp is added to them.
    let mut ops = patch.as_array().cloned().unwrap_or_default();
    ops.extend(stamp.operations());
    let p: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).map_err(|e| ActionError::ours(format!("bad rollback patch: {e}")))?;
    Ok(deployments(client, namespace)
        .patch(deployment, &params(dry_run), &Patch::Json::<()>(p))
        .await?)
}

impl Plan {
    fn step<'a>(&self, namespace: &'a str, deployment: &str) -> Step<'a> {
        Step {
            namespace,
            workload: Workload::deployment(deployment),
            current: self.current,
            target: self.target.number,
            from_images: self.from_images.clone(),
            to_images: self.target.images.clone(),
            pods: self.replicas,
            history: self.history.clone(),
        }
    }
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    deployment: &str,
    revision: Option<i64>,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let plan = plan(client, namespace, deployment, revision).await?;
    send(client, namespace, deployment, &plan.patch, stamp, true).await?;
    Ok(plan.step(namespace, deployment).preview())
}

pub async fn run(
    client: &Client,
    namespace: &str,
    deployment: &str,
    revision: Option<i64>,
    stamp: &Stamp,
) -> Result<Done, ActionError> {
    let plan = plan(client, namespace, deployment, revision).await?;
    let d = send(client, namespace, deployment, &plan.patch, stamp, false).await?;
    Ok(plan.step(namespace, deployment).done(d.metadata.generation))
}
