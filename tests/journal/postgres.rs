//! The incident journal in a real PostgreSQL (Debian's, on a private port and data directory):
//! writers on several machines (one data directory each) append to one incident through it and
//! the chain never forks; a file journal moves to the database and back byte for byte;
//! tampering in the database is caught by `journal verify`; a schema from a newer warroom is
//! refused.

use std::path::Path;
use std::process::{Output, Stdio};

use warroom::incident::journal;
use warroom_testkit::Postgres;

fn warroom(data: &Path, pg: &Postgres) -> std::process::Command {
    let mut cmd = crate::support::warroom(data);
    cmd.env("WARROOM_JOURNAL", pg.url());
    cmd
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `note ID TEXT` through `warroom` (with the database or without it), which must succeed.
fn note(mut warroom: std::process::Command, id: &str, text: &str) {
    ok(
        warroom.args(["note", id, text]).output().expect("note"),
        &format!("note {text:?}"),
    );
}

fn new_incident(data: &Path, pg: &Postgres) -> String {
    let out = warroom(data, pg)
        .args(["incident", "new", "--title", "Checkout errors", "--sev", "2"])
        .output()
        .expect("incident new");
    ok(out, "incident new").trim().to_string()
}

const WRITERS: usize = 4;
const APPENDS: usize = 200;

#[test]
fn four_machines_append_200_each_through_postgres_and_the_chain_never_forks() {
    let pg = Postgres::start();
    let machines: Vec<tempfile::TempDir> = (0..WRITERS).map(|_| tempfile::tempdir().expect("dir")).collect();
    let id = new_incident(machines[0].path(), &pg);
    let acked =
        crate::concurrency::acknowledged(machines.iter().map(|m| warroom(m.path(), &pg)).collect(), &id, APPENDS);
    let total = 1 + WRITERS * APPENDS;
    assert_eq!(
        acked.keys().copied().collect::<Vec<_>>(),
        (2..=total as u64).collect::<Vec<_>>()
    );

    // The database's copy verifies, as the real psql reads it.
    let rows = pg.psql(&format!(
        "SELECT count(*), max(seq) FROM entries WHERE incident = '{id}'"
    ));
    assert_eq!(rows.trim(), format!("{total}|{total}"));
    let out = warroom(machines[1].path(), &pg)
        .args(["journal", "verify", &id])
        .output()
        .expect("verify");
    let text = ok(out, "journal verify");
    assert!(
        text.contains(&format!("/{id}: {total} entries, every hash and link verified")),
        "{text}"
    );

    // A fifth machine pulls the whole journal: the same lines the database holds, every
    // acknowledged note where it was acknowledged.
    let fifth = tempfile::tempdir().expect("dir");
    ok(
        warroom(fifth.path(), &pg)
            .args(["journal", "pull", &id])
            .output()
            .expect("pull"),
        "pull",
    );
    let path = fifth.path().join("incidents").join(format!("{id}.jsonl"));
    let record = journal::read(&path).expect("read");
    assert!(record.is_intact(), "{:?}", record.problems);
    assert_eq!(record.entries.len(), total);
    let in_db = pg.psql(&format!(
        "SELECT line FROM entries WHERE incident = '{id}' ORDER BY seq"
    ));
    assert_eq!(std::fs::read_to_string(&path).expect("file"), in_db);
    for e in &record.entries[1..] {
        let warroom::incident::model::Event::Note { text } = &e.event else {
            panic!("entry {} is not a note", e.seq)
        };
        assert_eq!(acked.get(&e.seq), Some(text), "entry {}", e.seq);
    }
    // Each writer's machine holds a copy that is the database's up to its last append.
    for (w, m) in machines.iter().enumerate() {
        let mine = std::fs::read_to_string(m.path().join("incidents").join(format!("{id}.jsonl"))).expect("copy");
        assert!(in_db.starts_with(&mine), "writer {w}'s copy parted from the database");
    }
}

/// The database goes away for a minute while four machines append 200 notes each (one every
/// 400 ms, so they go on appending after it is back): each keeps what it could not record aside
/// and records it once the database is back, before its next note. Every note is in the
/// database exactly once, each writer's in its order; the chain verifies.
#[test]
fn four_writers_through_a_minute_long_database_outage_lose_nothing_and_record_nothing_twice() {
    let pg = Postgres::start();
    let machines: Vec<tempfile::TempDir> = (0..WRITERS).map(|_| tempfile::tempdir().expect("dir")).collect();
    let id = new_incident(machines[0].path(), &pg);
    let writers: Vec<std::process::Child> = machines
        .iter()
        .enumerate()
        .map(|(w, m)| {
            warroom(m.path(), &pg)
                .env("WARROOM_ACTOR", format!("writer-{w}"))
                .args(["journal", "append-loop", &id, "--count"])
                .arg(APPENDS.to_string())
                .args(["--interval-ms", "400", "--text"])
                .arg(format!("writer {w}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a writer")
        })
        .collect();
    // Once some notes are in, the database goes away for a minute, then comes back.
    warroom_testkit::wait_for(120, "the first notes", || {
        let n: usize = pg
            .psql(&format!("SELECT count(*) FROM entries WHERE incident = '{id}'"))
            .trim()
            .parse()
            .unwrap_or(0);
        (n > 20).then_some(())
    });
    pg.stop();
    std::thread::sleep(std::time::Duration::from_secs(60));
    pg.resume();
    let mut kept_somewhere = 0;
    for (w, child) in writers.into_iter().enumerate() {
        let out = child.wait_with_output().expect("writer output");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "writer {w} failed: {}{said}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kept = said.lines().filter(|l| l.starts_with("kept ")).count();
        let recorded: usize = said
            .lines()
            .filter_map(|l| {
                l.strip_prefix("recorded ")?
                    .strip_suffix(" kept")?
                    .parse::<usize>()
                    .ok()
            })
            .sum();
        let acked = said.lines().filter(|l| l.starts_with("ok ")).count();
        assert_eq!(
            acked + kept,
            APPENDS,
            "writer {w}: every note recorded or kept:\n{said}"
        );
        assert_eq!(recorded, kept, "writer {w}: what it kept is recorded:\n{said}");
        kept_somewhere += kept;
    }
    assert!(kept_somewhere > 0, "no writer saw the outage");

    // Every note in the database exactly once, each writer's in its order; the chain verifies.
    let lines = pg.psql(&format!(
        "SELECT line FROM entries WHERE incident = '{id}' ORDER BY seq"
    ));
    let notes: Vec<String> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "note")
        .filter_map(|v| v["payload"]["text"].as_str().map(str::to_string))
        .collect();
    assert_eq!(notes.len(), WRITERS * APPENDS, "every note, once");
    for w in 0..WRITERS {
        let mine: Vec<&String> = notes
            .iter()
            .filter(|n| n.starts_with(&format!("writer {w} ")))
            .collect();
        let expected: Vec<String> = (0..APPENDS).map(|i| format!("writer {w} {i}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "writer {w}'s notes in order, once each"
        );
    }
    let verified = ok(
        warroom(machines[1].path(), &pg)
            .args(["journal", "verify", &id])
            .output()
            .expect("verify"),
        "verify",
    );
    assert!(
        verified.contains(&format!(
            "{} entries, every hash and link verified",
            1 + WRITERS * APPENDS
        )),
        "{verified}"
    );
}

#[test]
fn a_file_journal_moves_to_postgres_and_back_byte_for_byte() {
    let pg = Postgres::start();
    let a = tempfile::tempdir().expect("dir");
    let b = tempfile::tempdir().expect("dir");
    // Made on machine A with files only.
    let out = crate::support::warroom(a.path())
        .args(["incident", "new", "--title", "Made offline", "--sev", "3"])
        .output()
        .expect("new");
    let id = ok(out, "incident new").trim().to_string();
    for text in ["first look", "second look"] {
        note(crate::support::warroom(a.path()), &id, text);
    }
    let text = ok(
        warroom(a.path(), &pg)
            .args(["journal", "push", &id])
            .output()
            .expect("push"),
        "push",
    );
    assert!(
        text.contains("copied 3 entries into postgres://warroom@127.0.0.1"),
        "{text}"
    );
    let text = ok(
        warroom(a.path(), &pg)
            .args(["journal", "push", &id])
            .output()
            .expect("again"),
        "push again",
    );
    assert!(text.contains("copied 0 entries"), "{text}");

    // Machine B pulls it, adds a note through the database; A's copy catches up on reading.
    ok(
        warroom(b.path(), &pg)
            .args(["journal", "pull", &id])
            .output()
            .expect("pull"),
        "pull",
    );
    let file = |d: &Path| std::fs::read(d.join("incidents").join(format!("{id}.jsonl"))).expect("file");
    assert_eq!(file(a.path()), file(b.path()));
    note(warroom(b.path(), &pg), &id, "seen from B");
    let text = ok(
        warroom(a.path(), &pg)
            .args(["incident", "catchup", &id])
            .output()
            .expect("catchup"),
        "catchup on A",
    );
    assert!(!text.is_empty());
    assert_eq!(file(a.path()), file(b.path()));
    assert!(String::from_utf8_lossy(&file(a.path())).contains("seen from B"));
    // A third machine that never held it writes the postmortem from the database.
    let c = tempfile::tempdir().expect("dir");
    let text = ok(
        warroom(c.path(), &pg)
            .args(["postmortem", &id])
            .output()
            .expect("postmortem"),
        "postmortem on C",
    );
    assert!(text.contains("Made offline"), "{text}");
    assert_eq!(file(c.path()), file(a.path()));

    // A note written on A without the database parts A's copy from it: the next write
    // through the database is refused, naming the way out, and nothing is lost.
    note(crate::support::warroom(a.path()), &id, "offline on A");
    note(warroom(b.path(), &pg), &id, "meanwhile on B");
    let out = warroom(a.path(), &pg)
        .args(["note", &id, "back online"])
        .output()
        .expect("note");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 5 there differs from this machine's copy"), "{err}");
    assert!(String::from_utf8_lossy(&file(a.path())).contains("offline on A"));
}

/// A copy only ahead of the database (written on without it, nobody else writing meanwhile)
/// continues its last entry: the next write through the database copies in what it holds
/// beyond, as `push` would, and another machine reads every entry in order.
#[test]
fn a_copy_written_on_without_the_database_is_copied_in_by_the_next_write() {
    let pg = Postgres::start();
    let (a, b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let id = new_incident(a.path(), &pg);
    note(crate::support::warroom(a.path()), &id, "offline on A");
    note(warroom(a.path(), &pg), &id, "back online");
    note(warroom(b.path(), &pg), &id, "seen from B");
    let path = b.path().join("incidents").join(format!("{id}.jsonl"));
    let record = journal::read(&path).expect("B's copy");
    assert!(record.is_intact(), "{:?}", record.problems);
    let text = std::fs::read_to_string(&path).expect("B's copy");
    let at = |note: &str| text.find(note).unwrap_or_else(|| panic!("{note} in {text}"));
    assert!(at("offline on A") < at("back online") && at("back online") < at("seen from B"));
}

#[test]
fn tampering_in_the_database_is_caught_and_the_table_refuses_changes() {
    let pg = Postgres::start();
    let m = tempfile::tempdir().expect("dir");
    let id = new_incident(m.path(), &pg);
    for text in ["one", "two", "three"] {
        note(warroom(m.path(), &pg), &id, text);
    }
    // The table itself refuses a change.
    let out = pg.try_psql("UPDATE entries SET line = replace(line, 'two', 'TWO') WHERE seq = 3");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("append-only"), "{out:?}");
    // It refuses a line that does not continue the chain, whoever writes it.
    let out = pg.try_psql(&format!(
        "INSERT INTO entries (incident, seq, prev, hash, line) \
         SELECT incident, 5, hash, hash, line FROM entries WHERE incident = '{id}' AND seq = 3"
    ));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("entry 5 of INC-"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Someone with the rights to go around it changes a note.
    pg.psql(
        "ALTER TABLE entries DISABLE TRIGGER entries_are_append_only; \
         UPDATE entries SET line = replace(line, '\"two\"', '\"TWO\"') WHERE seq = 3",
    );
    let fresh = tempfile::tempdir().expect("dir");
    let out = warroom(fresh.path(), &pg)
        .args(["journal", "verify", &id])
        .output()
        .expect("verify");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("/{id}: entry 3: the line's hash does not match its content")),
        "{text}"
    );
    assert!(text.contains("NOT INTACT"), "{text}");
    // The last entry removed: the incident's head tells.
    pg.psql("DELETE FROM entries WHERE seq = 4");
    let out = warroom(fresh.path(), &pg)
        .args(["journal", "verify", &id])
        .output()
        .expect("verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the incident's head says 4 entries and 3 are there"),
        "{text}"
    );
    // A copy here cannot take the changed line.
    let out = warroom(fresh.path(), &pg)
        .args(["journal", "pull", &id])
        .output()
        .expect("pull");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(seq 3) is refused"),
        "{out:?}"
    );
}

#[test]
fn a_schema_from_a_newer_warroom_is_refused_and_left_alone() {
    let pg = Postgres::start();
    let m = tempfile::tempdir().expect("dir");
    new_incident(m.path(), &pg);
    pg.psql(
        "INSERT INTO warroom_schema_history (version, name, applied_on, checksum) \
         VALUES (99, 'from_the_future', '2027-01-01T00:00:00Z', '1')",
    );
    let history = pg.psql("SELECT count(*) FROM warroom_schema_history");
    let out = warroom(m.path(), &pg)
        .args(["incident", "list"])
        .output()
        .expect("list");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema is at version 99 (from_the_future)"), "{err}");
    assert!(err.contains("Upgrade warroom"), "{err}");
    assert_eq!(
        pg.psql("SELECT count(*) FROM warroom_schema_history"),
        history,
        "nothing was migrated"
    );
}

#[test]
fn a_deviation_two_machines_detect_is_filed_once_through_postgres() {
    use warroom::incident::filing::{self, Filed};
    use warroom::incident::model::{DetectionRecord, FindingRecord, Severity};
    use warroom::incident::store::Store;
    use warroom::postgres::{Journals, Target};

    let pg = Postgres::start();
    let target = Target::parse(&pg.url(), None).expect("address");
    let (a, b) = (tempfile::tempdir().expect("A"), tempfile::tempdir().expect("B"));
    let mut on_a = Journals::new(Store::new(a.path()), Some(target.clone())).expect("A connects");
    let mut on_b = Journals::new(Store::new(b.path()), Some(target)).expect("B connects");
    let now: jiff::Timestamp = "2026-12-06T10:00:00Z".parse().expect("t");
    let record = |measures: &[&str]| DetectionRecord {
        scope: "shop/checkout".into(),
        onset: now,
        findings: measures
            .iter()
            .map(|m| FindingRecord {
                subject: "shop/checkout".into(),
                measure: m.to_string(),
                value: 0.3,
                band: None,
                since: now,
                text: format!("{m} is off"),
            })
            .collect(),
        causes: Vec::new(),
        also_deviating: Vec::new(),
        mitigations: Vec::new(),
    };
    let opened = filing::file(
        &mut on_a,
        record(&["errors"]),
        "Checkout errors",
        Severity::Sev2,
        None,
        now,
    )
    .expect("A files");
    let Filed::Opened(id) = opened else {
        panic!("{opened:?}")
    };
    // B, whose files have never seen the incident, finds it in the database.
    let again = filing::file(
        &mut on_b,
        record(&["errors"]),
        "Checkout errors",
        Severity::Sev2,
        None,
        now,
    )
    .expect("B files");
    assert_eq!(again, Filed::Known(id.clone()));
    let worse = filing::file(
        &mut on_b,
        record(&["errors", "latency"]),
        "Checkout slow",
        Severity::Sev1,
        None,
        now,
    )
    .expect("B files more");
    assert_eq!(worse, Filed::Extended(id.clone(), Some(Severity::Sev1)));
    assert_eq!(pg.psql("SELECT count(*) FROM incidents").trim(), "1");
    let kinds = pg.psql(&format!(
        "SELECT line::json->>'kind' FROM entries WHERE incident = '{id}' ORDER BY seq"
    ));
    assert_eq!(
        kinds.lines().collect::<Vec<_>>(),
        ["incident_opened", "detected", "detected", "severity_changed"]
    );
}

#[test]
fn journal_follow_on_another_machine_prints_what_is_appended_through_postgres() {
    use std::io::BufRead;
    let pg = Postgres::start();
    let (a, c) = (tempfile::tempdir().expect("A"), tempfile::tempdir().expect("C"));
    let id = new_incident(a.path(), &pg);
    let mut follower = warroom(c.path(), &pg)
        .args(["journal", "follow", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("follow");
    let (tx, rx) = std::sync::mpsc::channel();
    let out = follower.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |what: &str| loop {
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) if line.contains(what) => return,
            Ok(_) => {}
            Err(e) => panic!("no line with {what:?} from `journal follow`: {e}"),
        }
    };
    wait_for("Checkout errors");
    note(warroom(a.path(), &pg), &id, "written on A");
    wait_for("written on A");
    let _ = follower.kill();
    let _ = follower.wait();
}

#[test]
fn the_journal_reaches_a_database_that_takes_tls_only_and_checks_its_certificate() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().expect("dir");
    let certs = warroom_testkit::certs(dir.path());
    pg.require_tls(&certs.cert, &certs.key);
    let m = tempfile::tempdir().expect("machine");
    let run = |address: &str, args: &[&str]| {
        crate::support::warroom(m.path())
            .env("WARROOM_JOURNAL", address)
            .args(args)
            .output()
            .expect("warroom")
    };
    // Without TLS the server turns us away.
    let out = run(&pg.url(), &["incident", "list"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot connect"),
        "{out:?}"
    );
    // With TLS and the CA that signed the server's certificate, everything works.
    let tls = format!("{}?sslmode=require&sslrootcert={}", pg.url(), certs.ca.display());
    let out = run(&tls, &["incident", "new", "--title", "Over TLS", "--sev", "3"]);
    let id = ok(out, "incident new over TLS").trim().to_string();
    let text = ok(run(&tls, &["journal", "verify", &id]), "verify over TLS");
    assert!(text.contains("every hash and link verified"), "{text}");
    // Another CA's word is not enough.
    let other = warroom_testkit::ca(dir.path(), "other");
    let wrong = format!("{}?sslmode=require&sslrootcert={}", pg.url(), other.display());
    let out = run(&wrong, &["incident", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect") && err.contains("certificate"), "{err}");
    // A CA file that is not there is named.
    let out = run(
        &format!("{}?sslmode=require&sslrootcert=/nonexistent/ca.pem", pg.url()),
        &["incident", "list"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/ca.pem: cannot read the CA"),
        "{out:?}"
    );
}

/// Evidence travels with a team journal: what machine A captured is copied into the database,
/// machine B pulls it with the journal (checked by its hash), and `journal verify` checks the
/// database's copy too; evidence A has not shared yet fails it until `journal push` shares it.
#[test]
fn evidence_captured_on_one_machine_is_read_on_another_through_postgres() {
    use warroom::incident::model::{Actor, Draft, Event, IncidentId, Origin};
    let pg = Postgres::start();
    let a = tempfile::tempdir().expect("dir");
    let b = tempfile::tempdir().expect("dir");
    let id = new_incident(a.path(), &pg);
    let incident: IncidentId = id.parse().expect("an id");
    let target = warroom::postgres::Target::parse(&pg.url(), None).expect("the address");
    let mut journals = warroom::postgres::Journals::new(warroom::incident::store::Store::new(a.path()), Some(target))
        .expect("journals");
    let capture = |journals: &mut warroom::postgres::Journals, content: &[u8]| {
        let mut journal = journals.open(&incident).expect("open");
        let kept = warroom::incident::evidence::keep(journal.path(), content).expect("kept");
        let event = Event::EvidenceCaptured {
            subject: "pod shop/checkout-1".into(),
            why: "asked".into(),
            file: kept.file.clone(),
            sha256: kept.sha256,
            bytes: kept.bytes,
            holds: vec!["object".into()],
        };
        journals
            .append(
                &incident,
                &mut journal,
                Draft::new(Actor::named("alice"), Origin::Automation, event),
            )
            .expect("journaled");
        kept.file
    };
    let first = capture(&mut journals, br#"{"object":{"kind":"Pod"}}"#);
    let shared = journals.share_evidence(&incident).expect("shared");
    assert_eq!((shared.sent, shared.brought), (1, 0), "{shared:?}");

    let pulled = ok(
        warroom(b.path(), &pg)
            .args(["journal", "pull", &id])
            .output()
            .expect("pull"),
        "pull",
    );
    assert!(
        pulled.contains("0 file(s) copied into the database, 1 brought here"),
        "{pulled}"
    );
    let here = std::fs::read(b.path().join("incidents").join(&first)).expect("the evidence on machine B");
    assert_eq!(here, br#"{"object":{"kind":"Pod"}}"#);
    let verified = ok(
        warroom(b.path(), &pg)
            .args(["journal", "verify", &id])
            .output()
            .expect("verify"),
        "verify",
    );
    assert!(
        verified.contains("1 evidence file(s) verified in the database"),
        "{verified}"
    );
    assert!(verified.contains("1 evidence file(s) verified"), "{verified}");

    // Captured while the database did not take it: the database's copy names evidence it lacks.
    let second = capture(&mut journals, br#"{"object":{"kind":"Node"}}"#);
    let out = warroom(a.path(), &pg)
        .args(["journal", "verify", &id])
        .output()
        .expect("verify");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!("evidence {second} is not in the database")),
        "{said}"
    );
    let pushed = ok(
        warroom(a.path(), &pg)
            .args(["journal", "push", &id])
            .output()
            .expect("push"),
        "push",
    );
    assert!(
        pushed.contains("1 file(s) copied into the database, 0 brought here"),
        "{pushed}"
    );
    ok(
        warroom(a.path(), &pg)
            .args(["journal", "verify", &id])
            .output()
            .expect("verify"),
        "verify after the push",
    );
}

/// Four machines detecting the same deviation at the same instant file it once: they take
/// turns by the database's filing lock, and those after the first find its incident.
#[test]
fn four_machines_filing_one_deviation_at_the_same_instant_open_one_incident() {
    use warroom::incident::filing::{self, Filed};
    use warroom::incident::model::{DetectionRecord, FindingRecord, Severity};
    use warroom::incident::store::Store;
    use warroom::postgres::{Journals, Target};

    let pg = Postgres::start();
    let target = Target::parse(&pg.url(), None).expect("address");
    let machines: Vec<tempfile::TempDir> = (0..WRITERS).map(|_| tempfile::tempdir().expect("dir")).collect();
    let now: jiff::Timestamp = "2026-12-06T10:00:00Z".parse().expect("t");
    const ROUNDS: usize = 8;
    let barrier = std::sync::Barrier::new(WRITERS);
    let filed: Vec<Vec<Filed>> = std::thread::scope(|s| {
        let handles: Vec<_> = machines
            .iter()
            .map(|m| {
                let (target, barrier) = (target.clone(), &barrier);
                s.spawn(move || {
                    let mut journals = Journals::new(Store::new(m.path()), Some(target)).expect("connects");
                    (0..ROUNDS)
                        .map(|round| {
                            let scope = format!("shop/service-{round}");
                            let record = DetectionRecord {
                                scope: scope.clone(),
                                onset: now,
                                findings: vec![FindingRecord {
                                    subject: scope.clone(),
                                    measure: "errors".into(),
                                    value: 0.3,
                                    band: None,
                                    since: now,
                                    text: "errors are off".into(),
                                }],
                                causes: Vec::new(),
                                also_deviating: Vec::new(),
                                mitigations: Vec::new(),
                            };
                            barrier.wait();
                            filing::file(&mut journals, record, &scope, Severity::Sev2, None, now).expect("files")
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a machine")).collect()
    });
    for round in 0..ROUNDS {
        let opened = filed.iter().filter(|f| matches!(f[round], Filed::Opened(_))).count();
        assert_eq!(
            opened,
            1,
            "round {round}: {:?}",
            filed.iter().map(|f| &f[round]).collect::<Vec<_>>()
        );
    }
    assert_eq!(pg.psql("SELECT count(*) FROM incidents").trim(), ROUNDS.to_string());
}
