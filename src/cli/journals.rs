//! Where a command finds and writes incidents: this machine's files, or the team's PostgreSQL
//! (`--journal`, `[journal] address`) with the files as its local copies. Reading an incident
//! brings its local copy up to date first; appending goes through the database.

use std::path::PathBuf;

use anyhow::Context;
use jiff::Timestamp;

use crate::incident::journal::{Journal, JournalError};
use crate::incident::model::{Draft, Entry, IncidentId};
use crate::incident::store::Store;
use crate::postgres::{Shared, Target};

/// The incidents a command works on.
pub struct Journals {
    store: Store,
    shared: Option<Team>,
}

/// The team's database, driven from a command's thread.
struct Team {
    runtime: tokio::runtime::Runtime,
    db: Shared,
}

impl Journals {
    /// The files under `store`, and the database at `target` when one is set (connected now,
    /// its schema checked).
    pub fn new(store: Store, target: Option<Target>) -> anyhow::Result<Journals> {
        let shared = match target {
            None => None,
            Some(target) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("cannot start the async runtime")?;
                let db = runtime.block_on(Shared::connect(&target))?;
                Some(Team { runtime, db })
            }
        };
        Ok(Journals { store, shared })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the journals are kept, for messages: the database, else the incidents folder.
    pub fn shown(&self) -> String {
        match &self.shared {
            Some(team) => team.db.shown().to_string(),
            None => self.store.dir().display().to_string(),
        }
    }

    /// Every incident, oldest first: the database's (when set) and this machine's files.
    pub fn list(&self) -> anyhow::Result<Vec<IncidentId>> {
        let mut ids = self.store.list()?;
        if let Some(team) = &self.shared {
            ids.extend(team.runtime.block_on(team.db.incidents())?);
            ids.sort_by(|a, b| (a.day(), a.number()).cmp(&(b.day(), b.number())));
            ids.dedup();
        }
        Ok(ids)
    }

    /// The journal file of `id`, brought up to date from the database first.
    pub fn existing(&mut self, id: &IncidentId) -> anyhow::Result<PathBuf> {
        if let Some(team) = &self.shared
            && team.runtime.block_on(team.db.holds(id))?
        {
            let path = self.store.path(id);
            let mut local = if path.is_file() {
                Journal::open(&path)?
            } else {
                std::fs::create_dir_all(self.store.dir())
                    .with_context(|| format!("cannot create {}", self.store.dir().display()))?;
                Journal::create_copy(&path, &[])?
            };
            team.runtime.block_on(team.db.catch_up(id, &mut local))?;
            return Ok(path);
        }
        Ok(self.store.existing(id)?)
    }

    /// `id`'s journal, open for appending.
    pub fn open(&mut self, id: &IncidentId) -> anyhow::Result<Writer<'_>> {
        let path = self.existing(id)?;
        Ok(Writer {
            id: id.clone(),
            local: Journal::open(&path)?,
            team: self.shared.as_mut(),
        })
    }

    /// Opens a new incident (its id allocated by the database when there is one), its first
    /// line the declaration `declare` makes.
    pub fn open_new(
        &mut self,
        now: Timestamp,
        declare: impl Fn(IncidentId) -> Draft,
    ) -> anyhow::Result<(IncidentId, Writer<'_>)> {
        let (id, local) = match &mut self.shared {
            Some(team) => {
                let (id, local, _) = team.runtime.block_on(team.db.open_new(&self.store, now, declare))?;
                (id, local)
            }
            None => {
                let (id, local, _) = self.store.open_new(now, declare)?;
                (id, local)
            }
        };
        Ok((
            id.clone(),
            Writer {
                id,
                local,
                team: self.shared.as_mut(),
            },
        ))
    }

    /// The database, with the runtime to drive it, when one is set.
    pub fn database(&mut self) -> Option<(&tokio::runtime::Runtime, &mut Shared)> {
        self.shared.as_mut().map(|t| (&t.runtime, &mut t.db))
    }
}

/// One incident's journal open for appending: its local file, and the database first when
/// there is one.
pub struct Writer<'a> {
    id: IncidentId,
    local: Journal,
    team: Option<&'a mut Team>,
}

impl Writer<'_> {
    /// The local file (every entry so far, torn lines repaired on opening).
    pub fn journal(&mut self) -> &mut Journal {
        &mut self.local
    }

    /// Appends the event `make` builds from every entry so far; `make` may refuse.
    pub fn append_with<E, F>(&mut self, make: F) -> Result<Entry, E>
    where
        E: From<JournalError> + From<crate::postgres::DbError>,
        F: FnOnce(&[Entry]) -> Result<Draft, E>,
    {
        match &mut self.team {
            Some(team) => team
                .runtime
                .block_on(team.db.append_with(&self.id, &mut self.local, make)),
            None => self.local.append_with(make),
        }
    }

    pub fn append(&mut self, draft: Draft) -> anyhow::Result<Entry> {
        self.append_with(|_| Ok::<_, anyhow::Error>(draft))
    }
}
