//! The mitigation drills played to the end in the real binary, in tmux: a responder declares,
//! follows the drill's playbook with its keys (checks marked done, the action step run with one
//! key on the workload picked from the lists), and the service's error ratio falls back under its
//! SLO within the recovery time the scenario promises.

use std::time::Duration;

use crate::tmux::{console_without_detector, drill_elapsed, errors_of, kubectl, warroom};

/// How a playbook's action step is run.
enum Act {
    /// With the step's key, on the workload this picks in the workloads list.
    Step(&'static str),
    /// From the palette, with this line; the step is then marked done.
    Palette(&'static str),
}

/// One drill and how its playbook is followed.
struct Played {
    file: &'static str,
    /// The failing service, as the golden-signal panel names it, and its workload.
    service: &'static str,
    playbook: &'static str,
    title: &'static str,
    steps: usize,
    /// The checks and comms before the action step, marked done.
    before: usize,
    /// How the action step is run.
    act: Act,
    preview: &'static str,
    done: &'static str,
}

/// Plays the drill to recovery, then hands the console's state directory (its kubeconfig) to
/// `after`.
fn play(p: &Played, after: impl FnOnce(&std::path::Path)) {
    let path = warroom_testkit::repo(&format!("drills/{}", p.file));
    let scenario = warroom_drill::scenario::load_file(&path).expect("a shipped drill");
    let recovery = scenario.recovery.expect("the drill states its recovery time").millis / 1000;
    let service_name = p.service.rsplit('/').next().expect("ns/name");
    let objective = scenario
        .workloads
        .iter()
        .map(|w| w.get())
        .find(|w| w.service.as_deref().unwrap_or(&w.name) == service_name)
        .map(|w| w.signals.objective)
        .expect("the service's SLO");
    let slo_percent = (1.0 - objective) * 100.0;
    // x10, not faster: a second of wall-clock jitter is then 10 s of drill time.
    let (t, home) = console_without_detector(&format!("{} drill {} --speed 10", warroom(), path.display()), 200, 50);
    t.wait_for("the service failing past its SLO", 120, |s| {
        errors_of(s, p.service).is_some_and(|e| e > slo_percent * 2.0)
    });
    t.keys(&[":"]);
    t.keys(&["-l", &format!("declare sev2 {} failing", p.service)]);
    t.keys(&["Enter"]);
    t.wait_for("the declared incident", 20, |s| s.contains("SEV2"));
    t.keys(&[":"]);
    t.keys(&["-l", &format!("playbook {}", p.playbook)]);
    t.keys(&["Enter"]);
    let checklist = |done: usize| format!("Playbook ─ {} {done}/{}", p.title, p.steps);
    t.wait_for("the checklist", 10, |s| s.contains(&checklist(0)));
    if let Act::Step(workload) = p.act {
        // The action's target: the workload picked from the full workloads list.
        t.keys(&["1", "v", "v", "/"]);
        t.keys(&["-l", workload]);
        t.keys(&["Enter"]);
        t.wait_for("the workload picked", 10, |s| {
            s.contains("Workloads (") && s.lines().any(|l| l.contains("› ") && l.contains(workload))
        });
    }
    t.keys(&["3"]);
    for _ in 0..p.before {
        t.keys(&["d", "j"]);
    }
    t.wait_for("the checks done", 10, |s| s.contains(&checklist(p.before)));
    match p.act {
        Act::Step(_) => t.keys(&["Enter"]),
        Act::Palette(line) => {
            t.keys(&[":"]);
            t.keys(&["-l", line]);
            t.keys(&["Enter"]);
        }
    }
    let s = t.wait_for("the action's preview", 30, |s| {
        s.contains("Go ahead? [y/N]") || s.contains("and Enter to go ahead")
    });
    assert!(s.contains(p.preview), "{s}");
    if s.contains("Go ahead? [y/N]") {
        t.keys(&["y"]);
    } else {
        let name = s
            .split("Type ")
            .nth(1)
            .and_then(|rest| rest.split(" and Enter").next())
            .expect("the name to type");
        t.keys(&["-l", name]);
        t.keys(&["Enter"]);
    }
    let s = t.wait_for("the action done", 30, |s| s.contains(p.done));
    let acted = drill_elapsed(&s);
    t.keys(&["Enter"]);
    if let Act::Palette(_) = p.act {
        t.keys(&["3", "d"]);
    }
    t.wait_for("the step done", 10, |s| s.contains(&checklist(p.before + 1)));
    if let Act::Step(_) = p.act {
        // Back from the list (its filter first) to the golden signals.
        t.keys(&["1", "Escape"]);
        t.wait_for("the filter cleared", 10, |s| {
            s.lines().any(|l| l.contains("Workloads (") && !l.contains(" hold "))
        });
        t.keys(&["Escape"]);
    }
    t.wait_for("the golden signals", 10, |s| s.contains("Golden signals"));
    let wall = Duration::from_secs((recovery / 10 + 60) as u64);
    let s = t.wait_for("the error ratio under the SLO", wall.as_secs(), |s| {
        errors_of(s, p.service).is_some_and(|e| e < slo_percent)
    });
    let took = drill_elapsed(&s) - acted;
    eprintln!(
        "{}: {} back under its SLO {took}s of drill time after the action (promised: {recovery}s)",
        p.file, p.service
    );
    assert!(
        took <= recovery,
        "recovered {took}s of drill time after the action; the scenario promises {recovery}s:\n{s}"
    );
    after(home.path());
}

#[test]
fn the_bad_canary_playbook_moves_the_traffic_off_the_canary_and_errors_fall_under_the_slo() {
    play(
        &Played {
            file: "bad-canary.yaml",
            service: "shop/checkout",
            playbook: "bad-canary",
            title: "Bad canary",
            steps: 5,
            before: 2,
            act: Act::Step("checkout-canary"),
            preview: "deployment/checkout-canary: replicas 1→0",
            done: "✓ Done: deployment/checkout-canary scaled 1→0",
        },
        |home| {
            let replicas = kubectl(
                home,
                &[
                    "get",
                    "deploy",
                    "checkout-canary",
                    "-n",
                    "shop",
                    "-o",
                    "jsonpath={.spec.replicas}",
                ],
            );
            assert_eq!(replicas, "0");
        },
    );
}

#[test]
fn the_autoscaler_playbook_raises_the_max_and_errors_fall_under_the_slo() {
    play(
        &Played {
            file: "hpa-at-max.yaml",
            service: "shop/frontend",
            playbook: "autoscaler-at-max",
            title: "Autoscaler at its max",
            steps: 5,
            before: 2,
            act: Act::Step("frontend"),
            preview: "max 6→12",
            done: "✓ Done: ",
        },
        |home| {
            let max = kubectl(
                home,
                &[
                    "get",
                    "hpa",
                    "frontend",
                    "-n",
                    "shop",
                    "-o",
                    "jsonpath={.spec.maxReplicas}",
                ],
            );
            assert_eq!(max, "12");
        },
    );
}

#[test]
fn the_bad_config_playbook_sets_the_map_back_from_the_recorder_and_errors_fall_under_the_slo() {
    play(
        &Played {
            file: "bad-config.yaml",
            service: "shop/checkout",
            playbook: "bad-config",
            title: "Bad configuration",
            steps: 5,
            before: 2,
            act: Act::Palette("config shop/checkout-config"),
            preview: "CURRENCY_TABLE \"eur-v4\"→\"eur-v3\"",
            done: "✓ Done: configmap/checkout-config changed; restarted deployment/checkout",
        },
        |home| {
            let table = kubectl(
                home,
                &[
                    "get",
                    "configmap",
                    "checkout-config",
                    "-n",
                    "shop",
                    "-o",
                    "jsonpath={.data.CURRENCY_TABLE}",
                ],
            );
            assert_eq!(table, "eur-v3");
        },
    );
}
