//! Following a journal while others append to it: file watching (notify) with a re-read every
//! half second as a safety net, each new verified entry handed to a sink, in order. Only writes
//! wake it (its own reads open the file, which inotify reports too). It must not write to the
//! journal.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::sink::Sink;
use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::journal::{self, Position, Problem};
use super::model::Entry;

/// How often the journal is re-read when no change is signalled.
const SAFETY_NET: Duration = Duration::from_millis(500);

/// What a follower sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    /// A new entry, its hash and chain checked.
    Entry(Box<Entry>),
    /// A damaged line. Following goes on after it.
    Damaged { path: PathBuf, problem: Problem },
    /// The journal cannot be read any more (e.g. it was cut short); following stops.
    Failed(String),
}

/// A running follower; dropping it stops following.
pub struct Follower {
    watcher: Option<RecommendedWatcher>,
    stop: Arc<AtomicBool>,
    reads: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Follower {
    /// Whether changes are signalled by the file system (else only the re-read runs).
    pub fn watching(&self) -> bool {
        self.watcher.is_some()
    }

    /// How many times the journal has been read so far: about two a second while nothing is
    /// written, one more per write.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Dropping the watcher drops its sender, which wakes the thread at once.
        self.watcher.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Follows the journal at `path` from `from` (`Position::start()` for every entry, or the
/// `end` of a `Record` already read). Entries are handed to `sink`, in order, from the
/// follower's own thread; following stops when the sink says nobody listens.
pub fn follow(path: &Path, from: Position, sink: Sink<Followed>) -> Follower {
    let (wake_tx, wake_rx) = std_mpsc::channel::<()>();
    let watcher = watch(path, wake_tx);
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let thread = {
        let stop = stop.clone();
        let reads = reads.clone();
        let path = path.to_path_buf();
        std::thread::Builder::new()
            .name("journal-follow".into())
            .spawn(move || run(&path, from, &sink, &wake_rx, &stop, &reads))
            .ok()
    };
    Follower {
        watcher,
        stop,
        reads,
        thread,
    }
}

/// Whether a file-system event can mean new bytes in the journal. Opens, reads and closes
/// without writing (the follower's own, or anyone's `cat`) cannot.
fn is_write(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

fn watch(path: &Path, wake: std_mpsc::Sender<()>) -> Option<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok_and(|event| is_write(&event.kind)) {
            let _ = wake.send(());
        }
    })
    .map_err(|e| tracing::warn!(error = %e, "cannot watch files; re-reading the journal instead"))
    .ok()?;
    match watcher.watch(path, RecursiveMode::NonRecursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot watch the journal; re-reading it instead");
            None
        }
    }
}

fn run(
    path: &Path,
    mut pos: Position,
    sink: &Sink<Followed>,
    wake: &std_mpsc::Receiver<()>,
    stop: &AtomicBool,
    reads: &AtomicU64,
) {
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        reads.fetch_add(1, Ordering::Relaxed);
        match journal::read_after(path, &pos) {
            Ok(chunk) => {
                for problem in chunk.problems {
                    let damaged = Followed::Damaged {
                        path: path.to_path_buf(),
                        problem,
                    };
                    if !sink(damaged) {
                        return;
                    }
                }
                for entry in chunk.entries {
                    if !sink(Followed::Entry(Box::new(entry))) {
                        return;
                    }
                }
                if let Some(end) = chunk.end {
                    pos = end;
                }
            }
            Err(e) => {
                sink(Followed::Failed(e.to_string()));
                return;
            }
        }
        match wake.recv_timeout(SAFETY_NET) {
            Ok(()) => while wake.try_recv().is_ok() {},
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(SAFETY_NET);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::journal::Journal;
    use crate::incident::model::{Actor, Draft, Event, Origin};
    use std::time::Instant;
    use tokio::sync::mpsc;

    /// Follows into a channel, as the CLI does.
    fn follow_into(path: &Path, from: Position) -> (Follower, mpsc::UnboundedReceiver<Followed>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (follow(path, from, crate::sink::into_channel(tx, |f| f)), rx)
    }

    fn note(text: &str) -> Draft {
        Draft::new(Actor::named("bob"), Origin::Human, Event::Note { text: text.into() })
    }

    /// Waits (generously; not a timing assertion) for the next message.
    fn next(rx: &mut mpsc::UnboundedReceiver<Followed>) -> Followed {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match rx.try_recv() {
                Ok(m) => return m,
                Err(mpsc::error::TryRecvError::Empty) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("no message from the follower: {e}"),
            }
        }
    }

    #[test]
    fn a_follower_sees_every_entry_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("INC-20261124-001.jsonl");
        let (mut j, _) = Journal::create(&path, note("first")).expect("create");
        let (_follower, mut rx) = follow_into(&path, Position::start());
        let Followed::Entry(first) = next(&mut rx) else {
            panic!("expected an entry")
        };
        assert_eq!(first.seq, 1);
        for i in 0..5 {
            j.append(note(&format!("n{i}"))).expect("append");
        }
        for seq in 2..=6 {
            match next(&mut rx) {
                Followed::Entry(e) => assert_eq!(e.seq, seq),
                other => panic!("expected entry {seq}, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_idle_follower_reads_only_on_its_safety_net() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("INC-20261124-001.jsonl");
        Journal::create(&path, note("first")).expect("create");
        let (follower, mut rx) = follow_into(&path, Position::start());
        assert!(matches!(next(&mut rx), Followed::Entry(_)));
        assert!(follower.watching(), "inotify is available here");
        let before = follower.reads();
        let idle = Duration::from_secs(3);
        std::thread::sleep(idle);
        let reads = follower.reads() - before;
        // The safety net alone reads 6 times in 3 s (fewer on a busy machine); a follower woken
        // by its own reads loops thousands of times.
        let most = idle.as_millis() / SAFETY_NET.as_millis() + 4;
        assert!(
            u128::from(reads) <= most,
            "{reads} reads in {idle:?} with nothing written"
        );
        // A write still wakes it at once.
        let mut j = Journal::open(&path).expect("open");
        j.append(note("second")).expect("append");
        assert!(matches!(next(&mut rx), Followed::Entry(e) if e.seq == 2));
    }

    #[test]
    fn a_follower_reports_a_journal_cut_short() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("INC-20261124-001.jsonl");
        let (mut j, _) = Journal::create(&path, note("first")).expect("create");
        j.append(note("second")).expect("append");
        let end = j.end().clone();
        let (_follower, mut rx) = follow_into(&path, end);
        std::fs::write(&path, "").expect("cut");
        match next(&mut rx) {
            Followed::Failed(msg) => assert!(msg.contains("shorter"), "{msg}"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}
