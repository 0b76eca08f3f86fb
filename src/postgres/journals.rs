//! Where incidents are kept for one thread of work (a command, the console's journal link):
//! this machine's files alone, or the team's PostgreSQL with the files as its local copies.
//! Reading an incident brings its local copy up to date first; appending goes through the
//! database. The database is driven on a runtime of its own, so callers stay synchronous.

use std::path::PathBuf;

use jiff::Timestamp;

use super::connect::{DbError, Target};
use super::journal::{Copy, HERE_ONLY_FROM, Pushed, Shared};
use crate::incident::journal::{DrillClock, Journal, JournalError, Record};
use crate::incident::model::{Draft, Entry, IncidentId};
use crate::incident::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum JournalsError {
    #[error("cannot start the database's runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{}: cannot keep the evidence brought from the team's database: {source}", .path.display())]
    Evidence { path: PathBuf, source: std::io::Error },
}

/// How far recording what was kept got before the journal stopped taking it.
#[derive(Debug)]
pub struct KeptLeft {
    pub recorded: usize,
    pub left: usize,
    pub why: String,
}

/// What sharing an incident's evidence did: files copied into the database, files brought
/// here from it, and files neither has (captured on a machine that has not shared them yet).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EvidenceShared {
    pub sent: usize,
    pub brought: usize,
    pub missing: Vec<String>,
}

/// How often an incident held here only is asked after in a database that does not answer.
const HERE_ONLY_ASKED_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The incidents one thread works on.
pub struct Journals {
    store: Store,
    team: Option<Team>,
    /// Incidents found on this machine only (made before the database was set, or without it):
    /// they are appended to as files until `journal push` moves them.
    here_only: std::collections::HashSet<IncidentId>,
    /// When each was last asked after in the database.
    here_only_asked: std::collections::HashMap<IncidentId, std::time::Instant>,
    /// A drill's virtual clock, stamped on every entry written (see `keep_drill_time`).
    drill_clock: Option<DrillClock>,
}

/// The team's database and the runtime that drives it.
struct Team {
    runtime: OwnRuntime,
    db: Shared,
}

/// The database's runtime, shut down without waiting when dropped, so that `Journals` may be
/// dropped anywhere, inside another runtime's task too (a plain runtime panics there).
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl std::ops::Deref for OwnRuntime {
    type Target = tokio::runtime::Runtime;
    fn deref(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime lives until dropped")
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs `work` on the database's runtime and waits for it. Called from inside another runtime
/// (a command publishing an update records each attempt as it goes), it runs on a thread of its
/// own, since a thread may drive only one runtime at a time.
fn drive<F>(runtime: &tokio::runtime::Runtime, work: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(work);
    }
    std::thread::scope(|s| {
        s.spawn(|| runtime.block_on(work))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl Journals {
    /// The files under `store` alone.
    pub fn files(store: Store) -> Journals {
        Journals {
            store,
            team: None,
            here_only: Default::default(),
            here_only_asked: Default::default(),
            drill_clock: None,
        }
    }

    /// The files under `store`, and the database at `target` when one is set (connected now,
    /// its schema checked).
    pub fn new(store: Store, target: Option<Target>) -> Result<Journals, JournalsError> {
        let Some(target) = target else {
            return Ok(Journals::files(store));
        };
        let mut journals = Journals::connecting(store, target)?;
        if let Some(team) = &mut journals.team {
            drive(&team.runtime, team.db.reach())?;
        }
        Ok(journals)
    }

    /// The files under `store` and the database at `target`, connected when first needed: a
    /// console keeps working while the database is away, and uses it once it is back.
    pub fn connecting(store: Store, target: Target) -> Result<Journals, JournalsError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(JournalsError::Runtime)?;
        Ok(Journals {
            store,
            team: Some(Team {
                runtime: OwnRuntime(Some(runtime)),
                db: Shared::later(&target),
            }),
            here_only: Default::default(),
            here_only_asked: Default::default(),
            drill_clock: None,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stamps every entry written from now on (a declaration too) with a drill's virtual time,
    /// as a drill console does: entries written from a shell then line up with the drill's
    /// recording.
    pub fn keep_drill_time(&mut self, clock: DrillClock) {
        self.drill_clock = Some(clock);
    }

    /// Where the journals are kept, for messages: the database, else the incidents folder.
    pub fn shown(&self) -> String {
        match &self.team {
            Some(team) => team.db.shown().to_string(),
            None => self.store.dir().display().to_string(),
        }
    }

    /// Every incident, oldest first: the database's (when set) and this machine's files.
    pub fn list(&mut self) -> Result<Vec<IncidentId>, JournalsError> {
        let mut ids = self.store.list()?;
        if let Some(team) = &mut self.team {
            ids.extend(drive(&team.runtime, team.db.incidents())?);
            ids.sort();
            ids.dedup();
        }
        Ok(ids)
    }

    /// The journal file of `id`, brought up to date from the database first.
    pub fn existing(&mut self, id: &IncidentId) -> Result<PathBuf, JournalsError> {
        let path = self.store.path(id);
        let Some(team) = &mut self.team else {
            return Ok(self.store.existing(id)?);
        };
        match drive(&team.runtime, team.db.holds(id)) {
            Ok(true) => {}
            Ok(false) => {
                let path = self.store.existing(id)?;
                self.here_only.insert(id.clone());
                return Ok(path);
            }
            // Away: this machine's copy, as far as it goes, rather than nothing.
            Err(DbError::Connect { shown, cause }) if path.is_file() => {
                tracing::warn!(journal = %shown, "reading {id} from this machine's copy: {}", crate::http::causes(&cause));
                return Ok(path);
            }
            Err(e) => return Err(e.into()),
        }
        let mut local = if path.is_file() {
            Journal::open(&path)?
        } else {
            self.store.create_copy(id, &[])?
        };
        drive(&team.runtime, team.db.catch_up(id, &mut local))?;
        Ok(path)
    }

    /// `id`'s journal read whole, from its file brought up to date first (`existing`).
    pub fn read(&mut self, id: &IncidentId) -> Result<Record, JournalsError> {
        Ok(crate::incident::journal::read(&self.existing(id)?)?)
    }

    /// `id`'s local journal, up to date and open for appending (through `append_with`).
    pub fn open(&mut self, id: &IncidentId) -> Result<Journal, JournalsError> {
        let path = self.existing(id)?;
        Ok(self.stamping(Journal::open(&path)?))
    }

    /// `journal`, stamping what it writes with the drill's time when `keep_drill_time` set one.
    fn stamping(&self, mut journal: Journal) -> Journal {
        if let Some(clock) = &self.drill_clock {
            journal.keep_drill_time(clock.clone());
        }
        journal
    }

    /// Opens a new incident (its id allocated by the database when there is one), its first
    /// line the declaration `declare` makes; returns its local journal.
    pub fn open_new(
        &mut self,
        now: Timestamp,
        declare: impl Fn(IncidentId) -> Draft + Send + Sync,
    ) -> Result<(IncidentId, Journal, Entry), JournalsError> {
        let clock = self.drill_clock.clone();
        let declare = move |id| {
            let mut draft = declare(id);
            if draft.drill_time.is_none() {
                draft.drill_time = clock.as_ref().map(|c| (c.0)());
            }
            draft
        };
        let (id, journal, entry) = match &mut self.team {
            Some(team) => match drive(&team.runtime, team.db.open_new(&self.store, now, &declare)) {
                Ok(made) => made,
                // Away: declared on this machine, numbered apart from the database's, and
                // moved there by `push` once it is back.
                Err(DbError::Connect { shown, cause }) => {
                    tracing::warn!(journal = %shown, "declaring on this machine: {}", crate::http::causes(&cause));
                    let made = self.store.open_new_after(now, HERE_ONLY_FROM, declare)?;
                    self.here_only.insert(made.0.clone());
                    made
                }
                Err(e) => return Err(e.into()),
            },
            None => self.store.open_new(now, declare)?,
        };
        Ok((id, self.stamping(journal), entry))
    }

    /// Whether `id` is kept on this machine only, though there is a team database (made before
    /// it was set, or declared while it was away), until `push` moves it.
    pub fn is_here_only(&self, id: &IncidentId) -> bool {
        self.team.is_some() && self.here_only.contains(id)
    }

    /// Appends the event `make` builds from every entry of `local` (`id`'s journal) so far:
    /// through the database when there is one. `make` may refuse, and then nothing is written.
    pub fn append_with<E, F>(&mut self, id: &IncidentId, local: &mut Journal, make: F) -> Result<Entry, E>
    where
        E: From<JournalError> + From<DbError> + Send,
        F: FnOnce(&[Entry]) -> Result<Draft, E> + Send,
    {
        // An incident held here only may have been moved into the database since (by another
        // thread's `push`): asked again before each append, or, while the database does not
        // answer, every few seconds.
        if let Some(team) = &mut self.team
            && self.here_only.contains(id)
            && self
                .here_only_asked
                .get(id)
                .is_none_or(|at| at.elapsed() >= HERE_ONLY_ASKED_EVERY)
        {
            match drive(&team.runtime, team.db.holds(id)) {
                Ok(true) => {
                    self.here_only.remove(id);
                }
                Ok(false) => {}
                Err(_) => {
                    self.here_only_asked.insert(id.clone(), std::time::Instant::now());
                }
            }
        }
        match &mut self.team {
            Some(team) if !self.here_only.contains(id) => drive(&team.runtime, team.db.append_with(id, local, make)),
            _ => local.append_with(make),
        }
    }

    pub fn append(&mut self, id: &IncidentId, local: &mut Journal, draft: Draft) -> Result<Entry, JournalsError> {
        self.append_with(id, local, |_| Ok::<_, JournalsError>(draft))
    }

    /// Copies into `local` what the database holds beyond it (nothing without a database).
    pub fn catch_up(&mut self, id: &IncidentId, local: &mut Journal) -> Result<Vec<Entry>, JournalsError> {
        match &mut self.team {
            Some(team) => Ok(drive(&team.runtime, team.db.catch_up(id, local))?),
            None => Ok(Vec::new()),
        }
    }

    /// Keeps `local` (`id`'s journal here) up to date with the database from now on, on a
    /// thread of its own: every append heard there is copied in (and a file follower then sees
    /// it). `tell` hears of outages and copies that fail. None without a database.
    pub fn keep_up(
        mut self,
        id: IncidentId,
        mut local: Journal,
        tell: impl Fn(String) + Send + 'static,
    ) -> Option<super::listen::Listener> {
        use super::listen::{self, Heard};
        let target = self.team.as_ref()?.db.target().clone();
        let (heard_tx, heard_rx) = std::sync::mpsc::channel();
        let listener = listen::start(target, move |h| {
            let _ = heard_tx.send(h);
        });
        std::thread::spawn(move || {
            for heard in heard_rx {
                match heard {
                    Heard::Appended { id: of, .. } if of != id => continue,
                    Heard::Lost(why) => {
                        tell(format!("{why}; following this machine's copy until it is back"));
                        continue;
                    }
                    Heard::Appended { .. } | Heard::Back => {}
                }
                if let Err(e) = self.catch_up(&id, &mut local) {
                    tell(format!("cannot copy the latest entries here: {e}"));
                }
            }
        });
        Some(listener)
    }

    /// Whether incidents are kept in the team's database.
    pub fn has_database(&self) -> bool {
        self.team.is_some()
    }

    /// Copies a file journal's lines that the database lacks into it; None without a database.
    pub fn push(&mut self, id: &IncidentId, record: &Record) -> Result<Option<Pushed>, JournalsError> {
        match &mut self.team {
            Some(team) => {
                let pushed = drive(&team.runtime, team.db.push(id, record))?;
                // In the database now: appended through it from here on.
                self.here_only.remove(id);
                Ok(Some(pushed))
            }
            None => Ok(None),
        }
    }

    /// Records what was kept aside beside `journal` while it could not take it (oldest first),
    /// taking each out of the spool once recorded, so that a failure part way keeps only the
    /// rest and nothing is recorded twice; the spool is set aside once empty. How many were
    /// recorded, or how far it got and why it stopped.
    pub fn record_kept(&mut self, id: &IncidentId, journal: &mut Journal) -> Result<usize, KeptLeft> {
        use crate::incident::unsaved;
        let path = journal.path().to_path_buf();
        let failed = |recorded: usize, left: usize| move |e: String| KeptLeft { recorded, left, why: e };
        let mut kept = unsaved::kept(&path).map_err(|e| failed(0, 0)(e.to_string()))?;
        if kept.is_empty() {
            return Ok(0);
        }
        // What others wrote meanwhile, and maybe the entry a crash stopped us recording.
        let _ = self.catch_up(id, journal);
        if let Some(r) = unsaved::recording(&path).map_err(|e| failed(0, kept.len())(e.to_string()))? {
            let since = journal.entries().iter().filter(|e| e.seq > r.after);
            if kept.first() == Some(&r.kept) && r.kept.is_recorded_in(since) {
                kept.remove(0);
                unsaved::keep_only(&path, &kept).map_err(|e| failed(0, kept.len())(e.to_string()))?;
            }
            unsaved::end_recording(&path).map_err(|e| failed(0, kept.len())(e.to_string()))?;
        }
        for (i, k) in kept.iter().enumerate() {
            let stopped = failed(i, kept.len() - i);
            let after = journal.entries().last().map_or(0, |e| e.seq);
            unsaved::begin_recording(&path, after, k).map_err(|e| stopped(e.to_string()))?;
            self.append(id, journal, k.draft())
                .map_err(|e| stopped(e.to_string()))?;
            // Out of the spool before the note that it is being recorded goes.
            if i + 1 < kept.len() {
                unsaved::keep_only(&path, &kept[i + 1..]).map_err(|e| stopped(e.to_string()))?;
            } else {
                unsaved::forget(&path).map_err(|e| KeptLeft {
                    recorded: kept.len(),
                    left: 0,
                    why: format!("recorded, but the spool cannot be set aside: {e}"),
                })?;
            }
            unsaved::end_recording(&path).map_err(|e| stopped(e.to_string()))?;
        }
        if kept.is_empty() {
            unsaved::forget(&path).map_err(|e| failed(0, 0)(e.to_string()))?;
        }
        Ok(kept.len())
    }

    /// Shares the evidence of `id` through the team's database: each file its journal here
    /// names that this machine has and the database lacks is copied in, and each the database
    /// has and this machine lacks is copied here, both checked by their hash. Without a
    /// database, nothing.
    pub fn share_evidence(&mut self, id: &IncidentId) -> Result<EvidenceShared, JournalsError> {
        let Some(team) = &mut self.team else {
            return Ok(EvidenceShared::default());
        };
        let path = self.store.path(id);
        let record = crate::incident::journal::read(&path)?;
        let fetched = drive(&team.runtime, async {
            let held: std::collections::HashSet<String> = team.db.evidence_held(id).await?.into_iter().collect();
            let mut shared = EvidenceShared::default();
            let mut brought = Vec::new();
            for e in &record.entries {
                let crate::incident::model::Event::EvidenceCaptured { file, sha256, .. } = &e.event else {
                    continue;
                };
                match (
                    crate::incident::evidence::read(&path, file, sha256),
                    held.contains(sha256),
                ) {
                    (Ok(content), false) => {
                        team.db.keep_evidence(id, sha256, &content).await?;
                        shared.sent += 1;
                    }
                    (Err(_), true) => match team.db.evidence(id, sha256).await? {
                        Some(content) if crate::incident::line::sha256_hex(&content) == *sha256 => {
                            brought.push(content);
                        }
                        _ => shared.missing.push(file.clone()),
                    },
                    (Err(_), false) => shared.missing.push(file.clone()),
                    (Ok(_), true) => {}
                }
            }
            Ok::<_, DbError>((shared, brought))
        });
        let (mut shared, brought) = fetched?;
        for content in brought {
            crate::incident::evidence::keep(&path, &content).map_err(|source| JournalsError::Evidence {
                path: crate::incident::evidence::dir_beside(&path),
                source,
            })?;
            shared.brought += 1;
        }
        Ok(shared)
    }

    /// Each evidence file `entries` name that the database does not hold with the hash they
    /// recorded, in words, with the entry's seq (none without a database).
    pub fn database_evidence_problems(
        &mut self,
        id: &IncidentId,
        entries: &[Entry],
    ) -> Result<Vec<(u64, String)>, JournalsError> {
        let Some(team) = &mut self.team else {
            return Ok(Vec::new());
        };
        Ok(drive(&team.runtime, async {
            let mut problems = Vec::new();
            for e in entries {
                let crate::incident::model::Event::EvidenceCaptured { file, sha256, .. } = &e.event else {
                    continue;
                };
                match team.db.evidence(id, sha256).await? {
                    Some(content) if crate::incident::line::sha256_hex(&content) == *sha256 => {}
                    Some(_) => problems.push((
                        e.seq,
                        format!("evidence {file} was changed in the database: its content no longer has the hash the journal recorded"),
                    )),
                    None => problems.push((e.seq, format!("evidence {file} is not in the database"))),
                }
            }
            Ok::<_, DbError>(problems)
        })?)
    }

    /// The database's copy of `id`, read back and checked; None without a database or when it
    /// does not hold `id`.
    pub fn database_copy(&mut self, id: &IncidentId) -> Result<Option<Copy>, JournalsError> {
        let Some(team) = &mut self.team else {
            return Ok(None);
        };
        if !drive(&team.runtime, team.db.holds(id))? {
            return Ok(None);
        }
        Ok(Some(drive(&team.runtime, team.db.read(id))?))
    }
}

impl crate::incident::incidents::Incidents for Journals {
    type Error = JournalsError;

    fn store(&self) -> &Store {
        &self.store
    }

    fn ids(&mut self) -> Result<Vec<IncidentId>, JournalsError> {
        self.list()
    }

    fn read(&mut self, id: &IncidentId) -> Result<crate::incident::journal::Record, JournalsError> {
        Ok(crate::incident::journal::read(&self.existing(id)?)?)
    }

    fn open(&mut self, id: &IncidentId) -> Result<Journal, JournalsError> {
        Journals::open(self, id)
    }

    fn open_new(
        &mut self,
        now: Timestamp,
        declare: &(dyn Fn(IncidentId) -> Draft + Send + Sync),
    ) -> Result<(IncidentId, Journal, Entry), JournalsError> {
        Journals::open_new(self, now, declare)
    }

    fn append(&mut self, id: &IncidentId, local: &mut Journal, draft: Draft) -> Result<Entry, JournalsError> {
        Journals::append(self, id, local, draft)
    }

    /// The database's filing lock, so that two machines detecting one deviation at the same
    /// instant file it once. With the database away each machine files on its own.
    fn hold_filing(&mut self) -> Result<(), JournalsError> {
        let Some(team) = &mut self.team else {
            return Ok(());
        };
        match drive(&team.runtime, team.db.hold_filing()) {
            Ok(()) | Err(DbError::Connect { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn release_filing(&mut self) {
        if let Some(team) = &mut self.team
            && let Err(e) = drive(&team.runtime, team.db.release_filing())
        {
            tracing::warn!(error = %e, "the filing lock is let go when the connection ends");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Declared, Event, Origin, Severity};
    use crate::incident::unsaved::{self, Kept, Typed};

    /// Kept aside, then a crash while the first was being recorded: after its append (the
    /// journal has it) or before (it does not). Recording again records each once.
    #[test]
    fn what_a_crash_stopped_recording_is_recorded_once() {
        for committed in [true, false] {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut journals = Journals::files(Store::new(dir.path()));
            let (id, mut journal, _) = journals
                .open_new("2026-12-07T10:00:00Z".parse().expect("t"), |id| {
                    Draft::new(
                        Actor::named("alice"),
                        Origin::Human,
                        Event::IncidentOpened(Declared::new(id, "Checkout errors", Severity::Sev2)),
                    )
                })
                .expect("declared");
            let note = |text: &str| Kept {
                at: "2026-12-07T10:01:00Z".parse().expect("t"),
                by: "alice".into(),
                what: Typed::Note(text.into()),
                pinned: false,
            };
            let (first, second) = (note("db failover started"), note("replica promoted"));
            for k in [&first, &second] {
                unsaved::keep(journal.path(), k).expect("kept");
            }
            unsaved::begin_recording(journal.path(), 1, &first).expect("noted");
            if committed {
                journal
                    .append(first.draft())
                    .expect("the append the crash did not report");
            }
            assert_eq!(
                journals.record_kept(&id, &mut journal).expect("recorded"),
                if committed { 1 } else { 2 }
            );
            let texts: Vec<String> = crate::incident::journal::read(journal.path())
                .expect("journal")
                .entries
                .iter()
                .filter_map(|e| match &e.event {
                    Event::Note { text } => Some(text.split(" (typed").next().unwrap_or("").to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(
                texts,
                ["db failover started", "replica promoted"],
                "committed: {committed}"
            );
            assert!(unsaved::kept(journal.path()).expect("spool").is_empty());
            assert_eq!(unsaved::recording(journal.path()).expect("note"), None);
        }
    }
}
