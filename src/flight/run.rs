//! The flight recorder's thread: takes the watches' changes as they come, writes a frame each
//! second, follows the store's incidents every few seconds, seals what is due, and stops
//! (flushing and sealing) when every sender is gone or `stop` is called.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::recorder::{Change, FlightRecorder};

const FRAME_EVERY: Duration = Duration::from_secs(1);
const INCIDENTS_EVERY: Duration = Duration::from_secs(3);

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

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

pub fn spawn(mut recorder: FlightRecorder, rx: mpsc::Receiver<Change>) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("flight recorder".into())
        .spawn(move || {
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
                match rx.recv_timeout(wait) {
                    Ok(c) => {
                        recorder.changed(c, now_ms());
                        for c in rx.try_iter().take(10_000) {
                            recorder.changed(c, now_ms());
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
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

/// A flight recorder following a cluster: its watches and its thread.
pub struct Flight {
    following: super::follow::Following,
    running: Running,
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

/// Starts recording the cluster `client` reaches, its window named after `cluster`.
pub fn start(
    client: kube::Client,
    cluster: &str,
    store: crate::incident::store::Store,
    settings: super::recorder::Settings,
) -> Result<Flight, super::file::FlightError> {
    let dir = window_dir(&store, cluster);
    let recorder = FlightRecorder::new(&dir, store, settings)?;
    // A second of changes at 2,000 a second, many times over, before any is dropped.
    let (tx, rx) = mpsc::sync_channel(200_000);
    let following = super::follow::follow(client, tx);
    Ok(Flight {
        following,
        running: spawn(recorder, rx),
    })
}

impl Flight {
    /// Changes dropped so far because the recorder fell behind.
    pub fn dropped(&self) -> u64 {
        self.following.dropped.load(Ordering::Relaxed)
    }

    /// Stops the watches, then the thread after its last frame and seals.
    pub fn stop(self) {
        let Flight { following, running } = self;
        drop(following);
        running.stop();
    }
}
