//! End-to-end: a war room on two machines through the team's journal in a real PostgreSQL.
//! The console on machine A declares an incident there; a responder on machine B writes a
//! note from the CLI and it reaches A's screen; A's note reaches B. The database goes away:
//! A says so and keeps what is typed; when it returns, A says so and records what it kept.

use std::path::Path;

use warroom_testkit::{Postgres, Tmux};

use crate::tmux::{palette, warroom};

fn cli(data: &Path, pg: &Postgres, args: &[&str]) -> String {
    let out = crate::support::warroom(data)
        .env("WARROOM_JOURNAL", pg.url())
        .args(args)
        .output()
        .expect("warroom");
    assert!(
        out.status.success(),
        "warroom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A drill console (detector off) on machine A, keeping incidents in `pg`; its home first, so
/// that the console is stopped before its home is removed.
fn console_on_machine_a(pg: &Postgres) -> (tempfile::TempDir, Tmux) {
    let a = tempfile::tempdir().expect("machine A");
    std::fs::write(a.path().join("config.toml"), "[detection]\nconsole = false\n").expect("config");
    let t = Tmux::start(
        a.path(),
        &format!("env WARROOM_JOURNAL={} {} drill --speed 0", pg.url(), warroom()),
        200,
        50,
    );
    (a, t)
}

#[test]
fn two_machines_share_one_incident_through_postgres_and_an_outage_loses_nothing() {
    let pg = Postgres::start();
    let b = tempfile::tempdir().expect("machine B");
    let (a, t) = console_on_machine_a(&pg);
    t.wait_for("the drill console", 60, |s| {
        s.contains("DRILL") && s.contains("Status update")
    });
    palette(&t, "declare sev2 Checkout failing");
    t.wait_for("the declared incident", 30, |s| s.contains("Checkout failing"));
    // The database allocated the id and holds the declaration.
    let id = pg.psql("SELECT id FROM incidents").trim().to_string();
    assert!(id.starts_with("INC-"), "{id:?}");

    // Machine B, which never saw it, writes a note; it reaches A's timeline.
    cli(b.path(), &pg, &["note", &id, "seen from machine B"]);
    t.wait_for("B's note on A's timeline", 30, |s| s.contains("seen from machine B"));

    // A's note reaches the database and B.
    palette(&t, "note noted on machine A");
    t.wait_for("A's note on A's timeline", 30, |s| {
        s.contains("alice    noted on machine A")
    });
    let follow = cli(b.path(), &pg, &["incident", "catchup", &id]);
    assert!(!follow.is_empty());
    let copy = std::fs::read_to_string(b.path().join("incidents").join(format!("{id}.jsonl"))).expect("B's copy");
    assert!(copy.contains("noted on machine A"), "{copy}");

    // The database goes away: A says so, and keeps a note typed meanwhile.
    pg.stop();
    t.wait_for("A telling the team journal is unreachable", 30, |s| {
        s.contains("the team journal cannot be reached") && s.contains("JOURNAL OFFLINE")
    });
    palette(&t, "note typed during the outage");
    t.wait_for("the note kept aside", 30, |s| s.contains("kept in"));
    // Back: A says so and records what it kept, through the database, for everyone.
    pg.resume();
    t.wait_for("A telling the team journal is back", 60, |s| {
        s.contains("the team journal is back") || s.contains("recorded 1 typed entry")
    });
    t.wait_for("the kept note on A's timeline", 60, |s| {
        s.contains("typed during the outage") && !s.contains("JOURNAL OFFLINE")
    });
    let lines = pg.psql(&format!(
        "SELECT line FROM entries WHERE incident = '{id}' ORDER BY seq"
    ));
    assert!(lines.contains("typed during the outage"), "{lines}");
    // A's copy never parted from the database (the flight recorder's seals went through it too).
    let mine = std::fs::read_to_string(a.path().join("data/incidents").join(format!("{id}.jsonl"))).expect("A's copy");
    assert!(
        lines.starts_with(&mine),
        "A's copy parted from the database:\n{mine}\n---\n{lines}"
    );
    let verify = cli(b.path(), &pg, &["journal", "verify", &id]);
    assert!(verify.contains("every hash and link verified"), "{verify}");
    assert!(!verify.contains("NOT INTACT"), "{verify}");
    t.keys(&["q"]);
}

/// Machine B's home, and machine A's console started once the schema is made and the database
/// has gone away, saying the journal is offline.
fn console_while_the_database_is_away(pg: &Postgres) -> (tempfile::TempDir, tempfile::TempDir, Tmux) {
    let b = tempfile::tempdir().expect("machine B");
    cli(b.path(), pg, &["incident", "list"]);
    pg.stop();
    let (a, t) = console_on_machine_a(pg);
    t.wait_for("the console, saying the journal is offline", 60, |s| {
        s.contains("DRILL") && s.contains("JOURNAL OFFLINE")
    });
    (b, a, t)
}

#[test]
fn a_console_started_while_the_database_is_away_works_on_and_joins_it_when_it_is_back() {
    let pg = Postgres::start();
    let (_b, _a, t) = console_while_the_database_is_away(&pg);
    pg.resume();
    t.wait_for("the journal back", 60, |s| !s.contains("JOURNAL OFFLINE"));
    palette(&t, "declare sev2 Declared once it was back");
    t.wait_for("the declared incident", 30, |s| s.contains("Declared once it was back"));
    let title = pg.psql("SELECT line::json->'payload'->>'title' FROM entries WHERE seq = 1");
    assert_eq!(title.trim(), "Declared once it was back");
    t.keys(&["q"]);
}

/// While the database is away a console still declares: the incident is made on this machine
/// (numbered from 901, apart from the database's), notes go into it, and it moves into the
/// database once that is back, whole; later notes go through the database.
#[test]
fn an_incident_declared_while_the_database_is_away_moves_there_when_it_is_back() {
    let pg = Postgres::start();
    let (b, a, t) = console_while_the_database_is_away(&pg);
    palette(&t, "declare sev2 Declared while the database was away");
    let s = t.wait_for("the incident declared on this machine", 30, |s| {
        s.contains("Declared while the database was away") && s.contains("declared on this machine")
    });
    let id = s
        .split_whitespace()
        .find(|w| w.starts_with("INC-") && w.ends_with("-901"))
        .unwrap_or_else(|| panic!("an id from 901:\n{s}"))
        .to_string();
    palette(&t, "note written while the database was away");
    t.wait_for("the note", 20, |s| s.contains("written while the database was away"));
    pg.resume();
    t.wait_for("the incident moved", 60, |s| {
        s.contains(&format!("{id} is in the team journal now"))
    });
    palette(&t, "note written once it was back");
    let shown = (0..600).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        t.screen().contains("written once it was back")
    });
    assert!(
        shown,
        "the later note is not on the timeline:\n{}\nthe console's log:\n{}",
        t.screen(),
        std::fs::read_to_string(a.path().join("warroom.log")).unwrap_or_default()
    );
    let in_db = || {
        pg.psql(&format!(
            "SELECT line::json->>'kind' FROM entries WHERE incident = '{id}' ORDER BY seq"
        ))
    };
    for _ in 0..300 {
        if in_db().lines().filter(|k| *k == "note").count() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        in_db().lines().filter(|k| *k == "note").count(),
        2,
        "both notes in the database: {}\n{}",
        in_db(),
        t.screen()
    );
    let kinds = in_db();
    assert_eq!(kinds.lines().next(), Some("incident_opened"), "{kinds}");
    let verified = cli(b.path(), &pg, &["journal", "verify", &id]);
    assert!(verified.contains("every hash and link verified"), "{verified}");
    // The database numbers the day's next incident from its own range.
    let next = cli(b.path(), &pg, &["incident", "new", "--title", "Next", "--sev", "3"]);
    assert!(next.trim().ends_with("-001"), "{next}");
    t.keys(&["q"]);
}
