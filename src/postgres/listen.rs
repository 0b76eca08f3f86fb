//! Hearing the team's appends: one connection that LISTENs on the journal's channel and tells
//! each append (incident, seq) as it is committed anywhere. When the database goes away it
//! says so, tries again every second, and on its return tells `Back`, since appends made
//! meanwhile were never announced. Runs on a thread of its own; dropping the listener stops it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::connect::Target;
use super::journal::CHANNEL;
use crate::incident::model::IncidentId;

/// How long the listener waits before trying a lost database again, and how often it looks
/// whether it should stop.
const RETRY: Duration = Duration::from_secs(1);

/// What the listener tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// `id`'s journal took entry `seq` (from any machine, this one included).
    Appended { id: IncidentId, seq: u64 },
    /// The database cannot be reached (why); appends are not heard until `Back`.
    Lost(String),
    /// Reachable again (or for the first time): whatever was appended meanwhile is to be read.
    Back,
}

/// A running listener; dropping it stops the thread within a second.
pub struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts listening at `target`; `tell` gets what is heard, in order, on the listener's thread.
pub fn start(target: Target, mut tell: impl FnMut(Heard) + Send + 'static) -> Listener {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    let spawned = std::thread::Builder::new()
        .name("journal-listen".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => return tell(Heard::Lost(format!("cannot start the listener's runtime: {e}"))),
            };
            runtime.block_on(listen(&target, &stopping, &mut tell));
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the journal listener: {e}");
    }
    Listener { stop }
}

async fn listen(target: &Target, stop: &AtomicBool, tell: &mut impl FnMut(Heard)) {
    let mut lost: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let connected = match target.connect_listening().await {
            Ok((client, heard)) => match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                Ok(()) => Ok((client, heard)),
                Err(e) => Err(crate::http::causes(&e)),
            },
            Err(e) => Err(e.to_string()),
        };
        let (_client, mut heard) = match connected {
            Ok(c) => c,
            Err(why) => {
                if lost.as_deref() != Some(why.as_str()) {
                    tell(Heard::Lost(why.clone()));
                    lost = Some(why);
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        tell(Heard::Back);
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match tokio::time::timeout(RETRY, heard.recv()).await {
                Err(_) => {}
                Ok(Some(n)) => {
                    if let Some(appended) = parse(n.payload()) {
                        tell(appended);
                    }
                }
                Ok(None) => {
                    let why = format!("{}: the connection was lost", target.shown());
                    tell(Heard::Lost(why.clone()));
                    lost = Some(why);
                    break;
                }
            }
        }
    }
}

/// `INC-… SEQ`, as the journal announces an append.
fn parse(payload: &str) -> Option<Heard> {
    let (id, seq) = payload.split_once(' ')?;
    Some(Heard::Appended {
        id: id.parse().ok()?,
        seq: seq.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announcement_names_the_incident_and_the_entry() {
        assert_eq!(
            parse("INC-20261206-001 42"),
            Some(Heard::Appended {
                id: "INC-20261206-001".parse().expect("id"),
                seq: 42
            })
        );
        assert_eq!(parse("INC-20261206-001"), None);
        assert_eq!(parse("not-an-id 3"), None);
    }
}
