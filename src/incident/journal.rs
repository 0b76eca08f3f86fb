//! The append-only journal file of one incident: advisory locking between processes, fsync
//! before an append returns, the hash chain, cutting a torn last line left by a crash, and
//! verification. It never rewrites or drops a complete line, and interprets events no further
//! than their sequence number and hash.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::line::{self, GENESIS, LineProblem};
use super::model::{Draft, Entry};

/// A problem found on one line (1-based, counting every `\n`-terminated line of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub problem: LineProblem,
}

/// What was done about an incomplete last line left by a crash during an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The line was incomplete: its bytes were cut from the journal and kept in `saved_to`.
    Cut { line: u64, bytes: u64, saved_to: PathBuf },
    /// The line was whole and chained but lacked its `\n`, which was added.
    Completed { line: u64 },
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::Cut { line, bytes, saved_to } => write!(
                f,
                "line {line} was incomplete (a crash during an append that never returned): \
                 cut its {bytes} bytes off and kept them in {}",
                saved_to.display()
            ),
            Repair::Completed { line } => write!(
                f,
                "line {line} was complete but lacked its newline (a crash during an append): \
                 added the newline"
            ),
        }
    }
}

/// Where reading stopped: just after the last complete line, with what the next line must
/// carry to continue the chain (unknown after a line too damaged to read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub offset: u64,
    pub line: u64,
    pub next_seq: Option<u64>,
    pub prev: Option<String>,
}

impl Position {
    /// The start of an empty journal.
    pub fn start() -> Position {
        Position {
            offset: 0,
            line: 0,
            next_seq: Some(1),
            prev: Some(GENESIS.to_string()),
        }
    }
}

/// An incomplete last line, as found by a reader that may not repair it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub line: u64,
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What reading a journal (or the part of it after a position) found.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    pub torn: Option<TornTail>,
    pub end: Option<Position>,
}

/// A whole journal as read by someone who may not change it.
#[derive(Debug, Clone)]
pub struct Record {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    pub torn: Option<TornTail>,
    pub end: Position,
}

impl Record {
    /// No damage and no incomplete last line.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty() && self.torn.is_none()
    }

    /// The hash of the last line: record it elsewhere (a status update, a ticket) and later
    /// truncation of the journal can be detected too.
    pub fn head(&self) -> Option<&str> {
        self.entries.last().map(|e| e.hash.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}: cannot {doing}: {source}", .path.display())]
    Io {
        path: PathBuf,
        doing: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}:{line}: {problem}. The journal is open read-only and nothing was written; \
         run `warroom journal verify` for every problem",
        .path.display()
    )]
    Damaged {
        path: PathBuf,
        line: u64,
        problem: LineProblem,
    },
    #[error(
        "{} is shorter than when it was read ({was} bytes, now {now}): something outside \
         warroom cut it. The journal is open read-only and nothing was written",
        .path.display()
    )]
    Shrunk { path: PathBuf, was: u64, now: u64 },
    #[error(
        "{}: the last append may not be on disk (fsync failed: {source}). Nothing more will be \
         written through this handle; reopen the incident to see what was kept",
        .path.display()
    )]
    NotSynced {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}: seq {seq} differs from the entry the copy being brought in holds: the two copies \
         of this incident's journal have parted there. Nothing was written",
        .path.display()
    )]
    Parted { path: PathBuf, seq: u64 },
    #[error(
        "{}: a line being copied in{} is refused: {problem}. Nothing from it on was written",
        .path.display(),
        .seq.map(|s| format!(" (seq {s})")).unwrap_or_default()
    )]
    Copy {
        path: PathBuf,
        seq: Option<u64>,
        problem: String,
    },
    #[error("{}: cannot encode the entry: {source}", .path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn io_err(path: &Path, doing: &'static str) -> impl FnOnce(io::Error) -> JournalError {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        doing,
        source,
    }
}

/// Releases an advisory lock when dropped.
struct Locked<'a>(&'a File);

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn lock_exclusive<'a>(file: &'a File, path: &Path) -> Result<Locked<'a>, JournalError> {
    file.lock().map_err(io_err(path, "lock the journal"))?;
    Ok(Locked(file))
}

fn lock_shared<'a>(file: &'a File, path: &Path) -> Result<Locked<'a>, JournalError> {
    file.lock_shared()
        .map_err(io_err(path, "lock the journal for reading"))?;
    Ok(Locked(file))
}

/// Reads the bytes from `offset` to the end of the file.
fn read_rest(mut file: &File, path: &Path, offset: u64) -> Result<Vec<u8>, JournalError> {
    file.seek(SeekFrom::Start(offset))
        .map_err(io_err(path, "read the journal"))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io_err(path, "read the journal"))?;
    Ok(bytes)
}

/// Decodes and checks the complete lines in `bytes` (which start at `from`); a last line
/// without `\n` is returned as torn, not judged.
pub fn scan(bytes: &[u8], from: &Position) -> Chunk {
    let mut chunk = Chunk::default();
    let mut pos = from.clone();
    let mut rest = bytes;
    while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
        let text = &rest[..nl];
        rest = &rest[nl + 1..];
        pos.line += 1;
        pos.offset += nl as u64 + 1;
        match line::decode(text) {
            Ok(entry) => {
                if let Some(expected) = &pos.prev
                    && *expected != entry.prev
                {
                    chunk.problems.push(Problem {
                        line: pos.line,
                        problem: LineProblem::BrokenChain {
                            expected: expected.clone(),
                            found: entry.prev.clone(),
                        },
                    });
                }
                if let Some(expected) = pos.next_seq
                    && expected != entry.seq
                {
                    chunk.problems.push(Problem {
                        line: pos.line,
                        problem: LineProblem::OutOfSequence {
                            expected,
                            found: entry.seq,
                        },
                    });
                }
                pos.next_seq = entry.seq.checked_add(1);
                pos.prev = Some(entry.hash.clone());
                chunk.entries.push(entry);
            }
            Err((problem, salvage)) => {
                chunk.problems.push(Problem {
                    line: pos.line,
                    problem,
                });
                pos.next_seq = salvage.seq.and_then(|s| s.checked_add(1));
                pos.prev = salvage.hash;
            }
        }
    }
    if !rest.is_empty() {
        chunk.torn = Some(TornTail {
            line: pos.line + 1,
            offset: pos.offset,
            bytes: rest.to_vec(),
        });
    }
    chunk.end = Some(pos);
    chunk
}

/// Reads a whole journal without changing it (under a shared lock, so no append is seen half
/// written).
pub fn read(path: &Path) -> Result<Record, JournalError> {
    let file = File::open(path).map_err(io_err(path, "open the journal"))?;
    let bytes = {
        let _lock = lock_shared(&file, path)?;
        let mut bytes = Vec::new();
        (&file)
            .read_to_end(&mut bytes)
            .map_err(io_err(path, "read the journal"))?;
        bytes
    };
    let start = Position::start();
    let chunk = scan(&bytes, &start);
    Ok(Record {
        path: path.to_path_buf(),
        entries: chunk.entries,
        problems: chunk.problems,
        torn: chunk.torn,
        end: chunk.end.unwrap_or(start),
    })
}

/// Reads what was appended after `from` (under a shared lock). Used to follow a journal.
pub fn read_after(path: &Path, from: &Position) -> Result<Chunk, JournalError> {
    let file = File::open(path).map_err(io_err(path, "open the journal"))?;
    let _lock = lock_shared(&file, path)?;
    let len = file.metadata().map_err(io_err(path, "read the journal's size"))?.len();
    if len < from.offset {
        return Err(JournalError::Shrunk {
            path: path.to_path_buf(),
            was: from.offset,
            now: len,
        });
    }
    if len == from.offset {
        return Ok(Chunk {
            end: Some(from.clone()),
            ..Chunk::default()
        });
    }
    let bytes = read_rest(&file, path, from.offset)?;
    Ok(scan(&bytes, from))
}

/// The journal of one incident, open for appending. Several processes may hold one open at
/// once: each append takes an exclusive advisory lock, first reads what others appended, then
/// writes one line and fsyncs it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    entries: Vec<Entry>,
    end: Position,
    problems: Vec<Problem>,
    repairs: Vec<Repair>,
    broken: Option<String>,
    split_writes: bool,
    drill_clock: Option<DrillClock>,
}

/// The drill's virtual clock, read when a drill incident's entry is written.
#[derive(Clone)]
pub struct DrillClock(pub std::sync::Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl std::fmt::Debug for DrillClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DrillClock")
    }
}

impl Journal {
    /// Opens an existing journal for appending. A torn last line is cut off (and kept aside)
    /// or completed, and reported in `repairs()`. Any other damage is reported in
    /// `problems()` and leaves the journal read-only: nothing is changed.
    /// A handle on `file` that has read nothing yet.
    fn fresh(path: &Path, file: File) -> Journal {
        Journal {
            path: path.to_path_buf(),
            file,
            entries: Vec::new(),
            end: Position::start(),
            problems: Vec::new(),
            repairs: Vec::new(),
            broken: None,
            split_writes: false,
            drill_clock: None,
        }
    }

    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io_err(path, "open the journal"))?;
        let mut journal = Journal::fresh(path, file);
        journal.locked_catch_up()?;
        Ok(journal)
    }

    /// Creates a new journal whose first line records `first`. Fails if the file exists.
    pub fn create(path: &Path, first: Draft) -> Result<(Journal, Entry), JournalError> {
        let mut journal = Journal::create_empty(path)?;
        let entry = journal.append(first)?;
        Ok((journal, entry))
    }

    /// Creates a new journal holding `lines`, written elsewhere (another copy of this
    /// incident's journal), as they are. Fails if the file exists.
    pub fn create_copy(path: &Path, lines: &[String]) -> Result<Journal, JournalError> {
        let mut journal = Journal::create_empty(path)?;
        journal.copy_in(lines)?;
        Ok(journal)
    }

    fn create_empty(path: &Path) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(io_err(path, "create the journal"))?;
        if let Some(dir) = path.parent()
            && let Ok(d) = File::open(dir)
        {
            // Make the new file's name durable too.
            let _ = d.sync_all();
        }
        Ok(Journal::fresh(path, file))
    }

    /// Appends lines written elsewhere (another copy of this incident's journal, with or
    /// without their `\n`), as they are, each checked to carry its own hash and continue the
    /// chain here. A line already here (same seq, same hash) is skipped, so copying again is
    /// harmless; one that differs from what is here is refused, as the two copies have parted.
    /// Returns the entries that were new.
    pub fn copy_in(&mut self, lines: &[String]) -> Result<Vec<Entry>, JournalError> {
        self.refuse_if_read_only()?;
        let lock = self.file.try_clone().map_err(io_err(&self.path, "open the journal"))?;
        let _lock = lock_exclusive(&lock, &self.path)?;
        self.catch_up()?;
        self.refuse_if_read_only()?;
        let mut new = Vec::new();
        for text in lines {
            let text = text.strip_suffix('\n').unwrap_or(text);
            let entry = line::decode(text.as_bytes()).map_err(|(problem, salvage)| JournalError::Copy {
                path: self.path.clone(),
                seq: salvage.seq,
                problem: problem.to_string(),
            })?;
            let next = self.end.next_seq.unwrap_or(1);
            if entry.seq < next {
                let here = usize::try_from(entry.seq - 1)
                    .ok()
                    .and_then(|i| self.entries.get(i))
                    .map(|e| e.hash.clone());
                if here.as_deref() == Some(entry.hash.as_str()) {
                    continue;
                }
                return Err(JournalError::Parted {
                    path: self.path.clone(),
                    seq: entry.seq,
                });
            }
            let prev = self.end.prev.clone().unwrap_or_else(|| GENESIS.to_string());
            if entry.seq != next || entry.prev != prev {
                let problem = if entry.seq != next {
                    LineProblem::OutOfSequence {
                        expected: next,
                        found: entry.seq,
                    }
                } else {
                    LineProblem::BrokenChain {
                        expected: prev,
                        found: entry.prev.clone(),
                    }
                };
                return Err(JournalError::Copy {
                    path: self.path.clone(),
                    seq: Some(entry.seq),
                    problem: problem.to_string(),
                });
            }
            let bytes = format!("{text}\n");
            self.write_line(bytes.as_bytes())?;
            self.end = Position {
                offset: self.end.offset + bytes.len() as u64,
                line: self.end.line + 1,
                next_seq: Some(entry.seq + 1),
                prev: Some(entry.hash.clone()),
            };
            self.entries.push(entry.clone());
            new.push(entry);
        }
        Ok(new)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The incident it records, as its file is named (`INC-20261124-001.jsonl`).
    pub fn incident(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Every entry read or written so far, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Damage found (with line numbers). Non-empty means read-only.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Torn last lines found and repaired, since opening.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    /// Where the journal ends (for following it from here).
    pub fn end(&self) -> &Position {
        &self.end
    }

    pub fn is_read_only(&self) -> bool {
        !self.problems.is_empty() || self.broken.is_some()
    }

    /// Test hook for the crash test: write each line in two halves with a pause between, so a
    /// kill can land mid-line. Never used otherwise.
    #[doc(hidden)]
    pub fn split_writes_for_crash_tests(&mut self) {
        self.split_writes = true;
    }

    /// Stamps every entry written from now on with the drill's virtual time too.
    pub fn keep_drill_time(&mut self, clock: DrillClock) {
        self.drill_clock = Some(clock);
    }

    /// Appends one event; returns once its line is on disk (fsynced).
    pub fn append(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        self.append_with(|_| Ok::<_, JournalError>(draft))
    }

    /// Appends the event `make` builds from every entry so far, including those other
    /// processes appended a moment ago: the read and the append happen under one lock. `make`
    /// may refuse (e.g. "already SEV1"), and then nothing is written.
    pub fn append_with<E, F>(&mut self, make: F) -> Result<Entry, E>
    where
        E: From<JournalError>,
        F: FnOnce(&[Entry]) -> Result<Draft, E>,
    {
        self.refuse_if_read_only()?;
        // A second handle on the same open file holds the lock while `file` is borrowed.
        let lock = self.file.try_clone().map_err(io_err(&self.path, "open the journal"))?;
        let _lock = lock_exclusive(&lock, &self.path)?;
        self.catch_up()?;
        let (text, entry) = self.next_line(make)?;
        self.write_line(text.as_bytes())?;
        self.end = Position {
            offset: self.end.offset + text.len() as u64,
            line: self.end.line + 1,
            next_seq: Some(entry.seq + 1),
            prev: Some(entry.hash.clone()),
        };
        self.entries.push(entry.clone());
        Ok(entry)
    }

    /// The line `make` would append next (stamped, chained, encoded) without writing it: for
    /// a copy of this journal that takes appends first (PostgreSQL, while it holds the
    /// incident's lock), from which the line then comes back through `copy_in`.
    pub fn prepare_with<E, F>(&mut self, make: F) -> Result<(String, Entry), E>
    where
        E: From<JournalError>,
        F: FnOnce(&[Entry]) -> Result<Draft, E>,
    {
        self.refresh()?;
        self.next_line(make)
    }

    /// Builds, stamps and chains the next line after what has been read (the caller caught up).
    fn next_line<E, F>(&self, make: F) -> Result<(String, Entry), E>
    where
        E: From<JournalError>,
        F: FnOnce(&[Entry]) -> Result<Draft, E>,
    {
        self.refuse_if_read_only()?;
        let mut draft = make(&self.entries)?;
        if draft.drill_time.is_none() {
            draft.drill_time = self.drill_clock.as_ref().map(|c| (c.0)());
        }
        let seq = self.end.next_seq.unwrap_or(1);
        let prev = self.end.prev.clone().unwrap_or_else(|| GENESIS.to_string());
        Ok(
            line::encode(seq, Timestamp::now(), &draft, &prev).map_err(|source| JournalError::Encode {
                path: self.path.clone(),
                source,
            })?,
        )
    }

    /// Reads what others appended (and repairs a torn tail), under the lock.
    pub fn refresh(&mut self) -> Result<(), JournalError> {
        self.locked_catch_up()
    }

    fn locked_catch_up(&mut self) -> Result<(), JournalError> {
        // A second handle on the same open file holds the lock while `file` is borrowed.
        let lock = self.file.try_clone().map_err(io_err(&self.path, "open the journal"))?;
        let _lock = lock_exclusive(&lock, &self.path)?;
        self.catch_up()
    }

    fn refuse_if_read_only(&self) -> Result<(), JournalError> {
        if let Some(p) = self.problems.first() {
            return Err(JournalError::Damaged {
                path: self.path.clone(),
                line: p.line,
                problem: p.problem.clone(),
            });
        }
        if let Some(why) = &self.broken {
            return Err(JournalError::Io {
                path: self.path.clone(),
                doing: "append",
                source: io::Error::other(why.clone()),
            });
        }
        Ok(())
    }

    /// Writes one line and fsyncs it. On a failed write, cuts the partial line back off.
    fn write_line(&mut self, bytes: &[u8]) -> Result<(), JournalError> {
        let written = if self.split_writes {
            let half = bytes.len() / 2;
            self.file.write_all(&bytes[..half]).and_then(|()| {
                std::thread::sleep(std::time::Duration::from_millis(1));
                self.file.write_all(&bytes[half..])
            })
        } else {
            self.file.write_all(bytes)
        };
        if let Err(source) = written {
            let _ = self.file.set_len(self.end.offset);
            let _ = self.file.sync_data();
            return Err(JournalError::Io {
                path: self.path.clone(),
                doing: "append to the journal",
                source,
            });
        }
        if let Err(source) = self.file.sync_data() {
            self.broken = Some(format!("an earlier fsync failed: {source}"));
            return Err(JournalError::NotSynced {
                path: self.path.clone(),
                source,
            });
        }
        Ok(())
    }

    /// Reads what was appended since our last look (the caller holds the exclusive lock), and
    /// repairs a torn last line if everything before it is sound.
    fn catch_up(&mut self) -> Result<(), JournalError> {
        let len = self
            .file
            .metadata()
            .map_err(io_err(&self.path, "read the journal's size"))?
            .len();
        if len < self.end.offset {
            self.broken = Some(format!(
                "the journal was cut from {} to {len} bytes outside warroom",
                self.end.offset
            ));
            return Err(JournalError::Shrunk {
                path: self.path.clone(),
                was: self.end.offset,
                now: len,
            });
        }
        if len == self.end.offset {
            return Ok(());
        }
        let bytes = read_rest(&self.file, &self.path, self.end.offset)?;
        let chunk = scan(&bytes, &self.end);
        self.entries.extend(chunk.entries);
        self.problems.extend(chunk.problems);
        if let Some(end) = chunk.end {
            self.end = end;
        }
        if let Some(torn) = chunk.torn
            && self.problems.is_empty()
        {
            self.repair(torn)?;
        }
        Ok(())
    }

    fn repair(&mut self, torn: TornTail) -> Result<(), JournalError> {
        // A whole, chained line that only lacks its newline is kept.
        if let Ok(entry) = line::decode(&torn.bytes)
            && Some(&entry.prev) == self.end.prev.as_ref()
            && Some(entry.seq) == self.end.next_seq
        {
            self.file
                .write_all(b"\n")
                .and_then(|()| self.file.sync_data())
                .map_err(io_err(&self.path, "complete the last line"))?;
            self.end = Position {
                offset: torn.offset + torn.bytes.len() as u64 + 1,
                line: torn.line,
                next_seq: entry.seq.checked_add(1),
                prev: Some(entry.hash.clone()),
            };
            self.entries.push(entry);
            self.repairs.push(Repair::Completed { line: torn.line });
            tracing::warn!(path = %self.path.display(), line = torn.line, "completed a last line that lacked its newline");
            return Ok(());
        }
        let saved_to = torn_path(&self.path);
        let mut aside = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&saved_to)
            .map_err(io_err(&saved_to, "keep the torn line aside"))?;
        let header = format!(
            "# {} line {} ({} bytes), cut at {}\n",
            self.path.display(),
            torn.line,
            torn.bytes.len(),
            line::format_time(Timestamp::now())
        );
        aside
            .write_all(header.as_bytes())
            .and_then(|()| aside.write_all(&torn.bytes))
            .and_then(|()| aside.write_all(b"\n"))
            .and_then(|()| aside.sync_data())
            .map_err(io_err(&saved_to, "keep the torn line aside"))?;
        self.file
            .set_len(torn.offset)
            .and_then(|()| self.file.sync_data())
            .map_err(io_err(&self.path, "cut the torn last line"))?;
        tracing::warn!(path = %self.path.display(), line = torn.line, bytes = torn.bytes.len(), "cut a torn last line");
        self.repairs.push(Repair::Cut {
            line: torn.line,
            bytes: torn.bytes.len() as u64,
            saved_to,
        });
        Ok(())
    }
}

/// Where the bytes of torn last lines are kept: next to the journal, `.torn` appended.
pub fn torn_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".torn");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Event, Origin};

    fn note(text: &str) -> Draft {
        Draft::new(
            Actor::named("alice@host"),
            Origin::Human,
            Event::Note { text: text.into() },
        )
    }

    fn journal_with(n: usize) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("INC-20261124-001.jsonl");
        let (mut j, _) = Journal::create(&path, note("first")).expect("create");
        for i in 1..n {
            j.append(note(&format!("note {i}"))).expect("append");
        }
        (dir, path)
    }

    #[test]
    fn appends_chain_and_read_back() {
        let (_dir, path) = journal_with(3);
        let r = read(&path).expect("read");
        assert!(r.is_intact(), "{:?}", r.problems);
        assert_eq!(r.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(r.entries[0].prev, GENESIS);
        assert_eq!(r.entries[1].prev, r.entries[0].hash);
        assert_eq!(r.entries[2].prev, r.entries[1].hash);
        assert_eq!(r.head(), Some(r.entries[2].hash.as_str()));
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let (_dir, path) = journal_with(1);
        assert!(matches!(
            Journal::create(&path, note("again")),
            Err(JournalError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists
        ));
    }

    #[test]
    fn two_handles_see_each_others_appends() {
        let (_dir, path) = journal_with(1);
        let mut a = Journal::open(&path).expect("a");
        let mut b = Journal::open(&path).expect("b");
        a.append(note("from a")).expect("a appends");
        let e = b.append(note("from b")).expect("b appends");
        assert_eq!(e.seq, 3);
        assert_eq!(b.entries().len(), 3);
        assert!(read(&path).expect("read").is_intact());
    }

    #[test]
    fn a_torn_tail_is_cut_kept_aside_and_reported() {
        let (_dir, path) = journal_with(2);
        let clean = std::fs::read(&path).expect("read");
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        let torn = b"{\"seq\":3,\"time\":\"2026-";
        f.write_all(torn).expect("tear");
        drop(f);
        let r = read(&path).expect("read");
        assert_eq!(r.torn.as_ref().map(|t| t.line), Some(3));
        assert!(r.problems.is_empty());
        let mut j = Journal::open(&path).expect("open repairs");
        assert_eq!(
            j.repairs(),
            [Repair::Cut {
                line: 3,
                bytes: torn.len() as u64,
                saved_to: torn_path(&path)
            }]
        );
        assert_eq!(std::fs::read(&path).expect("read"), clean);
        let aside = std::fs::read_to_string(torn_path(&path)).expect("aside");
        assert!(aside.ends_with("{\"seq\":3,\"time\":\"2026-\n"), "{aside}");
        assert_eq!(j.append(note("after")).expect("append").seq, 3);
        assert!(read(&path).expect("read").is_intact());
    }

    #[test]
    fn a_whole_last_line_without_newline_is_completed_not_cut() {
        let (_dir, path) = journal_with(2);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.pop();
        std::fs::write(&path, &bytes).expect("write");
        let j = Journal::open(&path).expect("open");
        assert_eq!(j.repairs(), [Repair::Completed { line: 2 }]);
        assert_eq!(j.entries().len(), 2);
        assert!(read(&path).expect("read").is_intact());
    }

    #[test]
    fn damage_is_reported_with_its_line_and_makes_the_journal_read_only() {
        let (_dir, path) = journal_with(4);
        let text = std::fs::read_to_string(&path).expect("read");
        let changed = text.replacen("note 2", "note 9", 1);
        std::fs::write(&path, &changed).expect("write");
        let r = read(&path).expect("read");
        assert_eq!(
            r.problems,
            [Problem {
                line: 3,
                problem: LineProblem::HashMismatch
            }]
        );
        let mut j = Journal::open(&path).expect("opens read-only");
        assert!(j.is_read_only());
        let err = j.append(note("more")).expect_err("refused");
        assert!(err.to_string().contains("INC-20261124-001.jsonl:3:"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), changed);
    }

    #[test]
    fn a_removed_line_breaks_the_chain_at_the_next_one() {
        let (_dir, path) = journal_with(4);
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        let without = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[3]);
        std::fs::write(&path, without).expect("write");
        let r = read(&path).expect("read");
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        assert!(r.problems.iter().all(|p| p.line == 3));
    }

    #[test]
    fn read_after_returns_only_new_entries() {
        let (_dir, path) = journal_with(2);
        let r = read(&path).expect("read");
        let mut j = Journal::open(&path).expect("open");
        j.append(note("new")).expect("append");
        let chunk = read_after(&path, &r.end).expect("read after");
        assert_eq!(chunk.entries.len(), 1);
        assert_eq!(chunk.entries[0].seq, 3);
        assert!(chunk.problems.is_empty());
        let again = read_after(&path, chunk.end.as_ref().expect("end")).expect("again");
        assert!(again.entries.is_empty());
    }

    fn lines_of(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .expect("read")
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_copy_holds_the_same_bytes_and_copying_again_adds_nothing() {
        let (dir, path) = journal_with(3);
        let copy = dir.path().join("copy.jsonl");
        let mut c = Journal::create_copy(&copy, &lines_of(&path)[..2]).expect("copy");
        let new = c.copy_in(&lines_of(&path)).expect("copy the rest");
        assert_eq!(new.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
        assert!(c.copy_in(&lines_of(&path)).expect("again").is_empty());
        assert_eq!(
            std::fs::read(&copy).expect("copy"),
            std::fs::read(&path).expect("original")
        );
        // The copy is a journal like any other: appends continue its chain.
        c.append(note("after the copy")).expect("append");
        assert!(read(&copy).expect("read").is_intact());
    }

    #[test]
    fn a_copy_refuses_lines_that_part_from_it_or_were_changed() {
        let (dir, path) = journal_with(2);
        let other = dir.path().join("other.jsonl");
        let (mut o, _) = Journal::create(&other, note("another first")).expect("create");
        o.append(note("a different second")).expect("append");
        let mut j = Journal::open(&path).expect("open");
        let err = j.copy_in(&lines_of(&other)).expect_err("parted");
        assert!(matches!(err, JournalError::Parted { seq: 1, .. }), "{err}");
        let changed = lines_of(&path)[1].replace("note 1", "note 9");
        let mut c = Journal::create_copy(&dir.path().join("c.jsonl"), &lines_of(&path)[..1]).expect("copy");
        let err = c.copy_in(&[changed]).expect_err("changed");
        assert!(
            err.to_string()
                .contains("(seq 2) is refused: the line's hash does not match"),
            "{err}"
        );
        let skipped = lines_of(&path)[1].clone();
        let mut d = Journal::create_copy(&dir.path().join("d.jsonl"), &[]).expect("empty copy");
        let err = d.copy_in(&[skipped]).expect_err("a gap");
        assert!(
            err.to_string().contains("sequence number 2 where 1 was expected"),
            "{err}"
        );
    }
}
