//! A drill resumed from its drill log is the drill that was left: the same virtual time, the
//! same objects to the last field (kubectl), the same silences, the faults played already not
//! played again, and the log written on.

use serde_json::{Value, json};
use warroom_testkit::drill::{Served, Setup};

use crate::advance;

/// Everything kubectl can list in the drill, as JSON.
/// Every kind's objects, on the drill's clock.
fn objects(s: &Served) -> Value {
    s.lists_on_drill_clock(&[
        "/api/v1/nodes",
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/replicasets",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        "/api/v1/pods",
        "/api/v1/services",
        "/api/v1/endpoints",
        "/api/v1/configmaps",
        "/apis/policy/v1/poddisruptionbudgets",
        "/apis/autoscaling/v2/horizontalpodautoscalers",
        "/api/v1/events",
    ])
}

fn silences(s: &Served) -> Value {
    warroom_testkit::drill::control(&s.alertmanager, "GET", "/api/v2/silences")
}

fn silence(s: &Served, service: &str) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let body = json!({
            "matchers": [{"name": "service", "value": service, "isRegex": false, "isEqual": true}],
            "startsAt": "2020-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "test",
            "comment": "resumed drills keep their silences",
        });
        let posted = warroom_testkit::http_client()
            .post(format!("{}/api/v2/silences", s.alertmanager))
            .json(&body)
            .send()
            .await
            .expect("silence");
        posted.status().as_u16()
    })
}

fn image(s: &Served) -> String {
    crate::jsonpath(
        s,
        &["get", "deployment", "checkout", "-n", "shop"],
        "{.spec.template.spec.containers[0].image}",
    )
}

#[test]
fn a_resumed_drill_is_the_drill_that_was_left_and_plays_no_fault_twice() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("drills/bad-deploy.jsonl");
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill");
    let s = Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            log: Some(log.clone()),
            ..Setup::default()
        },
    );
    let good = image(&s);
    // The bad deploy goes out at 2m.
    advance(&s, 150, 15);
    let bad = image(&s);
    assert_ne!(bad, good);
    // The team acts: an undo, a cordon, a scale, a pod deleted, a silence, a fault injected;
    // a dry run and a refused write change nothing and are not logged.
    s.ok(&["rollout", "undo", "deployment/checkout", "-n", "shop"]);
    advance(&s, 30, 15);
    s.ok(&["cordon", "node-2"]);
    s.ok(&["scale", "deployment/frontend", "-n", "shop", "--replicas=4"]);
    s.ok(&[
        "scale",
        "deployment/frontend",
        "-n",
        "shop",
        "--replicas=9",
        "--dry-run=server",
    ]);
    let refused = s.kubectl(&["scale", "deployment/nothing", "-n", "shop", "--replicas=2"]);
    assert!(!refused.status.success());
    advance(&s, 20, 10);
    let pod = crate::jsonpath(
        &s,
        &["get", "pods", "-n", "shop", "-l", "app=frontend"],
        "{.items[0].metadata.name}",
    );
    s.ok(&["delete", "pod", &pod, "-n", "shop", "--wait=false"]);
    assert_eq!(silence(&s, "checkout"), 200);
    let node_down = json!({"adHoc": {"note": "node-3 down (facilitator)", "nodeCondition":
        {"node": "node-3", "condition": "Ready", "status": "False", "reason": "KubeletDown"}}});
    assert_eq!(s.post("/drill/v1/faults", &node_down).0, 200);
    advance(&s, 45, 15);
    assert_eq!(image(&s), good);

    let clock = s.control("GET", "/drill/v1/clock");
    let before = (objects(&s), s.control("GET", "/drill/v1/faults"), silences(&s));
    drop(s);

    let written = std::fs::read_to_string(&log).expect("the drill log");
    let writes: Vec<Value> = written
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).expect("a line"))
        .filter(|l| l["line"] == "write")
        .collect();
    let uris: Vec<&str> = writes.iter().filter_map(|w| w["uri"].as_str()).collect();
    assert_eq!(writes.len(), 6, "{uris:#?}");
    assert!(uris.iter().all(|u| !u.contains("dryRun")), "{uris:#?}");
    assert_eq!(writes[4]["api"], "alertmanager");
    assert_eq!(uris[5], "/drill/v1/faults");

    let r = Served::resume(&log, Setup::default());
    let again = r.control("GET", "/drill/v1/clock");
    assert_eq!(again["nowMs"], clock["nowMs"], "{again}");
    assert_eq!(again["start"], clock["start"], "{again}");
    assert_eq!(again["paused"], true, "the drill was left paused: {again}");
    let after = (objects(&r), r.control("GET", "/drill/v1/faults"), silences(&r));
    assert_eq!(after.1, before.1);
    assert_eq!(after.2, before.2);
    if after.0 != before.0 {
        let (a, b) = (after.0.to_string(), before.0.to_string());
        let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(0);
        panic!(
            "the resumed drill's objects differ at byte {at}:\nleft:    {}\nresumed: {}",
            &b[at.saturating_sub(300)..(at + 200).min(b.len())],
            &a[at.saturating_sub(300)..(at + 200).min(a.len())]
        );
    }
    // It goes on from there: the bad deploy is not played again, and what is done now is
    // logged after what was.
    advance(&r, 120, 15);
    assert_eq!(image(&r), good);
    r.ok(&["uncordon", "node-2"]);
    drop(r);
    let resumed = warroom_drill::drill_log::read(&log).expect("the log read back");
    let last = resumed
        .lines
        .iter()
        .rev()
        .find_map(|l| match l {
            warroom_drill::drill_log::Line::Write { uri, .. } => Some(uri.clone()),
            _ => None,
        })
        .expect("a write");
    assert!(last.ends_with("/nodes/node-2"), "{last}");
}
