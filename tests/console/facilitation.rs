//! The facilitator's controls in the console: the drill's clock paused, sped up and resumed,
//! the scenario's faults listed, a fault injected now (seen by kubectl), and the injected fault
//! on the debrief's timeline; and a facilitator's console with a player's console joined to its
//! drill: the player without the controls or the asides, the debrief scoring what they did.

use warroom_testkit::Tmux;

use crate::tmux::{console_without_detector, drill_url, kubectl, palette, roll_back_checkout, warroom};

#[test]
fn the_facilitator_pauses_injects_and_resumes_from_the_console() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 10", warroom()), 200, 50);
    t.wait_for("the drill's workloads", 60, |s| s.contains("deploy shop/checkout"));
    let palette = |line: &str| palette(&t, line);
    palette("drill pause");
    t.wait_for("the paused header", 20, |s| {
        s.lines().next().is_some_and(|h| h.contains("paused")) && s.contains("drill paused at T+")
    });
    palette("drill faults");
    // Played already or not, depending on how fast the drill got to 2m.
    t.wait_for("the scenario's faults", 20, |s| {
        s.contains("faults: 1 at 2m") && s.contains("The bad deploy goes out.")
    });
    palette("inject node node-1");
    t.wait_for("the injected fault", 20, |s| {
        s.contains("played now: node-1 goes NotReady (injected)")
    });
    let ready = kubectl(
        home.path(),
        &[
            "get",
            "node",
            "node-1",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
        ],
    );
    assert_eq!(ready, "False");
    // A fault that is not there is refused, saying why.
    palette("inject 7");
    t.wait_for("the refusal", 20, |s| {
        s.contains("the drill refused: the scenario has 2 fault(s); there is no fault 7")
    });
    palette("drill speed 5");
    palette("drill resume");
    t.wait_for("the drill running at x5", 20, |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains("x5") && !h.contains("paused"))
    });

    palette("declare sev3 Node trouble");
    t.wait_for("the declared incident", 20, |s| s.contains("SEV3"));
    palette("debrief");
    t.wait_for("the debrief written", 30, |s| s.contains("objectives met; written to"));
    let incidents = home.path().join("data/incidents");
    let debrief = std::fs::read_dir(&incidents)
        .expect("incidents")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("-debrief.md"))
        .map(|p| std::fs::read_to_string(p).expect("debrief"))
        .expect("the debrief");
    assert!(
        debrief.contains("| scenario | node-1 goes NotReady (injected) |"),
        "{debrief}"
    );
}

/// The screen's first line: the header.
fn header(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn a_facilitator_console_and_a_player_console_run_one_drill_and_the_debrief_scores_it() {
    // The facilitator's console runs the drill; its status updates go to a file.
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[detection]\nconsole = false\n\n[[channels]]\nname = \"war-room\"\nkind = \"file\"\npath = \"{}\"\n",
            home.path().join("updates.md").display()
        ),
    )
    .expect("config");
    // At real time, so that it is paused long before its fault (2m in) would play.
    let f = Tmux::start(home.path(), &format!("{} drill", warroom()), 200, 50);
    f.wait_for("the drill live", 60, |s| {
        s.contains("data live") && s.contains("shop/checkout")
    });
    palette(&f, "drill pause");
    f.wait_for("the paused drill", 20, |s| header(s).contains("paused"));
    let url = drill_url(home.path());

    // A player joins from a console of their own, in the same war room.
    let p = Tmux::start(
        home.path(),
        &format!("env WARROOM_ACTOR=bob {} drill --join {url}", warroom()),
        200,
        50,
    );
    p.wait_for("the player's console on the paused drill", 60, |s| {
        header(s).contains("DRILL") && header(s).contains("paused") && s.contains("shop/checkout")
    });
    palette(&p, "drill resume");
    p.wait_for("the player refused the drill's controls", 20, |s| {
        s.contains("a player's console does not facilitate")
    });
    assert!(header(&f.screen()).contains("paused"), "the player did not resume it");

    // The facilitator plays the bad deploy now and lets the drill run, ten times faster.
    palette(&f, "inject 1");
    f.wait_for("the fault played", 20, |s| s.contains("played now: "));
    palette(&f, "drill speed 10");
    palette(&f, "drill resume");
    f.wait_for("the drill running", 20, |s| {
        header(s).contains("x10") && !header(s).contains("paused")
    });

    // The player sees it, declares; the facilitator's console follows the incident declared.
    p.wait_for("checkout crashlooping", 60, |s| s.contains("crashlooping"));
    palette(&p, "declare sev2 Checkout failing");
    let s = p.wait_for("the declared incident", 20, |s| s.contains("SEV2"));
    let id = s
        .split_whitespace()
        .find(|w| w.starts_with("INC-"))
        .expect("the incident id")
        .to_string();
    f.wait_for("the facilitator following the incident", 30, |s| {
        s.contains(&format!("{id} was declared in this drill by bob; following it")) && s.contains("SEV2")
    });
    palette(&f, "aside the team has not looked at the rollout yet");
    f.wait_for("the aside on the facilitator's timeline", 20, |s| {
        s.contains("Facilitator: the team has not looked at the rollout yet")
    });

    // The player follows the playbook, rolls back, publishes an update, resolves.
    palette(&p, "role commander");
    palette(&p, "playbook bad-deploy");
    p.wait_for("the checklist", 20, |s| s.contains("Playbook ─ Bad deploy"));
    roll_back_checkout(&p);
    p.keys(&["4"]);
    p.keys(&["C-t"]);
    p.wait_for("a draft from a template", 10, |s| {
        s.contains("→ war-room (file)") && !s.contains("no template (")
    });
    p.keys(&["C-s"]);
    p.wait_for("the confirmation", 10, |s| s.contains("Publish to war-room?"));
    p.keys(&["C-s"]);
    p.wait_for("the update published", 20, |s| {
        s.contains("Status update (internal, war-room)")
    });
    p.keys(&["Escape"]);
    // Both timelines have the update; only the facilitator's has the aside.
    f.wait_for("the update on the facilitator's timeline", 20, |s| {
        s.contains("Status update (internal, war-room)")
    });
    assert!(
        !p.screen().contains("the team has not looked"),
        "a player's console shows no aside:\n{}",
        p.screen()
    );
    palette(&p, "status monitoring");
    palette(&p, "status resolved");
    p.wait_for("the debrief written", 30, |s| s.contains("objectives met; written to"));

    // The debrief scores each objective with the journal's times, and keeps the aside.
    let incidents = home.path().join("data/incidents");
    let debrief = std::fs::read_to_string(incidents.join(format!("{id}-debrief.md"))).expect("the debrief");
    let entries = warroom::incident::journal::read(&incidents.join(format!("{id}.jsonl")))
        .expect("journal")
        .entries;
    let first_fault = entries
        .first()
        .and_then(|e| match &e.event {
            warroom::incident::model::Event::IncidentOpened(d) => d.played.clone(),
            _ => None,
        })
        .expect("the drill played");
    assert_eq!(first_fault.scenario, "bad-deploy");
    let fault_at = {
        let faults = warroom_testkit::drill::control(&url, "GET", "/drill/v1/faults");
        let at = faults["faults"][0]["at"]
            .as_str()
            .expect("the fault's time")
            .to_string();
        first_fault.start.expect("start")
            + warroom_drill::scenario::quantity::Duration::parse(&at)
                .expect("at")
                .signed()
    };
    let since = |kind: &str| {
        let e = entries
            .iter()
            .find(|e| e.event.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} in the journal"));
        warroom::incident::metrics::format_duration(e.incident_time().duration_since(fault_at))
    };
    let measured = |objective: &str| -> String {
        let line = debrief
            .lines()
            .find(|l| l.starts_with(&format!("| {objective} |")))
            .unwrap_or_else(|| panic!("no {objective:?} row in:\n{debrief}"));
        line.split('|')
            .map(str::trim)
            .nth(3)
            .expect("the measured cell")
            .to_string()
    };
    assert_eq!(measured("time to declare"), since("incident_opened"), "{debrief}");
    assert_eq!(
        measured("time to first containment"),
        since("action_succeeded"),
        "{debrief}"
    );
    assert!(
        debrief.contains("| alice (facilitator) | Facilitator: the team has not looked at the rollout yet |"),
        "{debrief}"
    );
    assert!(
        std::fs::read_to_string(home.path().join("updates.md")).is_ok_and(|u| u.contains(&id)),
        "the update reached its channel"
    );
}

#[test]
fn joining_where_no_drill_answers_says_so() {
    let home = tempfile::tempdir().expect("tmp");
    // A loopback port nobody listens on (bound, then closed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let out = crate::support::warroom(&home.path().join("data"))
        .args(["drill", "--join", &format!("http://{closed}")])
        .output()
        .expect("warroom drill --join");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("no drill answers at http://{closed}")), "{err}");
}

#[test]
fn players_can_run_the_drill_and_their_facilitator_join_it() {
    let (p, home) = console_without_detector(&format!("env WARROOM_ACTOR=bob {} drill --player", warroom()), 200, 50);
    p.wait_for("the players' drill live", 60, |s| {
        s.contains("data live") && s.contains("shop/checkout")
    });
    let url = drill_url(home.path());
    let f = Tmux::start(
        home.path(),
        &format!("{} drill --join {url} --facilitator", warroom()),
        200,
        50,
    );
    f.wait_for("the facilitator joined", 60, |s| {
        header(s).contains("DRILL") && s.contains("shop/checkout")
    });
    // The players' console runs the drill but does not control it; the facilitator does.
    palette(&p, "drill pause");
    p.wait_for("the players refused the drill's controls", 20, |s| {
        s.contains("a player's console does not facilitate")
    });
    palette(&f, "drill pause");
    p.wait_for("the players' drill paused by the facilitator", 20, |s| {
        header(s).contains("paused")
    });
    // The players declare; the facilitator follows and writes an aside they do not see.
    palette(&p, "declare sev3 Something is off");
    p.wait_for("the declared incident", 20, |s| s.contains("SEV3"));
    f.wait_for("the facilitator following", 30, |s| s.contains("SEV3"));
    palette(&f, "aside they have not looked at the alerts");
    f.wait_for("the aside", 20, |s| {
        s.contains("Facilitator: they have not looked at the alerts")
    });
    palette(&p, "note looking at checkout");
    f.wait_for("the players' note on the facilitator's timeline", 20, |s| {
        s.contains("looking at checkout")
    });
    p.wait_for("the players' own note", 20, |s| s.contains("looking at checkout"));
    assert!(
        !p.screen().contains("they have not looked"),
        "the players' console shows no aside:\n{}",
        p.screen()
    );
}
