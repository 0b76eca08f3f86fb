//! A child process's stdout, line by line, and waiting for the line that says something.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The lines `child` writes to its (piped) stdout, read on a thread of their own.
pub fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for a line that contains `what`, keeping every line seen; fails with all of them.
pub fn line_with(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, what: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(l) => {
                seen.push(l.clone());
                if l.contains(what) {
                    return l;
                }
            }
            Err(_) => panic!("no line with {what:?} within {secs}s; it said:\n{}", seen.join("\n")),
        }
    }
}
