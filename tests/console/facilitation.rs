//! The facilitator's controls in the console: the drill's clock paused, sped up and resumed,
//! the scenario's faults listed, a fault injected now (seen by kubectl), and the injected fault
//! on the debrief's timeline.

use crate::tmux::{console_without_detector, kubectl, warroom};

#[test]
fn the_facilitator_pauses_injects_and_resumes_from_the_console() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 10", warroom()), 200, 50);
    t.wait_for("the drill's workloads", 60, |s| s.contains("deploy shop/checkout"));
    let palette = |line: &str| {
        t.keys(&[":"]);
        t.keys(&["-l", line]);
        t.keys(&["Enter"]);
    };
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
