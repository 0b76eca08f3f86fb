//! Tracing to a log file, never to stdout (stdout is the screen). `WARROOM_LOG` sets the
//! filter (default `info`); the file is `warroom.log` in the state directory.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging; keep the guard alive until exit so the last lines are written.
pub fn init(dir: PathBuf) -> anyhow::Result<(WorkerGuard, PathBuf)> {
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the log directory {}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::never(&dir, "warroom.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("WARROOM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))?;
    Ok((guard, dir.join("warroom.log")))
}
