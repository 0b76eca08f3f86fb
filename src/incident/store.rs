//! Where incidents live: one journal per incident, `incidents/INC-YYYYMMDD-NNN.jsonl` under
//! the data directory, and allocating the next id of the day without two processes taking the
//! same one. It must not interpret journals beyond opening and creating them.

use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::journal::{Journal, JournalError};
use super::model::{Draft, Entry, IncidentId};

/// The data directory: `--data-dir`, else `$WARROOM_DATA_DIR`, else `$XDG_DATA_HOME/warroom`
/// (`~/.local/share/warroom`).
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(d) = flag {
        return d.to_path_buf();
    }
    if let Some(d) = std::env::var_os("WARROOM_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    etcetera::base_strategy::Xdg::new()
        .map(|b| b.data_dir().join("warroom"))
        .unwrap_or_else(|_| std::env::temp_dir().join("warroom-data"))
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the incidents directory {}: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot list the incidents in {}: {source}", .path.display())]
    List {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no incident {id}: there is no {}", .path.display())]
    NotFound { id: IncidentId, path: PathBuf },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The incidents under one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store under `data_dir` (its `incidents/` folder).
    pub fn new(data_dir: &Path) -> Store {
        Store {
            dir: data_dir.join("incidents"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where drill logs are kept: `drills/` beside `incidents/` (a drill starts before any
    /// incident is declared in it).
    pub fn drills_dir(&self) -> PathBuf {
        self.dir.parent().unwrap_or(&self.dir).join("drills")
    }

    /// Where the journal of `id` is (whether or not it exists).
    pub fn path(&self, id: &IncidentId) -> PathBuf {
        self.dir.join(format!("{id}.jsonl"))
    }

    /// The journal of an existing incident, or a clear "no such incident".
    pub fn existing(&self, id: &IncidentId) -> Result<PathBuf, StoreError> {
        let path = self.path(id);
        if path.is_file() {
            Ok(path)
        } else {
            Err(StoreError::NotFound { id: id.clone(), path })
        }
    }

    /// Every incident id, oldest first.
    pub fn list(&self) -> Result<Vec<IncidentId>, StoreError> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::List {
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut ids: Vec<IncidentId> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let id = name.to_str()?.strip_suffix(".jsonl")?;
                id.parse().ok()
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Creates `id`'s journal here holding `lines`, written elsewhere (a copy of the team
    /// database's journal), as they are.
    pub fn create_copy(&self, id: &IncidentId, lines: &[String]) -> Result<Journal, StoreError> {
        self.create_dir()?;
        Ok(Journal::create_copy(&self.path(id), lines)?)
    }

    fn create_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| StoreError::CreateDir {
            path: self.dir.clone(),
            source,
        })
    }

    /// Opens a new incident: takes the next free id of `now`'s UTC day and writes the
    /// declaration as the journal's first line. `declare` gets the id and returns the draft.
    pub fn open_new(
        &self,
        now: Timestamp,
        declare: impl Fn(IncidentId) -> Draft,
    ) -> Result<(IncidentId, Journal, Entry), StoreError> {
        self.open_new_after(now, 0, declare)
    }

    /// `open_new`, its number above `floor` (an incident declared while the team's database is
    /// away takes its number from a range the database does not reach on a normal day).
    pub fn open_new_after(
        &self,
        now: Timestamp,
        floor: u32,
        declare: impl Fn(IncidentId) -> Draft,
    ) -> Result<(IncidentId, Journal, Entry), StoreError> {
        self.create_dir()?;
        let day = now.to_zoned(TimeZone::UTC).date();
        let prefix = IncidentId::new(day, 0);
        let mut number = self
            .list()?
            .iter()
            .filter(|id| id.day() == prefix.day())
            .map(IncidentId::number)
            .max()
            .unwrap_or(0)
            .max(floor);
        loop {
            number += 1;
            let id = IncidentId::new(day, number);
            match Journal::create(&self.path(&id), declare(id.clone())) {
                Ok((journal, entry)) => return Ok((id, journal, entry)),
                // Another process took this id a moment ago: take the next.
                Err(JournalError::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Declared, Event, Origin, Severity};

    fn declare(id: IncidentId) -> Draft {
        Draft::new(
            Actor::named("alice"),
            Origin::Human,
            Event::IncidentOpened(Declared::new(id, "Checkout errors", Severity::Sev2)),
        )
    }

    #[test]
    fn ids_count_up_per_utc_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let day1: Timestamp = "2026-11-24T23:59:00Z".parse().expect("t");
        let day2: Timestamp = "2026-11-25T00:01:00+02:00".parse().expect("t");
        let (a, _, _) = store.open_new(day1, declare).expect("a");
        let (b, _, _) = store.open_new(day1, declare).expect("b");
        let (c, _, _) = store.open_new(day2, declare).expect("c");
        assert_eq!(a.as_str(), "INC-20261124-001");
        assert_eq!(b.as_str(), "INC-20261124-002");
        assert_eq!(c.as_str(), "INC-20261124-003");
        assert_eq!(store.list().expect("list"), [a, b, c]);
    }

    #[test]
    fn an_id_already_on_disk_is_never_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.dir()).expect("dir");
        let now: Timestamp = "2026-11-24T10:00:00Z".parse().expect("t");
        let (a, _, _) = store.open_new(now, declare).expect("a");
        // Another process's 002, even one whose creation was interrupted (empty file).
        std::fs::write(store.path(&"INC-20261124-002".parse().expect("id")), "").expect("squat");
        let (b, _, _) = store.open_new(now, declare).expect("b");
        assert_eq!(a.as_str(), "INC-20261124-001");
        assert_eq!(b.as_str(), "INC-20261124-003");
    }

    #[test]
    fn an_unknown_incident_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let err = store
            .existing(&"INC-20261124-042".parse().expect("id"))
            .expect_err("missing");
        assert!(err.to_string().contains("no incident INC-20261124-042"), "{err}");
    }
}
