//! Who the cluster says we are: the drill cluster answers SelfSubjectReview as the scenario's
//! user (`kubectl auth whoami` works against it), and every journal event of an action (request,
//! dry run, result, and its undo's) carries that identity, learnt once per connection, read-only
//! mode included. Journals written before the identity was recorded still read.

use std::sync::{Arc, Mutex};

use crate::support::{SimProcess, scenario};
use serde_json::{Value, json};
use warroom::actions::flow::confirming_keys;
use warroom::actions::{Action, Input, Runner, Stage};
use warroom::cluster::connect::Cluster;
use warroom::incident::journal::{self, Journal};
use warroom::incident::model::{Actor, ClusterIdentity, Event};

/// The journal's events of one action: (kind, payload).
fn journaled(path: &std::path::Path, id: &str) -> Vec<(String, Value)> {
    journal::read(path)
        .expect("read journal")
        .entries
        .iter()
        .filter_map(|e| {
            let v = serde_json::to_value(&e.event).ok()?;
            (v["payload"]["action_id"] == id).then(|| (e.event.kind().to_string(), v["payload"].clone()))
        })
        .collect()
}

/// The sim's logged requests as `METHOD path -> status`.
fn requests(s: &SimProcess) -> Vec<String> {
    s.control("GET", "/drill/v1/requests")
        .as_array()
        .expect("request log")
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {}",
                r["method"].as_str().unwrap_or(""),
                r["path"].as_str().unwrap_or(""),
                r["status"]
            )
        })
        .collect()
}

#[test]
fn kubectl_auth_whoami_names_the_scenarios_user() {
    let s = SimProcess::start(Some(&scenario("alice")), &[]);
    let shown = s.ok(&["auth", "whoami"]);
    assert!(
        shown.contains("alice@example.com") && shown.contains("system:authenticated"),
        "{shown}"
    );
    let review: Value = serde_json::from_str(&s.ok(&["auth", "whoami", "-o", "json"])).expect("JSON review");
    assert_eq!(review["kind"], "SelfSubjectReview");
    assert_eq!(
        review["status"]["userInfo"],
        json!({"username": "alice@example.com", "groups": ["system:authenticated"]})
    );
    // Discovery lists the review, so clients can find it.
    let group: Value =
        serde_json::from_str(&s.ok(&["get", "--raw", "/apis/authentication.k8s.io/v1"])).expect("resource list");
    assert!(
        group["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["name"] == "selfsubjectreviews")
    );
}

#[test]
fn a_server_without_the_review_is_not_enabled_for_kubectl() {
    let s = SimProcess::start(
        Some(&scenario("alice").replace("rbac:", "apiserver: {version: \"1.27\"}\nrbac:")),
        &[],
    );
    let out = s.kubectl(&["auth", "whoami"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("selfsubjectreviews API is not enabled"), "{stderr}");
    let groups = s.ok(&["get", "--raw", "/apis"]);
    assert!(!groups.contains("authentication.k8s.io"), "{groups}");
}

#[test]
fn every_action_event_carries_the_identity_asked_once() {
    let s = SimProcess::start(Some(&scenario("alice")), &[]);
    let path = crate::support::new_journal(s.dir.path(), "identity");
    s.control("DELETE", "/drill/v1/requests");
    let rt = crate::support::runtime();
    let alice = json!({"username": "alice@example.com", "groups": ["system:authenticated"]});
    let (cordoned, uncordoned) = rt.block_on(async {
        let cluster = Cluster::drill(&s.url).expect("cluster");
        let journal = Journal::open(&path).expect("open journal");
        let runner =
            Arc::new(Runner::new(&cluster, Arc::new(Mutex::new(journal)), Actor::named("tester")).expect("runner"));
        let cordon = Action::Cordon { node: "node-1".into() };
        let flow = runner.drive("cordon-1", cordon, |_, c| confirming_keys(c)).await;
        let undo = match &flow.stage {
            Stage::Succeeded { outcome, .. } => outcome.undo.clone().expect("cordon offers an undo"),
            other => panic!("cordon did not succeed: {other:?}"),
        };
        let undone = runner.drive("cordon-1-undo", undo, |_, c| confirming_keys(c)).await;
        (flow, undone)
    });
    assert!(matches!(cordoned.stage, Stage::Succeeded { .. }));
    assert!(
        matches!(uncordoned.stage, Stage::Succeeded { .. }),
        "{:?}",
        uncordoned.stage
    );
    for id in ["cordon-1", "cordon-1-undo"] {
        let events = journaled(&path, id);
        let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["action_requested", "action_dry_run", "action_succeeded"],
            "{id}"
        );
        for (kind, payload) in &events {
            assert_eq!(payload["identity"], alice, "{id} {kind}: {payload}");
        }
    }
    // The actor carries the cluster's name too, for the postmortem's identity column.
    let text = std::fs::read_to_string(&path).expect("journal");
    let actions: Vec<&str> = text.lines().filter(|l| l.contains("\"action_id\"")).collect();
    assert_eq!(actions.len(), 6, "{text}");
    for line in actions {
        assert!(
            line.contains(r#""actor":{"name":"tester","k8s":"alice@example.com"}"#),
            "{line}"
        );
    }
    let reviews: Vec<String> = requests(&s)
        .into_iter()
        .filter(|r| r.contains("selfsubjectreviews"))
        .collect();
    assert_eq!(
        reviews,
        ["POST /apis/authentication.k8s.io/v1/selfsubjectreviews -> 201"]
    );

    // Read-only mode lets the review through (it changes nothing) and still sends no change.
    s.control("DELETE", "/drill/v1/requests");
    let answer = rt.block_on(async {
        let cluster = Cluster::drill(&s.url)
            .expect("cluster")
            .with_read_only(true)
            .expect("read-only cluster");
        assert_eq!(
            cluster.identity().await,
            ClusterIdentity {
                username: "alice@example.com".into(),
                groups: vec!["system:authenticated".into()],
            }
        );
        let journal = Journal::open(&path).expect("open journal");
        let runner = Runner::new(&cluster, Arc::new(Mutex::new(journal)), Actor::named("observer")).expect("runner");
        runner.check("ro-1", &Action::Cordon { node: "node-2".into() }).await
    });
    assert!(matches!(answer, Input::Denied(_)), "{answer:?}");
    for (kind, payload) in journaled(&path, "ro-1") {
        assert_eq!(payload["identity"], alice, "{kind}: {payload}");
    }
    let sent = requests(&s);
    assert!(
        sent.iter()
            .all(|r| r.starts_with("GET ") || r.contains("selfsubjectreviews")),
        "{sent:?}"
    );
}

#[test]
fn action_events_written_before_the_identity_still_read() {
    let old = json!({"kind": "action_succeeded", "payload": {"action_id": "a1", "action": "cordon",
        "target": "node/node-1", "parameters": {"node": "node-1"}, "response": {"summary": "node/node-1 cordoned"}}});
    let event: Event = serde_json::from_value(old.clone()).expect("an old action event reads");
    let Event::ActionSucceeded(action) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(action.identity, None);
    // And it is written back as it was: no identity field appears.
    assert_eq!(serde_json::to_value(&event).expect("json"), old);
}
