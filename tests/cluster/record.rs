//! `warroom record` against `warroom sim`, each a process of its own: a drill incident declared
//! while it runs is recorded from the window before it (the bad deploy's rollout, and the
//! rollback the team does), `record info` tells what the recording holds, `record export`
//! writes it as JSON lines, and `journal verify` proves it with the journal's seals; killed
//! with SIGKILL again and again, the next recorder goes on after the last seal and everything
//! still verifies. `warroom sim --replay` serves the recording: at the start, at the bad
//! rollout and at the rollback, kubectl sees what the recording holds then, the replay's
//! Prometheus answers the golden-signal queries as the original did at that moment, and its
//! Alertmanager holds the alerts recorded then.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::line_with;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::flight::objects::Objects;
use warroom::flight::record::Record;

fn record(data: &Path, kubeconfig: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = crate::support::warroom(data)
        .args(["record", "--drill", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("warroom record");
    let lines = crate::support::lines_of(&mut child);
    (child, lines)
}

/// When checkout was rolled out to 2.0.0 in `records`, and when it was next back on 1.9.3.
/// The shipped recording, and when in it checkout's bad rollout and the rollback were recorded.
fn shipped_recording() -> (std::path::PathBuf, (i64, i64)) {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("drills/recordings/bad-deploy.recording");
    let records = warroom::flight::file::read(&shipped, &[])
        .expect("the shipped recording")
        .records;
    let times = rollout_and_rollback(&records);
    (shipped, times)
}

/// shop/checkout's image and ready replicas, as kubectl gets them from `replay`.
fn checkout(replay: &crate::support::SimProcess) -> (String, i64) {
    let d: serde_json::Value =
        serde_json::from_str(&replay.ok(&["get", "deployment", "checkout", "-n", "shop", "-o", "json"])).expect("json");
    (
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        d["status"]["readyReplicas"].as_i64().unwrap_or(0),
    )
}

fn rollout_and_rollback(records: &[Record]) -> (i64, i64) {
    let checkout_image = |r: &Record| match r {
        Record::Applied { object, .. }
            if object["kind"] == "Deployment" && object["metadata"]["name"] == "checkout" =>
        {
            object["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .map(str::to_string)
        }
        _ => None,
    };
    let bad_at = records
        .iter()
        .find(|r| checkout_image(r).is_some_and(|i| i.ends_with(":2.0.0")))
        .expect("the bad rollout")
        .at();
    let fixed_at = records
        .iter()
        .find(|r| r.at() > bad_at && checkout_image(r).is_some_and(|i| i.ends_with(":1.9.3")))
        .expect("the rollback")
        .at();
    (bad_at, fixed_at)
}

/// checkout's traffic, error ratio and p99 latency, as the panels ask for them, on the
/// Prometheus at `prometheus` at `time` (its now when None).
fn golden_signals(prometheus: &str, time: Option<i64>) -> Vec<Option<f64>> {
    use warroom::observe::panels::{ERRORS, LATENCY_P99, TRAFFIC, Target, render};
    let checkout = Target {
        namespace: "shop".into(),
        service: "checkout".into(),
    };
    [TRAFFIC, ERRORS, LATENCY_P99]
        .iter()
        .map(|t| {
            let q = render(t, &checkout, None).expect("a panel");
            warroom_testkit::drill::promql(prometheus, &q, time)
        })
        .collect()
}

/// The names of the alerts the Alertmanager at `url` holds now (or `alerts`, as recorded).
fn alert_names(alerts: &[serde_json::Value]) -> Vec<String> {
    let mut names: Vec<String> = alerts
        .iter()
        .filter_map(|a| a["labels"]["alertname"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn served_alerts(url: &str) -> Vec<String> {
    let alerts = warroom_testkit::drill::control(url, "GET", "/api/v2/alerts");
    alert_names(alerts.as_array().expect("a list of alerts"))
}

fn run(data: &Path, args: &[&str]) -> (bool, String) {
    let out = crate::support::warroom(data).args(args).output().expect("warroom");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_drill_incident_is_recorded_exported_and_verified_and_survives_kill_9() {
    let drill = crate::support::SimProcess::start(None, &["--speed", "30"]);
    let data = tempfile::tempdir().expect("tempdir");
    let (mut child, mut lines) = record(data.path(), &drill.kubeconfig);
    let mut seen = Vec::new();
    line_with(&lines, &mut seen, "min in ", 60);
    // Let the window take the cluster and the bad rollout (two drill minutes in: 4 s here).
    std::thread::sleep(Duration::from_secs(6));
    let (ok, out) = run(
        data.path(),
        &[
            "incident",
            "new",
            "--drill",
            "--title",
            "checkout crashloops",
            "--sev",
            "2",
        ],
    );
    assert!(ok, "{out}");
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("INC-"))
        .expect("an id")
        .to_string();
    line_with(&lines, &mut seen, &format!("recording {id}"), 30);
    drill.ok(&["rollout", "undo", "deployment/checkout", "-n", "shop"]);
    // What a responder isolates with and routes by is recorded too.
    drill.ok(&[
        "create",
        "ingress",
        "shop",
        "-n",
        "shop",
        "--rule=shop.example.com/*=frontend:80",
    ]);
    let policy = data.path().join("isolate.yaml");
    std::fs::write(
        &policy,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: isolate-checkout\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      app: checkout\n  policyTypes: [Ingress]\n",
    )
    .expect("policy");
    drill.ok(&["apply", "-f", policy.to_str().expect("utf-8")]);

    // SIGKILL, three times, a recorder started again each time.
    for _ in 0..3 {
        std::thread::sleep(Duration::from_secs(3));
        child.kill().expect("kill -9");
        child.wait().expect("wait");
        let (ok, out) = run(data.path(), &["journal", "verify", &id]);
        assert!(ok, "{out}");
        assert!(out.contains("seal(s) verified against"), "{out}");
        let started = record(data.path(), &drill.kubeconfig);
        child = started.0;
        lines = started.1;
        line_with(&lines, &mut seen, &format!("recording {id}"), 60);
    }
    std::thread::sleep(Duration::from_secs(2));
    let (ok, out) = run(data.path(), &["incident", "close", &id]);
    assert!(ok, "{out}");
    std::thread::sleep(Duration::from_secs(5));
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    line_with(&lines, &mut seen, "stopped", 60);
    assert!(child.wait().expect("wait").success());

    let (ok, out) = run(data.path(), &["journal", "verify", &id]);
    assert!(ok, "{out}");
    assert!(out.contains("0 bytes recorded since the last seal"), "{out}");
    let (ok, info) = run(data.path(), &["record", "info", &id]);
    assert!(ok, "{info}");
    for kind in [
        "Deployment",
        "ReplicaSet",
        "Pod",
        "Node",
        "Event",
        "ControllerRevision",
        "Ingress",
        "NetworkPolicy",
    ] {
        assert!(info.contains(&format!("  {kind}: ")), "{kind} missing:\n{info}");
    }
    assert!(!info.contains("Secret"), "{info}");
    assert!(info.contains("  Prometheus: "), "samples recorded:\n{info}");

    // The export holds the rollout to 2.0.0 and the rollback to 1.9.3, in order.
    let export = data.path().join("export.jsonl");
    let (ok, out) = run(
        data.path(),
        &["record", "export", &id, "--output", export.to_str().expect("utf-8")],
    );
    assert!(ok, "{out}");
    let images: Vec<String> = std::fs::read_to_string(&export)
        .expect("export")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|r| {
            r["record"] == "applied"
                && r["object"]["kind"] == "Deployment"
                && r["object"]["metadata"]["name"] == "checkout"
        })
        .filter_map(|r| {
            r["object"]["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    let bad = images
        .iter()
        .position(|i| i.ends_with(":2.0.0"))
        .expect("the rollout to 2.0.0");
    assert!(
        images[bad..].iter().any(|i| i.ends_with(":1.9.3")),
        "the rollback after it: {images:?}"
    );

    // Replayed by the drill: at the moment of the bad rollout, and of the rollback, kubectl
    // sees the deployments and pods as the recording holds them then.
    let records: Vec<Record> = std::fs::read_to_string(&export)
        .expect("export")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    let (bad_at, fixed_at) = rollout_and_rollback(&records);
    let recording = data.path().join(format!("incidents/{id}.recording"));
    let replay = crate::support::SimProcess::start(None, &["--replay", recording.to_str().expect("utf-8"), "--paused"]);
    // The replay starts once the recorder had listed the whole cluster (the keyframe it wrote
    // then), not at the empty moment before its first lists.
    let mut now = replay.control("GET", "/drill/v1/clock")["nowMs"]
        .as_i64()
        .expect("nowMs");
    assert!(
        records[0].at() <= now && now < bad_at,
        "{} {now} {bad_at}",
        records[0].at()
    );
    let end = records.last().expect("records").at();
    for (moment, image) in [
        (now, None),
        (bad_at, Some(":2.0.0")),
        (fixed_at, Some(":1.9.3")),
        (end, Some(":1.9.3")),
    ] {
        if moment > now {
            replay.control("POST", &format!("/drill/v1/clock?advance={}ms", moment - now));
            now = moment;
        }
        let mut then = Objects::default();
        for r in records.iter().take_while(|r| r.at() <= moment) {
            then.apply(r);
        }
        let recorded = |kind: &str| -> Vec<String> {
            then.keys()
                .iter()
                .filter(|k| k.kind == kind)
                .map(|k| format!("{}/{}", k.namespace, k.name))
                .collect()
        };
        let served = |resource: &str| -> Vec<String> {
            let list: serde_json::Value =
                serde_json::from_str(&replay.ok(&["get", resource, "-A", "-o", "json"])).expect("a list");
            let mut names: Vec<String> = list["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|o| {
                    format!(
                        "{}/{}",
                        o["metadata"]["namespace"].as_str().unwrap_or(""),
                        o["metadata"]["name"].as_str().unwrap_or("")
                    )
                })
                .collect();
            names.sort();
            names
        };
        assert_eq!(served("deployments"), recorded("Deployment"), "deployments at {moment}");
        assert_eq!(
            served("replicasets"),
            recorded("ReplicaSet"),
            "replica sets at {moment}"
        );
        assert_eq!(served("pods"), recorded("Pod"), "pods at {moment}");
        assert!(!recorded("Pod").is_empty(), "the cluster's pods at {moment}");
        let Some(key) = then
            .keys()
            .into_iter()
            .find(|k| k.kind == "Deployment" && k.name == "checkout")
            .cloned()
        else {
            assert!(image.is_none(), "checkout is recorded at {moment}");
            continue;
        };
        let deployment: serde_json::Value =
            serde_json::from_str(&replay.ok(&["get", "deployment", "checkout", "-n", "shop", "-o", "json"]))
                .expect("json");
        let was = then.get(&key).expect("checkout then");
        assert_eq!(deployment["spec"], was["spec"], "checkout's spec at {moment}");
        assert_eq!(deployment["status"]["replicas"], was["status"]["replicas"]);
        if let Some(image) = image {
            let served = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap_or("");
            assert!(served.ends_with(image), "{served} at {moment}");
        }
        // The golden signals then, as the original Prometheus answers for that moment (the
        // last moment is left out: the recorder's last samples came a little before it).
        if moment < end {
            let original = golden_signals(&drill.prometheus, Some(moment));
            assert!(original.iter().all(Option::is_some), "{original:?} at {moment}");
            assert_eq!(
                golden_signals(&replay.prometheus, None),
                original,
                "golden signals at {moment}"
            );
        }
    }
    // The facilitator seeks back to the bad rollout: checkout is on 2.0.0 again.
    let back = jiff::Timestamp::from_millisecond(bad_at).expect("a time");
    replay.control("POST", &format!("/drill/v1/clock?seek={back}"));
    let deployment: serde_json::Value =
        serde_json::from_str(&replay.ok(&["get", "deployment", "checkout", "-n", "shop", "-o", "json"])).expect("json");
    let image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or("");
    assert!(image.ends_with(":2.0.0"), "{image} after seeking back");
    assert_eq!(
        golden_signals(&replay.prometheus, None),
        golden_signals(&drill.prometheus, Some(bad_at)),
        "the golden signals after seeking back"
    );
    // Alertmanager, before and at the first alert the recording holds.
    let recorded_alerts: Vec<(i64, Vec<String>)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Alerts { at, alerts } => Some((*at, alert_names(alerts))),
            _ => None,
        })
        .collect();
    let first = recorded_alerts
        .iter()
        .position(|(_, names)| !names.is_empty())
        .expect("an alert fired during the bad rollout");
    for (at, names) in &recorded_alerts[first.saturating_sub(1)..=first] {
        let to = jiff::Timestamp::from_millisecond(*at).expect("a time");
        replay.control("POST", &format!("/drill/v1/clock?seek={to}"));
        assert_eq!(&served_alerts(&replay.alertmanager), names, "alerts at {to}");
    }
    drop(replay);

    // A changed byte in the recording is caught.
    let path = data.path().join(format!("incidents/{id}.recording"));
    let mut bytes = std::fs::read(&path).expect("recording");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&path, &bytes).expect("tamper");
    let (ok, out) = run(data.path(), &["journal", "verify", &id]);
    assert!(!ok, "{out}");
    assert!(out.contains("NOT INTACT") || out.contains("damaged"), "{out}");
}

#[test]
fn a_file_that_is_not_a_recording_is_refused_by_name() {
    let data = tempfile::tempdir().expect("tempdir");
    let junk = data.path().join("notes.recording");
    std::fs::write(&junk, "these are my notes, not a recording\n").expect("write");
    let path = junk.to_str().expect("utf-8");
    for args in [vec!["sim", "--replay", path], vec!["record", "info", path]] {
        let (ok, out) = run(data.path(), &args);
        assert!(!ok, "{args:?}: {out}");
        assert!(
            out.contains("notes.recording: not a warroom recording"),
            "{args:?}: {out}"
        );
    }
    // A frame cut short at the end is a crash's torn tail: left out and said.
    let mut bytes = b"warroom recording 1\n".to_vec();
    bytes.extend_from_slice(&[9, 0, 0, 0, 1, 2]);
    let torn = data.path().join("torn.recording");
    std::fs::write(&torn, &bytes).expect("write");
    let (ok, out) = run(data.path(), &["record", "info", torn.to_str().expect("utf-8")]);
    assert!(ok, "{out}");
    assert!(
        out.contains("no records") && out.contains("a torn last frame (6 bytes) is left out"),
        "{out}"
    );
}

#[test]
fn a_rollback_played_earlier_than_the_real_team_did_it_branches_and_recovers_earlier() {
    use warroom::observe::panels::{SLO_ERROR_RATIO, TRAFFIC, Target, render};
    let (shipped, (bad_at, fixed_at)) = shipped_recording();
    assert!(fixed_at - bad_at > 180_000, "the real team rolled back minutes later");
    let replay = crate::support::SimProcess::start(None, &["--replay", shipped.to_str().expect("utf-8"), "--paused"]);
    let ms = |at: i64| jiff::Timestamp::from_millisecond(at).expect("a time");
    // What the recording shows shortly before the real team's rollback: checkout still
    // failing, cart untouched by it.
    let before_the_real_rollback = bad_at + 230_000;
    assert!(before_the_real_rollback < fixed_at);
    let checkout_service = Target {
        namespace: "shop".into(),
        service: "checkout".into(),
    };
    let cart = Target {
        namespace: "shop".into(),
        service: "cart".into(),
    };
    let signal = |target: &Target, template: &str| {
        let q = render(template, target, Some("1m")).expect("a panel");
        warroom_testkit::drill::promql(&replay.prometheus, &q, Some(before_the_real_rollback)).expect("a value")
    };
    replay.control(
        "POST",
        &format!("/drill/v1/clock?seek={}", ms(before_the_real_rollback)),
    );
    let recorded = (
        signal(&checkout_service, SLO_ERROR_RATIO),
        signal(&checkout_service, TRAFFIC),
        signal(&cart, TRAFFIC),
    );
    assert!(recorded.0 > 0.01, "the recording's checkout fails: {recorded:?}");
    let checkout_alerts = |replay: &crate::support::SimProcess| -> Vec<String> {
        let alerts = warroom_testkit::drill::control(&replay.alertmanager, "GET", "/api/v2/alerts");
        let mut out: Vec<String> = alerts
            .as_array()
            .expect("a list of alerts")
            .iter()
            .filter(|a| a["status"]["state"] == "active")
            .map(|a| &a["labels"])
            .filter(|l| {
                [&l["service"], &l["deployment"], &l["pod"]]
                    .iter()
                    .any(|v| v.as_str().is_some_and(|v| v.starts_with("checkout")))
            })
            .map(|l| l["alertname"].as_str().unwrap_or("").to_string())
            .collect();
        out.sort();
        out
    };
    let recorded_alerts = checkout_alerts(&replay);
    assert!(
        recorded_alerts.contains(&"KubeDeploymentReplicasMismatch".to_string()),
        "{recorded_alerts:?}"
    );
    // A minute after the bad rollout, a player rolls back: the timeline branches.
    replay.control("POST", &format!("/drill/v1/clock?seek={}", ms(bad_at + 60_000)));
    let (image, _) = checkout(&replay);
    assert!(image.ends_with(":2.0.0"), "{image}");
    assert!(
        replay.control("GET", "/drill/v1/clock")["branched"].is_null(),
        "not branched yet"
    );
    replay.ok(&["rollout", "undo", "deployment/checkout", "-n", "shop"]);
    // The clock says where the timeline branched, for a console that joined the replay.
    let clock = replay.control("GET", "/drill/v1/clock");
    assert_eq!(clock["branched"]["object"], "Deployment shop/checkout", "{clock}");
    assert_eq!(clock["branched"]["atMs"], clock["nowMs"], "{clock}");
    // Two minutes on, still before the real team's rollback: recovered on 1.9.3.
    replay.control("POST", "/drill/v1/clock?advance=2m");
    assert!(bad_at + 180_000 < fixed_at);
    let (image, ready_now) = checkout(&replay);
    assert!(image.ends_with(":1.9.3"), "{image}");
    assert_eq!(
        ready_now, 4,
        "every checkout replica ready, minutes before the real team's"
    );
    let checkout_pods = |replay: &crate::support::SimProcess| -> Vec<String> {
        let pods: serde_json::Value =
            serde_json::from_str(&replay.ok(&["get", "pods", "-n", "shop", "-o", "json"])).expect("json");
        pods["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|p| {
                p["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("checkout-"))
            })
            .filter(|p| p["metadata"].get("deletionTimestamp").is_none())
            .map(|p| p["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let pods = checkout_pods(&replay);
    assert!(
        pods.len() == 4 && pods.iter().all(|i| i.ends_with(":1.9.3")),
        "{pods:?}"
    );
    // The signals branched too: where the recording still fails, the players' checkout
    // answers within its 99.9% SLO, with the traffic it had; cart is as recorded.
    replay.control(
        "POST",
        &format!(
            "/drill/v1/clock?advance={}s",
            (before_the_real_rollback - (bad_at + 180_000)) / 1000
        ),
    );
    let branched = (
        signal(&checkout_service, SLO_ERROR_RATIO),
        signal(&checkout_service, TRAFFIC),
        signal(&cart, TRAFFIC),
    );
    assert!(branched.0 < 0.001, "recorded {recorded:?}, branched {branched:?}");
    assert!(
        (branched.1 / recorded.1 - 1.0).abs() < 0.2,
        "recorded {recorded:?}, branched {branched:?}"
    );
    assert_eq!(branched.2, recorded.2, "cart's signals are the recording's");
    // Its alerts too: the drill's rules judge the players' checkout, and nothing about it fires.
    assert_eq!(
        checkout_alerts(&replay),
        Vec::<String>::new(),
        "recorded then: {recorded_alerts:?}"
    );
    // Past the real team's rollback: the recording no longer moves what the branch took over,
    // so no second set of pods appears.
    let after = (fixed_at - before_the_real_rollback) / 1000 + 60;
    replay.control("POST", &format!("/drill/v1/clock?advance={after}s"));
    let pods = checkout_pods(&replay);
    assert!(
        pods.len() == 4 && pods.iter().all(|i| i.ends_with(":1.9.3")),
        "{pods:?}"
    );
}

/// The facilitator of a replay seeks to an entry of the real team's journal (`:drill seek #N`
/// typed in the console): the replay's clock goes to the moment it was written, and kubectl
/// sees the cluster as the real team saw it then. The journal's entries reach the
/// facilitator's timeline as the clock passes them.
#[test]
fn the_facilitator_seeks_a_replay_to_an_entry_of_the_real_teams_journal() {
    use warroom::app::effect::Effect;
    use warroom::app::message::{DrillClock, Msg};
    use warroom::app::state::{AppState, Mode};
    use warroom::app::update::update;
    use warroom::incident::journal::{self, Journal};
    use warroom::incident::model::{Actor, Draft, Event, Origin};

    let (shipped, (bad_at, fixed_at)) = shipped_recording();
    let replay = crate::support::SimProcess::start(None, &["--replay", shipped.to_str().expect("utf-8"), "--paused"]);
    // The real team's journal, on the recording's clock: a note a minute after the bad
    // rollout, another a minute after their rollback.
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("INC-20261201-001.jsonl");
    let ms = |at: i64| jiff::Timestamp::from_millisecond(at).expect("a time");
    let note = |text: &str, at: i64| Draft {
        drill_time: Some(ms(at)),
        ..Draft::new(Actor::named("alice"), Origin::Human, Event::Note { text: text.into() })
    };
    let (mut j, _) = Journal::create(&path, note("checkout is failing", bad_at + 60_000)).expect("journal");
    j.append(note("rolled back, recovering", fixed_at + 60_000))
        .expect("appended");
    let record = journal::read(&path).expect("read");
    let mut state = AppState::new(
        Mode::Drill {
            title: warroom::text::CleanText::line("replay"),
            clock: None,
        },
        jiff::Timestamp::now().as_second(),
    );
    state.original = Some(warroom::app::original::Original::new(
        "INC-20261201-001",
        &record.entries,
    ));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = warroom::http::plain_client();
    for (seq, at, shows) in [(1, bad_at + 60_000, ":2.0.0"), (2, fixed_at + 60_000, ":1.9.3")] {
        let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
        let mut fx = update(&mut state, key(KeyCode::Char(':')));
        fx.extend(update(&mut state, Msg::Paste(format!("drill seek #{seq}"))));
        fx.extend(update(&mut state, key(KeyCode::Enter)));
        let Some(Effect::Facilitate(asked)) = fx.into_iter().find(|e| matches!(e, Effect::Facilitate(_))) else {
            panic!("#{seq}: no seek asked: {:?}", state.notice)
        };
        let answer = runtime
            .block_on(warroom::console::facilitator::ask(&client, &replay.url, asked))
            .expect("the drill seeks");
        assert!(answer.contains("paused"), "{answer}");
        let clock = replay.control("GET", "/drill/v1/clock");
        assert_eq!(clock["nowMs"].as_i64(), Some(at), "#{seq}: {clock}");
        let (image, _) = checkout(&replay);
        assert!(image.ends_with(shows), "#{seq}: {image}");
        let _ = update(
            &mut state,
            Msg::Clock(DrillClock {
                now: at / 1000,
                start: clock["startMs"].as_i64().expect("start") / 1000,
                speed: 1.0,
                paused: true,
            }),
        );
        let real_team: Vec<&str> = state
            .timeline
            .iter()
            .filter(|t| t.kind == warroom::app::original::KIND)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(real_team.len(), seq as usize, "{real_team:?}");
    }
}

/// Kubernetes keeps no ConfigMap history: the flight recorder's window does. In the bad-config
/// drill a push changes checkout's map under a running recorder; the versions read from its
/// window are the one before and the one after, and setting the map back to the one before
/// (the console's `config NS/MAP`) restores what kubectl sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_map_changed_under_the_recorder_is_set_back_to_the_version_before() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-config.yaml")).expect("shipped drill");
    let drill = crate::support::SimProcess::start(Some(&yaml), &["--speed", "30"]);
    let data = tempfile::tempdir().expect("tempdir");
    let (mut child, lines) = record(data.path(), &drill.kubeconfig);
    let mut seen = Vec::new();
    let said = line_with(&lines, &mut seen, "min in ", 60);
    let window = said
        .split_once(" min in ")
        .and_then(|(_, rest)| rest.split_once("; "))
        .map(|(dir, _)| std::path::PathBuf::from(dir))
        .expect("the window's directory");
    let table = || {
        drill.ok(&[
            "get",
            "configmap",
            "checkout-config",
            "-n",
            "shop",
            "-o",
            "jsonpath={.data.CURRENCY_TABLE}",
        ])
    };
    // The push is two drill minutes in (4 s here); the recorder syncs each second.
    let versions = tokio::task::block_in_place(|| {
        warroom_testkit::wait_for(60, "both versions in the window", || {
            let v = warroom::flight::versions::config_versions(&window, "shop", "checkout-config").ok()?;
            (v.len() >= 2).then_some(v)
        })
    });
    assert_eq!(table(), "eur-v4");
    let tables: Vec<&str> = versions.iter().map(|v| v.data["CURRENCY_TABLE"].as_str()).collect();
    assert_eq!(tables, ["eur-v3", "eur-v4"], "{versions:?}");
    assert!(versions[0].at < versions[1].at);
    child.kill().expect("stop the recorder");
    child.wait().expect("wait");

    let [earlier, latest] = versions.as_slice() else {
        unreachable!("two versions")
    };
    let (set, unrecorded) = warroom::flight::versions::back_to(&earlier.data, &latest.data);
    assert!(unrecorded.is_empty());
    let cluster = warroom::cluster::connect::Cluster::drill(&drill.url).expect("cluster");
    let runner = std::sync::Arc::new(
        warroom::actions::Runner::new(
            &cluster,
            std::sync::Arc::new(warroom::actions::record::Nowhere),
            warroom::incident::model::Actor::named("tester"),
        )
        .expect("runner"),
    );
    let flow = runner
        .drive(
            "config-back",
            warroom::actions::Action::EditConfig {
                namespace: "shop".into(),
                config_map: "checkout-config".into(),
                set,
            },
            |p, c| {
                assert!(
                    p.summary.contains("CURRENCY_TABLE \"eur-v4\"→\"eur-v3\""),
                    "{}",
                    p.summary
                );
                warroom::actions::flow::confirming_keys(c)
            },
        )
        .await;
    assert!(
        matches!(flow.stage, warroom::actions::Stage::Succeeded { .. }),
        "{:?}",
        flow.stage
    );
    assert_eq!(tokio::task::block_in_place(table), "eur-v3");
}

/// The shipped recording replayed in process, paused at its start; kubectl on it (its
/// kubeconfig and cache in the directory returned); when the bad rollout was recorded.
async fn paused_replay() -> (warroom_drill::Drill, warroom_testkit::Kubectl, tempfile::TempDir, i64) {
    let (shipped, (bad_at, _)) = shipped_recording();
    let options = warroom_drill::Options {
        paused: true,
        ..Default::default()
    };
    let drill = warroom_drill::Drill::replay(&shipped, None, "127.0.0.1:0".parse().expect("addr"), &options)
        .await
        .expect("the shipped recording replays");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    warroom_drill::write_kubeconfig(&kubeconfig, &drill.url(), "replay").expect("kubeconfig");
    let kubectl = warroom_testkit::Kubectl::new(kubeconfig, dir.path().join("cache"));
    (drill, kubectl, dir, bad_at)
}

/// A player's first change to a replay, made with kubectl rather than the console, is where the
/// drill says the timeline branched (the debrief tells it); a seek back to the recording's
/// timeline forgets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_with_kubectl_is_where_the_replay_branched() {
    let (drill, kubectl, _dir, bad_at) = paused_replay().await;
    let branched = drill.branched_now();
    let seek = |at: i64| {
        let url = format!(
            "{}/drill/v1/clock?seek={}",
            drill.url(),
            jiff::Timestamp::from_millisecond(at).expect("a time")
        );
        async move {
            let r = warroom::http::plain_client().post(url).send().await.expect("seek");
            assert!(r.status().is_success(), "seek: {}", r.status());
        }
    };
    seek(bad_at + 60_000).await;
    let reads = {
        let k = kubectl.clone();
        tokio::task::spawn_blocking(move || k.ok(&["get", "deployment", "checkout", "-n", "shop"]))
            .await
            .expect("kubectl")
    };
    assert!(reads.contains("checkout"), "{reads}");
    assert_eq!(
        branched(),
        None,
        "reading the cluster leaves the recording's timeline alone"
    );
    let k = kubectl.clone();
    tokio::task::spawn_blocking(move || k.ok(&["scale", "deployment/checkout", "-n", "shop", "--replicas=6"]))
        .await
        .expect("kubectl");
    let b = branched().expect("kubectl's scale branched the timeline");
    assert_eq!(b.object, "Deployment shop/checkout");
    assert_eq!(
        b.at.as_millisecond(),
        bad_at + 60_000,
        "on the replay's clock, where it was paused"
    );
    seek(bad_at).await;
    assert_eq!(branched(), None, "a seek goes back to the recording's timeline");
    drill.stop();
}

/// A player who rolls forward to the image that crashed in the recording sees it crash again,
/// as the real team did, with the recorded exit code and last words; the rollback's pods stay
/// ready meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_that_rolls_forward_to_the_recordings_bad_image_sees_it_crash_again() {
    let (drill, kubectl, _dir, bad_at) = paused_replay().await;
    let clock = |query: String| {
        let url = format!("{}/drill/v1/clock?{query}", drill.url());
        async move {
            let r = warroom::http::plain_client().post(url).send().await.expect("clock");
            assert!(r.status().is_success(), "clock: {}", r.status());
        }
    };
    let run = |args: &'static [&'static str]| {
        let k = kubectl.clone();
        tokio::task::spawn_blocking(move || k.ok(args))
    };
    clock(format!(
        "seek={}",
        jiff::Timestamp::from_millisecond(bad_at + 60_000).expect("a time")
    ))
    .await;
    run(&["rollout", "undo", "deployment/checkout", "-n", "shop"])
        .await
        .expect("kubectl");
    clock("advance=2m".into()).await;
    run(&[
        "set",
        "image",
        "deployment/checkout",
        "-n",
        "shop",
        "checkout=registry.example.com/shop/checkout:2.0.0",
    ])
    .await
    .expect("kubectl");
    clock("advance=1m".into()).await;
    let pods: serde_json::Value = serde_json::from_str(
        &run(&["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "json"])
            .await
            .expect("kubectl"),
    )
    .expect("json");
    let image_of = |p: &serde_json::Value| p["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string();
    let items = pods["items"].as_array().expect("items");
    let bad: Vec<&serde_json::Value> = items.iter().filter(|p| image_of(p).ends_with(":2.0.0")).collect();
    assert!(!bad.is_empty(), "the roll forward made pods: {pods:#}");
    for p in &bad {
        let status = &p["status"]["containerStatuses"][0];
        let terminated = &status["lastState"]["terminated"];
        assert_eq!(terminated["exitCode"], 2, "{status:#}");
        assert_eq!(
            terminated["message"], "panic: config key CHECKOUT_CURRENCY_TABLE not set",
            "{status:#}"
        );
        assert_eq!(status["ready"], false, "{status:#}");
    }
    let good = items
        .iter()
        .filter(|p| image_of(p).ends_with(":1.9.3") && p["status"]["containerStatuses"][0]["ready"] == true)
        .count();
    assert!(
        good >= 3,
        "the rollback's pods stay ready while the new ones crash: {pods:#}"
    );
    drill.stop();
}

/// A replay keeps a drill log: resumed from it, the replay is where it was left (the same
/// virtual time, the same objects, the same branch and the branch's signals), its seeks made
/// again; a recording changed since is refused, saying so.
#[test]
fn a_replay_resumed_from_its_drill_log_is_where_it_was_left() {
    use warroom::observe::panels::{SLO_ERROR_RATIO, Target, render};
    use warroom_testkit::drill::{Served, Setup};

    let (shipped, (bad_at, fixed_at)) = shipped_recording();
    let dir = tempfile::tempdir().expect("temp dir");
    // A copy, to change it afterwards.
    let recording = dir.path().join("bad-deploy.recording");
    std::fs::copy(&shipped, &recording).expect("copied");
    let log = dir.path().join("drills/replay.jsonl");
    let setup = || Setup {
        paused: true,
        log: Some(log.clone()),
        ..Setup::default()
    };
    let ms = |at: i64| jiff::Timestamp::from_millisecond(at).expect("a time");
    let checkout = Target {
        namespace: "shop".into(),
        service: "checkout".into(),
    };
    let errors = render(SLO_ERROR_RATIO, &checkout, Some("1m")).expect("a panel");
    let objects = |served: &Served| {
        served.lists_on_drill_clock(&[
            "/api/v1/nodes",
            "/apis/apps/v1/deployments",
            "/apis/apps/v1/replicasets",
            "/api/v1/pods",
        ])
    };
    let (clock, before, error_ratio) = {
        let first = Served::replay(&recording, setup());
        // Forward past the real team's rollback, back to a minute after the bad rollout, then
        // the players' own rollback: two seeks and a branch to make again.
        first.control("POST", &format!("/drill/v1/clock?seek={}", ms(fixed_at)));
        first.control("POST", &format!("/drill/v1/clock?seek={}", ms(bad_at + 60_000)));
        first.ok(&["rollout", "undo", "deployment/checkout", "-n", "shop"]);
        first.control("POST", "/drill/v1/clock?advance=150s");
        let clock = first.control("GET", "/drill/v1/clock");
        let now = clock["nowMs"].as_i64().expect("now");
        let ratio = warroom_testkit::drill::promql(&first.prometheus, &errors, Some(now)).expect("a ratio");
        (clock, objects(&first), ratio)
    };
    assert!(error_ratio < 0.001, "recovered in the branch: {error_ratio}");
    let again = Served::resume(&log, setup());
    let resumed = again.control("GET", "/drill/v1/clock");
    assert_eq!(resumed["nowMs"], clock["nowMs"], "{resumed} against {clock}");
    assert_eq!(resumed["branched"], clock["branched"], "{resumed} against {clock}");
    assert!(objects(&again) == before, "the resumed replay's objects differ");
    let now = clock["nowMs"].as_i64();
    let resumed_ratio = warroom_testkit::drill::promql(&again.prometheus, &errors, now).expect("a ratio");
    assert!(
        (resumed_ratio - error_ratio).abs() < 1e-9,
        "the branch's signals, as they were: {resumed_ratio} against {error_ratio}"
    );
    drop(again);

    // The recording changed since: the replay is not resumed as if it were the same.
    let mut bytes = std::fs::read(&recording).expect("the recording");
    bytes.push(b'\n');
    std::fs::write(&recording, bytes).expect("changed");
    let options = warroom_drill::Options::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let refused = rt
        .block_on(warroom_drill::Drill::resume(
            &log,
            "127.0.0.1:0".parse().expect("addr"),
            &options,
            None,
        ))
        .err()
        .expect("refused");
    let said = refused.to_string();
    assert!(said.contains("has changed since"), "{said}");
    assert!(said.contains(&recording.display().to_string()), "{said}");
}

/// The shipped recording's incident journal is beside it: it verifies, its seals prove the
/// recording, and its entries are on the recording's clock, where the team wrote them (the
/// decision to roll back before the recorded rollback, the close after the recovery).
#[test]
fn the_shipped_recording_has_its_incidents_journal_beside_it_on_the_drills_clock() {
    use warroom::incident::model::Event;

    let (shipped, (bad_at, fixed_at)) = shipped_recording();
    let beside = shipped.with_extension("jsonl");
    let record = warroom::incident::journal::read(&beside).expect("the shipped journal");
    assert!(record.problems.is_empty(), "{:?}", record.problems);
    let Some(Event::IncidentOpened(declared)) = record.entries.first().map(|e| &e.event) else {
        panic!("a journal opens with its declaration");
    };
    assert!(declared.drill, "a drill incident");
    let records = warroom::flight::file::read(&shipped, &[])
        .expect("the shipped recording")
        .records;
    let at = |e: &warroom::incident::model::Entry| e.drill_time.expect("on the drill's clock").as_millisecond();
    for e in &record.entries {
        // The recording goes on until the close; its last record is the cluster's last change.
        assert!(
            at(e) >= records[0].at(),
            "entry {} at {} before the recording",
            e.seq,
            at(e)
        );
    }
    let decided = record
        .entries
        .iter()
        .find(|e| matches!(e.event, Event::Decision { .. }))
        .expect("the decision to roll back");
    assert!(
        bad_at < at(decided) && at(decided) < fixed_at,
        "decided between the rollout and the rollback"
    );
    let closed = record
        .entries
        .iter()
        .rfind(|e| matches!(e.event, Event::StatusChanged { .. }))
        .expect("closed");
    assert!(at(closed) > fixed_at, "closed after the rollback");
    // Its seals prove the recording, as they did in the data directory it was made in.
    let data = tempfile::tempdir().expect("data dir");
    let incidents = data.path().join("incidents");
    std::fs::create_dir_all(&incidents).expect("incidents folder");
    let id = declared.id.to_string();
    std::fs::copy(&beside, incidents.join(format!("{id}.jsonl"))).expect("journal copied");
    std::fs::copy(&shipped, incidents.join(format!("{id}.recording"))).expect("recording copied");
    let (ok, out) = run(data.path(), &["journal", "verify", &id]);
    assert!(ok && out.contains("seal(s) verified against"), "{out}");
}

/// A replay paused at its first moment shows the whole recorded cluster, though the recorder
/// began before its first lists came in: the replay starts at the keyframe it wrote once every
/// kind was listed.
#[test]
fn the_shipped_recording_paused_at_its_first_moment_shows_the_whole_cluster() {
    let (shipped, _) = shipped_recording();
    let replay = crate::support::SimProcess::start(None, &["--replay", shipped.to_str().expect("utf-8"), "--paused"]);
    let count = |resource: &str| replay.ok(&["get", resource, "-A", "-o", "name"]).lines().count();
    assert_eq!(count("nodes"), 6);
    assert_eq!(count("deployments"), 4);
    assert!(count("pods") >= 18, "{}", replay.ok(&["get", "pods", "-A"]));
}

/// kwok's format both ways: the shipped recording exported as `kwokctl snapshot record` writes
/// (objects, then ResourcePatches) and imported back gives the same objects at every moment from
/// its full keyframe on, and the imported recording replays: kubectl sees the bad rollout, then
/// the rollback, when the recording has them.
#[test]
fn a_recording_goes_to_kwoks_format_and_back_and_replays() {
    let (shipped, (bad_at, fixed_at)) = shipped_recording();
    let original = warroom::flight::file::read(&shipped, &[])
        .expect("the shipped recording")
        .records;
    let dir = tempfile::tempdir().expect("tmp");
    let yaml = dir.path().join("bad-deploy.kwok.yaml");
    let (ok, said) = run(
        dir.path(),
        &[
            "record",
            "export",
            "--kwok",
            shipped.to_str().expect("utf-8"),
            "-o",
            yaml.to_str().expect("utf-8"),
        ],
    );
    assert!(ok, "{said}");
    let text = std::fs::read_to_string(&yaml).expect("the kwok recording");
    assert!(text.contains("kind: ResourcePatch") && text.contains("apiVersion: action.kwok.x-k8s.io/v1alpha1"));
    // Objects first, each without its resourceVersion, as kwok saves them.
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).expect("YAML documents");
    assert_ne!(docs[0]["kind"], "ResourcePatch");
    let first_patch = docs.iter().position(|d| d["kind"] == "ResourcePatch").expect("patches");
    assert!(docs[first_patch..].iter().all(|d| d["kind"] == "ResourcePatch"));
    assert!(docs.iter().all(|d| d["metadata"].get("resourceVersion").is_none()
        && d["template"]["metadata"].get("resourceVersion").is_none()));
    // From the keyframe that lists the whole cluster.
    let (start, listed) = original
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r {
            Record::Keyframe { at, objects } if *objects > 0 => Some((*at, i + 1 + *objects as usize)),
            _ => None,
        })
        .expect("a full keyframe");
    let imported = dir.path().join("imported.recording");
    let start_text = jiff::Timestamp::from_millisecond(start).expect("time").to_string();
    let (ok, said) = run(
        dir.path(),
        &[
            "record",
            "import",
            yaml.to_str().expect("utf-8"),
            "-o",
            imported.to_str().expect("utf-8"),
            "--start",
            &start_text,
        ],
    );
    assert!(ok, "{said}");
    let back = warroom::flight::file::read(&imported, &[])
        .expect("the imported recording")
        .records;
    // The objects at each moment, without resourceVersions (kwok does not keep them).
    let at = |records: &[Record], from: usize, t: i64| -> Vec<serde_json::Value> {
        let mut o = Objects::default();
        for r in records[..from]
            .iter()
            .chain(records[from..].iter().filter(|r| r.at() <= t))
        {
            o.apply(r);
        }
        o.keys()
            .into_iter()
            .filter_map(|k| o.get(k))
            .map(|mut v| {
                if let Some(m) = v["metadata"].as_object_mut() {
                    m.remove("resourceVersion");
                }
                v
            })
            .collect()
    };
    for t in [start, bad_at + 30_000, fixed_at - 1_000, fixed_at + 60_000, i64::MAX] {
        let (a, b) = (at(&original, listed, t), at(&back, 1, t));
        assert_eq!(a.len(), b.len(), "objects at {t}");
        assert!(a == b, "the objects differ at {t}");
    }
    let replay = crate::support::SimProcess::start(None, &["--replay", imported.to_str().expect("utf-8"), "--paused"]);
    let ms = |at: i64| jiff::Timestamp::from_millisecond(at).expect("a time");
    replay.control("POST", &format!("/drill/v1/clock?seek={}", ms(bad_at + 30_000)));
    assert!(checkout(&replay).0.ends_with(":2.0.0"));
    // The rollback is among the last changes kwok's format holds (it has no samples after).
    replay.control("POST", &format!("/drill/v1/clock?seek={}", ms(fixed_at)));
    assert!(checkout(&replay).0.ends_with(":1.9.3"));
}
