//! What an action will change (from the server-side dry run), how it is going (per pod, for
//! drains) and how it ended, with its undo. Plain data shared by the flow, the runner and the
//! overlay; strings may come from the cluster and are cleaned where they are drawn.

use serde::Serialize;

use super::catalogue::Action;

/// One field that changes: `node/node-7 unschedulable false → true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub object: String,
    pub field: String,
    pub from: String,
    pub to: String,
}

impl Change {
    pub fn new(object: &str, field: &str, from: impl ToString, to: impl ToString) -> Change {
        Change {
            object: object.to_string(),
            field: field.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        }
    }
}

/// A pod a drain will evict, and what holds it back if anything does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodPlan {
    pub namespace: String,
    pub name: String,
    /// Why the dry-run eviction was refused (a PodDisruptionBudget), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

/// The preview shown before confirmation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// One line, e.g. `node-7: unschedulable false→true; 23 pods will be evicted, 3 held by a PDB`.
    pub summary: String,
    pub changes: Vec<Change>,
    /// Pods a drain will evict (empty for other actions).
    pub pods: Vec<PodPlan>,
    /// Pods a drain leaves alone, with why (DaemonSet, mirror pod).
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    /// How many objects the action changes (pods replaced or evicted count).
    pub objects: usize,
    /// What would undo it, as known before it runs.
    pub undo: Option<Action>,
    /// For a rollback: the workload's history, to pick another revision from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
}

/// A workload's rollout history as a rollback preview shows it: which revision runs now and
/// which one the rollback goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History {
    pub current: i64,
    pub target: i64,
    /// Oldest first.
    pub revisions: Vec<PastRevision>,
}

/// One revision of a workload's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastRevision {
    pub number: i64,
    /// `container=image` for each container.
    pub images: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_cause: Option<String>,
}

impl History {
    /// The revision one step from the target in the history as shown, newest first: `newer`
    /// moves up the list, else down. The running revision is passed over (rolling back to it
    /// changes nothing); None at either end.
    pub fn neighbour(&self, newer: bool) -> Option<i64> {
        let others = self.revisions.iter().map(|r| r.number).filter(|n| *n != self.current);
        if newer {
            others.filter(|n| *n > self.target).min()
        } else {
            others.filter(|n| *n < self.target).max()
        }
    }
}

impl Preview {
    /// A preview of field changes only (no pods, nothing skipped, no warnings).
    pub fn of(summary: String, changes: Vec<Change>, objects: usize, undo: Option<Action>) -> Preview {
        Preview {
            summary,
            changes,
            pods: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            objects,
            undo,
            history: None,
        }
    }

    /// Whether the dry run says it would change nothing: every field it names stays as it is
    /// (or it names none and touches nothing), and no pod is evicted.
    pub fn unchanged(&self) -> bool {
        let same = if self.changes.is_empty() {
            self.objects == 0
        } else {
            self.changes.iter().all(|c| c.from == c.to)
        };
        same && self.pods.is_empty()
    }

    pub fn held(&self) -> usize {
        self.pods.iter().filter(|p| p.held.is_some()).count()
    }
}

/// Where one pod of a drain stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum PodState {
    Waiting,
    Evicting,
    /// Refused with 429 (a disruption budget) `tries` times over `for_secs`; retried.
    Held {
        why: String,
        tries: u32,
        for_secs: u64,
    },
    /// Evicted; waiting for it to be gone.
    Evicted,
    /// Evicted on a node that is not Ready: no kubelet will confirm it is gone, so it stays
    /// Terminating; the drain does not wait for it.
    Terminating,
    Gone,
    Failed(String),
}

/// A progress report while an action runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// `namespace/name` of the pod, or the object the step is about.
    pub object: String,
    pub state: PodState,
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub summary: String,
    /// What undoes it (itself an action, run through the same flow).
    pub undo: Option<Action>,
    /// Stopped by the user before it finished.
    pub cancelled: bool,
    /// The API server's answer, trimmed to what matters.
    pub api: serde_json::Value,
    pub duration_ms: u64,
}

/// What a run did, as the code that ran it reports it; the runner makes it an `Outcome` with
/// the timing and whether it was cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub summary: String,
    /// The API server's answer, trimmed to what matters.
    pub api: serde_json::Value,
    /// What undoes it.
    pub undo: Option<Action>,
    /// It stopped early because the person cancelled it (what was done is in `summary`).
    pub cancelled: bool,
}

impl Done {
    pub fn new(summary: impl Into<String>, api: serde_json::Value, undo: Option<Action>) -> Done {
        Done {
            summary: summary.into(),
            api,
            undo,
            cancelled: false,
        }
    }
}
