//! The flight recorder's thread: takes the watches' changes (and the samples and alerts read
//! beside them) as they come, writes a frame each second, follows the store's incidents every
//! few seconds, seals what is due, and stops (flushing and sealing) when every sender is gone
//! or `stop` is called. Everything is stamped on the cluster's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::clock::ClusterClock;
use super::monitoring::Monitored;
use super::recorder::{Change, FlightRecorder};

const FRAME_EVERY: Duration = Duration::from_secs(1);
const INCIDENTS_EVERY: Duration = Duration::from_secs(3);

/// The recorder's thread; `stop` ends it after its last frame and seals.
pub struct Running {
    thread: Option<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Running {
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Runs `recorder` on a thread of its own, with a small runtime of its own for waiting on `rx`
/// (so that stopping it never needs the caller's runtime to be free), stamping by `clock`.
pub fn spawn(mut recorder: FlightRecorder, mut rx: mpsc::Receiver<Change>, clock: ClusterClock) -> Running {
    let now_ms = move || clock.now_ms();
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("flight recorder".into())
        .spawn(move || {
            let waiting = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "the flight recorder cannot start");
                    return;
                }
            };
            let mut next_frame = Instant::now() + FRAME_EVERY;
            let mut next_incidents = Instant::now();
            while !stopping.load(Ordering::Relaxed) {
                let now = Instant::now();
                if now >= next_incidents {
                    recorder.follow_incidents(now_ms());
                    next_incidents = now + INCIDENTS_EVERY;
                }
                if now >= next_frame {
                    if let Err(e) = recorder.flush(now_ms()) {
                        tracing::error!(error = %e, "the flight recorder cannot write its window");
                    }
                    recorder.seal_due(now_ms());
                    next_frame = now + FRAME_EVERY;
                }
                // Wake at least a few times a second, so that `stop` is heard.
                let wait = next_frame
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(250));
                match waiting.block_on(async { tokio::time::timeout(wait, rx.recv()).await }) {
                    Ok(Some(c)) => {
                        recorder.changed(c, now_ms());
                        for _ in 0..10_000 {
                            match rx.try_recv() {
                                Ok(c) => recorder.changed(c, now_ms()),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(_elapsed) => {}
                    Ok(None) => break,
                }
            }
            recorder.stop(now_ms());
        })
        .expect("a thread for the flight recorder");
    Running {
        thread: Some(thread),
        stop,
    }
}

/// A flight recorder following a cluster: its watches, the reading of its Prometheus and
/// Alertmanager (once told where they are), the drill's clock, and its thread.
pub struct Flight {
    following: super::follow::Following,
    running: Running,
    clock: ClusterClock,
    tx: mpsc::Sender<Change>,
    /// The monitoring poller and the drill clock's reader.
    tasks: tokio::task::JoinSet<()>,
}

/// Where the window of the cluster named `cluster` is kept, beside the store's journals.
pub fn window_dir(store: &crate::incident::store::Store, cluster: &str) -> std::path::PathBuf {
    let name: String = cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let data = store.dir().parent().unwrap_or(store.dir());
    data.join("flight").join(name)
}

/// Starts recording the cluster `client` reaches, its window named after `cluster`; a drill's
/// on the drill's clock (on the wall clock, and the log says so, if it cannot be read).
pub async fn start(
    client: kube::Client,
    cluster: &str,
    store: crate::incident::store::Store,
    settings: super::recorder::Settings,
) -> Result<Flight, super::file::FlightError> {
    let dir = window_dir(&store, cluster);
    let redaction = settings.redaction.clone();
    let mut tasks = tokio::task::JoinSet::new();
    let clock = if settings.drill {
        match ClusterClock::drill(&client).await {
            Ok((clock, reading)) => {
                tasks.spawn(reading);
                clock
            }
            Err(e) => {
                tracing::warn!(error = %e, "the flight recorder keeps the wall clock");
                ClusterClock::wall()
            }
        }
    } else {
        ClusterClock::wall()
    };
    let recorder = FlightRecorder::new(&dir, store, settings)?;
    // A few seconds of changes at 2,000 a second; beyond that its watches wait for it.
    let (tx, rx) = mpsc::channel(4096);
    let following = super::follow::follow(client, tx.clone(), &redaction);
    Ok(Flight {
        following,
        running: spawn(recorder, rx, clock.clone()),
        clock,
        tx,
        tasks,
    })
}

impl Flight {
    /// Records the samples and alerts of what is `monitored` too.
    pub fn observe(&mut self, monitored: Monitored) {
        let (clock, tx) = (self.clock.clone(), self.tx.clone());
        self.tasks.spawn(super::monitoring::poll(monitored, clock, tx));
    }

    /// Stops the watches and the readings, then the thread after its last frame and seals.
    pub fn stop(self) {
        let Flight {
            following,
            running,
            mut tasks,
            ..
        } = self;
        drop(following);
        tasks.abort_all();
        running.stop();
    }
}
