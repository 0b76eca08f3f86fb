//! The incident commands as scripts and people use them, through the real binary: opening,
//! changing and listing incidents, ids taken by racing processes, a second process following
//! the journal, a torn line reported by the next write, and errors a person can act on.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use warroom::incident::journal;
use warroom::incident::metrics;
use warroom::incident::model::{Milestone, Role, Severity, Status};
use warroom::incident::state::Incident;

fn warroom(data: &Path, actor: &str) -> Command {
    let mut cmd = crate::support::warroom(data);
    cmd.env("WARROOM_ACTOR", actor);
    cmd
}

fn run(data: &Path, actor: &str, args: &[&str]) -> Output {
    warroom(data, actor).args(args).output().expect("run warroom")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: Output) -> String {
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The entry's number in what a change prints (`INC-… #N …`).
fn number(printed: &str) -> String {
    printed
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.strip_prefix('#'))
        .unwrap_or_else(|| panic!("an entry's number in {printed:?}"))
        .to_string()
}

#[test]
fn an_incident_from_opening_to_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let id = ok(run(
        d,
        "alice",
        &[
            "incident",
            "new",
            "--title",
            "Checkout 500s",
            "--sev",
            "2",
            "--service",
            "checkout",
            "--started",
            "15m ago",
        ],
    ))
    .trim()
    .to_string();
    assert!(id.starts_with("INC-") && id.ends_with("-001"), "{id}");
    ok(run(d, "alice", &["incident", "role", &id, "commander"]));
    ok(run(d, "bob", &["incident", "role", &id, "ops-lead"]));
    ok(run(d, "alice", &["note", &id, "rolling", "back", "v42", "--pin"]));
    ok(run(d, "alice", &["note", &id, "--decision", "roll back to v41"]));
    // A hypothesis is named by its entry's number, printed as `INC #N …`.
    let put = ok(run(
        d,
        "bob",
        &["incident", "hypothesis", &id, "v42", "leaks", "connections"],
    ));
    let hypothesis = number(&put);
    assert!(put.contains("Hypothesis: v42 leaks connections"), "{put}");
    ok(run(
        d,
        "bob",
        &[
            "incident",
            "hypothesis",
            &id,
            &format!("#{hypothesis}"),
            "confirmed",
            "the pool drained after the rollback",
        ],
    ));
    assert!(failed(run(d, "bob", &["incident", "hypothesis", &id, "#99", "refuted"])).contains("no hypothesis #99"));
    ok(run(
        d,
        "alice",
        &["incident", "sev", &id, "1", "--reason", "all regions"],
    ));
    assert!(failed(run(d, "alice", &["incident", "sev", &id, "1"])).contains("already SEV1"));
    ok(run(d, "alice", &["incident", "status", &id, "identified"]));
    ok(run(d, "carol", &["incident", "role", &id, "commander", "carol"]));
    ok(run(d, "carol", &["incident", "status", &id, "monitoring"]));
    ok(run(d, "carol", &["incident", "close", &id]));
    assert!(failed(run(d, "carol", &["incident", "close", &id])).contains("already resolved"));
    ok(run(d, "carol", &["incident", "factor", &id, "no", "canary"]));
    ok(run(
        d,
        "carol",
        &["incident", "went", &id, "badly", "paging took 6 minutes"],
    ));
    let item = number(&ok(run(
        d,
        "carol",
        &[
            "incident",
            "action-item",
            &id,
            "Add a canary",
            "--owner",
            "bob",
            "--due",
            "2026-12-01",
        ],
    )));

    let record = journal::read(&d.join("incidents").join(format!("{id}.jsonl"))).expect("read");
    assert!(record.is_intact());
    let incident = Incident::from_entries(&record.entries).expect("incident");
    assert_eq!(incident.severity, Severity::Sev1);
    assert_eq!(incident.status, Status::Resolved);
    assert_eq!(incident.commander(), Some("carol"));
    assert_eq!(incident.holders(Role::OpsLead), ["bob"]);
    let alice = &incident.assignments[0];
    assert_eq!((alice.person.as_str(), alice.role), ("alice", Role::Commander));
    assert!(alice.renounced_at.is_some(), "the handoff to carol ends alice's term");
    assert_eq!(record.entries[0].actor.name, "alice");
    assert!(record.entries.iter().any(|e| e.pinned));
    let m = metrics::milestones(&record.entries);
    assert!(m.get(Milestone::Started) < m.get(Milestone::Detected));
    let times = m.response_times();
    assert!(times.mttd.is_some() && times.mttr.is_some());

    let caught_up = ok(run(d, "dave", &["incident", "catchup", &id]));
    for said in [
        format!("{id} SEV1 resolved:"),
        "Incident commander: carol".to_string(),
        "Ops lead: bob".to_string(),
        format!("  #{hypothesis} confirmed (bob): v42 leaks connections"),
        format!("  #{item} Add a canary (owner bob, due 2026-12-01, OVERDUE by"),
        "Last update: none has gone out yet.".to_string(),
    ] {
        assert!(caught_up.contains(&said), "{said:?} in:\n{caught_up}");
    }
    let list = ok(run(d, "alice", &["incident", "list"]));
    assert!(
        list.contains(&id) && list.contains("SEV1") && list.contains("resolved"),
        "{list}"
    );
    assert!(list.contains("Mean over 1 incident(s), 0 drill(s) left out"), "{list}");

    let out = dir.path().join("pm.md");
    let stderr = String::from_utf8_lossy(
        &run(
            d,
            "alice",
            &["postmortem", &id, "-o", out.to_str().expect("utf-8 path")],
        )
        .stderr,
    )
    .into_owned();
    assert!(stderr.contains("wrote"), "{stderr}");
    let md = std::fs::read_to_string(&out).expect("postmortem");
    assert!(md.contains("| Ops lead | bob |"), "{md}");
    assert!(md.contains("rolling back v42 📌"), "{md}");
    assert!(
        md.contains(&format!("| #{item} | Add a canary | bob | 2026-12-01 | — | open | — |")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **#{hypothesis} confirmed**: v42 leaks connections (put forward by bob"
        )),
        "{md}"
    );
}

/// Follow-ups are recorded with an owner, a due date and a priority, settled by their number,
/// listed across incidents (drills left out) with overdue ones flagged, and exported as
/// Markdown and as the bodies GitHub and Jira take to create an issue.
#[test]
fn follow_ups_are_settled_by_number_and_exported_for_trackers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let new = |title: &str, drill: bool| {
        let mut args = vec!["incident", "new", "--title", title, "--sev", "2"];
        if drill {
            args.push("--drill");
        }
        ok(run(d, "alice", &args)).trim().to_string()
    };
    let (first, second, drill) = (
        new("Checkout 500s", false),
        new("Search slow", false),
        new("Game day", true),
    );
    let item = |id: &str, title: &str, extra: &[&str]| {
        let mut args = vec!["incident", "action-item", id, title];
        args.extend_from_slice(extra);
        number(&ok(run(d, "alice", &args)))
    };
    let canary = item(
        &first,
        "Add a canary stage",
        &["--owner", "bob", "--due", "2020-01-02", "--priority", "high"],
    );
    let alert = item(&first, "Alert on pool exhaustion", &["--priority", "medium"]);
    let index = item(&second, "Rebuild the search index nightly", &["--owner", "carol"]);
    item(&drill, "Practise the drain", &[]);

    let moved = ok(run(
        d,
        "bob",
        &[
            "incident",
            "followup",
            &first,
            &format!("#{alert}"),
            "done",
            "ticket=OPS-7",
        ],
    ));
    assert!(
        moved.contains(&format!(
            "Action item #{alert} done: \"Alert on pool exhaustion\" (OPS-7)"
        )),
        "{moved}"
    );
    assert!(
        failed(run(
            d,
            "bob",
            &["incident", "followup", &first, &format!("#{alert}"), "done"]
        ))
        .contains(&format!("follow-up #{alert} is already so (done)"))
    );
    let missing = failed(run(d, "bob", &["incident", "followup", &first, "#99", "done"]));
    assert!(
        missing.contains("has no follow-up #99") && missing.contains(&format!("#{canary}, #{alert}")),
        "{missing}"
    );
    assert!(failed(run(d, "bob", &["incident", "followup", &first, "#3", "later"])).contains("not a follow-up state"));

    // Open ones across incidents; the drill's are practice and left out.
    let open = ok(run(d, "bob", &["incident", "follow-ups"]));
    assert!(
        open.contains(&format!("{first}#{canary}")) && open.contains("OVERDUE by"),
        "{open}"
    );
    assert!(open.contains(&format!("{second}#{index}")), "{open}");
    assert!(
        !open.contains("Alert on pool exhaustion") && !open.contains("Practise the drain"),
        "{open}"
    );
    assert!(open.contains("1 overdue."), "{open}");
    let all = ok(run(d, "bob", &["incident", "follow-ups", &first, "--all"]));
    assert!(
        all.contains("Alert on pool exhaustion [OPS-7]") && all.contains("done"),
        "{all}"
    );
    assert!(ok(run(d, "bob", &["incident", "follow-ups", &drill])).contains("Practise the drain"));

    let md = ok(run(
        d,
        "bob",
        &["incident", "follow-ups", "--all", "--format", "markdown"],
    ));
    assert!(md.contains(&format!("## {first}: Checkout 500s")), "{md}");
    assert!(
        md.contains(&format!(
            "- [ ] #{canary} Add a canary stage (owner bob, due 2020-01-02, high priority, **OVERDUE by"
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- [x] #{alert} Alert on pool exhaustion (medium priority, OPS-7, done)"
        )),
        "{md}"
    );

    let github: Vec<serde_json::Value> = ok(run(d, "bob", &["incident", "follow-ups", "--format", "github"]))
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON body a line"))
        .collect();
    assert_eq!(github.len(), 2, "{github:?}");
    assert_eq!(github[0]["title"], "Add a canary stage");
    assert_eq!(github[0]["assignees"], serde_json::json!(["bob"]));
    assert_eq!(
        github[0]["labels"],
        serde_json::json!(["incident-follow-up", "priority:high"])
    );
    assert!(
        github[0]["body"]
            .as_str()
            .expect("body")
            .contains(&format!("Follow-up #{canary} of {first}"))
    );
    assert!(github[1].get("assignees").is_some() && github[1]["labels"] == serde_json::json!(["incident-follow-up"]));

    assert!(failed(run(d, "bob", &["incident", "follow-ups", "--format", "jira"])).contains("--jira-project"));
    let jira: serde_json::Value = serde_json::from_str(
        ok(run(
            d,
            "bob",
            &[
                "incident",
                "follow-ups",
                &first,
                "--format",
                "jira",
                "--jira-project",
                "OPS",
            ],
        ))
        .lines()
        .next()
        .expect("one body"),
    )
    .expect("JSON");
    assert_eq!(
        jira["fields"],
        serde_json::json!({
            "project": {"key": "OPS"},
            "issuetype": {"name": "Task"},
            "summary": "Add a canary stage",
            "description": jira["fields"]["description"],
            "labels": ["incident-follow-up", first],
            "priority": {"name": "High"},
            "duedate": "2020-01-02",
        })
    );
}

#[test]
fn drills_are_listed_but_left_out_of_the_means() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let drill = ok(run(
        d,
        "a",
        &["incident", "new", "--title", "Game day", "--sev", "3", "--drill"],
    ));
    ok(run(d, "a", &["incident", "close", drill.trim()]));
    let list = ok(run(d, "a", &["incident", "list"]));
    assert!(list.contains("[drill] Game day"), "{list}");
    assert!(
        list.contains("Mean over 0 incident(s), 1 drill(s) left out: MTTD -"),
        "{list}"
    );
}

/// A drill incident run from a shell with `--drill-clock`: every entry carries the drill's
/// virtual time (the declaration too), so it lines up with the drill's recording; a URL where
/// no drill answers is refused before anything is written.
#[test]
fn entries_written_from_a_shell_carry_the_drills_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let sim = crate::support::SimProcess::start(None, &["--paused"]);
    sim.control("POST", "/drill/v1/clock?advance=7m");
    let now = sim.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    let clock = ["--drill-clock", sim.url.as_str()];
    let id = ok(run(
        d,
        "a",
        &[
            &["incident", "new", "--title", "Game day", "--sev", "3", "--drill"][..],
            &clock[..],
        ]
        .concat(),
    ));
    let id = id.trim();
    ok(run(
        d,
        "a",
        &[&["note", id, "rolling back checkout"][..], &clock[..]].concat(),
    ));
    ok(run(d, "a", &["note", id, "no clock given"]));
    let record = journal::read(&d.join(format!("incidents/{id}.jsonl"))).expect("journal");
    let drill_times: Vec<Option<i64>> = record
        .entries
        .iter()
        .map(|e| e.drill_time.map(|t| t.as_millisecond()))
        .collect();
    assert_eq!(drill_times, [Some(now), Some(now), None]);
    assert!(
        record.entries[0].time.as_millisecond() != now,
        "the wall clock is kept beside it"
    );
    // The declaration names the drill it plays, as a drill console does: its scenario, start
    // and log, which `warroom sim` keeps in its data directory.
    let played = Incident::from_entries(&record.entries)
        .expect("incident")
        .played
        .expect("played");
    let clock = sim.control("GET", "/drill/v1/clock");
    assert_eq!(played.scenario, "bad-deploy");
    assert_eq!(played.start.map(|t| t.as_millisecond()), clock["startMs"].as_i64());
    let log = played.log.expect("the drill's log");
    assert!(sim.dir.path().join("data/drills").join(&log).is_file(), "{log}");
    let refused = failed(run(
        d,
        "a",
        &["note", id, "lost?", "--drill-clock", "http://127.0.0.1:9"],
    ));
    assert!(
        refused.contains("--drill-clock: no drill answers at http://127.0.0.1:9/drill/v1/clock"),
        "{refused}"
    );
    let after = journal::read(&d.join(format!("incidents/{id}.jsonl"))).expect("journal");
    assert_eq!(after.entries.len(), 3, "nothing written");
}

/// A drill played on `warroom sim` and run from a shell (the incident declared and closed with
/// `--drill-clock`): `warroom debrief` finds the drill's log, rebuilds it and scores the run on
/// the drill's clock.
#[test]
fn a_drill_run_from_a_shell_is_debriefed_from_the_drills_log() {
    let sim = crate::support::SimProcess::start(None, &["--paused"]);
    let data = sim.dir.path().join("data");
    let clock = ["--drill-clock", sim.url.as_str()];
    // The bad rollout goes out two minutes in; the team declares a minute later.
    sim.control("POST", "/drill/v1/clock?advance=3m");
    let id = ok(run(
        &data,
        "a",
        &[
            &[
                "incident",
                "new",
                "--title",
                "checkout crashloops",
                "--sev",
                "2",
                "--drill",
            ][..],
            &clock[..],
        ]
        .concat(),
    ));
    let id = id.trim();
    sim.control("POST", "/drill/v1/clock?advance=1m");
    ok(run(&data, "a", &[&["incident", "close", id][..], &clock[..]].concat()));
    ok(run(&data, "a", &["debrief", id]));
    let debrief = std::fs::read_to_string(data.join(format!("incidents/{id}-debrief.md"))).expect("the debrief");
    assert!(debrief.contains("Drill `bad-deploy`"), "{debrief}");
    assert!(
        debrief.contains("Times are the drill's, counted from the first fault"),
        "on the drill's clock, from the log's start:\n{debrief}"
    );
    assert!(
        debrief.contains("| T+1m 00s | a | Incident opened (drill)"),
        "declared a minute after the fault:\n{debrief}"
    );
}

#[test]
fn the_list_tells_how_many_detections_were_dismissed_as_false_positives() {
    use warroom::incident::filing;
    use warroom::incident::model::DetectionRecord;
    use warroom::incident::store::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let store = Store::new(d);
    let now: jiff::Timestamp = "2026-12-05T10:00:00Z".parse().expect("t");
    let mut ids = Vec::new();
    for scope in ["shop/checkout", "shop/cart"] {
        let record = DetectionRecord {
            scope: scope.into(),
            onset: now,
            findings: Vec::new(),
            causes: Vec::new(),
            also_deviating: Vec::new(),
            mitigations: Vec::new(),
        };
        let filed = filing::file(&mut store.clone(), record, "Errors", Severity::Sev2, None, now).expect("filed");
        ids.push(filed.id().to_string());
    }
    ok(run(
        d,
        "a",
        &["incident", "new", "--title", "Someone noticed", "--sev", "3"],
    ));
    // The cart one was noise: dismissed, as `:dismiss` journals it.
    let mut j = journal::Journal::open(&store.path(&ids[1].parse().expect("id"))).expect("open");
    j.append(warroom::incident::model::Draft::new(
        warroom::incident::model::Actor::named("a"),
        warroom::incident::model::Origin::Human,
        warroom::incident::model::Event::DetectionDismissed {
            reason: "a load test".into(),
        },
    ))
    .expect("dismiss");
    let list = ok(run(d, "a", &["incident", "list"]));
    assert!(
        list.contains("The detector opened 2 of them; 1 dismissed as false positives (50% kept)."),
        "{list}"
    );
}

#[test]
fn racing_processes_get_distinct_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let children: Vec<_> = (0..6)
        .map(|i| {
            warroom(dir.path(), "racer")
                .args(["incident", "new", "--title", &format!("race {i}"), "--sev", "4"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut ids: Vec<String> = children
        .into_iter()
        .map(|c| ok(c.wait_with_output().expect("wait")).trim().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "{ids:?}");
    let numbers: Vec<&str> = ids.iter().map(|i| &i[13..]).collect();
    assert_eq!(numbers, ["001", "002", "003", "004", "005", "006"]);
}

#[test]
fn a_second_console_sees_notes_from_another_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let id = ok(run(
        d,
        "alice",
        &["incident", "new", "--title", "Follow me", "--sev", "3"],
    ))
    .trim()
    .to_string();
    let mut follower = warroom(d, "bob")
        .args(["journal", "follow", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start follower");
    let stdout = follower.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Generous waits, not timing assertions.
    let wait = Duration::from_secs(30);
    let first = rx.recv_timeout(wait).expect("the follower prints the journal");
    assert!(first.contains("Incident opened"), "{first}");
    for n in 0..3 {
        ok(run(d, "alice", &["note", &id, &format!("from the other console {n}")]));
        let line = rx.recv_timeout(wait).expect("the follower prints the new note");
        assert!(line.contains(&format!("from the other console {n}")), "{line}");
        assert!(line.contains("alice"), "{line}");
    }
    follower.kill().expect("stop follower");
    let _ = follower.wait();
}

#[test]
fn the_next_write_cuts_a_torn_line_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let id = ok(run(d, "alice", &["incident", "new", "--title", "Torn", "--sev", "3"]))
        .trim()
        .to_string();
    let path = d.join("incidents").join(format!("{id}.jsonl"));
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.extend_from_slice(b"{\"seq\":2,\"time\":\"2026-11-");
    std::fs::write(&path, &bytes).expect("tear");
    let verify = run(d, "alice", &["journal", "verify", &id]);
    assert!(!verify.status.success());
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(said.contains(":2: incomplete last line (25 bytes)"), "{said}");
    let out = warroom(d, "alice")
        .args(["note", &id, "after the crash"])
        .output()
        .expect("note");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(ok(out).trim(), format!("{id} #2"));
    assert!(
        stderr.contains("line 2 was incomplete") && stderr.contains(".torn"),
        "{stderr}"
    );
    assert!(run(d, "alice", &["journal", "verify", &id]).status.success());
}

#[test]
fn mistakes_get_messages_a_person_can_act_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let e = failed(run(d, "a", &["note", "INC-20261124-042", "hello"]));
    assert!(e.contains("no incident INC-20261124-042"), "{e}");
    let e = failed(run(d, "a", &["note", "../../etc/passwd", "hello"]));
    assert!(e.contains("is not an incident id"), "{e}");
    let e = failed(run(d, "a", &["incident", "new", "--title", "x", "--sev", "5"]));
    assert!(e.contains("not a severity"), "{e}");
    let e = failed(run(
        d,
        "a",
        &["incident", "new", "--title", "x", "--sev", "2", "--started", "soon"],
    ));
    assert!(e.contains("not a time"), "{e}");
}

#[test]
fn data_dir_flag_overrides_the_environment() {
    let env_dir = tempfile::tempdir().expect("tempdir");
    let flag_dir = tempfile::tempdir().expect("tempdir");
    let flag = flag_dir.path().to_str().expect("utf-8 path");
    let id = ok(run(
        env_dir.path(),
        "a",
        &["incident", "new", "--title", "Here", "--sev", "3", "--data-dir", flag],
    ));
    assert!(
        flag_dir
            .path()
            .join("incidents")
            .join(format!("{}.jsonl", id.trim()))
            .is_file()
    );
    assert!(!env_dir.path().join("incidents").exists());
}

/// The hostile-string corpus: CSI, OSC 8 and 52, C1 introducers, bidi overrides, zero-width
/// joiners and emoji ZWJ sequences, a 100 KB string.
fn hostile_notes() -> Vec<String> {
    vec![
        "x\u{1b}]52;c;SGFja2Vk\u{7}y".into(),
        "\u{1b}[2J\u{1b}[31mred\u{1b}[0m \u{1b}]8;;https://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\".into(),
        "c1 \u{9b}2J \u{9d}0;title\u{9c} end".into(),
        "invoice\u{202E}fdp.exe\u{202C} and \u{2066}isolate\u{2069}".into(),
        "family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} thumbs \u{1F44D}\u{1F3FD} zw\u{200B}j\u{200C}".into(),
        format!("long {}", "\u{1b}[1m".repeat(100_000 / 4)),
    ]
}

/// An incident with a hostile title and the corpus as its notes, in `data`: its id, and what
/// each note's command echoed.
pub fn hostile_incident(data: &Path) -> (String, Vec<String>) {
    let new = [
        "incident",
        "new",
        "--title",
        "Hostile \u{1b}]0;t\u{7}notes",
        "--sev",
        "3",
    ];
    let id = ok(run(data, "alice", &new)).trim().to_string();
    let echoes = hostile_notes()
        .iter()
        .map(|note| ok(run(data, "alice", &["note", &id, note])))
        .collect();
    (id, echoes)
}

/// Whether `text` holds anything a terminal would act on or hide.
pub fn raw(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
    })
}

#[test]
fn no_hostile_text_reaches_the_terminal_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (id, echoes) = hostile_incident(d);
    for echoed in echoes {
        assert_eq!(raw(&echoed), None, "the note's echo: {echoed:?}");
    }
    for args in [
        vec!["postmortem", &id],
        vec!["incident", "list"],
        vec!["journal", "verify", &id],
    ] {
        let out = ok(run(d, "alice", &args));
        assert_eq!(raw(&out), None, "{args:?} printed a raw character");
    }
    // The note's words survive, cleaned.
    let postmortem = ok(run(d, "alice", &["postmortem", &id]));
    assert!(postmortem.contains("xy"), "{postmortem}");
    assert!(postmortem.contains("invoicefdp.exe"), "{postmortem}");
    let file = d.join("postmortem.md");
    ok(run(
        d,
        "alice",
        &["postmortem", &id, "--output", file.to_str().expect("path")],
    ));
    let written = std::fs::read_to_string(&file).expect("postmortem file");
    assert_eq!(raw(&written), None, "the postmortem file holds a raw character");
}
