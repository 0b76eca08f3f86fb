//! What `update` asks the outside world to do, since it may not do I/O itself: journal writes,
//! status publishes, access checks, the steps of containment actions, and loading theme or
//! keymap files, reading history for the detector and filing what it finds. `update` returns them; the console's executor carries them out and answers
//! with messages that name the request they answer.

use crate::comms::channel::Channel;
use crate::comms::drafts::DraftText;
use crate::comms::publish::Message;
use crate::incident::model::{Event, HypothesisState, Role, Severity, Status};

use super::state::Subject;

/// A change to the active incident, turned into a journal event by the journal link (which
/// reads the incident as it stands under the journal's lock, so refusals are exact).
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentChange {
    Note {
        text: String,
        pinned: bool,
    },
    /// A facilitator's note, which players' consoles do not show.
    Aside(String),
    Decision(String),
    /// Mark journal entry `seq` as pinned.
    Pin(u64),
    Severity(Severity),
    Status(Status),
    Role {
        role: Role,
        person: Option<String>,
    },
    /// Record a console line (a cluster signal, say) in the journal, pinned.
    PinCluster {
        text: String,
        object: String,
    },
    /// Record an event as it is (a checklist step's new state).
    Record(Event),
    /// An alert fired or resolved (`alert_firing` or `alert_resolved`): written unless the
    /// journal says so already (another console may have written it).
    Alert(Event),
    /// A cluster signal appeared or cleared (`signal_appeared`, `signal_cleared`): written
    /// unless the journal says so already.
    Signal(Event),
    /// Put forward an explanation to test.
    Hypothesis(String),
    /// Move hypothesis `#seq` to `state`, saying why.
    MoveHypothesis {
        seq: u64,
        state: HypothesisState,
        reason: Option<String>,
    },
    /// Record a follow-up, or change one.
    FollowUp(crate::incident::follow_ups::Asked),
}

impl Effect {
    /// What a read-only console (`--read-only`, the observer role) may write: its notes,
    /// decisions, pins and hypotheses, its own draft, and what warroom notices; never the incident's state
    /// (declaring, severity, status, roles, the checklist). Actions still go to the runner,
    /// which refuses them and records why. Enforced once, on what `update` returns.
    pub fn read_only_may(&self) -> bool {
        match self {
            Effect::Declare { .. } => false,
            Effect::Change(c) => matches!(
                c,
                IncidentChange::Note { .. }
                    | IncidentChange::Decision(_)
                    | IncidentChange::Hypothesis(_)
                    | IncidentChange::Alert(_)
                    | IncidentChange::Signal(_)
                    | IncidentChange::MoveHypothesis { .. }
                    | IncidentChange::Pin(_)
                    | IncidentChange::PinCluster { .. }
            ),
            Effect::Publish { .. } | Effect::Facilitate(_) => false,
            Effect::SaveDraft(_)
            | Effect::NoteOverdue(_)
            | Effect::CheckKeys { .. }
            | Effect::Action { .. }
            | Effect::LoadTheme(_)
            | Effect::LoadKeymap(_)
            | Effect::ConfigVersions { .. }
            | Effect::FollowLogs(_)
            | Effect::StopLogs
            | Effect::Inspect { .. }
            | Effect::ReadEvidence { .. }
            | Effect::Capture { .. }
            | Effect::MeasureImpact { .. }
            | Effect::Learn { .. }
            | Effect::File { .. }
            | Effect::Debrief { .. }
            | Effect::KeepPicture(_) => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Open a new incident (its journal), and follow it.
    Declare {
        title: String,
        severity: Severity,
        drill: bool,
    },
    Change(IncidentChange),
    /// Score this drill incident against the scenario played and write its debrief; `since`
    /// (the drill's start, seconds) is where the services' error ratios are read from to
    /// measure how soon they recovered.
    Debrief {
        id: crate::incident::model::IncidentId,
        since: Option<i64>,
    },
    /// Ask the drill (this console's) to change its clock, list its faults or play one.
    Facilitate(super::facilitation::Facilitation),
    /// Append the status draft's whole text to the journal as `status_draft_saved`.
    SaveDraft(DraftText),
    /// Deliver a status update in the background, every attempt recorded in the journal;
    /// answered by `Msg::Published` naming the draft.
    Publish {
        channel: Box<Channel>,
        message: Box<Message>,
    },
    /// Append `status_update_overdue` (noted by automation).
    NoteOverdue(Event),
    /// Ask whether these actions (one per key, on `subject`) are allowed, to grey out the keys
    /// that are not; answered by `Msg::KeysDenied` naming the same subject.
    CheckKeys {
        subject: Option<Subject>,
        probes: Vec<(super::keymap::KeyAction, crate::actions::Action)>,
    },
    /// The next step of a containment action's flow, for the runner; answered by
    /// `Msg::Action` naming the flow.
    Action {
        id: String,
        action: crate::actions::Action,
        step: crate::actions::flow::Step,
    },
    LoadTheme(String),
    LoadKeymap(String),
    /// Read the versions of a ConfigMap the flight recorder kept; answered by
    /// `Msg::ConfigVersions` naming the same map.
    ConfigVersions {
        namespace: String,
        config_map: String,
    },
    /// Stream a pod's log, replacing any stream already open; answered by `Msg::Logs` naming
    /// the same request.
    FollowLogs(crate::cluster::logs::LogRequest),
    /// Stop the log stream.
    StopLogs,
    /// Read one object's describe, YAML or events from the API server (times read against
    /// `now`); answered by `Msg::Inspected` naming the same object and view.
    Inspect {
        target: crate::cluster::inspect::Target,
        view: crate::cluster::inspect::View,
        now: i64,
    },
    /// Read the evidence file `file` kept of `target` beside the open incident's journal, checked
    /// against `sha256`; answered by `Msg::Inspected` with `View::Evidence`.
    ReadEvidence {
        target: crate::cluster::inspect::Target,
        file: String,
        sha256: String,
        now: i64,
    },
    /// Read these services' history from Prometheus for the detector; answered by
    /// `Msg::Learned`.
    Learn {
        targets: Vec<crate::observe::panels::Target>,
        /// How far back the trailing history goes.
        trailing: std::time::Duration,
    },
    /// Put a detection in the journal: a new incident, or the open one covering its service
    /// (followed here when none is); answered by `Msg::Filed`.
    File {
        filing: Box<crate::detect::session::Filing>,
        drill: bool,
    },
    /// Keep the cluster's picture for the next console.
    KeepPicture(Box<crate::cluster::picture::Picture>),
    /// Measure the open incident's impact in Prometheus from `from` to `to` (on the cluster's
    /// clock, seconds) and journal it.
    MeasureImpact {
        from: i64,
        to: i64,
    },
    /// Capture this object as evidence beside the open incident's journal, saying why
    /// (`declared`, `before rollout undo`, `asked`); with `signals`, the followed services'
    /// golden signals of the last half hour too (the onset, when declaring).
    Capture {
        target: crate::cluster::inspect::Target,
        why: String,
        signals: bool,
    },
}
