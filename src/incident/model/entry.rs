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
}

impl Draft {
    pub fn new(actor: Actor, source: Origin, event: Event) -> Draft {
        Draft {
            actor,
            source,
            pinned: false,
            event,
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
    pub actor: Actor,
    pub source: Origin,
    pub pinned: bool,
    pub event: Event,
    /// The previous line's hash (64 zeros on the first line).
    pub prev: String,
    /// This line's SHA-256, hex.
    pub hash: String,
}
