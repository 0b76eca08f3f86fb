//! Draining a node as kubectl does: cordon, then evict every pod on it through the eviction
//! API (policy/v1, or v1beta1 where that is what the server offers), skipping DaemonSet and
//! mirror pods; a PodDisruptionBudget's 429 is reported per pod and retried; each evicted
//! pod is waited for until it is gone. Cancellable between attempts.

use std::time::Duration;

use crate::sink::Sink;
use futures::future::join_all;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Client;
use kube::api::{Api, ListParams, PostParams};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::catalogue::Action;
use super::kube::{ActionError, cordon_patch};
use super::preview::{Change, PodPlan, PodState, Preview, Progress};
use super::stamp::Stamp;

/// The annotation that marks a static (mirror) pod.
const MIRROR: &str = "kubernetes.io/config.mirror";

/// How a drain paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Wait between evictions refused by a disruption budget (kubectl: 5 s).
    pub retry: Duration,
    /// How often to look whether an evicted pod is gone.
    pub poll: Duration,
    /// Give up on a pod that is not gone after this long.
    pub timeout: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            retry: Duration::from_secs(5),
            poll: Duration::from_millis(500),
            timeout: Duration::from_secs(600),
        }
    }
}

/// The pods on a node, split into those a drain evicts and those it leaves (with why).
pub(crate) struct Split {
    pub evict: Vec<Pod>,
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
}

pub(crate) async fn split(client: &Client, node: &str) -> Result<Split, ActionError> {
    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
        .await?;
    let mut out = Split {
        evict: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    let mut unmanaged = 0;
    let mut empty_dir = 0;
    for p in pods.items {
        let name = full_name(&p);
        let controller = p
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|o| o.controller == Some(true)).cloned());
        if p.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(MIRROR)) {
            out.skipped.push(format!("{name} (mirror pod)"));
            continue;
        }
        if controller.as_ref().is_some_and(|c| c.kind == "DaemonSet") {
            out.skipped.push(format!("{name} (DaemonSet)"));
            continue;
        }
        if controller.is_none() {
            unmanaged += 1;
        }
        if p.spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some()))
        {
            empty_dir += 1;
        }
        out.evict.push(p);
    }
    if unmanaged > 0 {
        out.warnings.push(format!(
            "{} with no controller: deleted for good, nothing brings {} back",
            n_pods(unmanaged),
            if unmanaged == 1 { "it" } else { "them" }
        ));
    }
    if empty_dir > 0 {
        out.warnings.push(format!(
            "{} with emptyDir volumes: that data is lost",
            n_pods(empty_dir)
        ));
    }
    Ok(out)
}

fn full_name(p: &Pod) -> String {
    format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or(""),
        p.metadata.name.as_deref().unwrap_or("")
    )
}

/// Which eviction API the server offers, as kubectl finds out: `pods/eviction` in `/api/v1`.
pub(crate) async fn eviction_version(client: &Client) -> Result<Option<String>, ActionError> {
    let list = client.list_core_api_resources("v1").await?;
    Ok(list
        .resources
        .iter()
        .find(|r| r.name == "pods/eviction")
        .map(|r| match (&r.group, &r.version) {
            (Some(g), Some(v)) if !g.is_empty() => format!("{g}/{v}"),
            _ => "policy/v1".to_string(),
        }))
}

/// Sends one eviction (the dry run in the body, where the apiserver reads it).
pub(crate) async fn evict(
    client: &Client,
    version: &str,
    ns: &str,
    name: &str,
    dry_run: bool,
) -> Result<Value, ActionError> {
    let mut body = json!({
        "apiVersion": version,
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": ns},
    });
    if dry_run {
        body["deleteOptions"] = json!({"dryRun": ["All"]});
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    Ok(pods
        .create_subresource::<_, Value>("eviction", name, &PostParams::default(), &body)
        .await?)
}

/// A dry-run eviction: None when it would go through, the budget's reason when one holds the pod.
pub(crate) async fn held_by_budget(
    client: &Client,
    version: &str,
    ns: &str,
    name: &str,
) -> Result<Option<String>, ActionError> {
    match evict(client, version, ns, name, true).await {
        Ok(_) => Ok(None),
        Err(e) if e.code == 429 => Ok(Some(held_reason(&e))),
        Err(e) => Err(e),
    }
}

/// Why a 429 held the pod, from the Status's causes.
pub(crate) fn held_reason(e: &ActionError) -> String {
    e.api
        .pointer("/details/causes/0/message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| e.message.clone())
}

/// What a drain needs to know of the node: whether it is cordoned already, and whether its
/// kubelet is there to confirm that evicted pods are gone (its Ready condition is True).
struct NodeState {
    unschedulable: bool,
    ready: bool,
}

async fn node_state(client: &Client, node: &str) -> Result<NodeState, ActionError> {
    let n = Api::<Node>::all(client.clone()).get(node).await?;
    let ready = n
        .status
        .and_then(|s| s.conditions)
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    Ok(NodeState {
        unschedulable: n.spec.and_then(|s| s.unschedulable).unwrap_or(false),
        ready,
    })
}

/// `1 pod`, `3 pods`.
fn n_pods(n: usize) -> String {
    format!("{n} pod{}", if n == 1 { "" } else { "s" })
}

/// Why a not-Ready node's evicted pods stay Terminating.
const NOT_READY: &str = "the node is not Ready: its kubelet cannot confirm that evicted pods are gone, so they \
     stay Terminating; the drain counts them done once evicted, and their controllers replace them elsewhere";

pub async fn preview(client: &Client, node: &str, stamp: &Stamp) -> Result<Preview, ActionError> {
    let state = node_state(client, node).await?;
    let before = state.unschedulable;
    cordon_patch(client, node, true, stamp, true).await?;
    let split = split(client, node).await?;
    let version = eviction_version(client).await?;
    let mut pods = Vec::new();
    for p in &split.evict {
        let ns = p.metadata.namespace.clone().unwrap_or_default();
        let name = p.metadata.name.clone().unwrap_or_default();
        let held = match &version {
            Some(v) => match held_by_budget(client, v, &ns, &name).await {
                Ok(held) => held,
                Err(e) if e.code == 404 => continue,
                Err(e) => return Err(e),
            },
            None => None,
        };
        pods.push(PodPlan {
            namespace: ns,
            name,
            held,
        });
    }
    let held = pods.iter().filter(|p| p.held.is_some()).count();
    let mut summary = format!(
        "{node}: unschedulable {before}→true; {} will be evicted",
        n_pods(pods.len())
    );
    if held > 0 {
        summary.push_str(&format!(", {held} held by a PDB"));
    }
    if !split.skipped.is_empty() {
        summary.push_str(&format!("; {} left (DaemonSet or mirror)", split.skipped.len()));
    }
    let mut warnings = split.warnings;
    if !state.ready && !pods.is_empty() {
        warnings.push(NOT_READY.to_string());
    }
    if version.is_none() {
        warnings.push("the server offers no eviction API: pods will be deleted, ignoring budgets".into());
    }
    let change = Change::new(&format!("node/{node}"), "unschedulable", before, "true");
    let undo = Some(Action::Uncordon { node: node.to_string() });
    let objects = pods.len() + 1;
    Ok(Preview {
        pods,
        skipped: split.skipped,
        warnings,
        ..Preview::of(summary, vec![change], objects, undo)
    })
}

/// What a drain did.
pub struct Drained {
    pub evicted: Vec<String>,
    /// Evicted pods left Terminating on a node that is not Ready (also in `evicted`).
    pub terminating: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub cancelled: bool,
}

/// Cordons the node, then evicts its pods in parallel, each retried while a budget holds it.
pub async fn run(
    client: &Client,
    node: &str,
    stamp: &Stamp,
    pacing: Pacing,
    progress: &Sink<Progress>,
    cancel: &CancellationToken,
) -> Result<Drained, ActionError> {
    let ready = node_state(client, node).await?.ready;
    cordon_patch(client, node, true, stamp, false).await?;
    let split = split(client, node).await?;
    let version = eviction_version(client).await?;
    for p in &split.evict {
        progress(Progress {
            object: full_name(p),
            state: PodState::Waiting,
        });
    }
    let tasks = split
        .evict
        .iter()
        .map(|p| evict_one(client, version.as_deref(), p, ready, pacing, progress, cancel));
    let results = join_all(tasks).await;
    let mut drained = Drained {
        evicted: Vec::new(),
        terminating: Vec::new(),
        failed: Vec::new(),
        cancelled: cancel.is_cancelled(),
    };
    for (p, r) in split.evict.iter().zip(results) {
        match r {
            Ok(Fate::Gone) => drained.evicted.push(full_name(p)),
            Ok(Fate::Terminating) => {
                drained.evicted.push(full_name(p));
                drained.terminating.push(full_name(p));
            }
            Ok(Fate::Cancelled) => {}
            Err(e) => drained.failed.push((full_name(p), e.message)),
        }
    }
    Ok(drained)
}

impl Drained {
    /// `node/node-3 drained: 3 pods evicted (1 left Terminating: the node is not Ready)`.
    pub fn summary(&self, node: &str) -> String {
        let word = if self.cancelled { "drain cancelled" } else { "drained" };
        let mut s = format!("node/{node} {word}: {} evicted", n_pods(self.evicted.len()));
        if !self.terminating.is_empty() {
            s.push_str(&format!(
                " ({} left Terminating: the node is not Ready)",
                self.terminating.len()
            ));
        }
        s
    }
}

/// How one pod's eviction ended.
enum Fate {
    Gone,
    /// Evicted on a node that is not Ready: it stays Terminating until its kubelet returns.
    Terminating,
    Cancelled,
}

async fn evict_one(
    client: &Client,
    version: Option<&str>,
    pod: &Pod,
    node_ready: bool,
    pacing: Pacing,
    progress: &Sink<Progress>,
    cancel: &CancellationToken,
) -> Result<Fate, ActionError> {
    let object = full_name(pod);
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone();
    let report = |state: PodState| {
        progress(Progress {
            object: object.clone(),
            state,
        });
    };
    let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let mut held: Option<(tokio::time::Instant, u32)> = None;
    loop {
        if cancel.is_cancelled() {
            return Ok(Fate::Cancelled);
        }
        report(PodState::Evicting);
        let sent = match version {
            Some(v) => evict(client, v, &ns, &name, false).await.map(|_| ()),
            None => api
                .delete(&name, &kube::api::DeleteParams::default())
                .await
                .map(|_| ())
                .map_err(ActionError::from),
        };
        match sent {
            Ok(()) => break,
            Err(e) if e.code == 404 => {
                report(PodState::Gone);
                return Ok(Fate::Gone);
            }
            Err(e) if e.code == 429 => {
                let (since, tries) = held.get_or_insert((tokio::time::Instant::now(), 0));
                *tries += 1;
                report(PodState::Held {
                    why: held_reason(&e),
                    tries: *tries,
                    for_secs: since.elapsed().as_secs(),
                });
                tokio::select! {
                    _ = cancel.cancelled() => return Ok(Fate::Cancelled),
                    _ = tokio::time::sleep(pacing.retry) => {}
                }
            }
            Err(e) => {
                report(PodState::Failed(e.message.clone()));
                return Err(e);
            }
        }
    }
    report(PodState::Evicted);
    let deadline = tokio::time::Instant::now() + pacing.timeout;
    loop {
        match api.get_opt(&name).await.map_err(ActionError::from)? {
            None => break,
            Some(p) if p.metadata.uid != uid => break,
            // No kubelet will confirm it: waiting would only run into the timeout.
            Some(p) if !node_ready && p.metadata.deletion_timestamp.is_some() => {
                report(PodState::Terminating);
                return Ok(Fate::Terminating);
            }
            Some(_) => {}
        }
        if tokio::time::Instant::now() >= deadline {
            let e = ActionError::ours(format!(
                "{object} was evicted but is still there after {:?}",
                pacing.timeout
            ));
            report(PodState::Failed(e.message.clone()));
            return Err(e);
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(Fate::Cancelled),
            _ = tokio::time::sleep(pacing.poll) => {}
        }
    }
    report(PodState::Gone);
    Ok(Fate::Gone)
}
