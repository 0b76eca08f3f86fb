//! Journal benchmark: prints append+fsync latency (p50, p99, max) on this machine's disk, the
//! same through the team's journal in a real PostgreSQL (Debian's, on a private port, fsync on),
//! the follow latency from an append on one machine to the entry reaching another machine's
//! follower (LISTEN/NOTIFY, copy into its file, the file follower), and the time to read,
//! verify and render the postmortem of a 10,000-event journal. Figures only; nothing is
//! asserted.
//!
//! `cargo bench --bench journal` (WARROOM_BENCH_DIR picks the directory; the default is under
//! the target directory, on disk rather than tmpfs, so fsync is real).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use warroom::incident::journal::{self, Journal};
use warroom::incident::line::{self, GENESIS};
use warroom::incident::model::{
    ActionRecord, Actor, ClusterChangeKind, Declared, Definitions, Draft, Event, Origin, Role, Severity, Status,
};
use warroom::incident::postmortem;

const APPENDS: usize = 1_000;
const EVENTS: usize = 10_000;
const RENDERS: usize = 5;

fn bench_dir() -> PathBuf {
    let dir = std::env::var_os("WARROOM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("journal-bench"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    dir
}

fn opened(drill: bool) -> Event {
    Event::IncidentOpened(Declared {
        id: "INC-20261124-001".parse().expect("id"),
        title: "Checkout returns 500s".into(),
        severity: Severity::Sev2,
        status: Status::Investigating,
        impact: "Some customers cannot check out".into(),
        services: vec!["checkout".into()],
        components: vec![],
        drill,
        played: None,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// A mixed event, roughly as a busy incident produces them.
fn event(i: usize) -> (Origin, Event) {
    let action = |id: usize| ActionRecord {
        action_id: format!("act-{id}"),
        action: "rollout_undo".into(),
        target: "deployment/checkout -n shop".into(),
        parameters: json!({"toRevision": 41}),
        response: json!({"kind": "Deployment", "metadata": {"generation": id}}),
        error: None,
        identity: None,
    };
    match i % 10 {
        0..=2 => (
            Origin::Human,
            Event::Note {
                text: format!("note {i}: error rate still elevated in eu-west, watching p99"),
            },
        ),
        3 => (
            Origin::Prometheus,
            Event::AlertFiring {
                alert: "CheckoutHighErrorRate".into(),
                labels: [("namespace".to_string(), "shop".to_string())].into(),
                summary: "5xx ratio above 5%".into(),
                starts_at: None,
            },
        ),
        4 => (
            Origin::Cluster,
            Event::ClusterChange {
                change: ClusterChangeKind::Crashloop,
                object: format!("pod/checkout-{i} -n shop"),
                summary: "CrashLoopBackOff".into(),
                details: json!({"restarts": i % 7}),
            },
        ),
        5 => (Origin::Human, Event::ActionRequested(action(i))),
        6 => (Origin::Automation, Event::ActionSucceeded(action(i - 1))),
        7 => (
            Origin::Human,
            Event::RoleChanged {
                role: Role::Observer,
                from: None,
                to: Some(format!("observer-{i}")),
            },
        ),
        8 => (
            Origin::Human,
            Event::StatusUpdatePublished {
                channel: "#inc".into(),
                external: false,
                text: "Still mitigating.".into(),
            },
        ),
        _ => (
            Origin::Human,
            Event::Decision {
                text: format!("decision {i}"),
            },
        ),
    }
}

fn main() {
    let dir = bench_dir();
    println!("journal benchmark in {}", dir.display());

    // Append + fsync latency, one process.
    let path = dir.join("INC-20261124-001.jsonl");
    let actor = Actor::named("bench");
    let (mut j, _) = Journal::create(&path, Draft::new(actor.clone(), Origin::Human, opened(false))).expect("create");
    let mut lat = Vec::with_capacity(APPENDS);
    for i in 0..APPENDS {
        let (source, e) = event(i);
        let t = Instant::now();
        j.append(Draft::new(actor.clone(), source, e)).expect("append");
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "append+fsync ({APPENDS} appends): p50 {}  p99 {}  max {}",
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().expect("latencies"))
    );

    team_journal(&dir, &actor);

    // A 10,000-event journal, written with the line encoder (fsyncing 10,000 times would only
    // measure the disk again).
    let big = dir.join("INC-20261124-002.jsonl");
    let mut text = String::new();
    let mut prev = GENESIS.to_string();
    let start: Timestamp = "2026-11-24T21:00:00Z".parse().expect("time");
    for i in 0..EVENTS {
        let (source, e) = if i == 0 {
            (Origin::Human, opened(false))
        } else {
            event(i)
        };
        let at = start
            .checked_add(SignedDuration::from_millis(i as i64 * 750))
            .expect("time");
        let (line, entry) =
            line::encode(i as u64 + 1, at, &Draft::new(actor.clone(), source, e), &prev).expect("encode");
        text.push_str(&line);
        prev = entry.hash;
    }
    std::fs::write(&big, &text).expect("write big journal");
    println!(
        "{EVENTS}-event journal: {:.1} MiB",
        text.len() as f64 / (1024.0 * 1024.0)
    );

    let mut read_times = Vec::new();
    let mut render_times = Vec::new();
    let mut total_times = Vec::new();
    let mut size = 0;
    for _ in 0..RENDERS {
        let t0 = Instant::now();
        let record = journal::read(&big).expect("read");
        let t1 = Instant::now();
        assert!(record.is_intact());
        let md = postmortem::render(&record, &Definitions::default(), None);
        let t2 = Instant::now();
        size = md.len();
        read_times.push(t1 - t0);
        render_times.push(t2 - t1);
        total_times.push(t2 - t0);
    }
    read_times.sort();
    render_times.sort();
    total_times.sort();
    println!(
        "postmortem of {EVENTS} events (median of {RENDERS}): {} total = read+verify {} + render {} ({:.1} KiB of Markdown)",
        ms(percentile(&total_times, 0.5)),
        ms(percentile(&read_times, 0.5)),
        ms(percentile(&render_times, 0.5)),
        size as f64 / 1024.0
    );
}

const TEAM_APPENDS: usize = 1_000;
const FOLLOWS: usize = 200;

/// Appends and follows through PostgreSQL, between two machines (two data directories).
fn team_journal(dir: &std::path::Path, actor: &Actor) {
    use warroom::incident::follow::{self, Followed};
    use warroom::incident::store::Store;
    use warroom::postgres::{Journals, Target};

    let pg = warroom_testkit::Postgres::start();
    let target = Target::parse(&pg.url(), None).expect("address");
    let mut a = Journals::new(Store::new(&dir.join("machine-a")), Some(target.clone())).expect("connect A");
    let (id, mut local, _) = a
        .open_new(Timestamp::now(), |_| {
            Draft::new(actor.clone(), Origin::Human, opened(false))
        })
        .expect("declare");
    let mut lat = Vec::with_capacity(TEAM_APPENDS);
    for i in 0..TEAM_APPENDS {
        let (source, e) = event(i);
        let t = Instant::now();
        a.append(&id, &mut local, Draft::new(actor.clone(), source, e))
            .expect("append");
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "append through PostgreSQL ({TEAM_APPENDS} appends, commit fsynced, then the local copy's fsync): p50 {}  p99 {}  max {}",
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().expect("latencies"))
    );

    // Machine B follows: its listener hears each append, copies it into B's file, whose
    // follower hands the entry on (as to B's console).
    let mut b = Journals::new(Store::new(&dir.join("machine-b")), Some(target)).expect("connect B");
    let b_local = b.open(&id).expect("B's copy");
    let (entries_tx, mut entries_rx) = tokio::sync::mpsc::unbounded_channel();
    let _follower = follow::follow(
        b_local.path(),
        b_local.end().clone(),
        warroom::sink::into_channel(entries_tx, |f| f),
    );
    let listener = b.keep_up(id.clone(), b_local, |why| eprintln!("machine B: {why}"));
    std::thread::sleep(Duration::from_millis(500));
    let mut follow_lat = Vec::with_capacity(FOLLOWS);
    for i in 0..FOLLOWS {
        let (source, e) = event(i);
        let t = Instant::now();
        let entry = a
            .append(&id, &mut local, Draft::new(actor.clone(), source, e))
            .expect("append");
        loop {
            match entries_rx.blocking_recv() {
                Some(Followed::Entry(got)) if got.seq == entry.seq => break,
                Some(Followed::Entry(_)) => {}
                other => panic!("B's follower: {other:?}"),
            }
        }
        follow_lat.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    follow_lat.sort();
    println!(
        "follow through PostgreSQL ({FOLLOWS} appends on A, each until B's follower has it): p50 {}  p99 {}  max {}",
        ms(percentile(&follow_lat, 0.50)),
        ms(percentile(&follow_lat, 0.99)),
        ms(*follow_lat.last().expect("latencies"))
    );
    drop(listener);
}
