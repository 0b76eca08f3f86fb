//! The drill debrief: a drill run in the console and resolved there is scored against its
//! scenario's objectives, on the drill's clock, and the debrief agrees with the journal; the
//! debrief command compares a run with the earlier runs of its scenario.

use jiff::{SignedDuration, Timestamp};
use warroom::incident::journal::{self, Journal};
use warroom::incident::metrics::format_duration;
use warroom::incident::model::{
    ActionRecord, Actor, Declared, Draft, Entry, Event, IncidentId, Origin, Played, Severity, Status,
};

use crate::tmux::{console_without_detector, palette, roll_back_checkout, warroom};

/// The row of the objectives table for `objective`: (measured, result).
fn row<'a>(debrief: &'a str, objective: &str) -> (&'a str, &'a str) {
    let line = debrief
        .lines()
        .find(|l| l.starts_with(&format!("| {objective} |")))
        .unwrap_or_else(|| panic!("no {objective:?} row in:\n{debrief}"));
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    (cells[3], cells[4])
}

#[test]
fn a_drill_resolved_in_the_console_is_debriefed_on_the_drill_clock() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 10", warroom()), 200, 50);
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    let palette = |line: &str| palette(&t, line);
    palette("declare sev2 Checkout failing");
    t.wait_for("the declared incident", 20, |s| s.contains("SEV2"));
    palette("role commander");
    palette("playbook bad-deploy");
    t.wait_for("the checklist", 20, |s| s.contains("Playbook ─ Bad deploy"));
    roll_back_checkout(&t);
    // The drill runs on, faster, until checkout is back under its SLO (8 minutes, the scenario
    // says, and a little more).
    let url = crate::tmux::drill_url(home.path());
    let clock_ms = || warroom_testkit::drill::control(&url, "GET", "/drill/v1/clock")["nowMs"].as_i64();
    let rolled_back = clock_ms().expect("the drill's clock");
    palette("drill speed 60");
    t.wait_for("nine drill minutes after the rollback", 90, |_| {
        clock_ms().is_some_and(|now| now > rolled_back + 9 * 60_000)
    });
    palette("status monitoring");
    palette("status resolved");
    let s = t.wait_for("the debrief written", 30, |s| s.contains("objectives met; written to"));
    assert!(s.contains("debrief: "), "{s}");

    let incidents = home.path().join("data/incidents");
    let journal_path = std::fs::read_dir(&incidents)
        .expect("incidents")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("the journal");
    let id = journal_path.file_stem().expect("stem").to_string_lossy().to_string();
    let debrief = std::fs::read_to_string(incidents.join(format!("{id}-debrief.md"))).expect("the debrief");
    let entries = journal::read(&journal_path).expect("journal").entries;
    eprintln!("{debrief}");

    // Every entry carries the drill's time; at ×10 it runs away from the wall clock.
    assert!(entries.iter().all(|e| e.drill_time.is_some()), "{entries:?}");
    let (first, last) = (&entries[0], entries.last().expect("entries"));
    let drill_span = last.incident_time().duration_since(first.incident_time());
    let wall_span = last.time.duration_since(first.time);
    assert!(
        drill_span > wall_span * 5,
        "drill {drill_span:?} against wall {wall_span:?}"
    );

    // The times are the journal's, counted from the first fault (2 minutes into the drill).
    let Event::IncidentOpened(declared) = &first.event else {
        panic!("{first:?}")
    };
    let played = declared.played.as_ref().expect("the drill played");
    assert_eq!(played.scenario, "bad-deploy");
    let fault = played.start.expect("the drill's start") + SignedDuration::from_mins(2);
    let at = |e: &Entry| format_duration(e.incident_time().duration_since(fault));
    let first_of = |f: &dyn Fn(&Event) -> bool| entries.iter().find(|e| f(&e.event)).expect("an entry");
    assert_eq!(row(&debrief, "time to declare").0, at(first));
    let undone = first_of(&|e| matches!(e, Event::ActionSucceeded(a) if a.action == "rollout_undo"));
    assert_eq!(row(&debrief, "time to first containment").0, at(undone));
    let mitigated = first_of(&|e| {
        matches!(
            e,
            Event::StatusChanged {
                to: Status::Monitoring,
                ..
            }
        )
    });
    assert_eq!(row(&debrief, "time to mitigate").0, at(mitigated));
    // Measured from the drill's Prometheus: checkout came back within the scenario's 8 minutes.
    let (back, met) = row(&debrief, "back under the SLO");
    assert!(back.contains(" after it (T+"), "{debrief}");
    assert_eq!(met, "met", "{debrief}");
    assert_eq!(row(&debrief, "playbook").1, "met");
    assert_eq!(row(&debrief, "commander role"), ("taken by alice", "met"));
    assert_eq!(
        row(&debrief, "must not scale deployment/checkout -n shop"),
        ("not taken", "met")
    );
    // No update went out: the wait is the whole time the incident was open.
    let resolved = first_of(&|e| {
        matches!(
            e,
            Event::StatusChanged {
                to: Status::Resolved,
                ..
            }
        )
    });
    let open_for = resolved.incident_time().duration_since(first.incident_time());
    assert_eq!(
        row(&debrief, "update cadence"),
        (
            format!("0 update(s), longest wait {}", format_duration(open_for)).as_str(),
            if open_for <= SignedDuration::from_mins(20) {
                "met"
            } else {
                "**missed**"
            }
        )
    );
    // The scenario's fault is on the timeline beside the team's acts.
    assert!(
        debrief.contains("| T+0s | scenario | The bad deploy goes out. |"),
        "{debrief}"
    );
    assert!(
        debrief.contains("This is the first run kept for this scenario."),
        "{debrief}"
    );
}

/// A drill incident's journal in `dir`, the bad deploy declared `declared` minutes after its
/// first fault and rolled back `undone` minutes after it; its drill logged in `log`, if any.
pub(crate) fn drill_run(
    dir: &std::path::Path,
    number: u32,
    declared: i64,
    undone: i64,
    log: Option<&str>,
) -> IncidentId {
    let id = IncidentId::new(jiff::civil::date(2026, 11, 24), number);
    let start = Timestamp::from_second(1_790_000_000).expect("start");
    let fault = start + SignedDuration::from_mins(2);
    let at = |minutes: i64| Some(fault + SignedDuration::from_mins(minutes));
    let mut opened = Declared::new(id.clone(), "Checkout failing", Severity::Sev2);
    opened.drill = true;
    opened.played = Some(Played {
        scenario: "bad-deploy".into(),
        start: Some(start),
        log: log.map(str::to_string),
    });
    let alice = Actor::named("alice");
    let draft = |minutes: i64, event: Event| Draft {
        drill_time: at(minutes),
        ..Draft::new(alice.clone(), Origin::Human, event)
    };
    std::fs::create_dir_all(dir).expect("dir");
    let (mut journal, _) = Journal::create(
        &dir.join(format!("{id}.jsonl")),
        draft(declared, Event::IncidentOpened(opened)),
    )
    .expect("journal");
    journal
        .append(draft(
            undone,
            Event::ActionSucceeded(ActionRecord {
                action_id: "a1".into(),
                action: "rollout_undo".into(),
                target: "deployment/checkout -n shop".into(),
                parameters: serde_json::Value::Null,
                response: serde_json::Value::Null,
                error: None,
                identity: None,
            }),
        ))
        .expect("append");
    id
}

#[test]
fn the_debrief_command_compares_a_run_with_the_earlier_runs_of_its_scenario() {
    let home = tempfile::tempdir().expect("tmp");
    let data = home.path().join("data");
    let incidents = data.join("incidents");
    let first = drill_run(&incidents, 1, 8, 20, None);
    let second = drill_run(&incidents, 2, 3, 6, None);
    let out = crate::support::warroom(&data)
        .args(["debrief", second.as_str()])
        .output()
        .expect("warroom debrief");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let debrief = std::fs::read_to_string(incidents.join(format!("{second}-debrief.md"))).expect("debrief");
    assert_eq!(row(&debrief, "time to declare"), ("3m 00s", "met"));
    assert_eq!(row(&debrief, "time to first containment"), ("6m 00s", "met"));
    // The earlier run, then this one: declared, contained, mitigated, resolved.
    assert!(
        debrief.contains(&format!("| {first} | 8m 00s | 20m 00s | – | – | 2 of 7 |")),
        "{debrief}"
    );
    assert!(
        debrief.contains(&format!("| {second} (this run) | 3m 00s | 6m 00s | – | – | 4 of 7 |")),
        "{debrief}"
    );
    // A real incident is not debriefed.
    let real = crate::support::incident_new(&data, &["--title", "Real", "--sev", "3"]);
    let out = crate::support::warroom(&data)
        .args(["debrief", &real])
        .output()
        .expect("warroom debrief");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a drill"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
