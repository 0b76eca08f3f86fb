//! Tracing to a log file, never to stdout (stdout is the screen). `WARROOM_LOG` sets the
//! filter (default `info`); the file is `warroom.log` in the state directory, rotated at
//! `MAX_BYTES` with `KEPT` older files, so even a trace-level flood takes bounded disk. Every
//! line is cleaned as the console cleans text and has its secrets redacted before it is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log rotates.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// How many rotated files are kept beside `warroom.log` (`warroom.log.1` is the newest).
pub const KEPT: usize = 4;

/// Starts logging; keep the guard alive until exit so the last lines are written.
pub fn init(dir: PathBuf) -> anyhow::Result<(WorkerGuard, PathBuf)> {
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the log directory {}: {e}", dir.display()))?;
    let path = dir.join("warroom.log");
    let (writer, guard) = tracing_appender::non_blocking(writer(&path));
    let filter = EnvFilter::try_from_env("WARROOM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok((guard, path))
}

/// The log file at `path`, rotated and cleaned.
pub fn writer(path: &Path) -> Cleaned<FileRotate<AppendCount>> {
    rotating(path, MAX_BYTES)
}

fn rotating(path: &Path, max_bytes: usize) -> Cleaned<FileRotate<AppendCount>> {
    Cleaned(FileRotate::new(
        path,
        AppendCount::new(KEPT),
        ContentLimit::Bytes(max_bytes),
        Compression::None,
        None,
    ))
}

/// A writer whose every write (one log line) is cleaned of terminal controls and secrets.
pub struct Cleaned<W>(pub W);

impl<W: Write> Write for Cleaned<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = crate::text::printable(&text);
        self.0.write_all(crate::redact::redact(&clean).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_cleaned_and_redacted_and_the_files_bounded() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("warroom.log");
        let max = 64 * 1024;
        let mut w = rotating(&path, max);
        let line = "poll failed: https://prom.example/q?apikey=s3cr3t \u{1b}]52;c;SGFja2Vk\u{7}boom\n";
        w.write_all(line.as_bytes()).expect("write");
        w.flush().expect("flush");
        let written = std::fs::read_to_string(&path).expect("log");
        assert_eq!(written, "poll failed: https://prom.example/q?apikey=REDACTED boom\n");
        // A flood: three times what all the files may hold.
        let filler = format!("{}\n", "x".repeat(1023));
        for _ in 0..(3 * max * (KEPT + 1) / filler.len()) {
            w.write_all(filler.as_bytes()).expect("write");
        }
        w.flush().expect("flush");
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(files.len() <= KEPT + 1, "{files:?}");
        let total: u64 = files.iter().map(|f| f.metadata().expect("size").len()).sum();
        assert!(
            total <= ((KEPT + 1) * (max + filler.len())) as u64,
            "{total} bytes in {files:?}"
        );
    }
}
