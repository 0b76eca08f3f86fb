//! Projections of Kubernetes objects into the compact rows the health model keeps: only what
//! the panes need (a pod row is a few dozen bytes, not the ~9 KB of a full Pod). Pure
//! functions; interning is done by the caller's `Interner`.

use crate::text::CleanText;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::intern::Interner;
use super::pod_view::{PodView, TEMPLATE_HASH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl Phase {
    fn parse(s: Option<&str>) -> Phase {
        match s {
            Some("Pending") => Phase::Pending,
            Some("Running") => Phase::Running,
            Some("Succeeded") => Phase::Succeeded,
            Some("Failed") => Phase::Failed,
            _ => Phase::Unknown,
        }
    }
}

/// The kind of controller that owns pods and makes a workload row: a Deployment (through its
/// ReplicaSets), a DaemonSet, a StatefulSet, or another (a Job, a bare ReplicaSet). Actions take
/// the first three as `actions::WorkloadKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum OwnerKind {
    Deployment,
    DaemonSet,
    StatefulSet,
    Other,
}

/// Which workload a pod belongs to: (kind, name) in the pod's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Owner {
    pub kind: OwnerKind,
    pub name: CleanText,
}

/// A pod as the model keeps it: 64 bytes, so 150,000 of them and their map stay small (what
/// is wrong with a pod is rare and kept behind one pointer).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "PodRowShape", into = "PodRowShape")]
pub struct PodRow {
    pub phase: Phase,
    pub ready: bool,
    pub restarts: u32,
    /// What is wrong, if anything is.
    pub trouble: Option<Box<Trouble>>,
    pub node: Option<CleanText>,
    pub owner: Option<Owner>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    pub terminating: bool,
}

/// What is wrong with a pod, when something is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trouble {
    /// Why a container waits (`CrashLoopBackOff`, `ImagePullBackOff`), if one does.
    pub waiting: Option<CleanText>,
    /// The last termination reason (`OOMKilled`, `Error`).
    pub last_termination: Option<CleanText>,
    /// The last termination message (a crashing container's last words).
    pub last_message: Option<CleanText>,
    /// `Evicted` and the like.
    pub reason: Option<CleanText>,
}

impl Trouble {
    /// `self` behind a pointer, or nothing when nothing is wrong.
    pub fn boxed(self) -> Option<Box<Trouble>> {
        (self != Trouble::default()).then(|| Box::new(self))
    }
}

impl PodRow {
    /// What kubectl's STATUS column says of the pod: Terminating, why a container waits (e.g.
    /// CrashLoopBackOff), the pod's reason (Evicted), else its phase (Completed for Succeeded).
    pub fn status(&self) -> &str {
        if self.terminating {
            return "Terminating";
        }
        if let Some(why) = self.waiting().or(self.reason()) {
            return why.as_str();
        }
        match self.phase {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Completed",
            Phase::Failed => "Failed",
            Phase::Unknown => "Unknown",
        }
    }

    /// In CrashLoopBackOff, or restarted after a failure and not ready yet: a pod between two
    /// crashes counts too, so the signal does not flap with every restart.
    pub fn crashlooping(&self) -> bool {
        self.waiting().map(CleanText::as_str) == Some("CrashLoopBackOff")
            || (self.restarts > 0 && self.last_termination().is_some() && !self.ready && !self.terminating)
    }

    pub fn waiting(&self) -> Option<&CleanText> {
        self.trouble.as_ref()?.waiting.as_ref()
    }

    pub fn last_termination(&self) -> Option<&CleanText> {
        self.trouble.as_ref()?.last_termination.as_ref()
    }

    pub fn last_message(&self) -> Option<&CleanText> {
        self.trouble.as_ref()?.last_message.as_ref()
    }

    pub fn reason(&self) -> Option<&CleanText> {
        self.trouble.as_ref()?.reason.as_ref()
    }
}

/// A pod row as a kept picture spells it (its trouble's fields beside the others).
#[derive(serde::Serialize, serde::Deserialize)]
struct PodRowShape {
    phase: Phase,
    ready: bool,
    restarts: u32,
    waiting: Option<CleanText>,
    last_termination: Option<CleanText>,
    last_message: Option<CleanText>,
    reason: Option<CleanText>,
    node: Option<CleanText>,
    owner: Option<Owner>,
    created: i64,
    terminating: bool,
}

impl From<PodRowShape> for PodRow {
    fn from(s: PodRowShape) -> PodRow {
        let trouble = Trouble {
            waiting: s.waiting,
            last_termination: s.last_termination,
            last_message: s.last_message,
            reason: s.reason,
        };
        PodRow {
            phase: s.phase,
            ready: s.ready,
            restarts: s.restarts,
            trouble: trouble.boxed(),
            node: s.node,
            owner: s.owner,
            created: s.created,
            terminating: s.terminating,
        }
    }
}

impl From<PodRow> for PodRowShape {
    fn from(p: PodRow) -> PodRowShape {
        let t = p.trouble.map(|t| *t).unwrap_or_default();
        PodRowShape {
            phase: p.phase,
            ready: p.ready,
            restarts: p.restarts,
            waiting: t.waiting,
            last_termination: t.last_termination,
            last_message: t.last_message,
            reason: t.reason,
            node: p.node,
            owner: p.owner,
            created: p.created,
            terminating: p.terminating,
        }
    }
}

/// A node as the model keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeRow {
    pub ready: bool,
    /// Ready is Unknown (the kubelet stopped reporting).
    pub unknown: bool,
    pub memory_pressure: bool,
    pub disk_pressure: bool,
    pub pid_pressure: bool,
    pub unschedulable: bool,
    pub pod_capacity: u32,
    pub zone: Option<CleanText>,
}

impl NodeRow {
    pub fn pressure(&self) -> bool {
        self.memory_pressure || self.disk_pressure || self.pid_pressure
    }
}

/// A workload (Deployment, DaemonSet, StatefulSet) as the model keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkloadRow {
    pub desired: u32,
    pub ready: u32,
    pub updated: u32,
    pub available: u32,
    pub paused: bool,
    pub revision: Option<CleanText>,
    pub image: Option<CleanText>,
    /// The rollout has not finished (new generation not observed, or replicas not updated/available).
    pub rolling: bool,
    /// Progressing=False with ProgressDeadlineExceeded.
    pub deadline_exceeded: bool,
}

/// A Warning event as the model keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WarningRow {
    pub reason: CleanText,
    pub object: CleanText,
    pub message: CleanText,
    pub count: u32,
    pub last_seen: i64,
}

fn seconds(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> i64 {
    t.map(|t| t.0.as_second()).unwrap_or(0)
}

pub fn pod_row(pod: &PodView, i: &mut Interner) -> PodRow {
    let status = pod.status.as_ref();
    let statuses = status.and_then(|s| s.container_statuses.as_deref()).unwrap_or(&[]);
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let restarts = statuses
        .iter()
        .map(|c| c.restart_count.unwrap_or(0).max(0) as u32)
        .sum();
    let waiting = statuses
        .iter()
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
        .max_by_key(|r| *r == "CrashLoopBackOff")
        .map(|r| i.get(r));
    let last_termination = statuses
        .iter()
        .filter_map(|c| c.last_state.as_ref()?.terminated.as_ref()?.reason.as_deref())
        .next()
        .map(|r| i.get(r));
    let last_message = statuses
        .iter()
        .filter_map(|c| c.last_state.as_ref()?.terminated.as_ref()?.message.as_deref())
        .find(|m| !m.is_empty())
        .map(CleanText::line);
    let owner = pod
        .metadata
        .owner_references
        .as_ref()
        .and_then(|refs| refs.iter().find(|r| r.controller == Some(true)).or(refs.first()))
        .map(|r| {
            let (kind, name) = match r.kind.as_str() {
                // A ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that deployment.
                "ReplicaSet" => {
                    let hash = pod.metadata.labels.as_ref().and_then(|l| l.get(TEMPLATE_HASH));
                    match hash.and_then(|h| r.name.strip_suffix(&format!("-{h}"))) {
                        Some(d) => (OwnerKind::Deployment, d),
                        None => (OwnerKind::Other, r.name.as_str()),
                    }
                }
                "DaemonSet" => (OwnerKind::DaemonSet, r.name.as_str()),
                "StatefulSet" => (OwnerKind::StatefulSet, r.name.as_str()),
                _ => (OwnerKind::Other, r.name.as_str()),
            };
            Owner {
                kind,
                name: i.get(name),
            }
        });
    PodRow {
        phase: Phase::parse(status.and_then(|s| s.phase.as_deref())),
        ready,
        restarts,
        trouble: Trouble {
            waiting,
            last_termination,
            last_message,
            reason: status.and_then(|s| s.reason.as_deref()).map(|r| i.get(r)),
        }
        .boxed(),
        node: pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).map(|n| i.get(n)),
        owner,
        created: seconds(pod.metadata.creation_timestamp.as_ref()),
        terminating: pod.metadata.deletion_timestamp.is_some(),
    }
}

fn quantity_u32(q: Option<&Quantity>) -> u32 {
    q.and_then(|q| q.0.parse().ok()).unwrap_or(0)
}

pub fn node_row(node: &Node, i: &mut Interner) -> NodeRow {
    let conditions = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or(&[]);
    let status = |t: &str| conditions.iter().find(|c| c.type_ == t).map(|c| c.status.as_str());
    NodeRow {
        ready: status("Ready") == Some("True"),
        unknown: status("Ready") == Some("Unknown"),
        memory_pressure: status("MemoryPressure") == Some("True"),
        disk_pressure: status("DiskPressure") == Some("True"),
        pid_pressure: status("PIDPressure") == Some("True"),
        unschedulable: node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false),
        pod_capacity: quantity_u32(
            node.status
                .as_ref()
                .and_then(|s| s.allocatable.as_ref().or(s.capacity.as_ref()))
                .and_then(|a| a.get("pods")),
        ),
        zone: node
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("topology.kubernetes.io/zone"))
            .map(|z| i.get(z)),
    }
}

fn first_image(spec: Option<&k8s_openapi::api::core::v1::PodSpec>, i: &mut Interner) -> Option<CleanText> {
    spec.and_then(|s| s.containers.first())
        .and_then(|c| c.image.as_deref())
        .map(|img| i.get(img))
}

pub fn deployment_row(d: &Deployment, i: &mut Interner) -> WorkloadRow {
    let spec = &d.spec;
    let status = d.status.as_ref();
    let desired = spec.replicas.unwrap_or(1).max(0) as u32;
    let get = |f: fn(&k8s_openapi::api::apps::v1::DeploymentStatus) -> Option<i32>| {
        status.and_then(f).unwrap_or(0).max(0) as u32
    };
    let (replicas, updated, ready, available) = (
        get(|s| s.replicas),
        get(|s| s.updated_replicas),
        get(|s| s.ready_replicas),
        get(|s| s.available_replicas),
    );
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    let generation = d.metadata.generation.unwrap_or(0);
    let deadline_exceeded = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_.as_deref() == Some("Progressing")))
        .is_some_and(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded"));
    WorkloadRow {
        desired,
        ready,
        updated,
        available,
        paused: spec.paused.unwrap_or(false),
        revision: d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            .map(|r| i.get(r)),
        image: first_image(spec.template.spec.as_ref(), i),
        rolling: observed < generation || updated < desired || replicas > updated || available < updated,
        deadline_exceeded,
    }
}

pub fn daemonset_row(d: &DaemonSet, i: &mut Interner) -> WorkloadRow {
    let s = d.status.as_ref();
    let desired = s.map(|s| s.desired_number_scheduled).unwrap_or(0).max(0) as u32;
    let updated = s.and_then(|s| s.updated_number_scheduled).unwrap_or(0).max(0) as u32;
    let available = s.and_then(|s| s.number_available).unwrap_or(0).max(0) as u32;
    let observed = s.and_then(|s| s.observed_generation).unwrap_or(0);
    WorkloadRow {
        desired,
        ready: s.map(|s| s.number_ready).unwrap_or(0).max(0) as u32,
        updated,
        available,
        paused: false,
        revision: None,
        image: first_image(d.spec.template.spec.as_ref(), i),
        rolling: observed < d.metadata.generation.unwrap_or(0) || updated < desired || available < desired,
        deadline_exceeded: false,
    }
}

pub fn statefulset_row(d: &StatefulSet, i: &mut Interner) -> WorkloadRow {
    let s = d.status.as_ref();
    let desired = d.spec.replicas.unwrap_or(1).max(0) as u32;
    let updated = s.and_then(|s| s.updated_replicas).unwrap_or(0).max(0) as u32;
    let available = s.and_then(|s| s.available_replicas).unwrap_or(0).max(0) as u32;
    let observed = s.and_then(|s| s.observed_generation).unwrap_or(0);
    WorkloadRow {
        desired,
        ready: s.and_then(|s| s.ready_replicas).unwrap_or(0).max(0) as u32,
        updated,
        available,
        paused: false,
        revision: s.and_then(|s| s.update_revision.as_deref()).map(|r| i.get(r)),
        image: first_image(d.spec.template.spec.as_ref(), i),
        rolling: observed < d.metadata.generation.unwrap_or(0) || updated < desired || available < desired,
        deadline_exceeded: false,
    }
}

/// A Warning event's row; None for Normal events.
pub fn warning_row(e: &Event, i: &mut Interner) -> Option<WarningRow> {
    if e.type_.as_deref() != Some("Warning") {
        return None;
    }
    let o = &e.involved_object;
    let object = format!(
        "{}/{}",
        o.kind.as_deref().unwrap_or("object").to_lowercase(),
        o.name.as_deref().unwrap_or("")
    );
    Some(WarningRow {
        reason: i.get(e.reason.as_deref().unwrap_or("Unknown")),
        object: CleanText::line(object.as_str()),
        message: CleanText::line(e.message.as_deref().unwrap_or("")),
        count: e.count.unwrap_or(1).max(1) as u32,
        last_seen: seconds(e.last_timestamp.as_ref()).max(e.event_time.as_ref().map(|t| t.0.as_second()).unwrap_or(0)),
    })
}
