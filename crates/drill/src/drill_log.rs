//! The drill log: each write that changed a drill (a Kubernetes or Alertmanager request, a
//! fault injected) with the virtual time it was applied at, and how far the clock got. The
//! simulation is deterministic, so replaying the writes at their times rebuilds the drill as
//! it was: a drill incident reopened resumes its drill and never plays a fault twice.
//!
//! One JSON object a line. The first says what was played (the scenario as YAML, the seed, the
//! start); a line torn by a crash at the end is dropped when the log is read and cut off
//! before the log is appended to.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::scenario::Scenario;

/// The version of the log's format, in its first line.
pub const FORMAT: u32 = 1;

/// The first line: what was played.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    pub drill_log: u32,
    /// The scenario as it was at the start (YAML; faults injected later are lines of their own).
    pub scenario: String,
    pub seed: u64,
    /// The drill clock's start (virtual time).
    pub start: Timestamp,
    /// A replay's recording: the scenario is then the replay's, and the recording is read
    /// again to resume it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<Recording>,
}

/// The flight recording a replay played, as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recording {
    pub path: PathBuf,
    /// SHA-256 of the file, hex: a recording changed since is not replayed as if it were the same.
    pub sha256: String,
    /// The real team's journal shown beside the replay, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<PathBuf>,
}

impl Recording {
    /// The recording at `path` as it is now (its path made absolute, so that a drill resumed
    /// from elsewhere finds it).
    pub fn of(path: &Path, journal: Option<&Path>) -> std::io::Result<Recording> {
        use sha2::Digest;
        let bytes = std::fs::read(path)?;
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        Ok(Recording {
            path: absolute(path),
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
            journal: journal.map(absolute),
        })
    }
}

/// Which of the drill's APIs a write went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    Kubernetes,
    Alertmanager,
}

/// Every line after the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "line", deny_unknown_fields)]
pub enum Line {
    /// A request that changed the drill, as it came, and the virtual time it was applied at.
    #[serde(rename_all = "camelCase")]
    Write {
        at: Timestamp,
        api: Api,
        method: String,
        /// Path and query.
        uri: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// The body, base64 (kubectl 1.32 sends protobuf).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        body: String,
    },
    /// How far the clock got, and its pace then.
    Reached { at: Timestamp, speed: f64, paused: bool },
    /// The facilitator moved a replay's clock from `at` to `to`.
    Seek { at: Timestamp, to: Timestamp },
}

impl Line {
    /// Where the clock was when the line was written.
    pub fn at(&self) -> Timestamp {
        match self {
            Line::Write { at, .. } | Line::Reached { at, .. } | Line::Seek { at, .. } => *at,
        }
    }

    /// Where the clock was once the line was applied: a seek's `to`.
    fn then(&self) -> Timestamp {
        match self {
            Line::Seek { to, .. } => *to,
            other => other.at(),
        }
    }

    /// A write's body, decoded.
    pub fn body(&self) -> Vec<u8> {
        match self {
            Line::Write { body, .. } => base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_default(),
            Line::Reached { .. } | Line::Seek { .. } => Vec::new(),
        }
    }

    pub fn encode_body(body: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(body)
    }
}

/// A drill log read back: what was played, and what happened since.
#[derive(Debug)]
pub struct Read {
    pub header: Header,
    pub scenario: Scenario,
    pub lines: Vec<Line>,
    /// The length of the whole lines (a torn last line is not counted).
    whole: u64,
}

impl Read {
    /// Where the clock was at the log's last line (a replay's seek may have taken it back),
    /// and its pace then (when it said).
    pub fn reached(&self) -> (Timestamp, Option<(f64, bool)>) {
        let at = self.lines.last().map_or(self.header.start, Line::then);
        let pace = self.lines.iter().rev().find_map(|l| match l {
            Line::Reached { speed, paused, .. } => Some((*speed, *paused)),
            Line::Write { .. } | Line::Seek { .. } => None,
        });
        (at, pace)
    }
}

/// Reads the drill log at `path`; a problem names the file and line.
pub fn read(path: &Path) -> Result<Read, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let at = |n: usize, what: String| format!("{}:{n}: {what}", path.display());
    let mut rest = &text[..];
    let mut whole = 0u64;
    let mut raw = Vec::new();
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        raw.push(&rest[..end]);
        whole += end as u64 + 1;
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        tracing::warn!(file = %path.display(), "the drill log's last line was torn (a crash); it is dropped");
    }
    let Some(first) = raw.first() else {
        return Err(at(1, "empty: not a drill log".into()));
    };
    let header: Header =
        serde_json::from_slice(first).map_err(|e| at(1, format!("not a drill log's first line: {e}")))?;
    if header.drill_log != FORMAT {
        return Err(at(
            1,
            format!(
                "drillLog: format {} is not the {FORMAT} this warroom reads",
                header.drill_log
            ),
        ));
    }
    let scenario = match header.recording {
        // A replay's scenario is only its title: the recording is the cluster.
        Some(_) => serde_saphyr::from_str(&header.scenario).map_err(|e| at(1, format!("scenario: {e}")))?,
        None => crate::scenario::load::parse(&format!("{} (its scenario)", path.display()), &header.scenario)
            .map_err(|e| at(1, format!("scenario: {e}")))?,
    };
    let mut lines = Vec::with_capacity(raw.len());
    for (i, l) in raw.iter().enumerate().skip(1) {
        lines.push(serde_json::from_slice(l).map_err(|e| at(i + 1, e.to_string()))?);
    }
    Ok(Read {
        header,
        scenario,
        lines,
        whole,
    })
}

/// Names the drill log at `path` in an I/O error about it.
pub fn naming(path: &Path) -> impl Fn(std::io::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::new(e.kind(), format!("the drill log {}: {e}", path.display()))
}

/// Appends to a drill log, a whole line at a time (a crash loses at most the line being written).
#[derive(Debug)]
pub struct Writer {
    file: std::fs::File,
    path: PathBuf,
}

impl Writer {
    /// Starts a new log at `path` (its folder made if need be) with the scenario about to be
    /// played; a file already there is refused, never overwritten.
    pub fn create(path: &Path, scenario: &Scenario, seed: u64, start: Timestamp) -> std::io::Result<Writer> {
        Writer::create_with(path, scenario, seed, start, None)
    }

    /// `create`, for a replay of `recording`.
    pub fn create_with(
        path: &Path,
        scenario: &Scenario,
        seed: u64,
        start: Timestamp,
        recording: Option<Recording>,
    ) -> std::io::Result<Writer> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let yaml = serde_saphyr::to_string(scenario).map_err(std::io::Error::other)?;
        let file = std::fs::OpenOptions::new().create_new(true).append(true).open(path)?;
        let mut w = Writer {
            file,
            path: path.to_path_buf(),
        };
        w.put(&Header {
            drill_log: FORMAT,
            scenario: yaml,
            seed,
            start,
            recording,
        })?;
        Ok(w)
    }

    /// Goes on with the log `read` from `path`, cutting off a torn last line first.
    pub fn resume(path: &Path, read: &Read) -> std::io::Result<Writer> {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        file.set_len(read.whole)?;
        drop(file);
        let file = std::fs::OpenOptions::new().append(true).open(path)?;
        Ok(Writer {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, line: &Line) -> std::io::Result<()> {
        self.put(line)
    }

    fn put(&mut self, value: &impl Serialize) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_survives_the_logs_first_line() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../drills");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("drills/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(files.len() >= 7, "{files:?}");
        let tmp = tempfile::tempdir().expect("tempdir");
        for file in files {
            let scenario = crate::scenario::load_file(&file).expect("a shipped scenario");
            let log = tmp.path().join(format!("{}.jsonl", scenario.name));
            let start: Timestamp = "2026-12-06T10:00:00Z".parse().expect("time");
            Writer::create(&log, &scenario, 7, start).expect("written");
            let back = read(&log).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert_eq!(back.header.seed, 7);
            assert_eq!(back.reached(), (start, None));
            // The scenario read back is the one written, to the last field.
            assert_eq!(
                serde_json::to_value(&back.scenario).expect("json"),
                serde_json::to_value(&scenario).expect("json"),
                "{}",
                file.display()
            );
        }
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut_off_before_appending() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let log = tmp.path().join("drills/run.jsonl");
        let start: Timestamp = "2026-12-06T10:00:00Z".parse().expect("time");
        let mut w = Writer::create(&log, &crate::scenario::load::builtin(), 1, start).expect("written");
        let reached = |s: i64| Line::Reached {
            at: start + jiff::SignedDuration::from_secs(s),
            speed: 2.0,
            paused: false,
        };
        w.write(&reached(30)).expect("written");
        drop(w);
        // A crash in the middle of the next line.
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        f.write_all(b"{\"line\":\"reached\",\"at\":\"2026-12").expect("torn");
        drop(f);
        let back = read(&log).expect("read");
        assert_eq!(back.lines, vec![reached(30)]);
        let mut w = Writer::resume(&log, &back).expect("resumed");
        w.write(&reached(60)).expect("written");
        let back = read(&log).expect("read again");
        assert_eq!(back.lines, vec![reached(30), reached(60)]);
        assert_eq!(
            back.reached(),
            (start + jiff::SignedDuration::from_secs(60), Some((2.0, false)))
        );
        // A file already there is never overwritten.
        assert!(Writer::create(&log, &crate::scenario::load::builtin(), 1, start).is_err());
    }

    #[test]
    fn a_replays_log_names_its_recording_and_ends_where_its_last_seek_went() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let recording = tmp.path().join("INC-1.recording");
        std::fs::write(&recording, b"recorded").expect("written");
        let log = tmp.path().join("replay.jsonl");
        let start: Timestamp = "2026-12-06T10:00:00Z".parse().expect("time");
        let at = |s: i64| start + jiff::SignedDuration::from_secs(s);
        // A replay's scenario is only its title: no nodes, which a scenario would need.
        let scenario: Scenario = serde_saphyr::from_str(
            "name: replay\ntitle: \"Replay of INC-1.recording\"\ndescription: \"d\"\nnodes: []\n",
        )
        .expect("a header");
        let named = Recording::of(&recording, None).expect("read");
        assert!(named.path.is_absolute());
        let mut w = Writer::create_with(&log, &scenario, 1, start, Some(named.clone())).expect("written");
        w.write(&Line::Seek { at: at(0), to: at(300) }).expect("written");
        w.write(&Line::Seek {
            at: at(300),
            to: at(60),
        })
        .expect("written");
        let back = read(&log).expect("read");
        assert_eq!(back.header.recording, Some(named));
        assert_eq!(back.scenario.title, "Replay of INC-1.recording");
        assert_eq!(back.reached(), (at(60), None), "back where the last seek went");
    }

    #[test]
    fn a_broken_line_is_named_with_its_file_and_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let log = tmp.path().join("run.jsonl");
        let start: Timestamp = "2026-12-06T10:00:00Z".parse().expect("time");
        Writer::create(&log, &crate::scenario::load::builtin(), 1, start).expect("written");
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        f.write_all(b"{\"line\":\"teleported\"}\n").expect("written");
        let e = read(&log).expect_err("refused");
        assert!(e.starts_with(&format!("{}:2: ", log.display())), "{e}");
        assert!(e.contains("teleported"), "{e}");
        std::fs::write(&log, "{}\n").expect("written");
        let e = read(&log).expect_err("refused");
        assert!(e.contains(":1: not a drill log's first line"), "{e}");
    }
}
