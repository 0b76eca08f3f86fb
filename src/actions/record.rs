//! Where the runner's journal events go: straight into an open journal (fsynced before the
//! next step), or to whoever owns the journal in the console (its journal link).

use std::sync::Mutex;

use crate::incident::journal::Journal;
use crate::incident::model::Draft;

/// Takes the journal events of actions.
pub trait Recorder: Send + Sync {
    fn record(&self, draft: Draft);

    /// The incident the events go to, which the objects an action changes are stamped with.
    fn incident(&self) -> Option<String>;
}

impl Recorder for Mutex<Journal> {
    fn record(&self, draft: Draft) {
        let mut journal = match self.lock() {
            Ok(j) => j,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = journal.append(draft) {
            tracing::error!(error = %e, "action event not journaled");
        }
    }

    fn incident(&self) -> Option<String> {
        let journal = match self.lock() {
            Ok(j) => j,
            Err(poisoned) => poisoned.into_inner(),
        };
        Some(journal.incident())
    }
}

/// Keeps nothing (for callers with no incident open).
pub struct Nowhere;

impl Recorder for Nowhere {
    fn record(&self, _: Draft) {}

    fn incident(&self) -> Option<String> {
        None
    }
}
