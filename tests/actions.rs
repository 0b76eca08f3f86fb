//! Containment actions against the drill cluster, checked with the real kubectl: the dry run
//! changes nothing, the run changes what kubectl sees, the undo restores it, and the journal
//! holds every step with its parameters. RBAC denials and read-only mode send no change.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use warroom::actions::flow::confirming_keys;
use warroom::actions::{Action, Flow, Input, Preview, Runner, Stage};
use warroom::cluster::connect::Cluster;
use warroom::drill::scenario;
use warroom::drill::server::{self, Options, Running};
use warroom::incident::journal::{self, Journal};
use warroom::incident::model::{Actor, Declared, Draft, Event, IncidentId, Severity, Source, Status};

const SCENARIO: &str = r#"
name: actions-test
title: actions test cluster
start: "2026-11-24T14:00:00Z"
namespaces: [shop]
nodes:
  - {name: node, count: 3, zone: z1}
workloads:
  - name: web
    namespace: shop
    replicas: 2
    revisions:
      - {image: "registry.example.com/web:1.0", changeCause: "web 1.0"}
      - {image: "registry.example.com/web:1.1", changeCause: "web 1.1"}
    pdb: {minAvailable: 2}
  - name: api
    namespace: shop
    replicas: 3
    revisions: [{image: "registry.example.com/api:3.0"}]
  - kind: DaemonSet
    name: agent
    namespace: kube-system
    revisions: [{image: "registry.example.com/agent:1"}]
"#;

struct Drill {
    running: Running,
    cluster: Cluster,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    journal: PathBuf,
}

impl Drill {
    async fn start(yaml: &str) -> Drill {
        let s = scenario::parse("actions-test.yaml", yaml).expect("valid scenario");
        let options = Options {
            speed: 20.0,
            ..Options::default()
        };
        let running = server::start(s, "127.0.0.1:0".parse().expect("addr"), &options)
            .await
            .expect("start drill cluster");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        server::write_kubeconfig(&kubeconfig, &running.url(), "drill").expect("kubeconfig");
        let cluster = Cluster::drill(&running.url()).expect("cluster");
        let journal = dir.path().join("INC-20261124-001.jsonl");
        let declared = Declared {
            id: IncidentId::new(jiff::civil::date(2026, 11, 24), 1),
            title: "actions test".into(),
            severity: Severity::Sev2,
            status: Status::Investigating,
            impact: String::new(),
            services: Vec::new(),
            components: Vec::new(),
            drill: true,
        };
        Journal::create(
            &journal,
            Draft::new(Actor::named("tester"), Source::Human, Event::IncidentOpened(declared)),
        )
        .expect("journal");
        Drill {
            running,
            cluster,
            dir,
            kubeconfig,
            journal,
        }
    }

    fn runner(&self, cluster: &Cluster) -> Arc<Runner> {
        let journal = Journal::open(&self.journal).expect("open journal");
        let mut runner = Runner::new(cluster, Arc::new(Mutex::new(journal)), Actor::named("tester")).expect("runner");
        runner.pacing.retry = Duration::from_millis(300);
        runner.pacing.poll = Duration::from_millis(100);
        Arc::new(runner)
    }

    fn kubectl(&self, args: &[&str]) -> String {
        // kubectl blocks; let the runtime move the drill cluster's tasks off this thread.
        let out = tokio::task::block_in_place(|| {
            Command::new(common::kubectl_path())
                .args(args)
                .arg("--cache-dir")
                .arg(self.dir.path().join("kube-cache"))
                .env("KUBECONFIG", &self.kubeconfig)
                .output()
                .expect("run kubectl")
        });
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn jsonpath(&self, args: &[&str], path: &str) -> String {
        let jp = format!("jsonpath={path}");
        let mut all = args.to_vec();
        all.extend(["-o", &jp]);
        self.kubectl(&all)
    }

    fn clear_requests(&self) {
        self.running.cluster.lock().requests.clear();
    }

    /// Requests that would change something (dry runs included), access reviews aside.
    fn mutating_requests(&self) -> Vec<String> {
        self.running
            .cluster
            .lock()
            .requests
            .iter()
            .filter(|r| r.method != "GET" && !r.path.contains("selfsubject"))
            .map(|r| format!("{} {}?{} -> {}", r.method, r.path, r.query, r.status))
            .collect()
    }

    /// The journal's action events for one action id: (kind, payload).
    fn journaled(&self, id: &str) -> Vec<(String, Value)> {
        journal::read(&self.journal)
            .expect("read journal")
            .entries
            .iter()
            .filter_map(|e| {
                let v = serde_json::to_value(&e.event).ok()?;
                (v["payload"]["action_id"] == id).then(|| (e.event.kind().to_string(), v["payload"].clone()))
            })
            .collect()
    }
}

/// `common::wait_for`, with the runtime told this thread blocks.
fn wait_for<T>(secs: u64, what: &str, f: impl FnMut() -> Option<T>) -> T {
    tokio::task::block_in_place(|| common::wait_for(secs, what, f))
}

fn yes(_: &Preview, c: &warroom::actions::Confirm) -> Vec<Input> {
    confirming_keys(c)
}

fn outcome(flow: &Flow) -> warroom::actions::Outcome {
    match &flow.stage {
        Stage::Succeeded { outcome, .. } => outcome.clone(),
        other => panic!("{} did not succeed: {other:?}", flow.action),
    }
}

/// Runs `action` (checking at the preview that kubectl still sees `before`), expects kubectl to
/// see `after`, runs its undo and expects `before` again; checks the journal of both.
async fn exercise(
    d: &Drill,
    runner: &Arc<Runner>,
    id: &str,
    action: Action,
    observe: impl Fn() -> String,
    after: &str,
) {
    let before = observe();
    assert_ne!(before, after, "{action}: nothing to change");
    let mut previewed = None;
    let flow = runner
        .drive(id, action.clone(), |p, c| {
            assert_eq!(observe(), before, "{action}: the dry run changed what kubectl sees");
            previewed = Some(p.clone());
            confirming_keys(c)
        })
        .await;
    let done = outcome(&flow);
    let preview = previewed.expect("a preview was shown");
    assert!(!preview.summary.is_empty());
    wait_for(30, &format!("{action} to show in kubectl"), || {
        (observe() == after).then_some(())
    });
    let kinds: Vec<String> = d.journaled(id).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        ["action_requested", "action_dry_run", "action_succeeded"],
        "{action}"
    );
    for (_, payload) in d.journaled(id) {
        assert_eq!(payload["parameters"], action.parameters(), "{action}");
        assert_eq!(payload["target"], action.target());
    }
    let (_, succeeded) = d.journaled(id).pop().expect("result journaled");
    assert!(succeeded["response"]["duration_ms"].is_u64(), "{succeeded}");
    let undo = done.undo.unwrap_or_else(|| panic!("{action} offers an undo"));
    assert_eq!(preview.undo.as_ref(), Some(&undo), "the preview named the same undo");
    let undo_id = format!("{id}-undo");
    let flow = runner.drive(&undo_id, undo.clone(), yes).await;
    outcome(&flow);
    wait_for(30, &format!("{undo} to restore what kubectl sees"), || {
        (observe() == before).then_some(())
    });
    let kinds: Vec<String> = d.journaled(&undo_id).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        ["action_requested", "action_dry_run", "action_succeeded"],
        "{undo}"
    );
}

fn web_node(d: &Drill) -> String {
    d.jsonpath(
        &["get", "pods", "-n", "shop", "-l", "app=web"],
        "{.items[0].spec.nodeName}",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_dry_run_run_and_uncordon() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let node = "node-1";
    d.clear_requests();
    exercise(
        &d,
        &runner,
        "cordon-1",
        Action::Cordon { node: node.into() },
        || d.jsonpath(&["get", "node", node], "{.spec.unschedulable}"),
        "true",
    )
    .await;
    let dry = d
        .running
        .cluster
        .lock()
        .requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.dry_run)
        .count();
    assert!(dry >= 2, "a server-side dry run for the cordon and for the uncordon");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_and_scale_back() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let current = warroom::actions::kube::current_replicas(&d.cluster.client, "shop", "api")
        .await
        .expect("current count");
    assert_eq!(current, 3, "the prompt knows the current count");
    exercise(
        &d,
        &runner,
        "scale-1",
        Action::Scale {
            namespace: "shop".into(),
            deployment: "api".into(),
            replicas: 1,
        },
        || d.jsonpath(&["get", "deploy", "api", "-n", "shop"], "{.spec.replicas}"),
        "1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_sets_kubectls_annotation() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let restarted = || {
        d.jsonpath(
            &["get", "deploy", "api", "-n", "shop"],
            "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
        )
    };
    assert_eq!(restarted(), "");
    let flow = runner
        .drive(
            "restart-1",
            Action::RolloutRestart {
                namespace: "shop".into(),
                deployment: "api".into(),
            },
            |p, c| {
                assert_eq!(restarted(), "", "the dry run changed nothing");
                assert_eq!(p.objects, 3);
                assert_eq!(
                    *c,
                    warroom::actions::Confirm::TypeName("api".into()),
                    "3 pods: type the name"
                );
                confirming_keys(c)
            },
        )
        .await;
    outcome(&flow);
    let at = restarted();
    assert!(at.parse::<jiff::Timestamp>().is_ok(), "kubectl sees restartedAt {at:?}");
    let patched = d.running.cluster.lock().requests.iter().any(|r| {
        r.method == "PATCH"
            && !r.dry_run
            && r.path.ends_with("/deployments/api")
            && r.query.contains("fieldManager=kubectl-rollout")
    });
    assert!(patched, "patched as kubectl patches, with its field manager");
    let journaled = d.journaled("restart-1");
    assert_eq!(journaled.len(), 3);
    assert_eq!(
        journaled[2].1["response"]["api"]["kubectl.kubernetes.io/restartedAt"],
        at
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    exercise(
        &d,
        &runner,
        "pause-1",
        Action::RolloutPause {
            namespace: "shop".into(),
            deployment: "api".into(),
        },
        || d.jsonpath(&["get", "deploy", "api", "-n", "shop"], "{.spec.paused}"),
        "true",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_undo_shows_the_image_and_undoes_back() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let image = || {
        d.jsonpath(
            &["get", "deploy", "web", "-n", "shop"],
            "{.spec.template.spec.containers[0].image}",
        )
    };
    assert_eq!(image(), "registry.example.com/web:1.1");
    let mut shown = String::new();
    let flow = runner
        .drive(
            "undo-0",
            Action::RolloutUndo {
                namespace: "shop".into(),
                deployment: "web".into(),
                revision: None,
            },
            |p, c| {
                shown = p.summary.clone();
                confirming_keys(c)
            },
        )
        .await;
    let done = outcome(&flow);
    assert!(
        shown.contains("registry.example.com/web:1.1 → web=registry.example.com/web:1.0"),
        "the preview shows the image difference: {shown}"
    );
    assert_eq!(image(), "registry.example.com/web:1.0");
    let history = d.kubectl(&["rollout", "history", "deploy/web", "-n", "shop"]);
    assert!(history.contains("web 1.0"), "{history}");
    // The undo goes back to the revision it left (2), now via the same flow.
    let undo = done.undo.expect("an undo");
    assert_eq!(
        undo,
        Action::RolloutUndo {
            namespace: "shop".into(),
            deployment: "web".into(),
            revision: Some(2)
        }
    );
    outcome(&runner.drive("undo-0-undo", undo, yes).await);
    assert_eq!(image(), "registry.example.com/web:1.1");
    let kinds: Vec<String> = d.journaled("undo-0").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_succeeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_deployment_is_not_rolled_back() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    d.kubectl(&["rollout", "pause", "deploy/web", "-n", "shop"]);
    let flow = runner
        .drive(
            "undo-p",
            Action::RolloutUndo {
                namespace: "shop".into(),
                deployment: "web".into(),
                revision: None,
            },
            yes,
        )
        .await;
    match &flow.stage {
        Stage::Failed { error } => assert!(error.contains("paused"), "{error}"),
        s => panic!("{s:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recycle_a_pod() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let pods = || d.kubectl(&["get", "pods", "-n", "shop", "-l", "app=api", "-o", "name"]);
    let before = pods();
    let victim = before
        .lines()
        .next()
        .expect("an api pod")
        .trim_start_matches("pod/")
        .to_string();
    let flow = runner
        .drive(
            "recycle-1",
            Action::DeletePod {
                namespace: "shop".into(),
                pod: victim.clone(),
            },
            |p, c| {
                assert_eq!(pods(), before, "the dry run deleted nothing");
                assert!(p.summary.contains("ReplicaSet"), "{}", p.summary);
                confirming_keys(c)
            },
        )
        .await;
    let done = outcome(&flow);
    assert!(
        done.undo.is_none(),
        "its controller replaces it; there is nothing to undo"
    );
    wait_for(30, "the pod replaced", || {
        let now = pods();
        (!now.contains(&victim) && now.lines().count() == 3).then_some(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolate_with_a_labelled_deny_all_policy() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let policies = || {
        d.kubectl(&[
            "get",
            "networkpolicies",
            "-n",
            "shop",
            "-l",
            "warroom.dev/isolate=true",
            "-o",
            "name",
        ])
    };
    let selector = BTreeMap::from([("app".to_string(), "api".to_string())]);
    let name = warroom::actions::catalogue::isolation_policy_name(&selector);
    exercise(
        &d,
        &runner,
        "isolate-1",
        Action::Isolate {
            namespace: "shop".into(),
            selector,
        },
        policies,
        &format!("networkpolicy.networking.k8s.io/{name}"),
    )
    .await;
    // While it existed it denied everything: no rules for either direction.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_isolation_policy_denies_all_traffic() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let selector = BTreeMap::from([("app".to_string(), "api".to_string())]);
    outcome(
        &runner
            .drive(
                "isolate-2",
                Action::Isolate {
                    namespace: "shop".into(),
                    selector: selector.clone(),
                },
                yes,
            )
            .await,
    );
    let name = warroom::actions::catalogue::isolation_policy_name(&selector);
    let spec: Value =
        serde_json::from_str(&d.kubectl(&["get", "networkpolicy", &name, "-n", "shop", "-o", "json"])).expect("json");
    assert_eq!(spec["spec"]["podSelector"]["matchLabels"]["app"], "api");
    assert_eq!(spec["spec"]["policyTypes"], serde_json::json!(["Ingress", "Egress"]));
    assert!(
        spec["spec"]["ingress"].is_null() && spec["spec"]["egress"].is_null(),
        "{spec}"
    );
    assert_eq!(spec["metadata"]["labels"]["app.kubernetes.io/managed-by"], "warroom");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_shows_held_pods_then_completes_when_the_budget_allows() {
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let node = web_node(&d);
    let on_node = || {
        d.kubectl(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            &format!("spec.nodeName={node}"),
            "-o",
            "name",
        ])
    };
    let before = on_node();
    let finished = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let drive = async {
        let flow = runner
            .drive("drain-1", Action::Drain { node: node.clone() }, |p, c| {
                assert_eq!(on_node(), before, "the dry run evicted nothing");
                if let Some(tx) = tx.take() {
                    let _ = tx.send(p.clone());
                }
                confirming_keys(c)
            })
            .await;
        finished.store(true, std::sync::atomic::Ordering::SeqCst);
        flow
    };
    let watch = async {
        let preview = rx.await.expect("a preview");
        assert!(preview.held() >= 1, "the web pod is held by its budget: {preview:?}");
        assert!(preview.summary.contains("held by a PDB"), "{}", preview.summary);
        assert!(
            preview
                .skipped
                .iter()
                .any(|s| s.contains("agent") && s.contains("DaemonSet")),
            "{:?}",
            preview.skipped
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let refused = d
                .running
                .cluster
                .lock()
                .requests
                .iter()
                .any(|r| r.path.ends_with("/eviction") && r.status == 429 && !r.dry_run);
            if refused {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "no eviction refused with 429");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            !finished.load(std::sync::atomic::Ordering::SeqCst),
            "the drain waits while the budget forbids"
        );
        d.kubectl(&["scale", "deploy/web", "-n", "shop", "--replicas=3"]);
    };
    let (flow, ()) = tokio::join!(drive, watch);
    let done = outcome(&flow);
    assert_eq!(done.undo, Some(Action::Uncordon { node: node.clone() }));
    let left = on_node();
    assert!(
        left.lines().all(|l| l.contains("agent")),
        "only the DaemonSet pod stays: {left}"
    );
    assert_eq!(d.jsonpath(&["get", "node", &node], "{.spec.unschedulable}"), "true");
    let kinds: Vec<String> = d.journaled("drain-1").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_succeeded"]);
    let dry = &d.journaled("drain-1")[1].1;
    assert!(
        dry["response"]["preview"]["pods"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["held"].is_string())),
        "the journal keeps which pods were held: {dry}"
    );
    outcome(
        &runner
            .drive("drain-1-undo", Action::Uncordon { node: node.clone() }, yes)
            .await,
    );
    assert_eq!(d.jsonpath(&["get", "node", &node], "{.spec.unschedulable}"), "");
}

const DENYING: &str = r#"
name: actions-rbac
title: actions under a narrow role
start: "2026-11-24T14:00:00Z"
namespaces: [shop]
nodes:
  - {name: node, count: 2}
workloads:
  - name: api
    namespace: shop
    replicas: 2
    revisions: [{image: "registry.example.com/api:3.0"}]
rbac:
  deny:
    - {verb: patch, resource: nodes}
    - {verb: patch, resource: deployments/scale}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_the_role_denies_is_refused_before_any_change() {
    let d = Drill::start(DENYING).await;
    let runner = d.runner(&d.cluster);
    let cordon = Action::Cordon { node: "node-1".into() };
    let greyed = runner.may(&cordon).await.expect_err("cordon is greyed out");
    assert!(greyed.contains("patch nodes"), "{greyed}");
    assert_eq!(
        runner
            .may(&Action::RolloutRestart {
                namespace: "shop".into(),
                deployment: "api".into()
            })
            .await,
        Ok(())
    );
    for (id, action) in [
        ("deny-1", Action::Cordon { node: "node-1".into() }),
        ("deny-2", Action::Drain { node: "node-1".into() }),
        (
            "deny-3",
            Action::Scale {
                namespace: "shop".into(),
                deployment: "api".into(),
                replicas: 0,
            },
        ),
    ] {
        d.clear_requests();
        let flow = runner.drive(id, action.clone(), yes).await;
        match &flow.stage {
            Stage::Denied { reason } => assert!(reason.contains("patch"), "{action}: {reason}"),
            s => panic!("{action} was not denied: {s:?}"),
        }
        assert_eq!(
            d.mutating_requests(),
            Vec::<String>::new(),
            "{action}: nothing that changes anything was sent"
        );
        let kinds: Vec<String> = d.journaled(id).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, ["action_requested", "action_failed"], "{action}");
        assert!(
            d.journaled(id)[1].1["error"]
                .as_str()
                .is_some_and(|e| e.contains("denies"))
        );
    }
    assert_eq!(d.jsonpath(&["get", "node", "node-1"], "{.spec.unschedulable}"), "");
}

fn every_action() -> Vec<Action> {
    let (ns, dep) = ("shop".to_string(), "web".to_string());
    vec![
        Action::Cordon { node: "node-1".into() },
        Action::Uncordon { node: "node-1".into() },
        Action::Drain { node: "node-1".into() },
        Action::DeletePod {
            namespace: ns.clone(),
            pod: "whatever".into(),
        },
        Action::RolloutRestart {
            namespace: ns.clone(),
            deployment: dep.clone(),
        },
        Action::RolloutUndo {
            namespace: ns.clone(),
            deployment: dep.clone(),
            revision: None,
        },
        Action::RolloutPause {
            namespace: ns.clone(),
            deployment: dep.clone(),
        },
        Action::RolloutResume {
            namespace: ns.clone(),
            deployment: dep.clone(),
        },
        Action::Scale {
            namespace: ns.clone(),
            deployment: dep.clone(),
            replicas: 5,
        },
        Action::Isolate {
            namespace: ns.clone(),
            selector: BTreeMap::from([("app".into(), dep.clone())]),
        },
        Action::RemoveIsolation {
            namespace: ns,
            policy: "warroom-isolate-x".into(),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_no_change_for_any_action() {
    let d = Drill::start(SCENARIO).await;
    let read_only = d.cluster.clone().with_read_only(true).expect("read-only client");
    let runner = d.runner(&read_only);
    d.clear_requests();
    for (i, action) in every_action().into_iter().enumerate() {
        let flow = runner.drive(&format!("ro-{i}"), action.clone(), yes).await;
        match &flow.stage {
            Stage::Denied { reason } => assert!(reason.contains("read-only"), "{action}: {reason}"),
            s => panic!("{action} was not refused: {s:?}"),
        }
        // The client itself refuses, even when asked directly, dry runs included.
        let direct = warroom::actions::kube::dry_run(&read_only.client, &action).await;
        let real = warroom::actions::kube::run(&read_only.client, &action).await;
        assert!(
            direct.is_err() && real.is_err(),
            "{action} went through the read-only client"
        );
    }
    let mut node_drain = Vec::new();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let token = tokio_util::sync::CancellationToken::new();
    let drained = warroom::actions::drain::run(&read_only.client, "node-1", Default::default(), &tx, &token).await;
    node_drain.push(drained.is_err());
    assert_eq!(node_drain, [true]);
    assert_eq!(
        d.mutating_requests(),
        Vec::<String>::new(),
        "read-only mode sent a change"
    );
    assert_eq!(d.jsonpath(&["get", "node", "node-1"], "{.spec.unschedulable}"), "");
}

/// The console's way: a desk of flows, effects performed in the background, answers back over
/// a channel. A drain held by a budget is cancelled with Esc; repeated keys send nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_drain_is_cancelled_and_repeated_keys_send_nothing_twice() {
    use warroom::actions::{Desk, PodState};
    let d = Drill::start(SCENARIO).await;
    let runner = d.runner(&d.cluster);
    let node = web_node(&d);
    let action = Action::Drain { node: node.clone() };
    let mut desk = Desk::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (id, first) = desk.trigger(action.clone()).expect("first key press");
    assert!(
        desk.trigger(action.clone()).is_none(),
        "a second key press starts nothing"
    );
    runner.perform(&id, &action, first, tx.clone());
    let mut runs = 0;
    let mut cancelled = false;
    while !desk.get(&id).expect("flow").stage.finished() {
        let (fid, input) = rx.recv().await.expect("an answer");
        let held = matches!(&input, Input::Progress(p) if matches!(p.state, PodState::Held(_)));
        let mut effects: Vec<_> = desk.update(&fid, input).into_iter().collect();
        if let Some(Stage::Confirming { confirm, .. }) = desk.get(&id).map(|f| f.stage.clone()) {
            let mut keys = confirming_keys(&confirm);
            keys.extend(confirming_keys(&confirm)); // pressed twice
            for k in keys {
                effects.extend(desk.update(&id, k));
            }
        }
        if held && !cancelled {
            cancelled = true;
            effects.extend(desk.update(&id, Input::Escape));
            effects.extend(desk.update(&id, Input::Escape));
        }
        for e in effects {
            if e == warroom::actions::Effect::Run {
                runs += 1;
            }
            runner.perform(&id, &action, e, tx.clone());
        }
    }
    assert_eq!(runs, 1, "one run however many times it was confirmed");
    let flow = desk.get(&id).expect("flow").clone();
    let done = outcome(&flow);
    assert!(done.cancelled, "{done:?}");
    assert_eq!(done.undo, Some(Action::Uncordon { node: node.clone() }));
    let cordons = d
        .running
        .cluster
        .lock()
        .requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&format!("/nodes/{node}")) && !r.dry_run)
        .count();
    assert_eq!(cordons, 1, "the node was cordoned once");
    let web_left = d.kubectl(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=web",
        "--field-selector",
        &format!("spec.nodeName={node}"),
        "-o",
        "name",
    ]);
    assert!(!web_left.is_empty(), "the held web pod stays after the cancel");
    let kinds: Vec<String> = d.journaled(&id).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_succeeded"]);
    assert_eq!(d.journaled(&id)[2].1["response"]["cancelled"], true);
}

#[test]
fn observers_and_read_only_flags_make_a_read_only_console() {
    use clap::Parser;
    use warroom::cli::{Cli, Command};
    let access = |args: &[&str]| match Cli::try_parse_from(args).expect("parses").command {
        Some(Command::Live { console, .. } | Command::Drill { console, .. }) => console.access.read_only(),
        other => panic!("{other:?}"),
    };
    assert!(!access(&["warroom", "live"]));
    assert!(access(&["warroom", "live", "--read-only"]));
    assert!(access(&["warroom", "live", "--role", "observer"]));
    assert!(!access(&["warroom", "live", "--role", "ops-lead"]));
    assert!(access(&["warroom", "drill", "--role", "observer"]));
    assert!(Cli::try_parse_from(["warroom", "live", "--role", "janitor"]).is_err());
}
