//! Drafts of status updates in the journal: saving one as it is edited (the caller throttles,
//! e.g. with `SaveThrottle`), and finding the one a restarted console should offer again.
//! Drafts are journal events, so they are as durable as any other line (fsync per append).

use std::time::Duration;

use crate::incident::model::{Actor, Draft, Entry, Event, Origin};
use crate::incident::state::{Incident, SavedDraft};

/// A fresh draft id, e.g. `d-1a2b3c4d`.
pub fn new_draft_id() -> String {
    format!("d-{:08x}", rand::random::<u32>())
}

/// What a draft save writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftText {
    pub draft_id: String,
    pub template: String,
    pub audience: String,
    pub channel: Option<String>,
    pub text: String,
}

/// The journal entry that saves the whole text of a draft.
pub fn saved(actor: &Actor, draft: &DraftText) -> Draft {
    Draft::new(
        actor.clone(),
        Origin::Human,
        Event::StatusDraftSaved {
            draft_id: draft.draft_id.clone(),
            template: draft.template.clone(),
            audience: draft.audience.clone(),
            channel: draft.channel.clone(),
            text: draft.text.clone(),
        },
    )
}

/// The most recently saved draft that was never published, from a journal's entries.
pub fn latest_unpublished_draft(entries: &[Entry]) -> Option<SavedDraft> {
    Incident::from_entries(entries)
        .ok()?
        .latest_unpublished_draft()
        .cloned()
}

/// When an edited draft should be saved again: when its text changed and at least `every` has
/// passed since the last save (the caller also saves on leaving the editor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveThrottle {
    pub every: Duration,
    last_saved: Option<(Duration, String)>,
}

impl SaveThrottle {
    pub fn new(every: Duration) -> SaveThrottle {
        SaveThrottle {
            every,
            last_saved: None,
        }
    }

    /// Whether to save `text` now; `now` is any monotonic clock reading (e.g. since start).
    pub fn should_save(&self, now: Duration, text: &str) -> bool {
        match &self.last_saved {
            None => true,
            Some((at, saved)) => saved != text && now.saturating_sub(*at) >= self.every,
        }
    }

    /// Notes a save of `text` at `now`.
    pub fn saved(&mut self, now: Duration, text: &str) {
        self.last_saved = Some((now, text.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::journal::Journal;

    #[test]
    fn saves_are_throttled_and_only_for_changes() {
        let mut t = SaveThrottle::new(Duration::from_secs(2));
        assert!(t.should_save(Duration::ZERO, "a"));
        t.saved(Duration::ZERO, "a");
        assert!(!t.should_save(Duration::from_secs(1), "ab"));
        assert!(!t.should_save(Duration::from_secs(3), "a"));
        assert!(t.should_save(Duration::from_secs(3), "ab"));
    }

    #[test]
    fn a_published_draft_is_not_offered_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("INC-20261124-001.jsonl");
        let actor = Actor::named("alice");
        let (mut j, _) = Journal::create(
            &path,
            Draft::new(
                actor.clone(),
                Origin::Human,
                Event::IncidentOpened(crate::incident::model::Declared::new(
                    "INC-20261124-001".parse().expect("id"),
                    "Checkout errors",
                    crate::incident::model::Severity::Sev2,
                )),
            ),
        )
        .expect("create");
        let draft = |id: &str, text: &str| DraftText {
            draft_id: id.into(),
            template: "internal-update".into(),
            audience: "internal".into(),
            channel: None,
            text: text.into(),
        };
        j.append(saved(&actor, &draft("d-1", "first"))).expect("save");
        j.append(saved(&actor, &draft("d-2", "second"))).expect("save");
        j.append(saved(&actor, &draft("d-1", "first, edited"))).expect("save");
        let latest = latest_unpublished_draft(j.entries()).expect("a draft");
        assert_eq!(
            (latest.draft_id.as_str(), latest.text.as_str()),
            ("d-1", "first, edited")
        );
        j.append(Draft::new(
            actor.clone(),
            Origin::Human,
            Event::StatusDraftPublished {
                draft_id: "d-1".into(),
                audience: "internal".into(),
                channel: "ops".into(),
            },
        ))
        .expect("publish");
        assert_eq!(
            latest_unpublished_draft(j.entries()).map(|d| d.text),
            Some("second".to_string())
        );
    }
}
