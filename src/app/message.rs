//! Everything that can happen to the console, as messages for `update`: keys and pastes from
//! the terminal, data from the cluster watchers and the incident journal, the drill clock,
//! answers to effects (each naming the request it answers), and time passing.

use ratatui::crossterm::event::KeyEvent;

use super::keymap::Keymap;
use crate::cluster::model::Update;
use crate::incident::follow::Followed;
use crate::theme::Theme;

/// What the drill cluster's clock says (drill mode only).
#[derive(Debug, Clone, PartialEq)]
pub struct DrillClock {
    /// Virtual time, seconds since the epoch.
    pub now: i64,
    pub start: i64,
    pub speed: f64,
    pub paused: bool,
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Cluster(Update),
    /// A burst of cluster updates has been applied: the symptoms can be recomputed once.
    Settled,
    Clock(DrillClock),
    /// What the Prometheus and Alertmanager poller read.
    Observe(crate::observe::model::Update),
    /// Which action keys the user may not use on `subject`, with why (the answer to
    /// `Effect::CheckKeys`; ignored once the selection has moved on).
    KeysDenied {
        subject: Option<super::state::Subject>,
        denied: Vec<(super::keymap::KeyAction, String)>,
    },
    /// The runner's answer (or progress) for the action flow `id`.
    Action {
        id: String,
        input: crate::actions::flow::Input,
    },
    /// What a log stream produced, for the pod and run it was opened for.
    Logs {
        request: crate::cluster::logs::LogRequest,
        event: crate::cluster::logs::LogEvent,
    },
    /// One object's lines for the inspect view (the answer to `Effect::Inspect`), or why not.
    Inspected {
        target: crate::cluster::inspect::Target,
        view: crate::cluster::inspect::View,
        result: Result<Vec<crate::text::CleanText>, crate::text::CleanText>,
    },
    /// Who the cluster says we are (a SelfSubjectReview), e.g. `alice (system:authenticated)`.
    Identity(String),
    /// An entry (or a problem) from the active incident's journal.
    Journal(Followed),
    /// Whether the team's journal database can be reached (told when that changes).
    TeamJournal {
        away: bool,
    },
    /// The answer to an effect, in words (an error when `error`).
    Notice {
        text: String,
        error: bool,
    },
    Theme(Box<Theme>),
    Keymap(Box<Keymap>),
    /// The versions of a ConfigMap the flight recorder kept, oldest first (the answer to
    /// `Effect::ConfigVersions`).
    ConfigVersions {
        namespace: String,
        config_map: String,
        versions: Result<Vec<crate::flight::versions::ConfigVersion>, String>,
    },
    /// History read from Prometheus for the detector (the answer to `Effect::Learn`).
    Learned(Vec<crate::observe::learn::Learned>),
    /// What became of a detection (the answer to `Effect::File`, naming its title).
    Filed {
        title: String,
        result: Result<crate::incident::filing::Filed, String>,
    },
    /// Wall-clock time passed (seconds since the epoch).
    Tick(i64),
    /// A status publish ended (the answer to `Effect::Publish`): the attempts it took, or the
    /// error (the draft is kept).
    Published {
        draft_id: String,
        channel: String,
        result: Result<u32, String>,
    },
}
