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
        }
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
    /// Refused with 429 (a disruption budget); retried.
    Held(String),
    /// Evicted; waiting for it to be gone.
    Evicted,
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
