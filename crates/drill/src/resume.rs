//! Resuming a drill from its drill log: the scenario built again with its seed at its start
//! (a replay: its recording read again, refused if it changed), each logged write applied at
//! its virtual time through the same APIs that applied it first and each seek made again,
//! then the clock set where the log stopped, at the pace it had.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::clock::Clock;
use super::server::{Drill, DrillCluster, Options, serve_logged};
use super::sim::Sim;
use super::{api, drill_log};

/// Where a resumed drill is brought to before it is served.
pub(crate) struct Resumption {
    pub writes: Vec<drill_log::Line>,
    pub at: jiff::Timestamp,
    pub speed: f64,
    pub paused: bool,
}

/// Rebuilds the drill logged at `path` (see [`Drill::resume`]).
pub(crate) async fn resume(
    path: &Path,
    listen: SocketAddr,
    options: &Options,
    speed: Option<f64>,
) -> std::io::Result<Drill> {
    let listener = TcpListener::bind(listen).await?;
    let read = drill_log::read(path).map_err(std::io::Error::other)?;
    let writer = drill_log::Writer::resume(path, &read).map_err(drill_log::naming(path))?;
    let (at, pace) = read.reached();
    let (speed, paused) = match (speed, pace) {
        (Some(s), pace) => (s, pace.is_some_and(|p| p.1)),
        (None, Some(pace)) => pace,
        (None, None) => (options.speed, options.paused),
    };
    let drill_log::Read {
        header,
        scenario,
        lines,
        ..
    } = read;
    let clock = Clock::new(header.start, 0.0, true);
    let (sim, options) = match &header.recording {
        // A replay: the same recording, unchanged, from the same moment.
        Some(recorded) => {
            let now = drill_log::Recording::of(&recorded.path, None).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "{}: the recording it replayed, {}: {e}",
                        path.display(),
                        recorded.path.display()
                    ),
                )
            })?;
            if now.sha256 != recorded.sha256 {
                return Err(std::io::Error::other(format!(
                    "{}: the recording it replayed, {}, has changed since (SHA-256 {} then, {} now); \
                     the replay cannot be resumed as it was",
                    path.display(),
                    recorded.path.display(),
                    recorded.sha256,
                    now.sha256
                )));
            }
            let mut sim = super::server::replayed(&recorded.path, options.log_capacity).await?;
            sim.clock = clock;
            sim.now = header.start;
            (sim, super::server::replay_options(options))
        }
        None => {
            let sim = tokio::task::spawn_blocking({
                let capacity = options.log_capacity;
                move || Sim::new(scenario, header.seed, clock, capacity)
            })
            .await
            .map_err(std::io::Error::other)?;
            (sim, options.clone())
        }
    };
    let resumption = Resumption {
        writes: lines,
        at,
        speed,
        paused,
    };
    let options = Options {
        seed: Some(header.seed),
        ..options
    };
    serve_logged(sim, listener, &options, Some(writer), Some(resumption)).await
}

/// Applies a resumed drill's logged writes, each at its virtual time, through the same APIs
/// that applied them first. A write refused now that was accepted then means the drill is not
/// the one logged: that is an error naming the line, never a drill quietly different.
pub(crate) async fn replay_writes(
    cluster: &Arc<DrillCluster>,
    path: &Path,
    writes: &[drill_log::Line],
) -> std::io::Result<()> {
    use tower::ServiceExt;
    let kubernetes = api::router(cluster.clone());
    let alertmanager = api::alertmanager::router(cluster.clone());
    for (i, line) in writes.iter().enumerate() {
        if let drill_log::Line::Seek { at, to } = line {
            let mut sim = cluster.lock();
            sim.clock = Clock::new(*at, 0.0, true);
            sim.sync();
            sim.replay_seek(*to)
                .map_err(|e| std::io::Error::other(format!("{}:{}: {e}", path.display(), i + 2)))?;
            continue;
        }
        let drill_log::Line::Write {
            at,
            api,
            method,
            uri,
            content_type,
            ..
        } = line
        else {
            continue;
        };
        cluster.lock().clock = Clock::new(*at, 0.0, true);
        // Logged times are on the drill's clock already.
        let mut request = axum::http::Request::builder()
            .method(method.as_str())
            .uri(uri.as_str())
            .header(crate::CLOCK_HEADER, "drill");
        if let Some(ct) = content_type {
            request = request.header(axum::http::header::CONTENT_TYPE, ct);
        }
        let request = request
            .body(axum::body::Body::from(line.body()))
            .map_err(|e| std::io::Error::other(format!("{}:{}: {e}", path.display(), i + 2)))?;
        let router = match api {
            drill_log::Api::Kubernetes => kubernetes.clone(),
            drill_log::Api::Alertmanager => alertmanager.clone(),
        };
        let Ok(response) = router.oneshot(request).await;
        if !response.status().is_success() {
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 64 << 10)
                .await
                .unwrap_or_default();
            return Err(std::io::Error::other(format!(
                "{}:{}: {method} {uri} was applied when the drill was played and is refused now ({status}: {}); \
                 the drill cannot be resumed as it was",
                path.display(),
                i + 2,
                String::from_utf8_lossy(&body).trim()
            )));
        }
    }
    Ok(())
}
