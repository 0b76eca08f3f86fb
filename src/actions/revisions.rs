//! Rollout undo for StatefulSets and DaemonSets as kubectl does it: the workload's
//! ControllerRevisions (listed by its selector, kept when the workload is their controller) are
//! its history; the chosen revision's `data`, a strategic merge patch replacing the pod
//! template, is sent back as stored. Default: the revision before the one running now.

use k8s_openapi::api::apps::v1::ControllerRevision;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams, Patch};
use serde_json::Value;

use super::catalogue::Workload;
use super::kube::{ActionError, params, pod_count, workloads};
use super::preview::{Done, PastRevision, Preview};
use super::rollback::{Step, choose, controlled_by, images, past};
use super::stamp::Stamp;

/// One entry of a StatefulSet's or DaemonSet's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i64,
    pub images: Vec<String>,
    pub change_cause: Option<String>,
    template: Value,
    /// The patch kubectl sends to go back to it.
    data: Value,
}

/// Drops nulls, empty maps and lists and `creationTimestamp`, so a template read back from
/// the API compares equal to the one stored in a revision.
fn normal(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: serde_json::Map<String, Value> = m
                .iter()
                .filter(|(k, _)| *k != "creationTimestamp" && *k != "$patch")
                .filter_map(|(k, v)| Some((k.clone(), normal(v)?)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(a) => {
            let out: Vec<Value> = a.iter().filter_map(normal).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

fn selector(w: &DynamicObject) -> String {
    w.data
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The workload and its history, oldest first.
pub async fn history(
    client: &Client,
    namespace: &str,
    workload: &Workload,
) -> Result<(DynamicObject, Vec<Revision>), ActionError> {
    let w = workloads(client, namespace, workload.kind).get(&workload.name).await?;
    let uid = w.metadata.uid.clone();
    let revisions: Api<ControllerRevision> = Api::namespaced(client.clone(), namespace);
    let list = revisions.list(&ListParams::default().labels(&selector(&w))).await?;
    let mut history: Vec<Revision> = list
        .items
        .into_iter()
        .filter(|r| controlled_by(r.metadata.owner_references.as_ref(), uid.as_ref()))
        .filter_map(|r| {
            let data = r.data.0;
            let template = data.pointer("/spec/template").cloned()?;
            Some(Revision {
                number: r.revision?,
                images: images(&template),
                change_cause: r
                    .metadata
                    .annotations
                    .and_then(|a| a.get("kubernetes.io/change-cause").cloned()),
                template,
                data,
            })
        })
        .collect();
    history.sort_by_key(|r| r.number);
    Ok((w, history))
}

struct Plan {
    current: i64,
    target: Revision,
    from_images: Vec<String>,
    pods: usize,
    history: Vec<PastRevision>,
}

async fn plan(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    revision: Option<i64>,
) -> Result<Plan, ActionError> {
    let (w, history) = history(client, namespace, workload).await?;
    let template = w.data.pointer("/spec/template").cloned().unwrap_or(Value::Null);
    let now = normal(&template);
    // The revision running now: the newest whose template is the workload's.
    let current = history
        .iter()
        .rev()
        .find(|r| normal(&r.template) == now)
        .or(history.last())
        .map(|r| r.number)
        .ok_or_else(|| ActionError::ours(format!("{workload} has no revision history yet")))?;
    let target = choose(&history, |r| r.number, &workload.to_string(), current, revision)?;
    if target.number == current || normal(&target.template) == now {
        return Err(ActionError::ours(format!(
            "{workload} already runs the template of revision {}",
            target.number
        )));
    }
    Ok(Plan {
        current,
        from_images: images(&template),
        pods: pod_count(workload.kind, &w.data),
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
    workload: &Workload,
    data: &Value,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<DynamicObject, ActionError> {
    Ok(workloads(client, namespace, workload.kind)
        .patch(
            &workload.name,
            &params(dry_run),
            &Patch::Strategic(stamp.on(data.clone())),
        )
        .await?)
}

impl Plan {
    fn step<'a>(&self, namespace: &'a str, workload: &Workload) -> Step<'a> {
        Step {
            namespace,
            workload: workload.clone(),
            current: self.current,
            target: self.target.number,
            from_images: self.from_images.clone(),
            to_images: self.target.images.clone(),
            pods: self.pods,
            history: self.history.clone(),
        }
    }
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    revision: Option<i64>,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let plan = plan(client, namespace, workload, revision).await?;
    send(client, namespace, workload, &plan.target.data, stamp, true).await?;
    Ok(plan.step(namespace, workload).preview())
}

pub async fn run(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    revision: Option<i64>,
    stamp: &Stamp,
) -> Result<Done, ActionError> {
    let plan = plan(client, namespace, workload, revision).await?;
    let w = send(client, namespace, workload, &plan.target.data, stamp, false).await?;
    Ok(plan.step(namespace, workload).done(w.metadata.generation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stored_template_equals_the_one_read_back() {
        let stored = json!({"$patch": "replace", "metadata": {"creationTimestamp": null, "labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": "pg:16", "resources": {}}]}});
        let read =
            json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "pg:16"}]}});
        assert_eq!(normal(&stored), normal(&read));
        let other =
            json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "pg:17"}]}});
        assert_ne!(normal(&stored), normal(&other));
    }
}
