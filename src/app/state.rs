//! The console's one owner of state: the cluster model, its symptoms, the incident and its
//! timeline as shown, focus, zoom, overlays, the input line, drill-down and the status editor.
//! `update` changes it; `ui` draws it.

use std::collections::HashMap;

use ratatui_textarea::TextArea;

use super::keymap::{KeyPress, Keymap};
use super::message::DrillClock;
use crate::cluster::model::{ClusterModel, WorkloadKey};
use crate::cluster::symptoms::Symptom;
use crate::incident::state::Incident;
use crate::observe::model::ObserveModel;
use crate::text::CleanText;
use crate::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Health,
    Timeline,
    Playbook,
    Editor,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Health, Pane::Timeline, Pane::Playbook, Pane::Editor];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Health => "Cluster health",
            Pane::Timeline => "Timeline",
            Pane::Playbook => "Playbook",
            Pane::Editor => "Status update",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Drill {
        title: CleanText,
        clock: Option<DrillClock>,
    },
    Live {
        context: CleanText,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// What someone joining needs first, from the open incident's journal.
    CatchUp,
}

/// What the input line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Palette,
    Filter(Pane),
}

pub struct InputLine {
    pub kind: InputKind,
    pub line: TextArea<'static>,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// Seconds since the epoch.
    pub at: i64,
    /// Who or what it came from: a person's name, `cluster`, `signals`.
    pub source: CleanText,
    /// The event kind (`note`, `severity_changed`, `signal`...), for filtering.
    pub kind: String,
    pub text: CleanText,
    pub severe: bool,
    pub pinned: bool,
    /// The journal sequence number, for entries that are in the journal.
    pub seq: Option<u64>,
    /// Wall-clock second it arrived on screen (it is highlighted for a few seconds).
    pub arrived: i64,
    /// For an action that succeeded: what undoes it, as the journal recorded it (run from
    /// the timeline with its key, long after the overlay is gone or after a restart).
    pub undo: Option<crate::actions::Action>,
    /// The later journal entries this row gathers (an action's steps, an alert's flips).
    pub folded: Option<super::folding::Folded>,
    /// For evidence captured: the file it is kept in, opened from the timeline.
    pub evidence: Option<EvidenceFile>,
}

/// Evidence an entry names: what it was captured of, and the file and hash it is kept by
/// beside the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFile {
    pub subject: String,
    pub file: String,
    pub sha256: String,
}

impl EvidenceFile {
    /// The file an `evidence_captured` entry names.
    pub fn of(event: &crate::incident::model::Event) -> Option<EvidenceFile> {
        match event {
            crate::incident::model::Event::EvidenceCaptured {
                subject, file, sha256, ..
            } => Some(EvidenceFile {
                subject: subject.clone(),
                file: file.clone(),
                sha256: sha256.clone(),
            }),
            _ => None,
        }
    }
}

impl TimelineEntry {
    /// Whether this row tells journal entry `seq` (its own, or one folded into it).
    pub fn tells(&self, seq: u64) -> bool {
        self.seq == Some(seq)
            || self
                .folded
                .as_ref()
                .is_some_and(|f| f.steps.iter().any(|(s, _)| *s == seq))
    }
}

/// How much a health item needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Failure,
    Warning,
}

/// What the action keys were checked against: the selected health row or drill-down, or
/// nothing selected.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysChecked {
    pub subject: Option<Subject>,
    /// The action keys that can act on it (a node cannot be rolled back): the footer shows
    /// only these.
    pub apply: Vec<super::keymap::KeyAction>,
}

/// What a health row is about, for drill-down.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Workload(WorkloadKey),
    Node(CleanText),
    /// A pod picked from a list.
    Pod(crate::cluster::model::Key),
}

impl Subject {
    /// The subject an inspectable object is for the action keys.
    pub fn of_target(t: &crate::cluster::inspect::Target) -> Option<Subject> {
        use crate::cluster::inspect::Kind;
        use crate::cluster::rows::OwnerKind;
        let workload = |k| Some(Subject::Workload((t.namespace.clone(), k, t.name.clone())));
        match t.kind {
            Kind::Node => Some(Subject::Node(t.name.clone())),
            Kind::Pod => Some(Subject::Pod((t.namespace.clone(), t.name.clone()))),
            Kind::Deployment => workload(OwnerKind::Deployment),
            Kind::StatefulSet => workload(OwnerKind::StatefulSet),
            Kind::DaemonSet => workload(OwnerKind::DaemonSet),
        }
    }

    /// The object the subject is, to inspect.
    pub fn target(&self) -> Option<crate::cluster::inspect::Target> {
        use crate::cluster::inspect::{Kind, Target};
        Some(match self {
            Subject::Node(n) => Target {
                kind: Kind::Node,
                namespace: CleanText::default(),
                name: n.clone(),
            },
            Subject::Pod((ns, name)) => Target {
                kind: Kind::Pod,
                namespace: ns.clone(),
                name: name.clone(),
            },
            Subject::Workload((ns, kind, name)) => Target {
                kind: Kind::of_owner(*kind)?,
                namespace: ns.clone(),
                name: name.clone(),
            },
        })
    }
}

/// A workload or node that needs attention, ranked worst first.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthItem {
    pub subject: Subject,
    pub rank: u8,
    pub label: String,
    pub note: String,
    pub level: Level,
    /// A crashing container's last words.
    pub last: Option<CleanText>,
}

/// One row of a drill-down: a pod, or a warning event about the subject.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailRow {
    /// The pod's (namespace, name), for a pod's row.
    pub pod: Option<crate::cluster::model::Key>,
    pub name: CleanText,
    pub status: String,
    pub level: Option<Level>,
    pub message: Option<CleanText>,
}

/// An open drill-down, its rows recomputed when the model settles (not per frame).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub subject: Subject,
    pub title: String,
    pub pods: Vec<DetailRow>,
    pub events: Vec<DetailRow>,
    /// The selected pod row.
    pub cursor: usize,
}

/// A one-line answer to what the user just did (`theme light loaded`, or an error).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: CleanText,
    pub error: bool,
    pub at: i64,
}

pub struct AppState {
    pub mode: Mode,
    pub model: ClusterModel,
    pub symptoms: Vec<Symptom>,
    /// Golden signals, SLO burn and alerts from Prometheus and Alertmanager.
    pub observe: ObserveModel,
    /// Workloads and nodes that need attention, worst first (recomputed when the model settles).
    pub attention: Vec<HealthItem>,
    /// The selected row of `attention`.
    pub cursor: usize,
    pub detail: Option<Detail>,
    /// A full list of nodes, workloads, pods or events (drawn in place of needs-attention).
    pub list: Option<super::lists::ListView>,
    /// One object's describe, YAML or events (drawn over the list or drill-down).
    pub inspect: Option<super::inspect::InspectView>,
    /// A pod's log (drawn over everything else in the health pane).
    pub logs: Option<super::logs::LogView>,
    pub timeline: Vec<TimelineEntry>,
    /// In a replay, the journal of the incident recorded (the facilitator sees it as it was).
    pub original: Option<super::original::Original>,
    /// Entries scrolled up from the bottom of the (filtered) timeline (0: follow the newest).
    pub timeline_scroll: usize,
    /// Per-pane filters typed after `/`.
    pub filters: HashMap<Pane, String>,
    /// The active incident, folded from its journal as entries arrive.
    pub incident: Option<Incident>,
    /// Who is at the keyboard (the journal's actor).
    pub you: String,
    pub focus: Pane,
    pub zoom: bool,
    pub overlay: Option<Overlay>,
    /// How far the open overlay (help, catch-me-up) is scrolled.
    pub overlay_scroll: usize,
    pub input: Option<InputLine>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Containment actions in flight and done (their flows).
    pub flows: crate::actions::flow::Flows,
    /// The action flow whose overlay is open.
    pub action_shown: Option<String>,
    /// Action keys the user may not use on the selection, with why (greyed in footer and help).
    pub denied: HashMap<super::keymap::KeyAction, String>,
    /// The selection the action keys were last checked for (None: never yet).
    pub keys_checked: Option<KeysChecked>,
    /// No change may leave this console (`--read-only`, or the observer role).
    pub read_only: bool,
    /// The team's journal database cannot be reached: entries are kept on this machine until
    /// it is back.
    pub team_journal_away: bool,
    /// This console facilitates the drill: its clock and faults, and the facilitator's asides,
    /// which a player's console (one that joined the drill without `--facilitator`) does not show.
    pub facilitating: bool,
    /// When the cluster's picture was last kept for the next console (None: none is kept here).
    pub picture: Option<super::picture::Kept>,
    /// Playbooks on offer, the one being followed, and those that apply now (best first).
    pub playbooks: Vec<crate::playbook::Playbook>,
    pub checklist: Option<crate::playbook::Checklist>,
    pub suggested: Vec<crate::playbook::suggest::Suggestion>,
    /// The playbook under the cursor while none is followed (None: the first choice).
    pub playbook_pick: Option<String>,
    /// The detector, learning each followed service's baselines and filing what deviates
    /// (None: detection is off here).
    pub detection: Option<crate::detect::session::Session>,
    /// The latest detection journaled in the incident followed here (what `:accept` acts on).
    pub detected: Option<crate::incident::model::DetectionRecord>,
    /// Actions that succeeded in the open incident, and whether the SLO recovered after one.
    pub mitigation: super::mitigation::Watch,
    /// Who the cluster says we are, once it has answered (shown when confirming an action).
    pub cluster_identity: Option<crate::text::CleanText>,
    /// Keys typed so far of a longer sequence (`g` of `g g`).
    pub pending: Vec<KeyPress>,
    pub notice: Option<Notice>,
    pub editor: TextArea<'static>,
    /// The status editor around `editor`: template, channel, draft, preview, publishing.
    pub status: super::status::StatusEditor,
    /// Wall-clock seconds since the epoch.
    pub now: i64,
    pub started: i64,
    pub size: (u16, u16),
    /// Something changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
    /// The quit key was pressed once with something worth staying for: the next press leaves.
    pub quit_asked: bool,
}

impl AppState {
    /// Why the user may not use key action `a` now (greyed in the footer and the help), if
    /// they may not: read-only mode for every action key (known at once, whatever is
    /// selected), else the access checks' answer for the selection.
    pub fn why_not(&self, a: super::keymap::KeyAction) -> Option<String> {
        use super::keymap::KeyAction as K;
        let changes = super::containment::KEYS.contains(&a)
            || matches!(
                a,
                K::Scale | K::UndoEntry | K::StatusPublish | K::StepDone | K::StepSkip | K::StepFailed
            );
        if self.read_only && changes {
            return Some(crate::actions::runner::READ_ONLY.to_string());
        }
        if let Some(why) = super::picture::held(self).filter(|_| changes) {
            return Some(why);
        }
        self.denied.get(&a).cloned()
    }

    pub fn new(mode: Mode, now: i64) -> Self {
        let editor = super::status::editor_with("");
        AppState {
            facilitating: matches!(mode, Mode::Drill { .. }),
            team_journal_away: false,
            mode,
            model: ClusterModel::new(),
            symptoms: Vec::new(),
            observe: ObserveModel::default(),
            attention: Vec::new(),
            cursor: 0,
            detail: None,
            list: None,
            inspect: None,
            logs: None,
            timeline: Vec::new(),
            original: None,
            timeline_scroll: 0,
            filters: HashMap::new(),
            incident: None,
            you: String::new(),
            focus: Pane::Health,
            zoom: false,
            overlay: None,
            overlay_scroll: 0,
            input: None,
            keymap: Keymap::default(),
            theme: Theme::default(),
            pending: Vec::new(),
            flows: Default::default(),
            action_shown: None,
            denied: HashMap::new(),
            keys_checked: None,
            read_only: false,
            picture: None,
            playbooks: Vec::new(),
            checklist: None,
            suggested: Vec::new(),
            playbook_pick: None,
            detection: None,
            detected: None,
            mitigation: Default::default(),
            cluster_identity: None,
            notice: None,
            editor,
            status: Default::default(),
            now,
            started: now,
            size: (80, 24),
            dirty: true,
            quit: false,
            quit_asked: false,
        }
    }

    /// Panes become tabs when the terminal is small.
    pub fn tabbed(&self) -> bool {
        self.size.0 < 120 || self.size.1 < 32
    }

    /// The time events are stamped with: the drill's virtual clock, else the wall clock.
    pub fn event_time(&self) -> i64 {
        match &self.mode {
            Mode::Drill { clock: Some(c), .. } => c.now,
            _ => self.now,
        }
    }

    /// The timeline entries that pass the timeline's filter, oldest first.
    pub fn visible_timeline(&self) -> Vec<&TimelineEntry> {
        match self.filters.get(&Pane::Timeline) {
            None => self.timeline.iter().collect(),
            Some(f) => {
                let f = super::filter::Filter::parse(f);
                self.timeline.iter().filter(|e| f.matches(e)).collect()
            }
        }
    }

    /// Opens the input line (the palette or a filter) with `text` already typed.
    pub fn open_input(&mut self, kind: InputKind, text: &str) {
        let mut line = TextArea::default();
        line.insert_str(text);
        self.input = Some(InputLine { kind, line });
    }

    /// The status draft being written, as one text.
    pub fn draft_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// What leaving now would walk away from: an open SEV1 or SEV2 incident, or a status draft
    /// not sent.
    pub fn reason_to_stay(&self) -> Option<String> {
        use crate::incident::model::{Severity, Status};
        let open = self
            .incident
            .as_ref()
            .filter(|i| i.status != Status::Resolved && matches!(i.severity, Severity::Sev1 | Severity::Sev2));
        let draft = !self.draft_text().trim().is_empty();
        match (open, draft) {
            (Some(i), true) => Some(format!(
                "{} {} is open and the status draft is not sent",
                i.severity, i.id
            )),
            (Some(i), false) => Some(format!("{} {} is open", i.severity, i.id)),
            (None, true) => Some("the status draft is not sent".into()),
            (None, false) => None,
        }
    }

    /// Tells the person something in the notice line (an error when `error`).
    pub fn tell(&mut self, text: String, error: bool) {
        self.notice = Some(Notice {
            text: CleanText::line(&text),
            error,
            at: self.now,
        });
        self.dirty = true;
    }

    /// The subject of the selected health row.
    pub fn selected_subject(&self) -> Option<Subject> {
        self.visible_attention().get(self.cursor).map(|i| i.subject.clone())
    }

    /// The timeline entry the cursor is on: the newest visible one when following, else the
    /// one at the bottom of the scrolled view.
    pub fn selected_entry(&self) -> Option<&TimelineEntry> {
        let v = self.visible_timeline();
        v.len().checked_sub(1 + self.timeline_scroll).map(|i| v[i])
    }

    /// The filter (or search) of what `pane` shows on top: in the health pane, the open log's
    /// or inspect view's search, else the open list's filter, else the needs-attention filter.
    pub fn filter_of(&self, pane: Pane) -> Option<String> {
        if pane == Pane::Health {
            if let Some(v) = &self.logs {
                return v.search.clone();
            }
            if let Some(v) = &self.inspect {
                return v.search.clone();
            }
            if let Some(l) = &self.list {
                return l.filter.clone();
            }
        }
        self.filters.get(&pane).cloned()
    }

    /// The health items that pass the health pane's filter.
    pub fn visible_attention(&self) -> Vec<&HealthItem> {
        match self.filters.get(&Pane::Health) {
            None => self.attention.iter().collect(),
            Some(f) => {
                let f = f.to_lowercase();
                self.attention
                    .iter()
                    .filter(|i| i.label.to_lowercase().contains(&f) || i.note.to_lowercase().contains(&f))
                    .collect()
            }
        }
    }
}
