//! Reopening a drill incident resumes its drill: quit the console mid-drill, open it again
//! with `--incident`, and the drill is where it was left (the same virtual time, the same
//! objects) and plays none of its faults again.

use serde_json::Value;
use warroom_testkit::Tmux;
use warroom_testkit::drill::control;

use crate::tmux::{console_without_detector, drill_url, kubectl_image, palette, quit, roll_back_checkout, warroom};

/// The drill's workloads, pods and nodes, on its clock (kubectl's are moved onto the wall
/// clock, which goes on between the two drills).
fn objects(url: &str) -> Value {
    let lists = [
        "/api/v1/nodes",
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/replicasets",
        "/api/v1/pods",
        "/apis/policy/v1/poddisruptionbudgets",
        "/api/v1/endpoints",
    ];
    Value::Array(
        lists
            .iter()
            .map(|path| control(url, "GET", path)["items"].clone())
            .collect(),
    )
}

#[test]
fn a_drill_incident_reopened_resumes_its_drill_where_it_was_left() {
    let (t, home) = console_without_detector(&format!("{} drill --speed 10", warroom()), 200, 50);
    // The scenario's release before the bad one, which goes out 2 virtual minutes in.
    let good = "registry.example.com/shop/checkout:1.9.3";
    t.wait_for("checkout crashlooping", 60, |s| {
        s.contains("deploy shop/checkout") && s.contains("crashlooping")
    });
    assert_eq!(kubectl_image(home.path()), "registry.example.com/shop/checkout:2.0.0");
    palette(&t, "declare sev2 Checkout failing");
    t.wait_for("the declared incident", 20, |s| s.contains("SEV2"));
    roll_back_checkout(&t);
    assert_eq!(kubectl_image(home.path()), good);
    // The drill runs on at ×10 with the rollback in; then the facilitator pauses it and the
    // console is closed.
    std::thread::sleep(std::time::Duration::from_secs(3));
    palette(&t, "drill pause");
    t.wait_for("the paused header", 20, |s| {
        s.lines().next().is_some_and(|h| h.contains("paused"))
    });
    let url = drill_url(home.path());
    let clock = control(&url, "GET", "/drill/v1/clock");
    let before = objects(&url);
    let faults = control(&url, "GET", "/drill/v1/faults");
    assert_eq!(faults["faults"][0]["played"], true, "{faults}");
    quit(&t);
    drop(t);

    let incidents = home.path().join("data/incidents");
    let id = std::fs::read_dir(&incidents)
        .expect("incidents")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .expect("the journal");
    let t = Tmux::start(home.path(), &format!("{} drill --incident {id}", warroom()), 200, 50);
    t.wait_for("the incident reopened on its drill, paused", 60, |s| {
        s.contains(&id) && s.lines().next().is_some_and(|h| h.contains("paused"))
    });
    let url = drill_url(home.path());
    let again = control(&url, "GET", "/drill/v1/clock");
    assert_eq!(again["nowMs"], clock["nowMs"], "{again} against {clock}");
    assert_eq!(again["start"], clock["start"]);
    assert!(objects(&url) == before, "the resumed drill's objects differ");
    assert_eq!(control(&url, "GET", "/drill/v1/faults"), faults);

    // Resumed, it runs on from there at the pace it had, and the bad deploy is not played again.
    palette(&t, "drill resume");
    t.wait_for("the drill running at x10", 20, |s| {
        s.lines()
            .next()
            .is_some_and(|h| !h.contains("paused") && h.contains("x10"))
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    let later = control(&url, "GET", "/drill/v1/clock");
    assert!(
        later["nowMs"].as_i64() > clock["nowMs"].as_i64().map(|ms| ms + 10_000),
        "{later}"
    );
    assert_eq!(kubectl_image(home.path()), good);
    quit(&t);
    let log = std::fs::read_dir(home.path().join("data/drills"))
        .expect("the drill logs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .next()
        .expect("the drill's log");
    let logged = std::fs::read(&log).expect("the log");

    // From a shell, the debrief rebuilds the drill from its log: its scenario, and how soon the
    // services recovered measured on the drill's own Prometheus; the log is left as it was.
    let out = crate::support::warroom(&home.path().join("data"))
        .args(["debrief", &id])
        .output()
        .expect("warroom debrief");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let debrief =
        std::fs::read_to_string(home.path().join(format!("data/incidents/{id}-debrief.md"))).expect("the debrief");
    assert!(debrief.contains("| back under the SLO |"), "{debrief}");
    assert!(
        debrief.contains("| T+0s | scenario | The bad deploy goes out. |"),
        "{debrief}"
    );
    assert_eq!(std::fs::read(&log).expect("the log"), logged);

    // A scenario named beside --incident is refused, saying why.
    let out = std::process::Command::new(warroom())
        .args(["drill", "drills/node-failure.yaml", "--incident", &id])
        .env("WARROOM_DATA_DIR", home.path().join("data"))
        .env("WARROOM_STATE_DIR", home.path())
        .env("WARROOM_CONFIG", home.path().join("config.toml"))
        .output()
        .expect("warroom");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("--incident {id} resumes the drill")), "{err}");
}

#[test]
fn a_drill_incident_whose_drill_cannot_be_resumed_is_refused_saying_why() {
    let home = tempfile::tempdir().expect("tmp");
    let data = home.path().join("data");
    let incidents = data.join("incidents");
    let unlogged = crate::debrief::drill_run(&incidents, 1, 3, 6, None);
    let gone = crate::debrief::drill_run(&incidents, 2, 3, 6, Some("bad-deploy-gone.jsonl"));
    let refused = |id: &str| {
        let out = crate::support::warroom(&data)
            .args(["drill", "--incident", id])
            .output()
            .expect("warroom drill");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = refused(unlogged.as_str());
    assert!(
        err.contains(&format!("{unlogged} is a drill incident whose drill was not logged")),
        "{err}"
    );
    let err = refused(gone.as_str());
    assert!(
        err.contains(&format!("{gone} was played on the drill logged in "))
            && err.contains("drills/bad-deploy-gone.jsonl, which is not there"),
        "{err}"
    );
}

#[test]
fn a_drill_that_cannot_keep_its_log_still_runs() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("config.toml"), "[detection]\nconsole = false\n").expect("config");
    // Where drill logs go is a file: no log can be made there.
    std::fs::create_dir_all(home.path().join("data")).expect("data");
    std::fs::write(home.path().join("data/drills"), "not a folder").expect("in the way");
    let t = Tmux::start(home.path(), &format!("{} drill --speed 10", warroom()), 200, 50);
    t.wait_for("the drill running", 60, |s| {
        s.contains("DRILL") && s.contains("data live")
    });
    quit(&t);
}
