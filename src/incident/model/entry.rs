//! A journal entry as written (a draft) and as read back (with its sequence, time and hash).

use jiff::Timestamp;

use super::event::{Event, Origin};
use super::people::Actor;

/// An event not yet written: what `Journal::append` takes. The journal adds seq, time and the
/// hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub actor: Actor,
    pub source: Origin,
    pub pinned: bool,
    pub event: Event,
    /// In a drill, the drill's virtual time when it happened (the journal stamps it).
    pub drill_time: Option<Timestamp>,
}

impl Draft {
    pub fn new(actor: Actor, source: Origin, event: Event) -> Draft {
        Draft {
            actor,
            source,
            pinned: false,
            event,
            drill_time: None,
        }
    }

    pub fn pinned(mut self, pinned: bool) -> Draft {
        self.pinned = pinned;
        self
    }
}

/// One line of the journal, decoded and verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub time: Timestamp,
    /// In a drill, the drill's virtual time when it happened: the time its scenario and its
    /// debrief count in (absent outside drills and in older journals).
    pub drill_time: Option<Timestamp>,
    pub actor: Actor,
    pub source: Origin,
    pub pinned: bool,
    pub event: Event,
    /// The previous line's hash (64 zeros on the first line).
    pub prev: String,
    /// This line's SHA-256, hex.
    pub hash: String,
}

impl Entry {
    /// When it happened by the clock its incident runs on: the drill's, else the wall's.
    pub fn incident_time(&self) -> Timestamp {
        self.drill_time.unwrap_or(self.time)
    }
}
