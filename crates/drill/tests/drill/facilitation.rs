//! What a facilitator does to a running drill: play one of the scenario's faults early (once,
//! never again at its time) or a fault the scenario does not script, seen by kubectl.

use serde_json::json;

use crate::{advance, jsonpath, paused_drill};

fn ready(s: &warroom_testkit::drill::Served, node: &str) -> String {
    jsonpath(
        s,
        &["get", "node", node],
        "{.status.conditions[?(@.type==\"Ready\")].status}",
    )
}

#[test]
fn a_scripted_fault_is_played_early_once_and_an_ad_hoc_one_when_asked() {
    // node-failure: node-3 stops posting status 3 minutes in.
    let s = paused_drill("node-failure");
    advance(&s, 30, 15);
    assert_eq!(ready(&s, "node-3"), "True");
    let listed = s.control("GET", "/drill/v1/faults");
    let first = &listed["faults"][0];
    assert_eq!(
        (first["at"].as_str(), first["played"].as_bool()),
        (Some("3m"), Some(false)),
        "{listed}"
    );

    // Played now, 30 s in, rather than at 3m.
    let (status, answer) = s.post("/drill/v1/faults", &json!({"fault": 1}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(ready(&s, "node-3"), "Unknown");
    let listed = s.control("GET", "/drill/v1/faults");
    assert_eq!(listed["faults"][0]["at"], "30s", "{listed}");
    assert_eq!(listed["faults"][0]["played"], true, "{listed}");
    // Once only: asked again, refused.
    let (status, answer) = s.post("/drill/v1/faults", &json!({"fault": 1}));
    assert_eq!(status, 400);
    assert!(answer.contains("already played"), "{answer}");
    let (status, answer) = s.post("/drill/v1/faults", &json!({"fault": 9}));
    assert_eq!(status, 400);
    assert!(answer.contains("no fault 9"), "{answer}");

    // An ad-hoc fault: node-1 goes NotReady, and joins the scenario's faults.
    let node_down = json!({"adHoc": {"note": "node-1 down (facilitator)", "nodeCondition":
        {"node": "node-1", "condition": "Ready", "status": "False", "reason": "KubeletDown"}}});
    let (status, answer) = s.post("/drill/v1/faults", &node_down);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(ready(&s, "node-1"), "False");
    let listed = s.control("GET", "/drill/v1/faults");
    let faults = listed["faults"].as_array().expect("faults");
    let added = faults.last().expect("the ad-hoc fault");
    assert_eq!(added["note"], "node-1 down (facilitator)", "{listed}");
    assert_eq!(added["played"], true, "{listed}");
    // What the drill does not have is refused, naming it.
    let (status, answer) = s.post(
        "/drill/v1/faults",
        &json!({"adHoc": {"rollout": {"workload": "shop/nothing", "image": "x:1"}}}),
    );
    assert_eq!(status, 400);
    assert!(answer.contains("no workload shop/nothing"), "{answer}");
    assert_eq!(
        s.control("GET", "/drill/v1/faults")["faults"].as_array().map(Vec::len),
        Some(faults.len())
    );
}
