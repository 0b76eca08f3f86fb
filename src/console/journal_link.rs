//! The console's link to the incident journal: one thread owns the open journal and performs
//! the writes the executor hands it, in order (declare, notes, severity, drafts, the action
//! runner's records...), and a follower feeds every entry, ours and other people's, back as
//! messages. `update` never touches files. A note or decision the journal cannot take is kept
//! beside it and recorded when it can; a torn last line repaired on the way is told. With the
//! team's journal in PostgreSQL, appends go through the database, and every append heard there
//! is copied into this machine's file, which the follower reads.

use std::sync::mpsc as std_mpsc;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::app::effect::IncidentChange;
use crate::app::message::Msg;
use crate::incident::change;
use crate::incident::follow::{self, Follower};
use crate::incident::journal::{DrillClock, Journal, Position};
use crate::incident::model::{Actor, ClusterChangeKind, Declared, Draft, Event, IncidentId, Origin, Played, Severity};
use crate::incident::state::Incident;
use crate::incident::store::Store;
use crate::incident::unsaved::{self, Kept, Typed};
use crate::postgres::listen::{self, Heard, Listener};
use crate::postgres::{Journals, Target};

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
    /// File a detection (`incident::filing`); follow its incident when none is open here.
    File {
        filing: Box<crate::detect::session::Filing>,
        drill: bool,
    },
    /// Answer once every op before this one is done.
    Flush(std_mpsc::Sender<()>),
    /// Score this drill incident and write its debrief (after every op before it), with how
    /// the services kept to their SLOs over the run when that was measured.
    Debrief {
        id: IncidentId,
        worst: Option<Vec<(Timestamp, f64)>>,
    },
    /// An entry made by someone else in this process (the action runner), as it is.
    Record(Draft),
    /// What the team journal's listener heard.
    Heard(Heard),
    /// Keep this capture beside the open incident's journal and journal it.
    Evidence {
        captured: Box<crate::cluster::evidence::Captured>,
        why: String,
    },
    /// Read the evidence file kept of `target` beside the open incident's journal, proven by
    /// its hash, and answer with its lines (`Msg::Inspected`, `View::Evidence`; ages at `now`).
    ReadEvidence {
        target: crate::cluster::inspect::Target,
        file: String,
        sha256: String,
        now: i64,
    },
}

/// The drill this console plays and its virtual clock, which every entry of the incidents
/// opened here is stamped with.
#[derive(Clone)]
pub struct DrillRun {
    pub played: Played,
    pub clock: DrillClock,
    /// The scenario as it stands (faults injected are among its faults): what the debrief
    /// scores against.
    pub scenario: std::sync::Arc<dyn Fn() -> warroom_drill::scenario::Scenario + Send + Sync>,
    /// In a replay, the recorded incident's journal, set beside the players' in the debrief.
    pub real_team: Option<std::sync::Arc<crate::debrief::RealTeam>>,
    /// In a replay, where the players' timeline has left the recording, as the drill saw it.
    pub branched: std::sync::Arc<dyn Fn() -> Option<warroom_drill::Branch> + Send + Sync>,
}

/// The sending end; dropping every copy ends the thread (and its follower).
#[derive(Clone)]
pub struct JournalLink {
    ops: std_mpsc::Sender<Op>,
    /// The incident open here, as the link's thread last set it.
    incident: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// Held by every copy: the thread ends when the last is dropped (its listener holds a
    /// sender of its own, so the channel alone cannot tell).
    _alive: std::sync::Arc<()>,
}

impl JournalLink {
    pub fn start(
        store: Store,
        team: Option<Target>,
        actor: Actor,
        drill: Option<DrillRun>,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> JournalLink {
        let (ops, rx) = std_mpsc::channel();
        let incident = std::sync::Arc::default();
        let open_here = std::sync::Arc::clone(&incident);
        let alive = std::sync::Arc::new(());
        let link = Link {
            alive: std::sync::Arc::downgrade(&alive),
            heard: ops.clone(),
            rx,
        };
        std::thread::Builder::new()
            .name("journal-link".into())
            .spawn(move || run(store, team, actor, drill, link, tx, &open_here))
            .expect("a thread can be started");
        JournalLink {
            ops,
            incident,
            _alive: alive,
        }
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

    fn incident(&self) -> Option<String> {
        match self.incident.lock() {
            Ok(i) => i.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// The thread's ends of the link.
struct Link {
    alive: std::sync::Weak<()>,
    /// For the listener, which tells what it hears as ops.
    heard: std_mpsc::Sender<Op>,
    rx: std_mpsc::Receiver<Op>,
}

struct Open {
    id: IncidentId,
    journal: Journal,
    _follower: Follower,
    /// How many of the journal's repairs the console has been told of.
    repairs_told: usize,
}

impl Open {
    fn new(
        id: IncidentId,
        mut journal: Journal,
        journals: &mut Journals,
        drill: Option<&DrillRun>,
        tx: &mpsc::UnboundedSender<Msg>,
    ) -> Open {
        if let Some(d) = drill {
            journal.keep_drill_time(d.clock.clone());
        }
        let follower = follow_into(&journal, tx);
        let mut open = Open {
            id,
            journal,
            _follower: follower,
            repairs_told: 0,
        };
        open.tell_repairs(tx);
        open.record_kept(journals, tx);
        open
    }

    /// Copies in what the team's database holds beyond this machine's copy (the follower then
    /// hands it on), or says why it cannot.
    fn catch_up(&mut self, journals: &mut Journals, tx: &mpsc::UnboundedSender<Msg>) {
        if let Err(e) = journals.catch_up(&self.id, &mut self.journal) {
            say(tx, format!("cannot copy the team's latest entries here: {e}"), true);
        }
    }

    /// Tells of torn last lines repaired since the last time (by an append or at opening).
    fn tell_repairs(&mut self, tx: &mpsc::UnboundedSender<Msg>) {
        for r in self.journal.repairs().iter().skip(self.repairs_told) {
            say(tx, format!("the journal was repaired: {r}"), true);
        }
        self.repairs_told = self.journal.repairs().len();
    }

    /// Before an append: what an earlier append left kept aside goes first, when the journal
    /// takes it (said only then: while it does not, the append after says so).
    fn record_kept_first(&mut self, journals: &mut Journals, tx: &mpsc::UnboundedSender<Msg>) {
        if self.journal.is_read_only() {
            return;
        }
        if let Ok(n) = journals.record_kept(&self.id, &mut self.journal)
            && n > 0
        {
            say_recorded(tx, n);
        }
    }

    /// An incident declared while the team journal was away goes there once it is back.
    fn move_to_database(&mut self, journals: &mut Journals, tx: &mpsc::UnboundedSender<Msg>) {
        if !journals.is_here_only(&self.id) {
            return;
        }
        let moved = crate::incident::journal::read(self.journal.path())
            .map_err(crate::postgres::JournalsError::from)
            .and_then(|record| journals.push(&self.id, &record));
        match moved {
            Ok(_) => say(tx, format!("{} is in the team journal now", self.id), false),
            Err(e) => say(
                tx,
                format!(
                    "{} stays on this machine: the team journal did not take it: {e}",
                    self.id
                ),
                true,
            ),
        }
    }

    /// Records what was kept aside while the journal could not take it, once it can; while it
    /// cannot, says where it is kept.
    fn record_kept(&mut self, journals: &mut Journals, tx: &mpsc::UnboundedSender<Msg>) {
        let path = self.journal.path().to_path_buf();
        let kept = match unsaved::kept(&path) {
            Ok(k) if k.is_empty() => return,
            Ok(k) => k,
            Err(e) => {
                let aside = unsaved::path_for(&path);
                return say(
                    tx,
                    format!("cannot read what is kept in {}: {e}", aside.display()),
                    true,
                );
            }
        };
        let aside = unsaved::path_for(&path).display().to_string();
        if self.journal.is_read_only() {
            let n = kept.len();
            return say(
                tx,
                format!(
                    "{n} typed entr{} kept in {aside}: recorded once the journal is repaired",
                    plural(n)
                ),
                true,
            );
        }
        match journals.record_kept(&self.id, &mut self.journal) {
            Ok(n) => say_recorded(tx, n),
            Err(stopped) if stopped.left > 0 => say(
                tx,
                format!(
                    "{} typed entr{} still kept in {aside}: {}",
                    stopped.left,
                    plural(stopped.left),
                    stopped.why
                ),
                true,
            ),
            Err(stopped) => say(tx, format!("{aside}: {}", stopped.why), true),
        }
    }
}

/// Says that `n` entries kept aside are recorded now.
fn say_recorded(tx: &mpsc::UnboundedSender<Msg>, n: usize) {
    say(
        tx,
        format!(
            "recorded {n} typed entr{} kept while the journal could not take them",
            plural(n)
        ),
        false,
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

/// What a person typed in `c`, to keep should the journal refuse it.
fn typed(c: &IncidentChange, by: &Actor) -> Option<Kept> {
    let (what, pinned) = match c {
        IncidentChange::Note { text, pinned } => (Typed::Note(text.clone()), *pinned),
        IncidentChange::Decision(text) => (Typed::Decision(text.clone()), false),
        IncidentChange::Aside(text) => (Typed::Aside(text.clone()), false),
        IncidentChange::Hypothesis(text) => (Typed::Hypothesis(text.clone()), false),
        _ => return None,
    };
    Some(Kept {
        at: Timestamp::now(),
        by: by.name.clone(),
        what,
        pinned,
    })
}

/// Keeps what the journal refused beside it, and says where (or, should even that fail, shows
/// the words so they can be copied).
fn keep(journal: &Journal, kept: &Kept, why: &str, tx: &mpsc::UnboundedSender<Msg>) {
    let text = kept.words();
    match unsaved::keep(journal.path(), kept) {
        Ok(at) => say(
            tx,
            format!(
                "the journal could not record it ({why}); kept in {}, recorded once the journal can take it",
                at.display()
            ),
            true,
        ),
        Err(e) => say(
            tx,
            format!("the journal could not record it ({why}) nor keep it aside ({e}): {text}"),
            true,
        ),
    }
}

/// Appends an entry as it is (a status draft, a publish attempt, an action's record).
fn record(open: &mut Option<Open>, journals: &mut Journals, tx: &mpsc::UnboundedSender<Msg>, draft: Draft) {
    let Some(o) = open else {
        say(tx, "no incident is open here: the entry was not journaled".into(), true);
        return;
    };
    let kept = Kept::entry(Timestamp::now(), &draft);
    o.record_kept_first(journals, tx);
    let appended = journals.append(&o.id, &mut o.journal, draft);
    o.tell_repairs(tx);
    if let Err(e) = appended {
        keep(&o.journal, &kept, &e.to_string(), tx);
    }
}

/// Keeps `captured` beside the journal at `journal`; the entry that names it.
fn evidence(
    journal: &std::path::Path,
    captured: &crate::cluster::evidence::Captured,
    why: String,
) -> std::io::Result<Event> {
    let content = serde_json::to_vec_pretty(&captured.document).map_err(std::io::Error::other)?;
    let kept = crate::incident::evidence::keep(journal, &content)?;
    Ok(Event::EvidenceCaptured {
        subject: captured.subject.clone(),
        why,
        file: kept.file,
        sha256: kept.sha256,
        bytes: kept.bytes,
        holds: captured.holds.clone(),
    })
}

fn say(tx: &mpsc::UnboundedSender<Msg>, text: String, error: bool) {
    if error {
        tracing::warn!("{text}");
    } else {
        tracing::info!("{text}");
    }
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

/// An alert or signal the journal already tells (another console wrote it, or this one a moment ago):
/// nothing is written and nothing is said.
#[derive(Debug, thiserror::Error)]
#[error("the journal has this alert already")]
struct AlreadyJournaled;

fn event_for(i: &Incident, c: IncidentChange, me: &str) -> Result<(Event, bool, Origin), change::Refused> {
    Ok(match c {
        IncidentChange::Note { text, pinned } => (Event::Note { text }, pinned, Origin::Human),
        IncidentChange::Aside(text) => (Event::Aside { text }, false, Origin::Human),
        IncidentChange::Decision(text) => (Event::Decision { text }, false, Origin::Human),
        IncidentChange::Hypothesis(text) => (Event::HypothesisOpened { text }, false, Origin::Human),
        IncidentChange::Alert(event) => (event, false, Origin::Prometheus),
        IncidentChange::Signal(event) => (event, false, Origin::Cluster),
        IncidentChange::MoveHypothesis { seq, state, reason } => {
            (change::hypothesis(i, seq, state, reason)?, false, Origin::Human)
        }
        IncidentChange::FollowUp(asked) => (change::follow_up_asked(i, asked)?, false, Origin::Human),
        IncidentChange::Pin(seq) => (change::pin(i, seq)?, false, Origin::Human),
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

/// How often a drill console with no incident open looks for one declared in its drill.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// An incident another console declared in this drill (the same scenario, its clock started at
/// the same moment) and not yet resolved, among those not `looked` at before; and who declared it.
fn declared_in_this_drill(
    journals: &mut Journals,
    played: &Played,
    looked: &mut std::collections::HashSet<IncidentId>,
) -> Option<(IncidentId, String)> {
    let start = played.start?;
    for id in journals.list().ok()?.into_iter().rev() {
        if looked.contains(&id) {
            continue;
        }
        // A journal being created this moment may not be whole yet: it is read again next time.
        let Ok(record) = journals
            .existing(&id)
            .map_err(|e| e.to_string())
            .and_then(|path| crate::incident::journal::read(&path).map_err(|e| e.to_string()))
        else {
            continue;
        };
        let Ok(incident) = Incident::from_entries(&record.entries) else {
            continue;
        };
        looked.insert(id.clone());
        let ours = incident.drill
            && incident
                .played
                .as_ref()
                .is_some_and(|p| p.scenario == played.scenario && p.start == Some(start));
        if ours && incident.status != crate::incident::model::Status::Resolved {
            let by = record.entries.first().map(|e| e.actor.name.clone()).unwrap_or_default();
            return Some((id, by));
        }
    }
    None
}

/// Where this console keeps incidents: the team's database (connected when first needed, so
/// that a console starting while it is away works on and says so), with a listener hearing its
/// appends; else this machine's files.
fn journals_for(
    store: &Store,
    team: Option<Target>,
    heard: std_mpsc::Sender<Op>,
    tx: &mpsc::UnboundedSender<Msg>,
) -> (Journals, Option<Listener>) {
    let Some(target) = team else {
        return (Journals::files(store.clone()), None);
    };
    match Journals::connecting(store.clone(), target.clone()) {
        Ok(journals) => {
            let listener = listen::start(target, move |h| {
                let _ = heard.send(Op::Heard(h));
            });
            (journals, Some(listener))
        }
        Err(e) => {
            let _ = tx.send(Msg::TeamJournal { away: true });
            say(
                tx,
                format!("{e}: incidents are kept on this machine only until the console starts again"),
                true,
            );
            (Journals::files(store.clone()), None)
        }
    }
}

fn run(
    store: Store,
    team: Option<Target>,
    actor: Actor,
    drill_run: Option<DrillRun>,
    link: Link,
    tx: mpsc::UnboundedSender<Msg>,
    open_here: &std::sync::Mutex<Option<String>>,
) {
    let Link { alive, heard, rx } = link;
    let (mut journals, _listener) = journals_for(&store, team, heard, &tx);
    // Whether the team journal was last heard to be unreachable.
    let mut lost = false;
    let mut open: Option<Open> = None;
    // What the action runner stamps changed objects with: set after every op that opens one.
    let set = |open: &Option<Open>| {
        let now = open.as_ref().map(|o| o.journal.incident());
        match open_here.lock() {
            Ok(mut i) => *i = now,
            Err(poisoned) => *poisoned.into_inner() = now,
        }
    };
    // A drill console with no incident open joins the one a teammate declares in the drill.
    // It looks every second, however busy the link is with other ops.
    let mut looked = std::collections::HashSet::new();
    let mut next_look = std::time::Instant::now() + LOOK_EVERY;
    loop {
        if alive.upgrade().is_none() {
            break;
        }
        let mut found = None;
        if std::time::Instant::now() >= next_look {
            next_look = std::time::Instant::now() + LOOK_EVERY;
            if open.is_none()
                && let Some(run) = &drill_run
            {
                found = declared_in_this_drill(&mut journals, &run.played, &mut looked);
            }
        }
        let op = match found {
            Some((id, by)) => {
                say(
                    &tx,
                    format!("{id} was declared in this drill by {by}; following it"),
                    false,
                );
                Op::Open(id)
            }
            None => match rx.recv_timeout(next_look.saturating_duration_since(std::time::Instant::now())) {
                Ok(op) => op,
                Err(std_mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
            },
        };
        match op {
            Op::Declare { title, severity, drill } => {
                if open.is_some() {
                    say(&tx, "an incident is already open here".into(), true);
                    continue;
                }
                let run = drill_run.as_ref().filter(|_| drill);
                let made = journals.open_new(Timestamp::now(), |id| Draft {
                    drill_time: run.map(|r| (r.clock.0)()),
                    ..Draft::new(
                        actor.clone(),
                        Origin::Human,
                        Event::IncidentOpened(Declared {
                            drill,
                            played: run.map(|r| r.played.clone()),
                            ..Declared::new(id, title.clone(), severity)
                        }),
                    )
                });
                match made {
                    Ok((id, journal, _)) => {
                        if journals.is_here_only(&id) {
                            say(
                                &tx,
                                format!(
                                    "{id} declared on this machine ({}): the team journal cannot be reached; \
                                     it moves there once it is back",
                                    journal.path().display()
                                ),
                                true,
                            );
                        } else {
                            say(
                                &tx,
                                format!("{id} declared; the journal is {}", journal.path().display()),
                                false,
                            );
                        }
                        open = Some(Open::new(id, journal, &mut journals, drill_run.as_ref(), &tx));
                    }
                    Err(e) => say(&tx, format!("cannot declare the incident: {e}"), true),
                }
            }
            Op::Open(id) => match journals.open(&id) {
                Ok(journal) => open = Some(Open::new(id, journal, &mut journals, drill_run.as_ref(), &tx)),
                Err(e) => say(&tx, format!("cannot open {id}: {e}"), true),
            },
            Op::File { filing, drill } => {
                let f = *filing;
                let at = f.when();
                let unknown = Played::unknown();
                let played = drill.then(|| drill_run.as_ref().map_or(&unknown, |r| &r.played));
                let result = crate::incident::filing::file(&mut journals, f.record, &f.title, f.severity, played, at);
                if open.is_none()
                    && let Ok(filed) = &result
                {
                    match journals.open(filed.id()) {
                        Ok(journal) => {
                            open = Some(Open::new(
                                filed.id().clone(),
                                journal,
                                &mut journals,
                                drill_run.as_ref(),
                                &tx,
                            ))
                        }
                        Err(e) => say(&tx, format!("cannot follow {}: {e}", filed.id()), true),
                    }
                }
                let _ = tx.send(Msg::Filed {
                    title: f.title,
                    result: result.map_err(|e| e.to_string()),
                });
            }
            Op::Flush(done) => {
                let _ = done.send(());
            }
            Op::Debrief { id, worst } => match &drill_run {
                None => say(
                    &tx,
                    "only a drill console can debrief: it knows the scenario played".into(),
                    true,
                ),
                Some(run) => match crate::debrief::write(
                    &store,
                    &id,
                    &(run.scenario)(),
                    worst.as_deref(),
                    run.real_team.as_deref(),
                    (run.branched)().as_ref(),
                ) {
                    Ok((path, scored)) => say(
                        &tx,
                        format!(
                            "debrief: {} of {} objectives met; written to {}",
                            scored.met(),
                            scored.scores.len(),
                            path.display()
                        ),
                        false,
                    ),
                    Err(e) => say(&tx, format!("no debrief: {e}"), true),
                },
            },
            Op::Append { event, source } => {
                let by = match source {
                    Origin::Automation => Actor::automation(),
                    _ => actor.clone(),
                };
                record(&mut open, &mut journals, &tx, Draft::new(by, source, event))
            }
            Op::Record(draft) => record(&mut open, &mut journals, &tx, draft),
            Op::Evidence { captured, why } => {
                let Some(o) = &open else {
                    say(&tx, "no incident is open here: the evidence was not kept".into(), true);
                    continue;
                };
                match evidence(o.journal.path(), &captured, why) {
                    Ok(event) => {
                        let id = o.id.clone();
                        record(
                            &mut open,
                            &mut journals,
                            &tx,
                            Draft::new(actor.clone(), Origin::Automation, event),
                        );
                        // The rest of the war room reads it through the team's database.
                        if journals.has_database()
                            && let Err(e) = journals.share_evidence(&id)
                        {
                            say(
                                &tx,
                                format!(
                                    "the evidence is kept on this machine; the team's database did not take it yet: {e}"
                                ),
                                true,
                            );
                        }
                    }
                    Err(e) => say(
                        &tx,
                        format!("cannot keep the evidence of {}: {e}", captured.subject),
                        true,
                    ),
                }
            }
            Op::ReadEvidence {
                target,
                file,
                sha256,
                now,
            } => {
                // Evidence another machine captured comes through the team's database.
                if let Some(o) = &open
                    && journals.has_database()
                    && crate::incident::evidence::read(o.journal.path(), &file, &sha256).is_err()
                    && let Err(e) = journals.share_evidence(&o.id)
                {
                    say(
                        &tx,
                        format!("the evidence could not be brought from the team's database: {e}"),
                        true,
                    );
                }
                let result = match &open {
                    None => Err("no incident is open here: its evidence cannot be read".to_string()),
                    Some(o) => crate::incident::evidence::read(o.journal.path(), &file, &sha256).and_then(|bytes| {
                        serde_json::from_slice(&bytes)
                            .map(|document| crate::cluster::evidence::lines(&document, now))
                            .map_err(|e| format!("evidence {file} is not a captured document: {e}"))
                    }),
                };
                let _ = tx.send(Msg::Inspected {
                    target,
                    view: crate::cluster::inspect::View::Evidence,
                    result: result.map_err(|e| crate::text::CleanText::line(&e)),
                });
            }
            Op::Heard(heard) => match heard {
                Heard::Appended { id, .. } => {
                    if let Some(o) = open.as_mut().filter(|o| o.id == id) {
                        o.catch_up(&mut journals, &tx);
                    }
                }
                Heard::Lost(why) => {
                    lost = true;
                    let _ = tx.send(Msg::TeamJournal { away: true });
                    say(
                        &tx,
                        format!(
                            "the team journal cannot be reached ({why}); notes typed meanwhile are kept \
                             on this machine and recorded when it is back"
                        ),
                        true,
                    );
                }
                Heard::Back => {
                    let _ = tx.send(Msg::TeamJournal { away: false });
                    if std::mem::take(&mut lost) {
                        say(&tx, "the team journal is back".into(), false);
                    }
                    if let Some(o) = open.as_mut() {
                        o.move_to_database(&mut journals, &tx);
                        o.catch_up(&mut journals, &tx);
                        o.record_kept(&mut journals, &tx);
                    }
                }
            },
            Op::Change(c) => {
                let Some(o) = &mut open else {
                    say(&tx, "no incident is open here".into(), true);
                    continue;
                };
                let me = actor.name.clone();
                let typed = typed(&c, &actor);
                o.record_kept_first(&mut journals, &tx);
                let appended = journals.append_with(&o.id, &mut o.journal, |entries| {
                    let incident = Incident::from_entries(entries)?;
                    if let IncidentChange::Alert(observed) | IncidentChange::Signal(observed) = &c
                        && !incident.is_news(observed)
                    {
                        return Err(anyhow::Error::new(AlreadyJournaled));
                    }
                    let (event, pinned, source) = event_for(&incident, c, &me)?;
                    Ok::<_, anyhow::Error>(Draft::new(actor.clone(), source, event).pinned(pinned))
                });
                o.tell_repairs(&tx);
                // The entry itself arrives through the follower; only refusals are told here.
                match (appended, typed) {
                    (Ok(_), _) => {}
                    (Err(e), _) if e.is::<AlreadyJournaled>() => {}
                    (Err(e), Some(kept)) => keep(&o.journal, &kept, &e.to_string(), &tx),
                    (Err(e), None) => say(&tx, e.to_string(), true),
                }
            }
        }
        set(&open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::journal;

    /// A journal with its declaration and one note; its id.
    fn incident(store: &Store) -> IncidentId {
        let (id, mut j, _) = store
            .open_new(Timestamp::now(), |id| {
                Draft::new(
                    Actor::named("alice"),
                    Origin::Human,
                    Event::IncidentOpened(Declared::new(id, "checkout down", Severity::Sev2)),
                )
            })
            .expect("declare");
        j.append(Draft::new(
            Actor::named("alice"),
            Origin::Human,
            Event::Note { text: "first".into() },
        ))
        .expect("note");
        id
    }

    #[test]
    fn a_drill_console_finds_the_open_incident_a_teammate_declared_in_its_drill() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::new(dir.path());
        let start: Timestamp = "2026-12-06T10:00:00Z".parse().expect("time");
        let played = |scenario: &str, start: Timestamp| Played {
            scenario: scenario.into(),
            start: Some(start),
            log: None,
        };
        let declare = |by: &str, p: Played, resolved: bool| {
            let (id, mut j, _) = store
                .open_new(Timestamp::now(), |id| {
                    let mut d = Declared::new(id, "drill", Severity::Sev2);
                    d.drill = true;
                    d.played = Some(p.clone());
                    Draft::new(Actor::named(by), Origin::Human, Event::IncidentOpened(d))
                })
                .expect("declare");
            if resolved {
                j.append(Draft::new(
                    Actor::named(by),
                    Origin::Human,
                    Event::StatusChanged {
                        from: crate::incident::model::Status::Investigating,
                        to: crate::incident::model::Status::Resolved,
                        reason: None,
                    },
                ))
                .expect("resolved");
            }
            id
        };
        let ours = played("bad-deploy", start);
        let mut looked = std::collections::HashSet::new();
        assert_eq!(
            declared_in_this_drill(&mut Journals::files(store.clone()), &ours, &mut looked),
            None
        );
        // Another drill's, one of the same scenario started another time, and ours resolved.
        declare("carol", played("node-failure", start), false);
        declare(
            "dave",
            played("bad-deploy", start + jiff::SignedDuration::from_secs(1)),
            false,
        );
        declare("erin", ours.clone(), true);
        assert_eq!(
            declared_in_this_drill(&mut Journals::files(store.clone()), &ours, &mut looked),
            None
        );
        let id = declare("bob", ours.clone(), false);
        assert_eq!(
            declared_in_this_drill(&mut Journals::files(store.clone()), &ours, &mut looked),
            Some((id, "bob".to_string()))
        );
        // Each is looked at once.
        assert_eq!(
            declared_in_this_drill(&mut Journals::files(store.clone()), &ours, &mut looked),
            None
        );
    }

    /// Opens `id` through a link, does `ops`, waits for them, and returns what it told.
    fn through_a_link(store: &Store, id: &IncidentId, ops: Vec<Op>) -> Vec<String> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let link = JournalLink::start(store.clone(), None, Actor::named("bob"), None, tx);
        link.send(Op::Open(id.clone()));
        for op in ops {
            link.send(op);
        }
        link.flush(std::time::Duration::from_secs(60));
        drop(link);
        let mut told = Vec::new();
        while let Ok(m) = rx.try_recv() {
            if let Msg::Notice { text, .. } = m {
                told.push(text);
            }
        }
        told
    }

    fn note(text: &str) -> Op {
        Op::Change(IncidentChange::Note {
            text: text.into(),
            pinned: true,
        })
    }

    #[test]
    fn a_signal_two_consoles_both_saw_is_journaled_once_and_clears_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = incident(&store);
        let signal = |appeared: bool| {
            let (signal, subject, message) = (
                "crashlooping".to_string(),
                "deployment shop/checkout".to_string(),
                "2 of 4 pods of deployment shop/checkout are in CrashLoopBackOff".to_string(),
            );
            Op::Change(IncidentChange::Signal(if appeared {
                Event::SignalAppeared {
                    signal,
                    subject,
                    message,
                }
            } else {
                Event::SignalCleared {
                    signal,
                    subject,
                    message,
                }
            }))
        };
        let mut told = through_a_link(&store, &id, vec![signal(true), signal(true)]);
        told.extend(through_a_link(
            &store,
            &id,
            vec![signal(true), signal(false), signal(false)],
        ));
        assert!(told.is_empty(), "{told:?}");
        let entries = journal::read(&store.path(&id)).unwrap().entries;
        let kinds: Vec<&str> = entries.iter().map(|e| e.event.kind()).collect();
        assert_eq!(kinds, ["incident_opened", "note", "signal_appeared", "signal_cleared"]);
        assert!(entries[2..].iter().all(|e| e.source == Origin::Cluster));
    }

    #[test]
    fn an_alert_two_consoles_both_saw_is_journaled_once_and_nothing_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = incident(&store);
        let labels: std::collections::BTreeMap<String, String> = [("namespace".to_string(), "shop".to_string())].into();
        let fired = || {
            Op::Change(IncidentChange::Alert(Event::AlertFiring {
                alert: "KubePodCrashLooping".into(),
                labels: labels.clone(),
                summary: String::new(),
                starts_at: None,
            }))
        };
        let resolved = || {
            Op::Change(IncidentChange::Alert(Event::AlertResolved {
                alert: "KubePodCrashLooping".into(),
                labels: labels.clone(),
            }))
        };
        // Two consoles, each told twice; then both see it resolve.
        let mut told = through_a_link(&store, &id, vec![fired(), fired()]);
        told.extend(through_a_link(&store, &id, vec![fired(), resolved(), resolved()]));
        assert!(told.is_empty(), "{told:?}");
        let kinds: Vec<String> = journal::read(&store.path(&id))
            .unwrap()
            .entries
            .iter()
            .map(|e| e.event.kind().to_string())
            .collect();
        assert_eq!(kinds, ["incident_opened", "note", "alert_firing", "alert_resolved"]);
    }

    #[test]
    fn a_note_the_damaged_journal_refuses_is_kept_and_recorded_once_it_is_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = incident(&store);
        let path = store.path(&id);
        let sound = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, sound.replacen("first", "frist", 1)).unwrap();

        let told = through_a_link(&store, &id, vec![note("db failover started")]);
        let aside = unsaved::path_for(&path);
        assert!(
            told.iter()
                .any(|t| t.contains("could not record it") && t.contains(&aside.display().to_string())),
            "{told:?}"
        );
        assert_eq!(unsaved::kept(&path).unwrap().len(), 1);
        // Opened again while still damaged: it says where the words are.
        let told = through_a_link(&store, &id, vec![]);
        assert!(told.iter().any(|t| t.contains("1 typed entry kept in")), "{told:?}");

        std::fs::write(&path, &sound).unwrap();
        let told = through_a_link(&store, &id, vec![]);
        assert!(told.iter().any(|t| t.contains("recorded 1 typed entry")), "{told:?}");
        let record = journal::read(&path).unwrap();
        let last = record.entries.last().unwrap();
        assert!(last.pinned, "{last:?}");
        assert_eq!(last.actor.name, "bob");
        let Event::Note { text } = &last.event else {
            panic!("{last:?}")
        };
        assert!(text.starts_with("db failover started (typed at "), "{text}");
        assert!(unsaved::kept(&path).unwrap().is_empty());
    }

    #[test]
    fn a_torn_last_line_repaired_on_the_way_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = incident(&store);
        let path = store.path(&id);
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut file, b"{\"seq\":3,\"ts\":\"2026-").unwrap();
        let told = through_a_link(&store, &id, vec![note("after the crash")]);
        assert!(
            told.iter()
                .any(|t| t.starts_with("the journal was repaired: line 3 was incomplete")),
            "{told:?}"
        );
        assert!(journal::read(&path).unwrap().is_intact());
    }
}
