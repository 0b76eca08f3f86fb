//! Draining against a drill cluster that plays a 1.21 API server (`apiserver: {version:
//! "1.21"}`): it reports 1.21 with 1.21 kubelets, discovery offers pods/eviction as
//! policy/v1beta1 only and a policy/v1 Eviction is refused. warroom's drain and kubectl 1.32's
//! both fall back to v1beta1, as the sim's request log shows, and complete. What a scenario
//! sets against its version is refused with file, line and field.

use std::sync::{Arc, Mutex};

use crate::support::{SimProcess, scenario, wait_for};
use serde_json::{Value, json};
use warroom::actions::flow::confirming_keys;
use warroom::actions::{Action, Runner, Stage};
use warroom::cluster::connect::Cluster;
use warroom::incident::journal::{self, Journal};
use warroom::incident::model::Actor;

/// A 1.21 server: v1beta1 evictions only, and no SelfSubjectReview (added in 1.28).
fn start() -> SimProcess {
    let s = SimProcess::start(Some(&scenario("old-apiserver")), &["--speed", "20"]);
    wait_for(60, "web's pods to be scheduled", || {
        let out = s.ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=web",
            "-o",
            "jsonpath={.items[*].spec.nodeName}",
        ]);
        (out.split_whitespace().count() == 2).then_some(())
    });
    s
}

fn web_node(s: &SimProcess) -> String {
    s.ok(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[0].spec.nodeName}",
    ])
    .trim()
    .to_string()
}

/// The eviction requests in the sim's log: (body, status, dry run, user agent).
fn evictions(s: &SimProcess) -> Vec<(String, u64, bool, String)> {
    let log = s.control("GET", "/drill/v1/requests");
    log.as_array()
        .expect("request log")
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/eviction")))
        .map(|r| {
            (
                r["body"].as_str().unwrap_or("").to_string(),
                r["status"].as_u64().unwrap_or(0),
                r["dry_run"].as_bool().unwrap_or(false),
                r["user_agent"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Pods left on `node` other than DaemonSet pods.
fn evictable_left(s: &SimProcess, node: &str) -> Vec<String> {
    s.ok(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        &format!("spec.nodeName={node}"),
        "-o",
        "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}",
    ])
    .split_whitespace()
    .filter(|p| !p.starts_with("kube-system/agent"))
    .map(str::to_string)
    .collect()
}

#[test]
fn warrooms_drain_falls_back_to_v1beta1_and_completes() {
    let s = start();
    // Discovery offers the eviction subresource as policy/v1beta1, and serves that version.
    let core: Value = serde_json::from_str(&s.ok(&["get", "--raw", "/api/v1"])).expect("APIResourceList");
    let eviction = core["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == "pods/eviction")
        .expect("pods/eviction is listed")
        .clone();
    assert_eq!(
        (&eviction["group"], &eviction["version"]),
        (&json!("policy"), &json!("v1beta1"))
    );
    s.ok(&["get", "--raw", "/apis/policy/v1beta1"]);

    let node = web_node(&s);
    s.control("DELETE", "/drill/v1/requests");
    let journal_path = crate::support::new_journal(s.dir.path(), "old apiserver");
    let rt = crate::support::runtime();
    let flow = rt.block_on(async {
        let cluster = Cluster::drill(&s.url).expect("cluster");
        let journal = Journal::open(&journal_path).expect("open journal");
        let mut runner = Runner::new(&cluster, Arc::new(Mutex::new(journal)), Actor::named("tester")).expect("runner");
        runner.pacing.poll = std::time::Duration::from_millis(100);
        let runner = Arc::new(runner);
        runner
            .drive("drain-old", Action::Drain { node: node.clone() }, |_, c| {
                confirming_keys(c)
            })
            .await
    });
    match &flow.stage {
        Stage::Succeeded { outcome, .. } => assert!(outcome.summary.contains("drained"), "{}", outcome.summary),
        other => panic!("the drain did not succeed: {other:?}"),
    }
    let sent = evictions(&s);
    assert!(
        sent.iter().any(|(_, status, dry, _)| *status == 201 && !dry),
        "no real eviction was sent: {sent:?}"
    );
    assert!(
        sent.iter().any(|(_, status, dry, _)| *status == 201 && *dry),
        "the preview sent no dry-run eviction: {sent:?}"
    );
    for (body, status, _, _) in &sent {
        assert_eq!(body, "policy/v1beta1 Eviction", "{sent:?}");
        assert_eq!(*status, 201, "{sent:?}");
    }
    assert_eq!(evictable_left(&s, &node), Vec::<String>::new());

    // This server cannot say who we are: the journal records `unknown`, and the drain ran.
    let record = journal::read(&journal_path).expect("read journal");
    let events: Vec<Value> = record
        .entries
        .iter()
        .filter_map(|e| serde_json::to_value(&e.event).ok())
        .filter(|v| v["payload"]["action_id"] == "drain-old")
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    for e in &events {
        assert_eq!(e["payload"]["identity"], json!({"username": "unknown"}), "{e}");
    }

    // A policy/v1 Eviction is refused as a 1.21 server's decoder refuses it.
    let refused = rt.block_on(async {
        let client = Cluster::drill(&s.url).expect("cluster").client;
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "shop");
        let name = pods
            .list(&Default::default())
            .await
            .expect("list pods")
            .items
            .into_iter()
            .find_map(|p| p.metadata.name)
            .expect("a pod in shop");
        let body =
            json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "shop"}});
        pods.create_subresource::<_, Value>("eviction", &name, &Default::default(), &body)
            .await
    });
    match refused {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 400, "{status:?}");
            assert!(
                status
                    .message
                    .contains("no kind \"Eviction\" is registered for version \"policy/v1\""),
                "{status:?}"
            );
        }
        other => panic!("a policy/v1 eviction was not refused: {other:?}"),
    }
}

#[test]
fn kubectl_drain_falls_back_to_v1beta1_too() {
    let s = start();
    // kubectl sees a 1.21 server with 1.21 kubelets.
    let version: Value = serde_json::from_str(&s.ok(&["version", "-o", "json"])).expect("version JSON");
    assert_eq!(
        version["serverVersion"]["gitVersion"], "v1.21.14-warroom-drill",
        "{version}"
    );
    assert_eq!(version["serverVersion"]["minor"], "21");
    let kubelets = s.ok(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={.items[*].status.nodeInfo.kubeletVersion}",
    ]);
    assert_eq!(kubelets.split_whitespace().collect::<Vec<_>>(), ["v1.21.14"; 3]);
    let node = web_node(&s);
    s.control("DELETE", "/drill/v1/requests");
    let out = s.kubectl(&[
        "drain",
        &node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=120s",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kubectl drain failed: {stderr}\n{stdout}");
    assert!(stdout.contains("drained"), "{stdout}");
    let sent = evictions(&s);
    assert!(!sent.is_empty(), "kubectl sent no eviction (it deleted instead?)");
    for (body, status, dry, agent) in &sent {
        assert_eq!(
            (body.as_str(), *status, *dry),
            ("policy/v1beta1 Eviction", 201, false),
            "{sent:?}"
        );
        assert!(agent.starts_with("kubectl"), "{agent}");
    }
    assert_eq!(evictable_left(&s, &node), Vec::<String>::new());
}

#[test]
fn what_a_1_21_server_cannot_have_is_refused_with_file_line_and_field() {
    let parse = |yaml: &str| warroom_drill::scenario::load::parse("old-apiserver.yaml", yaml);
    let with = |apiserver: &str| scenario("old-apiserver").replace("  version: \"1.21.14\"\n", apiserver);
    let s = parse(&scenario("old-apiserver")).expect("valid");
    assert_eq!(s.apiserver.eviction().group_version(), "policy/v1beta1");
    assert!(!s.apiserver.self_subject_review());
    // Without the section the server is a current one.
    let s = parse(&with("  {}\n")).expect("valid");
    assert_eq!(s.apiserver.eviction().group_version(), "policy/v1");
    assert!(s.apiserver.self_subject_review());
    assert_eq!(s.apiserver.git_version(), "v1.32.4");

    let refused = |apiserver: &str, want: &str| {
        let errors = parse(&with(apiserver)).expect_err(apiserver).to_string();
        assert!(errors.contains(want), "{apiserver}: {errors}");
    };
    refused(
        "  version: \"1.21\"\n  eviction: policy/v2\n",
        "old-apiserver.yaml:8:13: apiserver.eviction: unknown variant `policy/v2`",
    );
    refused(
        "  version: \"1.21\"\n  eviction: policy/v1\n",
        "old-apiserver.yaml:8:13: apiserver.eviction: policy/v1 evictions arrived in 1.22",
    );
    refused(
        "  version: \"1.25\"\n  selfSubjectReview: true\n",
        "old-apiserver.yaml:8:22: apiserver.selfSubjectReview: SelfSubjectReview (authentication.k8s.io/v1) arrived in 1.28",
    );
    refused(
        "  version: \"1.19\"\n",
        "old-apiserver.yaml:7:12: apiserver.version: \"1.19\" is not a Kubernetes version the drill plays",
    );
    refused(
        "  version: two\n",
        "apiserver.version: \"two\" is not a Kubernetes version",
    );
    let newer_kubelet = scenario("old-apiserver").replace("zone: z1}", "zone: z1, kubeletVersion: v1.22.0}");
    let errors = parse(&newer_kubelet).expect_err("kubelet newer").to_string();
    assert!(
        errors.contains("nodes[0].kubeletVersion: kubelet v1.22.0 is newer than the API server (v1.21.14)"),
        "{errors}"
    );
}
