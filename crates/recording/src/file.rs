//! The recording file: a header line, then frames, each a little-endian `u32` length and a zstd
//! frame of JSON lines (`Record`s). The writer syncs every frame, so a crash loses at most the
//! frame being written, and a reader drops a torn last frame. Seals chain the bytes into
//! segments: a seal's hash is SHA-256 over the previous seal's hash (hex) and every byte since
//! it, so the seals the journal keeps prove each segment, and all before it, untouched.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::record::Record;

/// The first line of every recording.
pub const HEADER: &[u8] = b"warroom recording 1\n";

/// How hard frames are compressed: fast enough for thousands of changes a second.
const LEVEL: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum FlightError {
    #[error("{}: cannot {doing}: {source}", path.display())]
    Io {
        path: PathBuf,
        doing: &'static str,
        source: std::io::Error,
    },
    #[error("{}: not a warroom recording (it does not start with \"warroom recording 1\")", path.display())]
    NotARecording { path: PathBuf },
    #[error("{}: the frame at byte {offset} is damaged: {problem}", path.display())]
    Damaged {
        path: PathBuf,
        offset: u64,
        problem: String,
    },
    #[error("{}: is being recorded by another warroom", path.display())]
    Busy { path: PathBuf },
}

fn io_err(path: &Path, doing: &'static str) -> impl FnOnce(std::io::Error) -> FlightError {
    move |source| FlightError::Io {
        path: path.to_path_buf(),
        doing,
        source,
    }
}

/// The end of a segment: the file's length then and the hash chained up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub offset: u64,
    pub hash: String,
}

/// The hash a seal at the end of `bytes` has, after the seal `prev` (none for the first).
pub fn chain(prev: Option<&str>, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.unwrap_or("").as_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

/// The JSON lines of `records`, compressed into one frame with its length before it.
pub fn encode(records: &[Record]) -> Vec<u8> {
    let mut lines = Vec::new();
    for r in records {
        // A Record is plain data: serializing it cannot fail.
        serde_json::to_writer(&mut lines, r).expect("a record serializes");
        lines.push(b'\n');
    }
    frame(&lines)
}

/// JSON lines (records, each ending in a newline) compressed into one frame with its length
/// before it.
pub fn frame(lines: &[u8]) -> Vec<u8> {
    let payload = zstd::bulk::compress(lines, LEVEL).expect("compressing into memory");
    let mut frame = Vec::with_capacity(payload.len() + 4);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&payload);
    frame
}

/// Appends frames to a recording, synced one by one; holds the file's lock while it lives, so
/// one process records an incident at a time.
pub struct Writer {
    path: PathBuf,
    file: File,
    len: u64,
    last: Option<Seal>,
    /// The hash of the last seal and every byte after it.
    since: Sha256,
}

impl Writer {
    /// A new recording at `path` (which must not exist yet).
    pub fn create(path: &Path) -> Result<Writer, FlightError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(io_err(path, "create the recording"))?;
        let mut w = Writer::locked(path, file, 0, None)?;
        w.write(HEADER)?;
        Ok(w)
    }

    /// Goes on with the recording at `path`, after its seal `last` (the journal's latest): a
    /// torn last frame is cut off.
    pub fn resume(path: &Path, last: Option<Seal>) -> Result<Writer, FlightError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io_err(path, "open the recording"))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io_err(path, "read the recording"))?;
        let read = frames(path, &bytes)?;
        let good = read.end;
        if good < bytes.len() as u64 {
            file.set_len(good)
                .map_err(io_err(path, "cut a torn frame off the recording"))?;
            file.sync_data().map_err(io_err(path, "sync the recording"))?;
        }
        let from = last.as_ref().map_or(0, |s| s.offset);
        if from > good {
            return Err(FlightError::Damaged {
                path: path.to_path_buf(),
                offset: good,
                problem: format!("the journal sealed it up to byte {from}, but it ends at byte {good}"),
            });
        }
        let mut w = Writer::locked(path, file, good, last)?;
        w.since.update(&bytes[from as usize..good as usize]);
        Ok(w)
    }

    fn locked(path: &Path, file: File, len: u64, last: Option<Seal>) -> Result<Writer, FlightError> {
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(FlightError::Busy {
                    path: path.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(path, "lock the recording")(e)),
        }
        let mut since = Sha256::new();
        since.update(last.as_ref().map_or("", |s| s.hash.as_str()).as_bytes());
        Ok(Writer {
            path: path.to_path_buf(),
            file,
            len,
            last,
            since,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes one frame of records and syncs it.
    pub fn append(&mut self, records: &[Record]) -> Result<(), FlightError> {
        if records.is_empty() {
            return Ok(());
        }
        self.append_frames(&encode(records))
    }

    /// Writes frames already encoded (copied from another recording) and syncs them.
    pub fn append_frames(&mut self, frames: &[u8]) -> Result<(), FlightError> {
        self.write(frames)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), FlightError> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(io_err(&self.path, "write the recording"))?;
        self.since.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Ends the segment here; none when nothing was written since the last seal.
    pub fn seal(&mut self) -> Option<Seal> {
        if self.last.as_ref().is_some_and(|s| s.offset == self.len) {
            return None;
        }
        let hash = hex::encode(std::mem::take(&mut self.since).finalize());
        self.since.update(hash.as_bytes());
        let seal = Seal { offset: self.len, hash };
        self.last = Some(seal.clone());
        Some(seal)
    }
}

/// The frames of a recording's bytes.
#[derive(Debug, Default)]
pub struct Frames {
    /// Each frame's compressed payload, with the offset its length starts at.
    pub frames: Vec<(u64, Vec<u8>)>,
    /// Where the last whole frame ends; anything after it is a torn frame.
    pub end: u64,
    pub torn: u64,
}

/// Splits `bytes` (a whole recording) into frames. Only a frame cut short at the very end is
/// torn (a crash while writing it); a header missing is an error.
pub fn frames(path: &Path, bytes: &[u8]) -> Result<Frames, FlightError> {
    if !bytes.starts_with(HEADER) {
        if bytes.is_empty() || HEADER.starts_with(bytes) {
            // Created, and killed before its header was written.
            return Ok(Frames {
                torn: bytes.len() as u64,
                ..Frames::default()
            });
        }
        return Err(FlightError::NotARecording {
            path: path.to_path_buf(),
        });
    }
    let mut at = HEADER.len();
    let mut out = Frames::default();
    while at < bytes.len() {
        let Some(len) = bytes.get(at..at + 4) else { break };
        let len = u32::from_le_bytes(len.try_into().expect("four bytes")) as usize;
        let Some(payload) = bytes.get(at + 4..at + 4 + len) else {
            break;
        };
        out.frames.push((at as u64, payload.to_vec()));
        at += 4 + len;
    }
    out.end = at as u64;
    out.torn = bytes.len() as u64 - out.end;
    Ok(out)
}

/// The records of one frame.
pub fn decode(path: &Path, offset: u64, payload: &[u8]) -> Result<Vec<Record>, FlightError> {
    let damaged = |problem: String| FlightError::Damaged {
        path: path.to_path_buf(),
        offset,
        problem,
    };
    let mut lines = Vec::new();
    zstd::stream::read::Decoder::new(payload)
        .and_then(|mut d| d.read_to_end(&mut lines))
        .map_err(|e| damaged(format!("it does not decompress: {e}")))?;
    lines
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_slice(l).map_err(|e| damaged(format!("record {}: {e}", i + 1))))
        .collect()
}

/// A recording read whole: its records in order, and what verifying it against seals found.
#[derive(Debug, Default)]
pub struct Reading {
    pub records: Vec<Record>,
    pub frames: usize,
    pub size: u64,
    /// Bytes of a torn last frame, left out.
    pub torn: u64,
    /// Seals checked and found right.
    pub sealed: usize,
    /// Bytes after the last seal (recorded since; no journal entry proves them yet).
    pub unsealed: u64,
    /// The first seal that does not match, and why.
    pub broken: Option<String>,
}

/// Reads the recording at `path`, checking it against `seals` (from its journal, in order).
pub fn read(path: &Path, seals: &[Seal]) -> Result<Reading, FlightError> {
    let bytes = std::fs::read(path).map_err(io_err(path, "read the recording"))?;
    let split = frames(path, &bytes)?;
    let mut out = Reading {
        frames: split.frames.len(),
        size: bytes.len() as u64,
        torn: split.torn,
        ..Reading::default()
    };
    let mut from = 0u64;
    let mut prev: Option<&str> = None;
    for (n, seal) in seals.iter().enumerate() {
        let segment =
            (from <= seal.offset && seal.offset <= split.end).then(|| &bytes[from as usize..seal.offset as usize]);
        match segment {
            Some(b) if chain(prev, b) == seal.hash => {
                out.sealed += 1;
                from = seal.offset;
                prev = Some(&seal.hash);
            }
            Some(_) => {
                out.broken = Some(format!(
                    "segment {} (bytes {from}..{}) does not match the hash the journal sealed it with: it was changed",
                    n + 1,
                    seal.offset
                ));
                break;
            }
            None => {
                out.broken = Some(format!(
                    "segment {} was sealed up to byte {}, but the recording ends at byte {}: it was cut short",
                    n + 1,
                    seal.offset,
                    split.end
                ));
                break;
            }
        }
    }
    out.unsealed = split.end.saturating_sub(from);
    for (offset, payload) in &split.frames {
        out.records.extend(decode(path, *offset, payload)?);
    }
    Ok(out)
}

/// The frames of the recording at `path` from byte `from` (a frame boundary) to its last
/// whole frame, as bytes to append elsewhere.
pub fn frames_from(path: &Path, from: u64) -> Result<Vec<u8>, FlightError> {
    let bytes = std::fs::read(path).map_err(io_err(path, "read the recording"))?;
    let split = frames(path, &bytes)?;
    let from = from.max(HEADER.len() as u64).min(split.end);
    Ok(bytes[from as usize..split.end as usize].to_vec())
}
