//! What the journal could not take (it is damaged, the disk refused, the team's database is
//! away): what a person typed, and any other entry (an action's record, a status draft), kept
//! beside the journal in `INC-….unsaved.jsonl`, one JSON line each, fsynced, until the journal
//! can record it. Nothing typed or done is discarded.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::model::{Actor, Draft, Event, Origin};

/// One note, decision, facilitator's aside or hypothesis as it was typed, or an entry as made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    pub at: Timestamp,
    pub by: String,
    pub what: Typed,
    pub pinned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Typed {
    Note(String),
    Decision(String),
    Aside(String),
    Hypothesis(String),
    /// Any other entry, recorded as it was made, by whom and from where.
    Entry {
        actor: Actor,
        source: Origin,
        event: Box<Event>,
    },
}

impl Kept {
    /// An entry kept as it was made.
    pub fn entry(at: Timestamp, draft: &Draft) -> Kept {
        Kept {
            at,
            by: draft.actor.name.clone(),
            what: Typed::Entry {
                actor: draft.actor.clone(),
                source: draft.source,
                event: Box::new(draft.event.clone()),
            },
            pinned: draft.pinned,
        }
    }

    /// The entry to record now.
    pub fn draft(&self) -> Draft {
        let (actor, source) = match &self.what {
            Typed::Entry { actor, source, .. } => (actor.clone(), *source),
            _ => (Actor::named(self.by.clone()), Origin::Human),
        };
        Draft::new(actor, source, self.event()).pinned(self.pinned)
    }

    /// What it says, in a few words (for a message when it cannot even be kept).
    pub fn words(&self) -> String {
        match &self.what {
            Typed::Note(t) | Typed::Decision(t) | Typed::Aside(t) | Typed::Hypothesis(t) => t.clone(),
            Typed::Entry { event, .. } => crate::incident::timeline::describe(event),
        }
    }

    /// The entry to record now: the words as typed, with when they were typed when that is
    /// not now.
    pub fn event(&self) -> Event {
        let when = self.at.strftime("%H:%M:%S UTC");
        match &self.what {
            Typed::Note(text) => Event::Note {
                text: format!("{text} (typed at {when}, kept while the journal could not record it)"),
            },
            Typed::Decision(text) => Event::Decision {
                text: format!("{text} (decided at {when}, kept while the journal could not record it)"),
            },
            Typed::Aside(text) => Event::Aside {
                text: format!("{text} (typed at {when}, kept while the journal could not record it)"),
            },
            Typed::Hypothesis(text) => Event::HypothesisOpened {
                text: format!("{text} (put forward at {when}, kept while the journal could not record it)"),
            },
            Typed::Entry { event, .. } => (**event).clone(),
        }
    }
}

impl Kept {
    /// Whether one of `entries` is this, as recorded (the same person, the same entry).
    pub fn is_recorded_in<'a>(&self, entries: impl IntoIterator<Item = &'a super::model::Entry>) -> bool {
        let draft = self.draft();
        let event = serde_json::to_value(&draft.event).ok();
        entries
            .into_iter()
            .any(|e| e.actor.name == draft.actor.name && serde_json::to_value(&e.event).ok() == event)
    }
}

/// The kept entry being recorded, and the seq of the journal's last entry before it: written
/// before the append and removed after, so that after a crash in between the journal tells
/// whether it was recorded (and it is not recorded twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub after: u64,
    pub kept: Kept,
}

fn recording_path(journal: &Path) -> PathBuf {
    let mut name = path_for(journal).into_os_string();
    name.push(".recording");
    PathBuf::from(name)
}

/// Notes that `kept` is being recorded after entry `after`; on disk once this returns.
pub fn begin_recording(journal: &Path, after: u64, kept: &Kept) -> std::io::Result<()> {
    let mut file = File::create(recording_path(journal))?;
    let line = serde_json::to_string(&Recording {
        after,
        kept: kept.clone(),
    })
    .map_err(std::io::Error::other)?;
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

/// What was being recorded when the process stopped, if anything (a torn note reads as none:
/// it was written before the append began).
pub fn recording(journal: &Path) -> std::io::Result<Option<Recording>> {
    match std::fs::read_to_string(recording_path(journal)) {
        Ok(text) => Ok(serde_json::from_str(&text).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The recording noted by `begin_recording` is done.
pub fn end_recording(journal: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(recording_path(journal)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Where what could not be recorded in `journal` is kept.
pub fn path_for(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".unsaved.jsonl");
    PathBuf::from(name)
}

/// Keeps `kept` beside `journal`; returns where, once it is on disk.
pub fn keep(journal: &Path, kept: &Kept) -> std::io::Result<PathBuf> {
    let path = path_for(journal);
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    let mut line = serde_json::to_string(kept).map_err(std::io::Error::other)?;
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.sync_data()?;
    Ok(path)
}

/// Everything kept beside `journal`, oldest first; a line that cannot be read (cut by a crash)
/// is skipped, and stays in the file until `forget`.
pub fn kept(journal: &Path) -> std::io::Result<Vec<Kept>> {
    let path = path_for(journal);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        if let Ok(k) = serde_json::from_str(&line?) {
            out.push(k);
        }
    }
    Ok(out)
}

/// Leaves only `rest` kept beside `journal` (what is still to record, once the first of what
/// was kept are recorded): written aside, synced, then put in place, so a crash leaves either
/// the old file or the new one.
pub fn keep_only(journal: &Path, rest: &[Kept]) -> std::io::Result<()> {
    let path = path_for(journal);
    let mut aside = path.as_os_str().to_owned();
    aside.push(".next");
    let aside = PathBuf::from(aside);
    let mut file = File::create(&aside)?;
    for kept in rest {
        let mut line = serde_json::to_string(kept).map_err(std::io::Error::other)?;
        line.push('\n');
        file.write_all(line.as_bytes())?;
    }
    file.sync_all()?;
    std::fs::rename(&aside, &path)
}

/// Once everything kept is recorded: the file is renamed `….recorded`, not deleted, so the
/// words survive even a mistake here.
pub fn forget(journal: &Path) -> std::io::Result<()> {
    let path = path_for(journal);
    let mut done = path.as_os_str().to_owned();
    done.push(".recorded");
    std::fs::rename(&path, PathBuf::from(done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_words_come_back_in_order_and_are_set_aside_once_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("INC-20261204-001.jsonl");
        assert!(kept(&journal).unwrap().is_empty());
        let first = Kept {
            at: "2026-12-04T10:00:00Z".parse().unwrap(),
            by: "alice".into(),
            what: Typed::Note("db failover started".into()),
            pinned: true,
        };
        let second = Kept {
            what: Typed::Decision("roll back".into()),
            ..first.clone()
        };
        let at = keep(&journal, &first).unwrap();
        keep(&journal, &second).unwrap();
        assert_eq!(at, dir.path().join("INC-20261204-001.jsonl.unsaved.jsonl"));
        assert_eq!(kept(&journal).unwrap(), [first.clone(), second]);
        let Event::Note { text } = first.event() else { panic!() };
        assert_eq!(
            text,
            "db failover started (typed at 10:00:00 UTC, kept while the journal could not record it)"
        );
        forget(&journal).unwrap();
        assert!(kept(&journal).unwrap().is_empty());
        assert!(
            dir.path()
                .join("INC-20261204-001.jsonl.unsaved.jsonl.recorded")
                .exists()
        );
    }

    #[test]
    fn an_entry_kept_as_made_comes_back_as_the_same_draft() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("INC-20261204-001.jsonl");
        let made = Draft::new(
            Actor {
                name: "alice".into(),
                k8s: Some("alice@example.com".into()),
            },
            Origin::Automation,
            Event::ActionItem {
                title: "Alert on config key lookups".into(),
                owner: Some("bob".into()),
                due: None,
                ticket: None,
                priority: None,
            },
        )
        .pinned(true);
        keep(&journal, &Kept::entry("2026-12-04T10:00:00Z".parse().unwrap(), &made)).unwrap();
        let back = kept(&journal).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].draft(), made);
        assert_eq!(back[0].words(), crate::incident::timeline::describe(&made.event));
    }
}
