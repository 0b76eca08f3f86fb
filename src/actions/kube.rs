//! The Kubernetes side of the actions: SelfSubjectAccessReviews, server-side dry runs that
//! build the preview, and the real requests, each sent as kubectl sends it (the same patch
//! types, annotation keys and field manager). Drains and rollbacks have their own files.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Client;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::catalogue::{
    Access, Action, ISOLATION_LABEL, MANAGED_BY, Peer, Workload, WorkloadKind, isolation_policy_name, selector_string,
};
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;

/// Why an action could not go ahead, with the API's answer when there was one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ActionError {
    pub message: String,
    /// The API's Status, or Null when the refusal was ours.
    pub api: Value,
    /// The HTTP code (0 when the request never got an answer).
    pub code: u16,
}

impl ActionError {
    pub fn ours(message: impl Into<String>) -> ActionError {
        ActionError {
            message: message.into(),
            api: Value::Null,
            code: 0,
        }
    }
}

impl From<kube::Error> for ActionError {
    fn from(e: kube::Error) -> ActionError {
        match e {
            kube::Error::Api(status) => ActionError {
                message: if status.message.is_empty() {
                    status.reason.clone()
                } else {
                    status.message.clone()
                },
                code: status.code,
                api: serde_json::to_value(&*status).unwrap_or(Value::Null),
            },
            other => ActionError::ours(other.to_string()),
        }
    }
}

/// kubectl's field manager for rollout commands.
pub const ROLLOUT_MANAGER: &str = "kubectl-rollout";
/// The annotation `kubectl rollout restart` sets on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

pub(crate) fn params(dry_run: bool) -> PatchParams {
    let p = PatchParams::default();
    if dry_run { p.dry_run() } else { p }
}

fn rollout_params(dry_run: bool) -> PatchParams {
    let mut p = params(dry_run);
    p.field_manager = Some(ROLLOUT_MANAGER.into());
    p
}

/// Whether an action may run here, and if not, why (in words a responder acts on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    Granted,
    Refused(String),
}

/// Asks one SelfSubjectAccessReview per permission the action needs; refused with the first
/// one denied.
pub async fn permit(client: &Client, action: &Action) -> Result<Permission, ActionError> {
    for need in action.needs() {
        if let Permission::Refused(why) = review(client, &need).await? {
            return Ok(Permission::Refused(why));
        }
    }
    Ok(Permission::Granted)
}

/// Asks one SelfSubjectAccessReview.
pub(crate) async fn review(client: &Client, need: &Access) -> Result<Permission, ActionError> {
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(attributes(need)),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = reviews.create(&PostParams::default(), &review).await?;
    let status = answer.status.unwrap_or_default();
    if status.allowed {
        return Ok(Permission::Granted);
    }
    let why = status
        .reason
        .filter(|r| !r.is_empty())
        .or(status.evaluation_error)
        .unwrap_or_else(|| "no RBAC rule allows it".into());
    Ok(Permission::Refused(format!("you may not {need}: {why}")))
}

fn attributes(a: &Access) -> ResourceAttributes {
    ResourceAttributes {
        verb: Some(a.verb.into()),
        group: Some(a.group.into()),
        resource: Some(a.resource.into()),
        subresource: a.subresource.map(str::to_string),
        namespace: (!a.namespace.is_empty()).then(|| a.namespace.clone()),
        name: a.name.clone(),
        ..Default::default()
    }
}

/// What a dry run of the action shows; the dry-run requests change nothing.
pub async fn dry_run(client: &Client, action: &Action, stamp: &Stamp) -> Result<Preview, ActionError> {
    match action {
        Action::Silence { .. } | Action::ExpireSilence { .. } => Err(ActionError::ours(format!(
            "{action} acts on Alertmanager, not the Kubernetes API"
        ))),
        Action::Cordon { node } | Action::Uncordon { node } => {
            let cordon = matches!(action, Action::Cordon { .. });
            let before = unschedulable(client, node).await?;
            let after = cordon_patch(client, node, cordon, stamp, true).await?;
            let after = after.spec.and_then(|s| s.unschedulable).unwrap_or(false);
            let undo = if cordon {
                Action::Uncordon { node: node.clone() }
            } else {
                Action::Cordon { node: node.clone() }
            };
            Ok(Preview::of(
                format!("{node}: unschedulable {before}→{after}"),
                vec![Change::new(&format!("node/{node}"), "unschedulable", before, after)],
                1,
                (before != after).then_some(undo),
            ))
        }
        Action::Drain { node } => super::drain::preview(client, node, stamp).await,
        Action::DeletePod { namespace, pod } => super::recycle::preview(client, namespace, pod).await,
        Action::RolloutRestart { namespace, workload } => {
            let w = workloads(client, namespace, workload.kind).get(&workload.name).await?;
            let replicas = pod_count(workload.kind, &w.data);
            let now = jiff::Timestamp::now().to_string();
            restart_patch(client, namespace, workload, &now, stamp, true).await?;
            let pace = match workload.kind {
                WorkloadKind::Deployment => "one batch at a time",
                WorkloadKind::StatefulSet => "one at a time, highest ordinal first",
                WorkloadKind::DaemonSet => "one node at a time",
            };
            Ok(Preview::of(
                format!("{workload}: {replicas} pods will be replaced, {pace}"),
                vec![Change::new(
                    &workload.to_string(),
                    RESTARTED_AT,
                    restarted_at(&w.data).unwrap_or_else(|| "(none)".into()),
                    now,
                )],
                replicas,
                None,
            ))
        }
        Action::RolloutUndo {
            namespace,
            workload,
            revision,
        } => match workload.kind {
            WorkloadKind::Deployment => {
                super::rollback::preview(client, namespace, &workload.name, *revision, stamp).await
            }
            WorkloadKind::StatefulSet | WorkloadKind::DaemonSet => {
                super::revisions::preview(client, namespace, workload, *revision, stamp).await
            }
        },
        Action::RolloutPause { namespace, workload } | Action::RolloutResume { namespace, workload } => {
            refuse(action)?;
            let pause = matches!(action, Action::RolloutPause { .. });
            let d = deployments(client, namespace).get(&workload.name).await?;
            let before = d.spec.paused.unwrap_or(false);
            pause_patch(client, namespace, &workload.name, pause, stamp, true).await?;
            Ok(Preview::of(
                format!("{workload}: paused {before}→{pause}"),
                vec![Change::new(&workload.to_string(), "paused", before, pause)],
                1,
                (before != pause).then(|| pause_undo(pause, namespace, workload)),
            ))
        }
        Action::Scale {
            namespace,
            workload,
            replicas,
        } => {
            refuse(action)?;
            let current = current_replicas(client, namespace, workload).await?;
            scale_patch(client, namespace, workload, *replicas, stamp, true).await?;
            let moved = (current - replicas).unsigned_abs() as usize;
            Ok(Preview::of(
                format!("{workload}: replicas {current}→{replicas}"),
                vec![Change::new(&workload.to_string(), "replicas", current, replicas)],
                moved.max(1),
                (current != *replicas).then(|| Action::Scale {
                    namespace: namespace.clone(),
                    workload: workload.clone(),
                    replicas: current,
                }),
            ))
        }
        Action::SetImage {
            namespace,
            workload,
            container,
            image,
        } => {
            refuse(action)?;
            super::image::preview(client, namespace, workload, container.as_deref(), image, stamp).await
        }
        Action::Autoscale {
            namespace,
            workload,
            min,
            max,
        } => {
            refuse(action)?;
            super::autoscale::preview(client, namespace, workload, *min, *max, stamp).await
        }
        Action::EditConfig {
            namespace,
            config_map,
            set,
        } => {
            refuse(action)?;
            super::config::preview(client, namespace, config_map, set, stamp).await
        }
        Action::TakeOutOfService { namespace, pod } => {
            super::service::preview(client, namespace, pod, true, stamp).await
        }
        Action::ReturnToService { namespace, pod } => {
            super::service::preview(client, namespace, pod, false, stamp).await
        }
        Action::Isolate {
            namespace,
            selector,
            allow,
        } => {
            if selector.is_empty() {
                return Err(ActionError::ours(
                    "isolate needs a label selector; an empty one would cut off the whole namespace",
                ));
            }
            let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
            let matched = pods
                .list(&ListParams::default().labels(&selector_string(selector)))
                .await?
                .items
                .len();
            let policy = isolation_policy(namespace, selector, allow, stamp);
            let name = policy.metadata.name.clone().unwrap_or_default();
            policies(client, namespace)
                .create(
                    &PostParams {
                        dry_run: true,
                        ..Default::default()
                    },
                    &policy,
                )
                .await?;
            let peers: Vec<String> = allow.iter().map(|p| p.to_string()).collect();
            let (but, rule) = if peers.is_empty() {
                (String::new(), "yes (deny all)".to_string())
            } else {
                (
                    format!(" but to and from {}", peers.join(" ")),
                    format!("yes (deny all but {})", peers.join(" ")),
                )
            };
            let mut pv = Preview::of(
                format!(
                    "networkpolicy/{name} -n {namespace}: deny all traffic to and from {matched} pods matching {}{but}",
                    selector_string(selector)
                ),
                vec![Change::new(&format!("networkpolicy/{name}"), "exists", "no", rule)],
                matched.max(1),
                Some(Action::RemoveIsolation {
                    namespace: namespace.clone(),
                    policy: name,
                }),
            );
            if matched == 0 {
                pv.warnings.push("no pod matches the selector now".into());
            }
            if !allow.is_empty() {
                pv.warnings.push(
                    "outgoing traffic is limited to the peers named: DNS lookups fail unless the DNS pods are one of them (kube-system/k8s-app=kube-dns)"
                        .into(),
                );
            }
            Ok(pv)
        }
        Action::RemoveIsolation { namespace, policy } => {
            let p = policies(client, namespace).get(policy).await?;
            if !is_ours(&p) {
                return Err(ActionError::ours(format!(
                    "networkpolicy/{policy} was not made by warroom (no {ISOLATION_LABEL} label); not removing it"
                )));
            }
            policies(client, namespace)
                .delete(policy, &DeleteParams::default().dry_run())
                .await?;
            Ok(Preview::of(
                format!("networkpolicy/{policy} -n {namespace} will be deleted: traffic flows again"),
                vec![Change::new(&format!("networkpolicy/{policy}"), "exists", "yes", "no")],
                1,
                None,
            ))
        }
    }
}

/// Runs the action for real (drains run through `drain::run`). Returns a one-line summary,
/// the API's answer and the undo.
pub async fn run(client: &Client, action: &Action, stamp: &Stamp) -> Result<Done, ActionError> {
    match action {
        Action::Silence { .. } | Action::ExpireSilence { .. } => Err(ActionError::ours(format!(
            "{action} acts on Alertmanager, not the Kubernetes API"
        ))),
        Action::Cordon { node } | Action::Uncordon { node } => {
            let cordon = matches!(action, Action::Cordon { .. });
            let before = unschedulable(client, node).await?;
            let n = cordon_patch(client, node, cordon, stamp, false).await?;
            let after = n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
            let undo = match (cordon, before == after) {
                (_, true) => None,
                (true, false) => Some(Action::Uncordon { node: node.clone() }),
                (false, false) => Some(Action::Cordon { node: node.clone() }),
            };
            let word = if cordon { "cordoned" } else { "uncordoned" };
            Ok(Done::new(
                format!("node/{node} {word}"),
                json!({"unschedulable": after, "resourceVersion": n.metadata.resource_version}),
                undo,
            ))
        }
        Action::Drain { .. } => Err(ActionError::ours("a drain runs through drain::run")),
        Action::DeletePod { namespace, pod } => super::recycle::run(client, namespace, pod).await,
        Action::RolloutRestart { namespace, workload } => {
            let now = jiff::Timestamp::now().to_string();
            let w = restart_patch(client, namespace, workload, &now, stamp, false).await?;
            Ok(Done::new(
                format!("{workload} restarted"),
                json!({RESTARTED_AT: now, "generation": w.metadata.generation}),
                None,
            ))
        }
        Action::RolloutUndo {
            namespace,
            workload,
            revision,
        } => match workload.kind {
            WorkloadKind::Deployment => super::rollback::run(client, namespace, &workload.name, *revision, stamp).await,
            WorkloadKind::StatefulSet | WorkloadKind::DaemonSet => {
                super::revisions::run(client, namespace, workload, *revision, stamp).await
            }
        },
        Action::RolloutPause { namespace, workload } | Action::RolloutResume { namespace, workload } => {
            refuse(action)?;
            let pause = matches!(action, Action::RolloutPause { .. });
            let d = pause_patch(client, namespace, &workload.name, pause, stamp, false).await?;
            let word = if pause { "paused" } else { "resumed" };
            Ok(Done::new(
                format!("{workload} {word}"),
                json!({"paused": d.spec.paused, "generation": d.metadata.generation}),
                Some(pause_undo(pause, namespace, workload)),
            ))
        }
        Action::Scale {
            namespace,
            workload,
            replicas,
        } => {
            refuse(action)?;
            let current = current_replicas(client, namespace, workload).await?;
            let s = scale_patch(client, namespace, workload, *replicas, stamp, false).await?;
            Ok(Done::new(
                format!("{workload} scaled {current}→{replicas}"),
                json!({"replicas": s.spec.and_then(|s| s.replicas), "was": current}),
                (current != *replicas).then(|| Action::Scale {
                    namespace: namespace.clone(),
                    workload: workload.clone(),
                    replicas: current,
                }),
            ))
        }
        Action::SetImage {
            namespace,
            workload,
            container,
            image,
        } => {
            refuse(action)?;
            super::image::run(client, namespace, workload, container.as_deref(), image, stamp).await
        }
        Action::Autoscale {
            namespace,
            workload,
            min,
            max,
        } => {
            refuse(action)?;
            super::autoscale::run(client, namespace, workload, *min, *max, stamp).await
        }
        Action::EditConfig {
            namespace,
            config_map,
            set,
        } => {
            refuse(action)?;
            super::config::run(client, namespace, config_map, set, stamp).await
        }
        Action::TakeOutOfService { namespace, pod } => super::service::run(client, namespace, pod, true, stamp).await,
        Action::ReturnToService { namespace, pod } => super::service::run(client, namespace, pod, false, stamp).await,
        Action::Isolate {
            namespace,
            selector,
            allow,
        } => {
            let policy = isolation_policy(namespace, selector, allow, stamp);
            let name = policy.metadata.name.clone().unwrap_or_default();
            let created = policies(client, namespace)
                .create(&PostParams::default(), &policy)
                .await?;
            Ok(Done::new(
                format!(
                    "networkpolicy/{name} created: pods {} isolated",
                    selector_string(selector)
                ),
                json!({"name": name, "uid": created.metadata.uid}),
                Some(Action::RemoveIsolation {
                    namespace: namespace.clone(),
                    policy: name,
                }),
            ))
        }
        Action::RemoveIsolation { namespace, policy } => {
            let p = policies(client, namespace).get(policy).await?;
            if !is_ours(&p) {
                return Err(ActionError::ours(format!(
                    "networkpolicy/{policy} was not made by warroom; not removing it"
                )));
            }
            policies(client, namespace)
                .delete(policy, &DeleteParams::default())
                .await?;
            Ok(Done::new(
                format!("networkpolicy/{policy} deleted"),
                json!({"name": policy}),
                None,
            ))
        }
    }
}

pub(crate) fn deployments(client: &Client, namespace: &str) -> Api<Deployment> {
    Api::namespaced(client.clone(), namespace)
}

/// Deployments, StatefulSets or DaemonSets in a namespace, read as untyped objects so one code
/// path serves all three.
pub(crate) fn workloads(client: &Client, namespace: &str, kind: WorkloadKind) -> Api<DynamicObject> {
    let resource = match kind {
        WorkloadKind::Deployment => ApiResource::erase::<Deployment>(&()),
        WorkloadKind::StatefulSet => ApiResource::erase::<StatefulSet>(&()),
        WorkloadKind::DaemonSet => ApiResource::erase::<DaemonSet>(&()),
    };
    Api::namespaced_with(client.clone(), namespace, &resource)
}

/// An action that cannot apply to its kind of target stops here, before any request.
fn refuse(action: &Action) -> Result<(), ActionError> {
    match action.refusal() {
        Some(why) => Err(ActionError::ours(why)),
        None => Ok(()),
    }
}

/// How many pods a workload runs: its replicas, or for a DaemonSet one per node it covers.
pub(crate) fn pod_count(kind: WorkloadKind, data: &Value) -> usize {
    let n = match kind {
        WorkloadKind::DaemonSet => data.pointer("/status/desiredNumberScheduled").and_then(Value::as_i64),
        WorkloadKind::Deployment | WorkloadKind::StatefulSet => {
            Some(data.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1))
        }
    };
    n.unwrap_or(0).max(0) as usize
}

fn pause_undo(paused: bool, namespace: &str, workload: &Workload) -> Action {
    let (namespace, workload) = (namespace.to_string(), workload.clone());
    if paused {
        Action::RolloutResume { namespace, workload }
    } else {
        Action::RolloutPause { namespace, workload }
    }
}

fn policies(client: &Client, namespace: &str) -> Api<NetworkPolicy> {
    Api::namespaced(client.clone(), namespace)
}

async fn unschedulable(client: &Client, node: &str) -> Result<bool, ActionError> {
    let n = Api::<Node>::all(client.clone()).get(node).await?;
    Ok(n.spec.and_then(|s| s.unschedulable).unwrap_or(false))
}

/// kubectl's cordon patch: `{"spec":{"unschedulable":true}}`; uncordon sends null, not false.
pub(crate) async fn cordon_patch(
    client: &Client,
    node: &str,
    cordon: bool,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<Node, ActionError> {
    let value = if cordon { json!(true) } else { Value::Null };
    let patch = stamp.on(json!({"spec": {"unschedulable": value}}));
    Ok(Api::<Node>::all(client.clone())
        .patch(node, &params(dry_run), &Patch::Strategic(patch))
        .await?)
}

/// kubectl's restart: its restartedAt annotation on the pod template, as a strategic merge
/// patch with its field manager (the same for all three kinds).
pub(crate) async fn restart_patch(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    now: &str,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<DynamicObject, ActionError> {
    let patch = stamp.on(json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}));
    Ok(workloads(client, namespace, workload.kind)
        .patch(&workload.name, &rollout_params(dry_run), &Patch::Strategic(patch))
        .await?)
}

async fn pause_patch(
    client: &Client,
    namespace: &str,
    deployment: &str,
    pause: bool,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<Deployment, ActionError> {
    let value = if pause { json!(true) } else { Value::Null };
    Ok(deployments(client, namespace)
        .patch(
            deployment,
            &rollout_params(dry_run),
            &Patch::Strategic(stamp.on(json!({"spec": {"paused": value}}))),
        )
        .await?)
}

/// The replica count the scale subresource reports now (for the prompt and the undo).
pub async fn current_replicas(client: &Client, namespace: &str, workload: &Workload) -> Result<i32, ActionError> {
    let s = workloads(client, namespace, workload.kind)
        .get_scale(&workload.name)
        .await?;
    Ok(s.spec.and_then(|s| s.replicas).unwrap_or(0))
}

async fn scale_patch(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    replicas: i32,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<k8s_openapi::api::autoscaling::v1::Scale, ActionError> {
    if replicas < 0 {
        return Err(ActionError::ours(format!("cannot scale to {replicas} replicas")));
    }
    let api = workloads(client, namespace, workload.kind);
    let scale = api
        .patch_scale(
            &workload.name,
            &params(dry_run),
            &Patch::Merge(json!({"spec": {"replicas": replicas}})),
        )
        .await?;
    // The scale subresource has no metadata of its own to carry the stamp: the workload does.
    api.patch(&workload.name, &params(dry_run), &Patch::Merge(stamp.on(json!({}))))
        .await?;
    Ok(scale)
}

fn restarted_at(data: &Value) -> Option<String> {
    let key = RESTARTED_AT.replace('/', "~1");
    data.pointer(&format!("/spec/template/metadata/annotations/{key}"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The NetworkPolicy for a selector: with no peers allowed, no ingress or egress rule for either
/// direction (deny all); with peers, one rule each way naming them.
fn isolation_policy(
    namespace: &str,
    selector: &BTreeMap<String, String>,
    allow: &[Peer],
    stamp: &Stamp,
) -> NetworkPolicy {
    let name = isolation_policy_name(selector);
    let mut value = stamp.on(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_BY.0: MANAGED_BY.1, ISOLATION_LABEL: "true"},
            "annotations": {"warroom.dev/selector": selector_string(selector)},
        },
        "spec": {
            "podSelector": {"matchLabels": selector},
            "policyTypes": ["Ingress", "Egress"],
        },
    }));
    if !allow.is_empty() {
        let peers: Vec<Value> = allow.iter().map(Peer::policy_peer).collect();
        value["spec"]["ingress"] = json!([{"from": peers}]);
        value["spec"]["egress"] = json!([{"to": peers}]);
    }
    serde_json::from_value(value).unwrap_or_default()
}

fn is_ours(p: &NetworkPolicy) -> bool {
    p.metadata
        .labels
        .as_ref()
        .is_some_and(|l| l.get(ISOLATION_LABEL).is_some_and(|v| v == "true"))
}
