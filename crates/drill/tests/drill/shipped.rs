//! The shipped drills play out as their stories say, observed through kubectl while the
//! virtual clock is stepped: the bad deploy crashloops and stalls until rolled back, the node
//! failure evicts and reschedules, the noisy neighbour causes memory pressure and OOMKills, a
//! budget holds a maintenance drain until the workload has room, a zone outage fails requests,
//! a failing dependency fails its callers until it is rolled back.

use serde_json::Value;
use warroom_testkit::drill::{Served, Setup};

fn drill(file: &str) -> Served {
    served(file, Some(5))
}

/// A shipped drill with its own seed (placement is part of its story).
fn drill_as_shipped(file: &str) -> Served {
    served(file, None)
}

fn served(file: &str, seed: Option<u64>) -> Served {
    let yaml = std::fs::read_to_string(warroom_testkit::repo(&format!("drills/{file}"))).expect("shipped drill");
    // Pin the start so kubectl's ages are stable; step the clock by hand.
    let yaml = format!("start: \"2026-11-24T14:00:00Z\"\n{yaml}");
    Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            seed,
            ..Setup::default()
        },
    )
}

fn advance(s: &Served, by: &str) {
    let state = s.control("POST", &format!("/drill/v1/clock?advance={by}"));
    assert!(state["paused"] == true, "{state}");
}

fn json(s: &Served, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    serde_json::from_str(&s.ok(&all)).expect("kubectl JSON")
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

#[test]
fn bad_deploy_crashloops_until_rolled_back() {
    let s = drill("bad-deploy.yaml");
    advance(&s, "2m30s");
    let pods = json(&s, &["get", "pods", "-n", "shop", "-l", "app=checkout"]);
    let bad: Vec<Value> = items(&pods)
        .into_iter()
        .filter(|p| {
            p.pointer("/spec/containers/0/image").and_then(Value::as_str)
                == Some("registry.example.com/shop/checkout:2.0.0")
        })
        .collect();
    assert!(!bad.is_empty(), "the bad revision has pods");
    advance(&s, "2m");
    let table = s.ok(&["get", "pods", "-n", "shop", "-l", "app=checkout"]);
    assert!(table.contains("CrashLoopBackOff"), "{table}");
    let pods = json(&s, &["get", "pods", "-n", "shop", "-l", "app=checkout"]);
    let restarts: Vec<i64> = items(&pods)
        .iter()
        .filter_map(|p| {
            p.pointer("/status/containerStatuses/0/restartCount")
                .and_then(Value::as_i64)
        })
        .collect();
    assert!(restarts.iter().any(|r| *r >= 2), "restart counts climb: {restarts:?}");
    let crashed = items(&pods)
        .into_iter()
        .find(|p| p.pointer("/status/containerStatuses/0/lastState/terminated/exitCode") == Some(&Value::from(2)))
        .expect("a pod whose last run exited 2");
    let message = crashed
        .pointer("/status/containerStatuses/0/lastState/terminated/message")
        .and_then(Value::as_str);
    assert_eq!(message, Some("panic: config key CHECKOUT_CURRENCY_TABLE not set"));
    let crashed_name = crashed["metadata"]["name"].as_str().expect("name");
    // Its request counters are exported all the same, and stand still: it gets no requests.
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    let query = |q: &str| warroom_testkit::drill::promql(&s.prometheus, q, Some(now));
    let pod = format!(r#"pod="{crashed_name}""#);
    assert_eq!(
        query(&format!("count(http_requests_total{{{pod}}})")),
        Some(2.0),
        "200 and 500"
    );
    assert_eq!(
        query(&format!("sum(rate(http_requests_total{{{pod}}}[1m]))")),
        Some(0.0)
    );
    let logs = s.ok(&["logs", "-n", "shop", crashed_name, "--previous"]);
    assert!(
        logs.contains("FATAL panic: config key CHECKOUT_CURRENCY_TABLE not set"),
        "{logs}"
    );
    let events = s.ok(&["get", "events", "-n", "shop", "--field-selector", "reason=BackOff"]);
    assert!(
        events.contains("Back-off restarting failed container checkout"),
        "{events}"
    );
    // The rollout stalls; availability holds thanks to maxUnavailable.
    let d = json(&s, &["get", "deploy", "checkout", "-n", "shop"]);
    assert_eq!(d["status"]["availableReplicas"], 3);
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
    // Past the progress deadline the deployment says so, and rollout status fails.
    advance(&s, "10m");
    let d = json(&s, &["get", "deploy", "checkout", "-n", "shop"]);
    let progressing = condition(&d, "Progressing").expect("Progressing condition");
    assert_eq!(progressing["reason"], "ProgressDeadlineExceeded", "{progressing}");
    let status = s.kubectl(&["rollout", "status", "deploy/checkout", "-n", "shop", "--timeout=10s"]);
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("exceeded its progress deadline"));
    // Roll back: the good revision's pods are ready within the scenario's recovery time.
    s.ok(&["rollout", "undo", "deploy/checkout", "-n", "shop"]);
    advance(&s, "30s");
    let d = json(&s, &["get", "deploy", "checkout", "-n", "shop"]);
    assert_eq!(d["status"]["availableReplicas"], 4, "{}", d["status"]);
    assert_eq!(d["status"]["updatedReplicas"], 4);
    assert_eq!(
        condition(&d, "Progressing").expect("Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    let table = s.ok(&["get", "pods", "-n", "shop", "-l", "app=checkout"]);
    assert!(!table.contains("CrashLoopBackOff"), "{table}");
}

#[test]
fn node_failure_evicts_and_reschedules() {
    let s = drill("node-failure.yaml");
    let on_node3 = |s: &Served| -> Vec<Value> {
        items(&json(
            s,
            &["get", "pods", "-A", "--field-selector", "spec.nodeName=node-3"],
        ))
    };
    let before: Vec<String> = on_node3(&s)
        .iter()
        .filter(|p| p["metadata"]["namespace"] != "monitoring")
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    assert!(!before.is_empty(), "node-3 runs workload pods");
    advance(&s, "3m5s");
    let nodes = s.ok(&["get", "nodes"]);
    let row = nodes.lines().find(|l| l.starts_with("node-3 ")).expect("node-3 row");
    assert!(row.contains("NotReady"), "{nodes}");
    let node = json(&s, &["get", "node", "node-3"]);
    assert_eq!(condition(&node, "Ready").expect("Ready")["status"], "Unknown");
    let taints = node["spec"]["taints"].to_string();
    assert!(taints.contains("node.kubernetes.io/unreachable"), "{taints}");
    for p in on_node3(&s)
        .iter()
        .filter(|p| before.iter().any(|b| p["metadata"]["name"] == b.as_str()))
    {
        assert_eq!(
            condition(p, "Ready").expect("Ready")["status"],
            "False",
            "pods on a NotReady node are not ready"
        );
    }
    let events = s.ok(&["get", "events", "-A", "--field-selector", "reason=NodeNotReady"]);
    assert!(events.contains("node/node-3"), "{events}");
    // After the eviction timeout the pods are marked for deletion and replaced elsewhere.
    advance(&s, "95s");
    let stuck = on_node3(&s);
    for name in &before {
        let p = stuck
            .iter()
            .find(|p| p["metadata"]["name"] == name.as_str())
            .expect("still there: the kubelet is gone");
        assert!(p["metadata"]["deletionTimestamp"].is_string(), "{name} is Terminating");
    }
    advance(&s, "30s");
    let orders = json(&s, &["get", "deploy", "orders", "-n", "orders"]);
    assert_eq!(
        orders["status"]["availableReplicas"], 5,
        "replacements run elsewhere: {}",
        orders["status"]
    );
    let events = s.ok(&["get", "events", "-A", "--field-selector", "reason=TaintManagerEviction"]);
    assert!(events.contains("Marking for deletion Pod"), "{events}");
    // At 8 minutes node-2 reports memory pressure and the kubelet evicts a pod.
    advance(&s, "4m");
    let node2 = json(&s, &["get", "node", "node-2"]);
    assert_eq!(
        condition(&node2, "MemoryPressure").expect("MemoryPressure")["status"],
        "True"
    );
    let evicted: Vec<Value> = items(&json(&s, &["get", "pods", "-A"]))
        .into_iter()
        .filter(|p| p["status"]["reason"] == "Evicted")
        .collect();
    assert_eq!(evicted.len(), 1, "one pod evicted under memory pressure");
    assert!(
        evicted[0]["status"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("low on resource: memory")
    );
    let table = s.ok(&["get", "pods", "-A"]);
    assert!(table.contains("Evicted"), "{table}");
}

#[test]
fn noisy_neighbour_causes_pressure_and_oomkills() {
    let s = drill("noisy-neighbour.yaml");
    advance(&s, "2m");
    let nodes = items(&json(&s, &["get", "nodes"]));
    let pressured: Vec<&Value> = nodes
        .iter()
        .filter(|n| condition(n, "MemoryPressure").is_some_and(|c| c["status"] == "True"))
        .collect();
    assert!(!pressured.is_empty(), "report-builder's surge causes memory pressure");
    let evicted: Vec<Value> = items(&json(&s, &["get", "pods", "-n", "batch"]))
        .into_iter()
        .filter(|p| p["status"]["reason"] == "Evicted")
        .collect();
    assert!(!evicted.is_empty(), "the kubelet evicts the noisy pod first");
    advance(&s, "2m30s");
    let api = items(&json(&s, &["get", "pods", "-n", "web", "-l", "app=api"]));
    let oom = api
        .iter()
        .find(|p| {
            p.pointer("/status/containerStatuses/0/lastState/terminated/reason") == Some(&Value::from("OOMKilled"))
        })
        .expect("an api pod was OOMKilled");
    assert!(
        oom.pointer("/status/containerStatuses/0/restartCount")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            >= 1
    );
    let table = s.ok(&["get", "pods", "-n", "web"]);
    assert!(
        table.contains("(") && table.contains("ago)"),
        "restarts show when: {table}"
    );
    // Scaling the neighbour down relieves the pressure.
    s.ok(&["scale", "deploy/report-builder", "-n", "batch", "--replicas=0"]);
    advance(&s, "1m");
    let nodes = items(&json(&s, &["get", "nodes"]));
    assert!(
        nodes
            .iter()
            .all(|n| condition(n, "MemoryPressure").is_some_and(|c| c["status"] == "False")),
        "pressure clears once the neighbour is gone"
    );
}

#[test]
fn a_budget_holds_the_maintenance_drain_until_ledger_has_room() {
    let s = drill_as_shipped("pdb-blocked-drain.yaml");
    let on_node_2 = |s: &Served| {
        s.ok(&[
            "get",
            "pods",
            "-n",
            "payments",
            "--field-selector",
            "spec.nodeName=node-2",
            "-o",
            "name",
        ])
    };
    assert!(on_node_2(&s).contains("pod/ledger-"), "ledger has a pod on node-2");
    advance(&s, "2m30s");
    let node = json(&s, &["get", "node", "node-2"]);
    assert_eq!(
        condition(&node, "DiskPressure").map(|c| c["status"].clone()),
        Some("True".into())
    );
    // The budget (2 of 2) refuses the eviction; the drain gives up at its timeout.
    let held = s.kubectl(&["drain", "node-2", "--ignore-daemonsets", "--timeout=5s"]);
    assert!(!held.status.success(), "the drain went through");
    assert!(on_node_2(&s).contains("pod/ledger-"), "ledger's pod stayed");
    // One more replica gives the budget room: the drain goes through.
    s.ok(&["scale", "deploy", "ledger", "-n", "payments", "--replicas=3"]);
    advance(&s, "30s");
    // The evicted pod terminates on the drill's clock: let it run.
    s.control("POST", "/drill/v1/clock?pause=false&speed=10");
    let drained = s.kubectl(&["drain", "node-2", "--ignore-daemonsets", "--timeout=120s"]);
    assert!(drained.status.success(), "{}", String::from_utf8_lossy(&drained.stderr));
    assert!(!on_node_2(&s).contains("pod/ledger-"), "ledger left node-2");
}

#[test]
fn a_zone_outage_takes_four_nodes_and_fails_requests_in_the_zone_left() {
    let s = drill_as_shipped("zone-outage.yaml");
    advance(&s, "3m");
    let nodes = json(&s, &["get", "nodes"]);
    let not_ready: Vec<String> = items(&nodes)
        .iter()
        .filter(|n| condition(n, "Ready").is_some_and(|c| c["status"] != "True"))
        .filter_map(|n| n.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string))
        .collect();
    assert_eq!(not_ready, ["node-b-1", "node-b-2", "node-b-3", "node-b-4"]);
    advance(&s, "1m");
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    let errors = warroom_testkit::drill::promql(
        &s.prometheus,
        "sum(rate(http_requests_total{service=\"frontend\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{service=\"frontend\"}[1m]))",
        Some(now),
    )
    .expect("frontend's error ratio");
    assert!(
        errors > 0.1,
        "two thirds of frontend gone should fail requests: {errors}"
    );
}

/// A service's error ratio over the last minute, at the drill's now.
fn error_ratio(s: &Served, service: &str) -> f64 {
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    warroom_testkit::drill::promql(
        &s.prometheus,
        &format!(
            "sum(rate(http_requests_total{{service=\"{service}\",code=~\"5..\"}}[1m])) / sum(rate(http_requests_total{{service=\"{service}\"}}[1m]))"
        ),
        Some(now),
    )
    .unwrap_or_else(|| panic!("{service}'s error ratio"))
}

#[test]
fn a_failing_dependency_fails_its_callers_until_it_is_rolled_back() {
    let s = drill("dependency-failure.yaml");
    advance(&s, "1m30s");
    for service in ["payments-api", "checkout", "frontend"] {
        assert!(error_ratio(&s, service) < 0.001, "{service} healthy before the fault");
    }
    // The latency its calls add is the callers' normal: no alert, pending or firing, before
    // the fault.
    let alerts = warroom_testkit::drill::control(&s.prometheus, "GET", "/api/v1/alerts");
    let alerts = alerts["data"]["alerts"].as_array().expect("alerts");
    assert!(alerts.is_empty(), "{alerts:?}");
    // payments-api 7.2.0 goes out at 2m; once it serves, it fails 40% of charges.
    for _ in 0..8 {
        advance(&s, "30s");
    }
    let (payments, checkout, frontend) = (
        error_ratio(&s, "payments-api"),
        error_ratio(&s, "checkout"),
        error_ratio(&s, "frontend"),
    );
    assert!((0.3..0.5).contains(&payments), "payments-api: {payments}");
    // checkout charges every order: it fails what payments fails, though its pods are fine.
    assert!((0.3..0.5).contains(&checkout), "checkout: {checkout}");
    // A quarter of frontend's requests go through checkout.
    assert!((0.07..0.13).contains(&frontend), "frontend: {frontend}");
    let checkout_pods = json(&s, &["get", "pods", "-n", "shop", "-l", "app=checkout"]);
    assert!(
        items(&checkout_pods)
            .iter()
            .all(|p| condition(p, "Ready").is_some_and(|c| c["status"] == "True")),
        "checkout's pods stay ready"
    );
    // Rolled back, payments-api stops failing, and its callers with it.
    s.ok(&["rollout", "undo", "deployment/payments-api", "-n", "payments"]);
    for _ in 0..8 {
        advance(&s, "30s");
    }
    for service in ["payments-api", "checkout", "frontend"] {
        let e = error_ratio(&s, service);
        assert!(e < 0.001, "{service} recovered: {e}");
    }
}
