//! The console's link to the incident journal: one thread owns the open journal and performs
//! the writes the executor hands it, in order (declare, notes, severity, drafts, the action
//! runner's records...), and a follower feeds every entry, ours and other people's, back as
//! messages. `update` never touches files.

use std::sync::mpsc as std_mpsc;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::app::effect::IncidentChange;
use crate::app::message::Msg;
use crate::incident::change;
use crate::incident::follow::{self, Follower};
use crate::incident::journal::{Journal, Position};
use crate::incident::model::{Actor, ClusterChangeKind, Declared, Draft, Event, IncidentId, Origin, Severity, Status};
use crate::incident::state::Incident;
use crate::incident::store::Store;

pub enum Op {
    Declare {
        title: String,
        severity: Severity,
        drill: bool,
    },
    Open(IncidentId),
    Change(IncidentChange),
    /// Append this event as it is, by this console's actor (status drafts, publish attempts,
    /// overdue notes).
    Append {
        event: Event,
        source: Origin,
    },
    /// Answer once every op before this one is done.
    Flush(std_mpsc::Sender<()>),
    /// An entry made by someone else in this process (the action runner), as it is.
    Record(Draft),
}

/// The sending end; dropping every copy ends the thread (and its follower).
#[derive(Clone)]
pub struct JournalLink {
    ops: std_mpsc::Sender<Op>,
}

impl JournalLink {
    pub fn start(store: Store, actor: Actor, tx: mpsc::UnboundedSender<Msg>) -> JournalLink {
        let (ops, rx) = std_mpsc::channel();
        std::thread::Builder::new()
            .name("journal-link".into())
            .spawn(move || run(store, actor, rx, tx))
            .expect("a thread can be started");
        JournalLink { ops }
    }

    pub fn send(&self, op: Op) {
        let _ = self.ops.send(op);
    }

    /// Hands an op over; false when the link's thread is gone (the console is ending).
    pub fn try_send(&self, op: Op) -> bool {
        self.ops.send(op).is_ok()
    }

    /// Waits (at most `limit`) until the ops sent so far are done: before the console exits.
    pub fn flush(&self, limit: std::time::Duration) {
        let (done, wait) = std_mpsc::channel();
        if self.ops.send(Op::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(limit);
        }
    }
}

/// The action runner records into the journal through the link, in order with everything else.
impl crate::actions::record::Recorder for JournalLink {
    fn record(&self, draft: Draft) {
        if self.ops.send(Op::Record(draft)).is_err() {
            tracing::error!("action event not journaled: the journal link is gone");
        }
    }
}

struct Open {
    journal: Journal,
    _follower: Follower,
}

/// Appends an entry as it is (a status draft, a publish attempt, an action's record).
fn record(open: &mut Option<Open>, tx: &mpsc::UnboundedSender<Msg>, draft: Draft) {
    let Some(o) = open else {
        say(tx, "no incident is open here: the entry was not journaled".into(), true);
        return;
    };
    if let Err(e) = o.journal.append(draft) {
        say(tx, format!("the journal could not record it: {e}"), true);
    }
}

fn say(tx: &mpsc::UnboundedSender<Msg>, text: String, error: bool) {
    let _ = tx.send(Msg::Notice { text, error });
}

/// Starts following the journal from its first entry, each entry a message on the console's
/// channel.
fn follow_into(journal: &Journal, tx: &mpsc::UnboundedSender<Msg>) -> Follower {
    follow::follow(
        journal.path(),
        Position::start(),
        crate::sink::into_channel(tx.clone(), Msg::Journal),
    )
}

fn event_for(i: &Incident, c: IncidentChange, me: &str) -> Result<(Event, bool, Origin), change::Refused> {
    Ok(match c {
        IncidentChange::Note { text, pinned } => (Event::Note { text }, pinned, Origin::Human),
        IncidentChange::Decision(text) => (Event::Decision { text }, false, Origin::Human),
        IncidentChange::Severity(s) => (change::severity(i, s, None)?, false, Origin::Human),
        IncidentChange::Status(s) => (change::status(i, s, None)?, false, Origin::Human),
        IncidentChange::Role { role, person } => (change::role(i, role, person, false, me)?, false, Origin::Human),
        IncidentChange::Record(event) => (event, false, Origin::Human),
        IncidentChange::PinCluster { text, object } => (
            Event::ClusterChange {
                change: ClusterChangeKind::Other,
                object,
                summary: text,
                details: serde_json::Value::Null,
            },
            true,
            Origin::Cluster,
        ),
    })
}

fn run(store: Store, actor: Actor, rx: std_mpsc::Receiver<Op>, tx: mpsc::UnboundedSender<Msg>) {
    let mut open: Option<Open> = None;
    while let Ok(op) = rx.recv() {
        match op {
            Op::Declare { title, severity, drill } => {
                if open.is_some() {
                    say(&tx, "an incident is already open here".into(), true);
                    continue;
                }
                let made = store.open_new(Timestamp::now(), |id| {
                    Draft::new(
                        actor.clone(),
                        Origin::Human,
                        Event::IncidentOpened(Declared {
                            id,
                            title: title.clone(),
                            severity,
                            status: Status::Investigating,
                            impact: String::new(),
                            services: vec![],
                            components: vec![],
                            drill,
                        }),
                    )
                });
                match made {
                    Ok((id, journal, _)) => {
                        let follower = follow_into(&journal, &tx);
                        say(
                            &tx,
                            format!("{id} declared; the journal is {}", journal.path().display()),
                            false,
                        );
                        open = Some(Open {
                            journal,
                            _follower: follower,
                        });
                    }
                    Err(e) => say(&tx, format!("cannot declare the incident: {e}"), true),
                }
            }
            Op::Open(id) => {
                let journal = store
                    .existing(&id)
                    .map_err(|e| e.to_string())
                    .and_then(|p| Journal::open(&p).map_err(|e| e.to_string()));
                match journal {
                    Ok(journal) => {
                        let follower = follow_into(&journal, &tx);
                        open = Some(Open {
                            journal,
                            _follower: follower,
                        });
                    }
                    Err(e) => say(&tx, format!("cannot open {id}: {e}"), true),
                }
            }
            Op::Flush(done) => {
                let _ = done.send(());
            }
            Op::Append { event, source } => {
                let by = match source {
                    Origin::Automation => Actor::automation(),
                    _ => actor.clone(),
                };
                record(&mut open, &tx, Draft::new(by, source, event))
            }
            Op::Record(draft) => record(&mut open, &tx, draft),
            Op::Change(c) => {
                let Some(o) = &mut open else {
                    say(&tx, "no incident is open here".into(), true);
                    continue;
                };
                let me = actor.name.clone();
                let appended = o.journal.append_with(|entries| {
                    let incident = Incident::from_entries(entries)?;
                    let (event, pinned, source) = event_for(&incident, c, &me)?;
                    Ok::<_, anyhow::Error>(Draft::new(actor.clone(), source, event).pinned(pinned))
                });
                // The entry itself arrives through the follower; only refusals are told here.
                if let Err(e) = appended {
                    say(&tx, e.to_string(), true);
                }
            }
        }
    }
}
