//! Every kind of event the journal records, and where an entry came from.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::follow_up::{FollowUpState, Priority};
use super::hypothesis::HypothesisState;
use super::id::IncidentId;
use super::people::{ClusterIdentity, Role};
use super::severity::Severity;
use super::status::{Milestone, Status};

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Human,
    Automation,
    Cluster,
    Prometheus,
}

/// What kind of cluster change was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterChangeKind {
    Rollout,
    Crashloop,
    NodeCondition,
    Other,
}

/// A checklist step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Todo,
    Doing,
    Done,
    Skipped,
    Failed,
}

/// Which way a retrospective remark goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HowItWent {
    Well,
    Badly,
}

/// The incident as declared: the payload of the first line of every journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub impact: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Drill incidents are kept out of metrics.
    #[serde(default)]
    pub drill: bool,
    /// The drill played, when it is known: the debrief scores against its scenario and
    /// compares its runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played: Option<Played>,
}

/// The drill an incident was opened in: its scenario and when its clock started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Played {
    /// The scenario's name, e.g. `bad-deploy` (empty when not known).
    pub scenario: String,
    /// The drill clock's start (virtual time), from which the scenario's faults are timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// The drill log's file name (in the data directory's `drills/`): what changed the drill,
    /// from which reopening the incident resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

impl Played {
    /// A drill whose scenario and start are not known (a detector following a drill from
    /// outside).
    pub fn unknown() -> Played {
        Played {
            scenario: String::new(),
            start: None,
            log: None,
        }
    }
}

impl Declared {
    /// A real incident declared with a title and a severity, under investigation, its impact,
    /// services and components not yet known.
    pub fn new(id: IncidentId, title: impl Into<String>, severity: Severity) -> Declared {
        Declared {
            id,
            title: title.into(),
            severity,
            status: Status::Investigating,
            impact: String::new(),
            services: Vec::new(),
            components: Vec::new(),
            drill: false,
            played: None,
        }
    }
}

/// A containment action against the cluster, as requested and as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Ties the request to its dry run and outcome.
    pub action_id: String,
    /// What was done, e.g. `rollout_undo`, `scale`, `cordon`.
    pub action: String,
    /// What it was done to, e.g. `deployment/checkout -n shop`.
    pub target: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub parameters: serde_json::Value,
    /// The API server's answer (for dry runs and outcomes).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub response: serde_json::Value,
    /// Why it failed, in words (for failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Who the action ran as, as the cluster knows them (absent in older journals, and for
    /// actions on Alertmanager, which knows no cluster user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ClusterIdentity>,
}

/// Everything that can happen in an incident. Serialized as `"kind": ..., "payload": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Event {
    /// The first line of every journal.
    IncidentOpened(Declared),
    Note {
        text: String,
    },
    /// A drill facilitator's note: kept in the journal and the debrief, not shown to players.
    Aside {
        text: String,
    },
    Decision {
        text: String,
    },
    /// Entry `seq` is marked as one that matters (the postmortem lists it); the entry itself
    /// is unchanged, as every line of an append-only journal is.
    Pinned {
        seq: u64,
    },
    StatusChanged {
        from: Status,
        to: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A role handed from `from` to `to`; either may be absent (first assignment, stepping down).
    RoleChanged {
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    ImpactUpdated {
        impact: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        services: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        components: Vec<String>,
    },
    /// A milestone stated by a person, overriding the one derived from other events.
    MilestoneSet {
        milestone: Milestone,
        at: Timestamp,
    },
    AlertFiring {
        alert: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        labels: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starts_at: Option<Timestamp>,
    },
    AlertResolved {
        alert: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        labels: BTreeMap<String, String>,
    },
    ClusterChange {
        change: ClusterChangeKind,
        /// `kind/name` with namespace, e.g. `deployment/checkout -n shop`.
        object: String,
        summary: String,
        #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
        details: serde_json::Value,
    },
    /// The detector saw a service or node deviate from its baseline (opening the incident, or
    /// extending it when the deviation grew or came back).
    Detected(super::detection::DetectionRecord),
    /// The flight recorder sealed a segment of this incident's recording (`file`, beside the
    /// journal): the recording's length then and the hash chained over it, so that `journal
    /// verify` proves the recording untouched too.
    RecordingSealed {
        file: String,
        offset: u64,
        hash: String,
    },
    /// Evidence kept beside the journal: what was captured of `subject` (`holds`: the object as
    /// served, its events, a pod's logs), `why` (declared, before an action, asked), in the file
    /// `file` (named by its content's SHA-256, which `journal verify` checks).
    EvidenceCaptured {
        subject: String,
        why: String,
        file: String,
        sha256: String,
        bytes: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holds: Vec<String>,
    },
    /// A cluster signal the console derives (a workload crashlooping, a node not ready, a
    /// rollout stuck) appeared while the incident was open: `signal` is its kind, `subject` what
    /// it is about.
    SignalAppeared {
        signal: String,
        subject: String,
        message: String,
    },
    /// That signal cleared.
    SignalCleared {
        signal: String,
        subject: String,
        message: String,
    },
    /// How the incident hurt, measured in Prometheus from `from` to `to`: each followed service
    /// that was over its SLO in that span.
    ImpactMeasured {
        from: Timestamp,
        to: Timestamp,
        services: Vec<super::detection::ServiceImpact>,
    },
    /// The commander judged the detection a false positive.
    DetectionDismissed {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    ActionRequested(ActionRecord),
    ActionDryRun(ActionRecord),
    ActionSucceeded(ActionRecord),
    ActionFailed(ActionRecord),
    /// Stopped by the person while it ran; `response` says what was done before.
    ActionCancelled(ActionRecord),
    /// The person said no at the confirmation: nothing was sent.
    ActionDeclined(ActionRecord),
    /// The dry run showed it would change nothing, so nothing was asked or sent.
    ActionUnchanged(ActionRecord),
    /// Not allowed here (RBAC, read-only, or its target cannot take it), with why in `error`:
    /// nothing was sent.
    ActionRefused(ActionRecord),
    StatusUpdatePublished {
        /// Where it went, e.g. `statuspage`, `#incident`, `email:exec`.
        channel: String,
        #[serde(default)]
        external: bool,
        text: String,
    },
    /// A status update being written, saved as it is edited so a crash never loses it. Each
    /// save carries the whole text; the latest save of a `draft_id` is the draft.
    StatusDraftSaved {
        draft_id: String,
        /// The template it was started from, e.g. `internal-update`.
        template: String,
        /// Who it is for: `internal`, `public`, `executive`...
        audience: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        text: String,
    },
    /// A draft went out (after its `status_update_published`): it is no longer offered.
    StatusDraftPublished {
        draft_id: String,
        audience: String,
        channel: String,
    },
    /// One attempt to publish a status update that failed, with the exact text and why.
    StatusUpdateFailed {
        channel: String,
        #[serde(default)]
        external: bool,
        text: String,
        /// 1 for the first try.
        attempt: u32,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draft_id: Option<String>,
    },
    /// The update an audience was owed at `due_at` had not gone out.
    StatusUpdateOverdue {
        audience: String,
        due_at: Timestamp,
    },
    /// A playbook began to be followed (its checklist, by playbook id).
    ChecklistStarted {
        checklist: String,
    },
    ChecklistStepChanged {
        checklist: String,
        step: String,
        state: StepState,
        /// Why it was skipped or failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    ContributingFactor {
        text: String,
    },
    /// An explanation of what is going on, put forward to be tested. Its entry's number
    /// (`seq`) names it from then on; whoever put it forward owns it until someone tests it.
    HypothesisOpened {
        text: String,
    },
    /// The hypothesis opened at entry `hypothesis` moved to `state` (whoever moves it to
    /// testing takes it over), with what showed it.
    HypothesisChanged {
        hypothesis: u64,
        state: HypothesisState,
        /// The hypothesis' text, so the line reads on its own.
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Retrospective {
        went: HowItWent,
        text: String,
    },
    /// A follow-up for after the incident. Its entry's number (`seq`) names it from then on.
    ActionItem {
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<Priority>,
    },
    /// The follow-up opened at entry `item` changed: each field present is its new value.
    ActionItemChanged {
        item: u64,
        /// The follow-up's title, so the line reads on its own.
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<FollowUpState>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<Priority>,
    },
    /// A line this version of warroom cannot interpret (written by a newer one). Its bytes are
    /// still verified and kept; it is never produced by warroom itself.
    #[serde(skip)]
    Unrecognized {
        kind: String,
        payload: serde_json::Value,
    },
}

impl Event {
    /// The `kind` written on the journal line.
    pub fn kind(&self) -> &str {
        match self {
            Event::IncidentOpened(_) => "incident_opened",
            Event::Note { .. } => "note",
            Event::Aside { .. } => "aside",
            Event::Decision { .. } => "decision",
            Event::Pinned { .. } => "pinned",
            Event::StatusChanged { .. } => "status_changed",
            Event::SeverityChanged { .. } => "severity_changed",
            Event::RoleChanged { .. } => "role_changed",
            Event::ImpactUpdated { .. } => "impact_updated",
            Event::MilestoneSet { .. } => "milestone_set",
            Event::AlertFiring { .. } => "alert_firing",
            Event::AlertResolved { .. } => "alert_resolved",
            Event::ClusterChange { .. } => "cluster_change",
            Event::Detected(_) => "detected",
            Event::DetectionDismissed { .. } => "detection_dismissed",
            Event::EvidenceCaptured { .. } => "evidence_captured",
            Event::ImpactMeasured { .. } => "impact_measured",
            Event::SignalAppeared { .. } => "signal_appeared",
            Event::SignalCleared { .. } => "signal_cleared",
            Event::RecordingSealed { .. } => "recording_sealed",
            Event::ActionRequested(_) => "action_requested",
            Event::ActionDryRun(_) => "action_dry_run",
            Event::ActionSucceeded(_) => "action_succeeded",
            Event::ActionFailed(_) => "action_failed",
            Event::ActionCancelled(_) => "action_cancelled",
            Event::ActionDeclined(_) => "action_declined",
            Event::ActionUnchanged(_) => "action_unchanged",
            Event::ActionRefused(_) => "action_refused",
            Event::StatusUpdatePublished { .. } => "status_update_published",
            Event::StatusDraftSaved { .. } => "status_draft_saved",
            Event::StatusDraftPublished { .. } => "status_draft_published",
            Event::StatusUpdateFailed { .. } => "status_update_failed",
            Event::StatusUpdateOverdue { .. } => "status_update_overdue",
            Event::ChecklistStarted { .. } => "checklist_started",
            Event::ChecklistStepChanged { .. } => "checklist_step_changed",
            Event::ContributingFactor { .. } => "contributing_factor",
            Event::HypothesisOpened { .. } => "hypothesis_opened",
            Event::HypothesisChanged { .. } => "hypothesis_changed",
            Event::Retrospective { .. } => "retrospective",
            Event::ActionItem { .. } => "action_item",
            Event::ActionItemChanged { .. } => "action_item_changed",
            Event::Unrecognized { kind, .. } => kind,
        }
    }

    /// Rebuilds an event from a line's `kind` and `payload`. A kind or payload this version
    /// does not understand becomes `Unrecognized`, never an error: the line is still evidence.
    pub fn from_parts(kind: &str, payload: serde_json::Value) -> Event {
        let tagged = serde_json::json!({ "kind": kind, "payload": payload });
        match serde_json::from_value::<Event>(tagged) {
            Ok(e) => e,
            Err(_) => Event::Unrecognized {
                kind: kind.to_string(),
                payload,
            },
        }
    }
}
