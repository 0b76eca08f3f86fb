//! Everything that can happen to the console, as messages for `update`: keys and pastes from
//! the terminal, data from the cluster watchers, the drill clock, and time passing.

use ratatui::crossterm::event::KeyEvent;

use crate::cluster::model::Update;

/// What the drill cluster's clock says (drill mode only).
#[derive(Debug, Clone, PartialEq)]
pub struct DrillClock {
    /// Virtual time, seconds since the epoch.
    pub now: i64,
    pub start: i64,
    pub speed: f64,
    pub paused: bool,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Cluster(Update),
    /// A burst of cluster updates has been applied: derived signals can be recomputed once.
    Settled,
    Clock(DrillClock),
    /// Wall-clock time passed (seconds since the epoch).
    Tick(i64),
    Quit,
}
