//! The console's one owner of state: the cluster model, derived signals, the timeline as shown,
//! focus, zoom, overlays and the status editor. `update` changes it; `ui` draws it.

use ratatui_textarea::TextArea;

use super::message::DrillClock;
use crate::cluster::model::ClusterModel;
use crate::cluster::signals::Signal;
use crate::text::CleanText;

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
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// Seconds since the epoch.
    pub at: i64,
    pub source: &'static str,
    pub text: CleanText,
    pub severe: bool,
}

pub struct AppState {
    pub mode: Mode,
    pub model: ClusterModel,
    pub signals: Vec<Signal>,
    pub timeline: Vec<TimelineEntry>,
    /// Lines scrolled up from the bottom of the timeline (0: follow the newest).
    pub timeline_scroll: usize,
    pub focus: Pane,
    pub zoom: bool,
    pub overlay: Option<Overlay>,
    pub editor: TextArea<'static>,
    /// Wall-clock seconds since the epoch.
    pub now: i64,
    pub started: i64,
    pub size: (u16, u16),
    /// Something changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
}

impl AppState {
    pub fn new(mode: Mode, now: i64) -> Self {
        let mut editor = TextArea::default();
        editor.set_placeholder_text("Write a status update here (templates arrive with the comms issue).");
        AppState {
            mode,
            model: ClusterModel::new(),
            signals: Vec::new(),
            timeline: Vec::new(),
            timeline_scroll: 0,
            focus: Pane::Health,
            zoom: false,
            overlay: None,
            editor,
            now,
            started: now,
            size: (80, 24),
            dirty: true,
            quit: false,
        }
    }

    /// Panes become tabs when the terminal is small.
    pub fn tabbed(&self) -> bool {
        self.size.0 < 120 || self.size.1 < 32
    }
}
