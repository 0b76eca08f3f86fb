//! Journal entries for the incident's unit tests: entry `seq` written by `who`, `seq` minutes
//! after 2026-11-24 21:40:00 UTC.

use jiff::Timestamp;

use super::model::{Actor, Entry, Event, Origin};

pub fn entry(seq: u64, who: &str, event: Event) -> Entry {
    Entry {
        seq,
        time: Timestamp::from_second(1_795_556_400 + seq as i64 * 60).expect("time"),
        drill_time: None,
        actor: Actor::named(who),
        source: Origin::Human,
        pinned: false,
        event,
        prev: String::new(),
        hash: String::new(),
    }
}

/// The incident INC-20261124-001 ("Checkout errors", SEV2, opened by alice as entry 1) with
/// `entries` after its opening.
pub fn opened_with(entries: &[Entry]) -> super::state::Incident {
    let opened = entry(
        1,
        "alice",
        Event::IncidentOpened(super::model::Declared::new(
            "INC-20261124-001".parse().expect("id"),
            "Checkout errors",
            super::model::Severity::Sev2,
        )),
    );
    let mut all = vec![opened];
    all.extend_from_slice(entries);
    super::state::Incident::from_entries(&all).expect("incident")
}
