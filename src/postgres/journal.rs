//! An incident's journal in PostgreSQL and its copy on this machine. The database takes each
//! append first, under a lock on the incident's row, so writers on every machine are serialized
//! and the chain never forks; the line then goes into the local file, which every reader of the
//! journal (timeline, postmortem, follow) reads as it reads any file journal. Also: opening an
//! incident (the database allocates its id), moving an incident between a file and the
//! database (push, pull), and reading the database's copy back for verification.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio_postgres::{Client, GenericClient};

use super::connect::{DbError, Target};
use crate::incident::journal::{self, Journal, JournalError, Position, Problem, Record};
use crate::incident::line::{self, GENESIS};
use crate::incident::model::{Draft, Entry, IncidentId};
use crate::incident::store::Store;

/// How long a connection in use is trusted without asking whether it still stands.
const TRUST_FOR: Duration = Duration::from_secs(1);

/// Where the numbers of incidents declared while the team's database was away start (their
/// day's ids in the database are allocated from 1 up, below this).
pub const HERE_ONLY_FROM: u32 = 900;

/// The channel every append is announced on, as `INC-… SEQ` (consoles following an incident
/// listen on it).
pub const CHANNEL: &str = "warroom_journal";

/// The journals in one PostgreSQL database.
pub struct Shared {
    /// None until first needed, or after the connection was lost.
    client: Option<Client>,
    /// When the connection was last used.
    used: Option<Instant>,
    target: Target,
}

/// An incident's journal as the database holds it, checked as a file journal is: each row's
/// line against its own hash and the chain (problems name the row's seq as their line).
#[derive(Debug)]
pub struct Copy {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// The head the incident's row records, when it differs from the last line's: lines were
    /// removed at the end behind the database's back.
    pub head_mismatch: Option<(u64, usize)>,
}

impl Copy {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty() && self.head_mismatch.is_none()
    }
}

/// What a push did.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    /// The database had the first `had` lines; `added` more were copied in.
    Added { had: u64, added: u64 },
    /// The database holds more than the file: nothing to push (pull instead).
    DatabaseAhead { file: u64, database: u64 },
}

impl Shared {
    /// The database at `target`, connected when first needed (a console starting while the
    /// database is away works on and says so, rather than not starting).
    pub fn later(target: &Target) -> Shared {
        Shared {
            client: None,
            used: None,
            target: target.clone(),
        }
    }

    /// Connects now (bringing the schema up to date), unless connected already.
    pub async fn reach(&mut self) -> Result<(), DbError> {
        self.live().await.map(|_| ())
    }

    /// The connection, made again first when the last one was lost (the database restarted).
    async fn live(&mut self) -> Result<&mut Client, DbError> {
        let idle = self.used.is_none_or(|at| at.elapsed() > TRUST_FOR);
        self.used = Some(Instant::now());
        match self.client.take() {
            // A connection idle a while may have died unseen (nothing polls it between calls
            // here): one round trip says.
            Some(client) if !client.is_closed() && (!idle || client.simple_query("").await.is_ok()) => {
                Ok(self.client.insert(client))
            }
            _ => Ok(self.client.insert(self.target.connect().await?)),
        }
    }

    /// Where the database is.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// `postgres://user@host:port/db`.
    pub fn shown(&self) -> &str {
        self.target.shown()
    }

    /// Every incident the database holds, in no particular order.
    pub async fn incidents(&mut self) -> Result<Vec<IncidentId>, DbError> {
        let shown = self.target.shown().to_string();
        let rows = self
            .live()
            .await?
            .query("SELECT id FROM incidents", &[])
            .await
            .map_err(query_err(&shown, "list the incidents"))?;
        Ok(rows.iter().filter_map(|r| r.get::<_, String>(0).parse().ok()).collect())
    }

    /// The lines of `id` after seq `after`, in order (none when the incident is not there).
    pub async fn lines(&mut self, id: &IncidentId, after: u64) -> Result<Vec<String>, DbError> {
        let shown = self.target.shown().to_string();
        lines(self.live().await?, id, after)
            .await
            .map_err(query_err(&shown, "read the journal"))
    }

    /// Whether the database holds `id`.
    pub async fn holds(&mut self, id: &IncidentId) -> Result<bool, DbError> {
        let shown = self.target.shown().to_string();
        let row = self
            .live()
            .await?
            .query_opt("SELECT 1 FROM incidents WHERE id = $1", &[&id.as_str()])
            .await
            .map_err(query_err(&shown, "look the incident up"))?;
        Ok(row.is_some())
    }

    /// Brings the local copy up to date with the database; returns the entries that were new.
    pub async fn catch_up(&mut self, id: &IncidentId, local: &mut Journal) -> Result<Vec<Entry>, DbError> {
        let lines = self.lines(id, last_seq(local)).await?;
        Ok(local.copy_in(&lines)?)
    }

    /// Appends the event `make` builds from every entry so far (other machines' included): the
    /// database takes it under the incident's lock, then the local copy does. `make` may refuse,
    /// and then nothing is written.
    pub async fn append_with<E, F>(&mut self, id: &IncidentId, local: &mut Journal, make: F) -> Result<Entry, E>
    where
        E: From<DbError> + From<JournalError>,
        F: FnOnce(&[Entry]) -> Result<Draft, E>,
    {
        let shown = self.target.shown().to_string();
        let tx = self
            .live()
            .await?
            .transaction()
            .await
            .map_err(query_err(&shown, "begin an append"))?;
        let here = last_seq(local);
        // The lock, the head, and the database's hash of this copy's last entry, in one trip.
        let head = tx
            .query_opt(
                "SELECT i.head_seq, (SELECT e.hash FROM entries e WHERE e.incident = i.id AND e.seq = $2) \
                 FROM incidents i WHERE i.id = $1 FOR UPDATE OF i",
                &[&id.as_str(), &i64::try_from(here).unwrap_or(i64::MAX)],
            )
            .await
            .map_err(query_err(&shown, "lock the incident"))?
            .ok_or_else(|| DbError::NoIncident {
                shown: shown.clone(),
                id: id.clone(),
            })?;
        let head_seq = seq_of(head.get(0));
        let theirs: Option<String> = head.get(1);
        if let (Some(mine), Some(theirs)) = (local.entries().last(), theirs)
            && mine.hash != theirs
        {
            return Err(DbError::Parted {
                shown,
                id: id.clone(),
                seq: here,
            }
            .into());
        }
        if here > head_seq {
            // This copy was written on beyond the database (while it was away, or by a thread
            // that still took the incident for this machine's only): when it continues the
            // database's last entry, what it holds beyond is copied in first, as `push` would.
            let ahead = DbError::LocalAhead {
                shown: shown.clone(),
                id: id.clone(),
                path: local.path().to_path_buf(),
                here,
                there: head_seq,
            };
            let theirs: Option<String> = tx
                .query_opt(
                    "SELECT hash FROM entries WHERE incident = $1 AND seq = $2",
                    &[&id.as_str(), &i64::try_from(head_seq).unwrap_or(i64::MAX)],
                )
                .await
                .map_err(query_err(&shown, "read the journal's head"))?
                .map(|r| r.get(0));
            let mine = local
                .entries()
                .iter()
                .find(|e| e.seq == head_seq)
                .map(|e| e.hash.clone());
            if head_seq > 0 && (theirs.is_none() || theirs != mine) {
                return Err(ahead.into());
            }
            let Ok(lines) = file_lines(local.path(), local.entries().len()) else {
                return Err(ahead.into());
            };
            for e in local.entries().iter().filter(|e| e.seq > head_seq) {
                let line = usize::try_from(e.seq - 1)
                    .ok()
                    .and_then(|i| lines.get(i))
                    .map_or("", String::as_str);
                if !line.starts_with(&format!("{{\"seq\":{},", e.seq)) {
                    return Err(ahead.into());
                }
                insert(&tx, id, e, line)
                    .await
                    .map_err(query_err(&shown, "copy in what this machine wrote on"))?;
            }
        }
        if head_seq > here {
            let missing = lines(&tx, id, here)
                .await
                .map_err(query_err(&shown, "read the journal"))?;
            local.copy_in(&missing)?;
        }
        let (text, entry) = local.prepare_with(make)?;
        insert(&tx, id, &entry, &text)
            .await
            .map_err(query_err(&shown, "append"))?;
        tx.commit().await.map_err(query_err(&shown, "commit the append"))?;
        local.copy_in(&[text])?;
        Ok(entry)
    }

    /// Opens a new incident: takes the next id of `now`'s UTC day free both in the database and
    /// in `store` (this machine's files), writes the declaration `declare` makes as its first
    /// line there, then creates the local copy.
    pub async fn open_new(
        &mut self,
        store: &Store,
        now: Timestamp,
        declare: impl Fn(IncidentId) -> Draft + Send + Sync,
    ) -> Result<(IncidentId, Journal, Entry), DbError> {
        let day = now.to_zoned(TimeZone::UTC).date();
        let today = IncidentId::new(day, 0);
        let pattern = format!("INC-{}-%", today.day());
        let shown = self.target.shown().to_string();
        let client = self.live().await?;
        let rows = client
            .query("SELECT id FROM incidents WHERE id LIKE $1", &[&pattern])
            .await
            .map_err(query_err(&shown, "list today's incidents"))?;
        let taken = rows
            .iter()
            .filter_map(|r| r.get::<_, String>(0).parse::<IncidentId>().ok())
            .chain(
                store
                    .list()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|i| i.day() == today.day()),
            )
            .map(|i| i.number())
            // Those declared while the database was away are numbered apart.
            .filter(|n| *n < HERE_ONLY_FROM)
            .max()
            .unwrap_or(0);
        let mut number = taken;
        loop {
            number += 1;
            let id = IncidentId::new(day, number);
            let (text, entry) =
                line::encode(1, now, &declare(id.clone()), GENESIS).map_err(|source| JournalError::Encode {
                    path: store.path(&id),
                    source,
                })?;
            let tx = client.transaction().await.map_err(query_err(&shown, "begin"))?;
            let created = open_row(&tx, &id)
                .await
                .map_err(query_err(&shown, "open the incident"))?;
            if !created {
                // Another machine took this id a moment ago: take the next.
                continue;
            }
            insert(&tx, &id, &entry, &text)
                .await
                .map_err(query_err(&shown, "write the declaration"))?;
            tx.commit().await.map_err(query_err(&shown, "commit the declaration"))?;
            let local = store.create_copy(&id, &[text])?;
            return Ok((id, local, entry));
        }
    }

    /// Copies the lines of a file journal that the database lacks into it, creating the
    /// incident there if need be. The file must be intact, and the database's lines must be
    /// the file's first ones.
    pub async fn push(&mut self, id: &IncidentId, record: &Record) -> Result<Pushed, DbError> {
        if let Some(p) = record.problems.first() {
            return Err(JournalError::Damaged {
                path: record.path.clone(),
                line: p.line,
                problem: p.problem.clone(),
            }
            .into());
        }
        let file_lines = file_lines(&record.path, record.entries.len())?;
        let shown = self.target.shown().to_string();
        let tx = self
            .live()
            .await?
            .transaction()
            .await
            .map_err(query_err(&shown, "begin a push"))?;
        open_row(&tx, id)
            .await
            .map_err(query_err(&shown, "open the incident"))?;
        // Every append to it waits until the push is done.
        tx.execute("SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE", &[&id.as_str()])
            .await
            .map_err(query_err(&shown, "lock the incident"))?;
        let there = tx
            .query(
                "SELECT seq, hash FROM entries WHERE incident = $1 ORDER BY seq",
                &[&id.as_str()],
            )
            .await
            .map_err(query_err(&shown, "read the journal"))?;
        for (row, entry) in there.iter().zip(&record.entries) {
            if row.get::<_, String>(1) != entry.hash {
                return Err(DbError::Parted {
                    shown,
                    id: id.clone(),
                    seq: entry.seq,
                });
            }
        }
        let had = there.len() as u64;
        let file = record.entries.len() as u64;
        if had > file {
            return Ok(Pushed::DatabaseAhead { file, database: had });
        }
        for (entry, text) in record.entries.iter().zip(&file_lines).skip(there.len()) {
            insert(&tx, id, entry, text)
                .await
                .map_err(query_err(&shown, "copy a line in"))?;
        }
        tx.commit().await.map_err(query_err(&shown, "commit the push"))?;
        Ok(Pushed::Added { had, added: file - had })
    }

    /// The database's copy of `id`, read back and checked line by line.
    pub async fn read(&mut self, id: &IncidentId) -> Result<Copy, DbError> {
        let shown = self.target.shown().to_string();
        let client = self.live().await?;
        let head = client
            .query_opt("SELECT head_seq FROM incidents WHERE id = $1", &[&id.as_str()])
            .await
            .map_err(query_err(&shown, "look the incident up"))?
            .ok_or_else(|| DbError::NoIncident {
                shown: shown.clone(),
                id: id.clone(),
            })?;
        let head_seq = seq_of(head.get(0));
        let rows = client
            .query(
                "SELECT seq, line FROM entries WHERE incident = $1 ORDER BY seq",
                &[&id.as_str()],
            )
            .await
            .map_err(query_err(&shown, "read the journal"))?;
        let mut bytes = Vec::new();
        for row in &rows {
            bytes.extend_from_slice(row.get::<_, String>(1).as_bytes());
            bytes.push(b'\n');
        }
        let chunk = journal::scan(&bytes, &Position::start());
        // A problem's line is the row's place; name it by the row's seq.
        let problems = chunk
            .problems
            .into_iter()
            .map(|p| Problem {
                line: usize::try_from(p.line - 1)
                    .ok()
                    .and_then(|i| rows.get(i))
                    .map_or(p.line, |r| seq_of(r.get(0))),
                problem: p.problem,
            })
            .collect();
        Ok(Copy {
            head_mismatch: (head_seq != rows.len() as u64).then_some((head_seq, rows.len())),
            entries: chunk.entries,
            problems,
        })
    }
}

/// The advisory lock machines filing detections take turns by (`warr` in ASCII).
const FILING_LOCK: i64 = 0x7761_7272;

impl Shared {
    /// Waits for the filing lock, then holds it on this connection until `release_filing` (or
    /// until the connection ends, when the database lets it go).
    pub async fn hold_filing(&mut self) -> Result<(), DbError> {
        self.filing_lock("SELECT pg_advisory_lock($1)", "take the filing lock")
            .await
    }

    pub async fn release_filing(&mut self) -> Result<(), DbError> {
        self.filing_lock("SELECT pg_advisory_unlock($1)", "let the filing lock go")
            .await
    }

    /// Runs `sql` on the filing lock, on this connection.
    async fn filing_lock(&mut self, sql: &str, doing: &'static str) -> Result<(), DbError> {
        let shown = self.target.shown().to_string();
        self.live()
            .await?
            .execute(sql, &[&FILING_LOCK])
            .await
            .map_err(query_err(&shown, doing))?;
        Ok(())
    }

    /// The hashes of the evidence the database holds for `id`.
    pub async fn evidence_held(&mut self, id: &IncidentId) -> Result<Vec<String>, DbError> {
        let shown = self.target.shown().to_string();
        let rows = self
            .live()
            .await?
            .query("SELECT sha256 FROM evidence WHERE incident = $1", &[&id.as_str()])
            .await
            .map_err(query_err(&shown, "list the evidence"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Keeps `content` (whose SHA-256 is `sha256`) as evidence of `id`; kept once.
    pub async fn keep_evidence(&mut self, id: &IncidentId, sha256: &str, content: &[u8]) -> Result<(), DbError> {
        let shown = self.target.shown().to_string();
        self.live()
            .await?
            .execute(
                "INSERT INTO evidence (incident, sha256, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&id.as_str(), &sha256, &content],
            )
            .await
            .map_err(query_err(&shown, "keep the evidence"))?;
        Ok(())
    }

    /// The evidence of `id` named `sha256`, when the database holds it.
    pub async fn evidence(&mut self, id: &IncidentId, sha256: &str) -> Result<Option<Vec<u8>>, DbError> {
        let shown = self.target.shown().to_string();
        let row = self
            .live()
            .await?
            .query_opt(
                "SELECT content FROM evidence WHERE incident = $1 AND sha256 = $2",
                &[&id.as_str(), &sha256],
            )
            .await
            .map_err(query_err(&shown, "read the evidence"))?;
        Ok(row.map(|r| r.get(0)))
    }
}

fn query_err(shown: &str, doing: &'static str) -> impl FnOnce(tokio_postgres::Error) -> DbError + use<> {
    let shown = shown.to_string();
    move |cause| DbError::Query { shown, doing, cause }
}

/// Gives `id` its row (an empty journal) unless it has one; says whether it was made now.
async fn open_row(client: &impl GenericClient, id: &IncidentId) -> Result<bool, tokio_postgres::Error> {
    let made = client
        .execute(
            "INSERT INTO incidents (id, head_seq, head_hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING",
            &[&id.as_str(), &GENESIS],
        )
        .await?;
    Ok(made == 1)
}

/// The seq of the last entry the local copy holds (0 when empty).
fn last_seq(local: &Journal) -> u64 {
    local.end().next_seq.map_or(0, |n| n.saturating_sub(1))
}

fn seq_of(column: i64) -> u64 {
    u64::try_from(column).unwrap_or(0)
}

/// The first `count` lines of the journal at `path` as written (without `\n`), one per entry.
fn file_lines(path: &std::path::Path, count: usize) -> Result<Vec<String>, DbError> {
    let text = std::fs::read_to_string(path).map_err(|source| JournalError::Io {
        path: path.to_path_buf(),
        doing: "read the journal",
        source,
    })?;
    Ok(text.lines().take(count).map(str::to_string).collect())
}

async fn lines(client: &impl GenericClient, id: &IncidentId, after: u64) -> Result<Vec<String>, tokio_postgres::Error> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = client
        .query(
            "SELECT line FROM entries WHERE incident = $1 AND seq > $2 ORDER BY seq",
            &[&id.as_str(), &after],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Writes one line as the incident's new head and announces it (delivered at commit), in one
/// statement.
async fn insert(
    client: &impl GenericClient,
    id: &IncidentId,
    entry: &Entry,
    text: &str,
) -> Result<(), tokio_postgres::Error> {
    let seq = i64::try_from(entry.seq).unwrap_or(i64::MAX);
    let text = text.strip_suffix('\n').unwrap_or(text);
    client
        .execute(
            "WITH line AS (INSERT INTO entries (incident, seq, prev, hash, line) VALUES ($1, $2, $3, $4, $5)), \
                  head AS (UPDATE incidents SET head_seq = $2, head_hash = $4 WHERE id = $1) \
             SELECT pg_notify($6, $1 || ' ' || $2)",
            &[&id.as_str(), &seq, &entry.prev, &entry.hash, &text, &CHANNEL],
        )
        .await?;
    Ok(())
}
