//! The flight recorder's rolling window on disk: pieces (recording files named by the Unix
//! millisecond they start at), each beginning with a keyframe, so the window can be cut at any
//! piece. A new piece starts every twelfth of the window; a piece is deleted once the piece
//! after it starts before the window does. Memory holds only the current objects.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::file::{FlightError, Writer};

/// The window's pieces in `dir`, oldest first, each with the millisecond it starts at.
pub fn pieces_in(dir: &Path) -> Result<Vec<(i64, PathBuf)>, FlightError> {
    let mut pieces: Vec<(i64, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|source| FlightError::Io {
            path: dir.to_path_buf(),
            doing: "read the flight recorder's directory",
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let start = p.file_stem()?.to_str()?.parse::<i64>().ok()?;
            (p.extension()? == "recording").then_some((start, p))
        })
        .collect();
    pieces.sort();
    Ok(pieces)
}

/// Records per keyframe frame.
pub const KEYFRAME_FRAME: usize = 2000;

pub struct Window {
    dir: PathBuf,
    span_ms: i64,
    pieces: VecDeque<(i64, PathBuf)>,
    writer: Option<Writer>,
    /// Held while the window is open: one recorder per directory.
    _lock: std::fs::File,
}

impl Window {
    /// The window kept in `dir` (one recorder at a time: the directory's lock), spanning
    /// `span_ms`; pieces left there by an earlier run are kept while they are in the window,
    /// unless `fresh` (a drill, which is a new cluster each time).
    pub fn open(dir: &Path, span_ms: i64, fresh: bool) -> Result<Window, FlightError> {
        std::fs::create_dir_all(dir).map_err(|source| FlightError::Io {
            path: dir.to_path_buf(),
            doing: "create the flight recorder's directory",
            source,
        })?;
        let lock_path = dir.join(".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| FlightError::Io {
                path: lock_path.clone(),
                doing: "open the flight recorder's lock",
                source,
            })?;
        if lock.try_lock().is_err() {
            return Err(FlightError::Busy {
                path: dir.to_path_buf(),
            });
        }
        let mut pieces = pieces_in(dir)?;
        if fresh {
            for (_, p) in pieces.drain(..) {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(Window {
            dir: dir.to_path_buf(),
            span_ms,
            pieces: pieces.into(),
            writer: None,
            _lock: lock,
        })
    }

    /// Records a frame of changes at `now`: in a new piece, beginning with what `keyframe`
    /// writes (the picture as it was before the frame), when the current one is old enough.
    pub fn append(
        &mut self,
        frame: &[u8],
        now: i64,
        keyframe: impl FnOnce(&mut Writer) -> Result<(), FlightError>,
    ) -> Result<(), FlightError> {
        let piece_ms = (self.span_ms / 12).max(1000);
        let current = self.pieces.back().map(|(start, _)| *start);
        if self.writer.is_none() || current.is_none_or(|s| now - s >= piece_ms) {
            self.start_piece(now, keyframe)?;
        }
        self.writer.as_mut().expect("a piece is open").append_frames(frame)
    }

    /// Starts a new piece at `now`, beginning with what `keyframe` writes, so the window can be
    /// cut there (at the complete picture the first lists give); none when the current piece
    /// started at `now` already.
    pub fn start_piece(
        &mut self,
        now: i64,
        keyframe: impl FnOnce(&mut Writer) -> Result<(), FlightError>,
    ) -> Result<(), FlightError> {
        if self.writer.is_some() && self.pieces.back().is_some_and(|(start, _)| *start == now) {
            return Ok(());
        }
        let path = self.dir.join(format!("{now}.recording"));
        let mut w = Writer::create(&path)?;
        keyframe(&mut w)?;
        self.writer = Some(w);
        self.pieces.push_back((now, path));
        self.prune(now);
        Ok(())
    }

    /// Deletes pieces wholly before the window: those whose successor starts before it.
    fn prune(&mut self, now: i64) {
        let start = now - self.span_ms;
        while self.pieces.len() > 1 && self.pieces[1].0 <= start {
            let (_, path) = self.pieces.pop_front().expect("two pieces");
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "cannot delete an old piece of the flight recorder's window");
            }
        }
    }

    /// The pieces of the window, oldest first, with the Unix millisecond each starts at.
    pub fn pieces(&self) -> impl Iterator<Item = &(i64, PathBuf)> {
        self.pieces.iter()
    }
}
