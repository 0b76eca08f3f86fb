//! Containment actions against the drill cluster, checked with the real kubectl: the dry run
//! changes nothing, the run changes what kubectl sees, the undo restores it, and the journal
//! holds every step with its parameters. RBAC denials and read-only mode send no change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use warroom::actions::flow::confirming_keys;
use warroom::actions::{Action, Flow, Input, Preview, Runner, Stage, Workload, WorkloadKind};
use warroom::cluster::connect::Cluster;
use warroom::incident::journal::{self, Journal};
use warroom::incident::model::Actor;
use warroom_drill::Options;

use crate::support::scenario;

struct Fixture {
    running: warroom_drill::Drill,
    cluster: Cluster,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    journal: PathBuf,
}

impl Fixture {
    async fn start(yaml: &str) -> Fixture {
        let s = warroom_drill::scenario::parse("scenario.yaml", yaml).expect("valid scenario");
        let options = Options {
            speed: 20.0,
            ..Options::default()
        };
        let running = warroom_drill::Drill::start(s, "127.0.0.1:0".parse().expect("addr"), &options)
            .await
            .expect("start drill cluster");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        warroom_drill::write_kubeconfig(&kubeconfig, &running.url(), "drill").expect("kubeconfig");
        let cluster = Cluster::drill(&running.url()).expect("cluster");
        let journal = crate::support::new_journal(dir.path(), "actions test");
        Fixture {
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
        let kubectl = warroom_testkit::Kubectl::new(self.kubeconfig.clone(), self.dir.path().join("kube-cache"));
        let out = tokio::task::block_in_place(|| kubectl.run(args));
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
        self.running.clear_requests();
    }

    /// Requests that would change something (dry runs included), access reviews aside.
    fn mutating_requests(&self) -> Vec<String> {
        self.running
            .requests()
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

/// What a direct call stamps on what it changes.
fn stamp() -> warroom::actions::stamp::Stamp {
    warroom::actions::stamp::Stamp::new("INC-20261124-001", "tester", "direct")
}

/// `crate::support::wait_for`, with the runtime told this thread blocks.
fn wait_for<T>(secs: u64, what: &str, f: impl FnMut() -> Option<T>) -> T {
    tokio::task::block_in_place(|| crate::support::wait_for(secs, what, f))
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
    d: &Fixture,
    runner: &Arc<Runner>,
    id: &str,
    action: Action,
    observe: impl Fn() -> String,
    after: &str,
) -> Preview {
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
    preview
}

fn web_image(d: &Fixture) -> String {
    d.jsonpath(
        &["get", "deploy", "web", "-n", "shop"],
        "{.spec.template.spec.containers[0].image}",
    )
}

fn web_node(d: &Fixture) -> String {
    d.jsonpath(
        &["get", "pods", "-n", "shop", "-l", "app=web"],
        "{.items[0].spec.nodeName}",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_dry_run_run_and_uncordon() {
    let d = Fixture::start(&scenario("shop")).await;
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
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.dry_run)
        .count();
    assert!(dry >= 2, "a server-side dry run for the cordon and for the uncordon");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_confirmation_is_recorded_and_changes_nothing() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let flow = runner
        .drive("cordon-no", Action::Cordon { node: "node-1".into() }, |_, _| {
            vec![Input::Typed('n')]
        })
        .await;
    assert_eq!(flow.stage, Stage::Declined);
    let kinds: Vec<String> = d.journaled("cordon-no").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_declined"]);
    assert_eq!(d.jsonpath(&["get", "node", "node-1"], "{.spec.unschedulable}"), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_and_scale_back() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let current = warroom::actions::kube::current_replicas(&d.cluster.client, "shop", &Workload::deployment("api"))
        .await
        .expect("current count");
    assert_eq!(current, 3, "the prompt knows the current count");
    exercise(
        &d,
        &runner,
        "scale-1",
        Action::Scale {
            namespace: "shop".into(),
            workload: Workload::deployment("api"),
            replicas: 1,
        },
        || d.jsonpath(&["get", "deploy", "api", "-n", "shop"], "{.spec.replicas}"),
        "1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_that_would_change_nothing_says_so_and_asks_nothing() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let flow = runner
        .drive(
            "scale-same",
            Action::Scale {
                namespace: "shop".into(),
                workload: Workload::deployment("api"),
                replicas: 3,
            },
            |p, _| panic!("nothing to confirm: {}", p.summary),
        )
        .await;
    assert!(matches!(flow.stage, Stage::Unchanged { .. }), "{:?}", flow.stage);
    let kinds: Vec<String> = d.journaled("scale-same").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_unchanged"]);
    assert_eq!(
        d.jsonpath(&["get", "deploy", "api", "-n", "shop"], "{.spec.replicas}"),
        "3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_sets_kubectls_annotation() {
    let d = Fixture::start(&scenario("shop")).await;
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
                workload: Workload::deployment("api"),
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
    let patched = d.running.requests().iter().any(|r| {
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
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    exercise(
        &d,
        &runner,
        "pause-1",
        Action::RolloutPause {
            namespace: "shop".into(),
            workload: Workload::deployment("api"),
        },
        || d.jsonpath(&["get", "deploy", "api", "-n", "shop"], "{.spec.paused}"),
        "true",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_undo_shows_the_image_and_undoes_back() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let image = || web_image(&d);
    assert_eq!(image(), "registry.example.com/web:1.1");
    let mut shown = String::new();
    let flow = runner
        .drive(
            "undo-0",
            Action::RolloutUndo {
                namespace: "shop".into(),
                workload: Workload::deployment("web"),
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
            workload: Workload::deployment("web"),
            revision: Some(2)
        }
    );
    outcome(&runner.drive("undo-0-undo", undo, yes).await);
    assert_eq!(image(), "registry.example.com/web:1.1");
    let kinds: Vec<String> = d.journaled("undo-0").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_succeeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_goes_to_the_revision_picked_from_the_history() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let image = || web_image(&d);
    // A third revision, the one running: web 1.2.
    d.kubectl(&[
        "set",
        "image",
        "deploy/web",
        "web=registry.example.com/web:1.2",
        "-n",
        "shop",
    ]);
    wait_for(30, "revision 3", || {
        let history = d.kubectl(&["rollout", "history", "deploy/web", "-n", "shop"]);
        history.lines().any(|l| l.trim_start().starts_with('3')).then_some(())
    });
    let mut previews: Vec<Preview> = Vec::new();
    let flow = runner
        .drive(
            "undo-pick",
            Action::RolloutUndo {
                namespace: "shop".into(),
                workload: Workload::deployment("web"),
                revision: None,
            },
            |p, c| {
                assert_eq!(image(), "registry.example.com/web:1.2", "a dry run changed nothing");
                previews.push(p.clone());
                let h = p.history.as_ref().expect("a rollback's preview has the history");
                match h.neighbour(false) {
                    // The first preview goes to revision 2 by default: pick the older one.
                    Some(older) if previews.len() == 1 => vec![Input::Pick(older)],
                    _ => confirming_keys(c),
                }
            },
        )
        .await;
    outcome(&flow);
    let [first, second] = previews.as_slice() else {
        panic!("two previews, the default then the pick: {previews:#?}")
    };
    let h = first.history.as_ref().expect("history");
    let numbers: Vec<i64> = h.revisions.iter().map(|r| r.number).collect();
    assert_eq!((h.current, h.target, numbers), (3, 2, vec![1, 2, 3]), "{h:?}");
    assert_eq!(
        h.revisions[0].change_cause.as_deref(),
        Some("web 1.0"),
        "change causes are listed"
    );
    assert!(first.summary.contains("web:1.1"), "{}", first.summary);
    assert_eq!(second.history.as_ref().map(|h| h.target), Some(1));
    assert!(
        second.summary.contains("web:1.2 → web=registry.example.com/web:1.0"),
        "{}",
        second.summary
    );
    assert_eq!(image(), "registry.example.com/web:1.0");
    // The journal holds both dry runs, each with its revision, and the run of the picked one.
    let journaled = d.journaled("undo-pick");
    let steps: Vec<(&str, Value)> = journaled
        .iter()
        .map(|(k, p)| (k.as_str(), p["parameters"]["revision"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            ("action_requested", Value::Null),
            ("action_dry_run", Value::Null),
            ("action_dry_run", Value::from(1)),
            ("action_succeeded", Value::from(1)),
        ]
    );
    assert_eq!(journaled[3].1["response"]["api"]["to_revision"], 1);
    assert_eq!(
        outcome(&flow).undo,
        Some(Action::RolloutUndo {
            namespace: "shop".into(),
            workload: Workload::deployment("web"),
            revision: Some(3)
        }),
        "the undo goes back to the revision that ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_deployment_is_not_rolled_back() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    d.kubectl(&["rollout", "pause", "deploy/web", "-n", "shop"]);
    let flow = runner
        .drive(
            "undo-p",
            Action::RolloutUndo {
                namespace: "shop".into(),
                workload: Workload::deployment("web"),
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
    let d = Fixture::start(&scenario("shop")).await;
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
                assert!(p.summary.contains("no PodDisruptionBudget covers it"), "{}", p.summary);
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
    // web's budget (2 of 2 must stay) is consulted: the preview names it and the run is refused.
    let web = d.jsonpath(
        &["get", "pods", "-n", "shop", "-l", "app=web"],
        "{.items[0].metadata.name}",
    );
    let mut previewed = None;
    let flow = runner
        .drive(
            "recycle-2",
            Action::DeletePod {
                namespace: "shop".into(),
                pod: web.clone(),
            },
            |p, c| {
                previewed = Some(p.clone());
                confirming_keys(c)
            },
        )
        .await;
    let p = previewed.expect("a preview");
    assert!(
        p.summary
            .contains("consults PodDisruptionBudget web (0 disruptions allowed now)"),
        "{}",
        p.summary
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("the eviction will be refused")),
        "{:?}",
        p.warnings
    );
    match &flow.stage {
        Stage::Failed { error } => assert!(error.contains("was not evicted"), "{error}"),
        s => panic!("a held recycle did not fail: {s:?}"),
    }
    assert_eq!(
        d.jsonpath(&["get", "pod", &web, "-n", "shop"], "{.metadata.name}"),
        web,
        "the budget kept it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolate_with_a_labelled_deny_all_policy() {
    let d = Fixture::start(&scenario("shop")).await;
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
            allow: Vec::new(),
        },
        policies,
        &format!("networkpolicy.networking.k8s.io/{name}"),
    )
    .await;
    // While it existed it denied everything: no rules for either direction.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_isolation_policy_denies_all_traffic() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let selector = BTreeMap::from([("app".to_string(), "api".to_string())]);
    outcome(
        &runner
            .drive(
                "isolate-2",
                Action::Isolate {
                    namespace: "shop".into(),
                    selector: selector.clone(),
                    allow: Vec::new(),
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
    // Named peers are still let through, both ways; the preview says so and warns about DNS.
    outcome(
        &runner
            .drive(
                "isolate-3",
                Action::RemoveIsolation {
                    namespace: "shop".into(),
                    policy: name.clone(),
                },
                yes,
            )
            .await,
    );
    let peers = vec![
        warroom::actions::catalogue::Peer::parse("app=web").expect("peer"),
        warroom::actions::catalogue::Peer::parse("kube-system/k8s-app=kube-dns").expect("peer"),
    ];
    let mut previewed = None;
    let flow = runner
        .drive(
            "isolate-4",
            Action::Isolate {
                namespace: "shop".into(),
                selector: selector.clone(),
                allow: peers,
            },
            |p, c| {
                previewed = Some(p.clone());
                confirming_keys(c)
            },
        )
        .await;
    outcome(&flow);
    let p = previewed.expect("a preview");
    assert!(
        p.summary
            .contains("but to and from app=web kube-system/k8s-app=kube-dns"),
        "{}",
        p.summary
    );
    assert!(p.warnings.iter().any(|w| w.contains("DNS")), "{:?}", p.warnings);
    let spec: Value =
        serde_json::from_str(&d.kubectl(&["get", "networkpolicy", &name, "-n", "shop", "-o", "json"])).expect("json");
    assert_eq!(
        spec["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app"], "web",
        "{spec}"
    );
    assert_eq!(
        spec["spec"]["egress"][0]["to"][1]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "kube-system",
        "{spec}"
    );
    let described = d.kubectl(&["describe", "networkpolicy", &name, "-n", "shop"]);
    assert!(described.contains("app=web"), "{described}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_of_a_node_that_is_not_ready_leaves_its_pods_terminating_and_ends() {
    let d = Fixture::start(
        r#"
name: node-down
title: one node stops reporting
start: "2026-11-24T14:00:00Z"
namespaces: [shop]
nodes:
  - {name: node, count: 1, zone: z1}
workloads:
  - name: api
    namespace: shop
    replicas: 2
    revisions: [{image: "registry.example.com/api:3.0"}]
faults:
  - at: 20s
    nodeCondition: {node: node-1, condition: Ready, status: Unknown}
"#,
    )
    .await;
    let runner = d.runner(&d.cluster);
    let ready = || {
        d.jsonpath(
            &["get", "node", "node-1"],
            "{.status.conditions[?(@.type==\"Ready\")].status}",
        )
    };
    let deleting = || {
        d.jsonpath(
            &["get", "pods", "-n", "shop", "-l", "app=api"],
            "{range .items[*]}{.metadata.deletionTimestamp} {end}",
        )
    };
    wait_for(30, "both api pods running", || {
        let phases = d.jsonpath(
            &["get", "pods", "-n", "shop", "-l", "app=api"],
            "{.items[*].status.phase}",
        );
        (phases == "Running Running").then_some(())
    });
    wait_for(30, "node-1 not Ready", || (ready() == "Unknown").then_some(()));
    let mut previewed = None;
    let flow = runner
        .drive("drain-down", Action::Drain { node: "node-1".into() }, |p, c| {
            previewed = Some(p.clone());
            confirming_keys(c)
        })
        .await;
    let preview = previewed.expect("a preview");
    assert!(
        preview.summary.contains("2 pods will be evicted"),
        "{}",
        preview.summary
    );
    assert!(
        preview.warnings.iter().any(|w| w.contains("the node is not Ready")),
        "{:?}",
        preview.warnings
    );
    // The drain ends instead of waiting for a kubelet that is not there.
    let done = outcome(&flow);
    assert_eq!(
        done.summary,
        "node/node-1 drained: 2 pods evicted (2 left Terminating: the node is not Ready)"
    );
    assert_eq!(
        done.api["terminating"].as_array().map(Vec::len),
        Some(2),
        "{}",
        done.api
    );
    // kubectl sees both pods Terminating: evicted, with a deletion timestamp.
    let stamps = deleting();
    assert_eq!(stamps.split_whitespace().count(), 2, "{stamps:?}");
    let journaled = d.journaled("drain-down");
    assert_eq!(journaled[2].0, "action_succeeded");
    assert_eq!(
        journaled[2].1["response"]["api"]["terminating"],
        done.api["terminating"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_shows_held_pods_then_completes_when_the_budget_allows() {
    let d = Fixture::start(&scenario("shop")).await;
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
                .requests()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_the_role_denies_is_refused_before_any_change() {
    let d = Fixture::start(&scenario("narrow-role")).await;
    let runner = d.runner(&d.cluster);
    let cordon = Action::Cordon { node: "node-1".into() };
    let greyed = runner.may(&cordon).await.expect_err("cordon is greyed out");
    assert!(greyed.contains("patch nodes"), "{greyed}");
    assert_eq!(
        runner
            .may(&Action::RolloutRestart {
                namespace: "shop".into(),
                workload: Workload::deployment("api")
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
                workload: Workload::deployment("api"),
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
        assert_eq!(kinds, ["action_requested", "action_refused"], "{action}");
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
            workload: Workload::deployment(dep.clone()),
        },
        Action::RolloutUndo {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
            revision: None,
        },
        Action::RolloutPause {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
        },
        Action::RolloutResume {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
        },
        Action::Scale {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
            replicas: 5,
        },
        Action::Isolate {
            namespace: ns.clone(),
            selector: BTreeMap::from([("app".into(), dep.clone())]),
            allow: Vec::new(),
        },
        Action::RemoveIsolation {
            namespace: ns.clone(),
            policy: "warroom-isolate-x".into(),
        },
        Action::SetImage {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
            container: None,
            image: "registry.example.com/web:2.0".into(),
        },
        Action::Autoscale {
            namespace: ns.clone(),
            workload: Workload::deployment(dep.clone()),
            min: Some(2),
            max: 8,
        },
        Action::EditConfig {
            namespace: ns.clone(),
            config_map: "web-config".into(),
            set: BTreeMap::from([("MODE".to_string(), Some("safe".to_string()))]),
        },
        Action::TakeOutOfService {
            namespace: ns.clone(),
            pod: format!("{dep}-0"),
        },
        Action::ReturnToService {
            namespace: ns,
            pod: format!("{dep}-0"),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_no_change_for_any_action() {
    let d = Fixture::start(&scenario("shop")).await;
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
        let direct = warroom::actions::kube::dry_run(&read_only.client, &action, &stamp()).await;
        let real = warroom::actions::kube::run(&read_only.client, &action, &stamp()).await;
        assert!(
            direct.is_err() && real.is_err(),
            "{action} went through the read-only client"
        );
    }
    let mut node_drain = Vec::new();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let token = tokio_util::sync::CancellationToken::new();
    let progress = warroom::sink::into_channel(tx, |p| p);
    let drained = warroom::actions::drain::run(
        &read_only.client,
        "node-1",
        &stamp(),
        Default::default(),
        &progress,
        &token,
    )
    .await;
    node_drain.push(drained.is_err());
    assert_eq!(node_drain, [true]);
    assert_eq!(
        d.mutating_requests(),
        Vec::<String>::new(),
        "read-only mode sent a change"
    );
    assert_eq!(d.jsonpath(&["get", "node", "node-1"], "{.spec.unschedulable}"), "");
}

/// The console's way: a flows of flows, effects performed in the background, answers back over
/// a channel. A drain held by a budget is cancelled with Esc; repeated keys send nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_drain_is_cancelled_and_repeated_keys_send_nothing_twice() {
    use warroom::actions::{Flows, PodState};
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let node = web_node(&d);
    let action = Action::Drain { node: node.clone() };
    let mut flows = Flows::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (id, first) = flows.trigger(action.clone()).expect("first key press");
    assert!(
        flows.trigger(action.clone()).is_none(),
        "a second key press starts nothing"
    );
    let answer = {
        let id = id.clone();
        warroom::sink::into_channel(tx, move |input| (id.clone(), input))
    };
    runner.perform(&id, &action, first, answer.clone());
    let mut runs = 0;
    let mut cancelled = false;
    while !flows.get(&id).expect("flow").stage.finished() {
        let (fid, input) = rx.recv().await.expect("an answer");
        let held = matches!(&input, Input::Progress(p) if matches!(p.state, PodState::Held { .. }));
        let mut effects: Vec<_> = flows.update(&fid, input).into_iter().collect();
        if let Some(Stage::Confirming { confirm, .. }) = flows.get(&id).map(|f| f.stage.clone()) {
            let mut keys = confirming_keys(&confirm);
            keys.extend(confirming_keys(&confirm)); // pressed twice
            for k in keys {
                effects.extend(flows.update(&id, k));
            }
        }
        if held && !cancelled {
            cancelled = true;
            effects.extend(flows.update(&id, Input::Escape));
            effects.extend(flows.update(&id, Input::Escape));
        }
        for e in effects {
            if e == warroom::actions::Step::Run {
                runs += 1;
            }
            runner.perform(&id, &action, e, answer.clone());
        }
    }
    assert_eq!(runs, 1, "one run however many times it was confirmed");
    let flow = flows.get(&id).expect("flow").clone();
    let done = outcome(&flow);
    assert!(done.cancelled, "{done:?}");
    assert_eq!(done.undo, Some(Action::Uncordon { node: node.clone() }));
    let cordons = d
        .running
        .requests()
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
    // Cancelled, not succeeded: the record says what was done before (the node cordoned).
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_cancelled"]);
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

/// A StatefulSet and a DaemonSet, each with two revisions rolled out before the drill starts.
fn db() -> Workload {
    Workload::new(WorkloadKind::StatefulSet, "db")
}

fn agent() -> Workload {
    Workload::new(WorkloadKind::DaemonSet, "agent")
}

/// What kubectl sees of a workload: `kubectl get KIND NAME -n data -o jsonpath=PATH`.
fn seen(d: &Fixture, w: &Workload, path: &str) -> String {
    d.jsonpath(&["get", w.kind.word(), &w.name, "-n", "data"], path)
}

const IMAGE: &str = "{.spec.template.spec.containers[0].image}";
const RESTARTED: &str = "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_and_daemonset_restart_with_kubectls_annotation() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let runner = d.runner(&d.cluster);
    for (i, w) in [db(), agent()].into_iter().enumerate() {
        assert_eq!(seen(&d, &w, RESTARTED), "", "{w}");
        let id = format!("restart-k{i}");
        let action = Action::RolloutRestart {
            namespace: "data".into(),
            workload: w.clone(),
        };
        d.clear_requests();
        let flow = runner
            .drive(&id, action.clone(), |p, c| {
                assert_eq!(seen(&d, &w, RESTARTED), "", "{w}: the dry run changed nothing");
                assert_eq!(p.objects, 2, "{w}: two pods are replaced: {p:?}");
                assert!(p.summary.starts_with(&w.to_string()), "{}", p.summary);
                confirming_keys(c)
            })
            .await;
        outcome(&flow);
        let at = seen(&d, &w, RESTARTED);
        assert!(
            at.parse::<jiff::Timestamp>().is_ok(),
            "{w}: kubectl sees restartedAt {at:?}"
        );
        let plural = format!("/{}/{}", w.kind.resource(), w.name);
        let patched = d.running.requests().iter().any(|r| {
            r.method == "PATCH"
                && !r.dry_run
                && r.path.ends_with(&plural)
                && r.query.contains("fieldManager=kubectl-rollout")
        });
        assert!(patched, "{w}: patched as kubectl patches, with its field manager");
        let journaled = d.journaled(&id);
        let kinds: Vec<&str> = journaled.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["action_requested", "action_dry_run", "action_succeeded"]);
        for (_, payload) in &journaled {
            assert_eq!(payload["parameters"], action.parameters());
            assert_eq!(payload["parameters"]["workload"]["kind"], format!("{:?}", w.kind));
            assert_eq!(payload["target"], format!("{w} -n data"));
        }
        assert_eq!(
            journaled[2].1["response"]["api"]["kubectl.kubernetes.io/restartedAt"],
            at
        );
    }
    // kubectl's rollout status follows the StatefulSet's revisions to the end.
    wait_for(60, "the restarted statefulset to roll out", || {
        let current = seen(&d, &db(), "{.status.currentRevision}");
        let update = seen(&d, &db(), "{.status.updateRevision}");
        let ready = seen(&d, &db(), "{.status.updatedReplicas}");
        (current == update && ready == "2").then_some(())
    });
    let status = d.kubectl(&["rollout", "status", "sts/db", "-n", "data", "--watch=false"]);
    assert!(status.contains("complete") || status.contains("rolled out"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_undo_shows_the_image_and_undoes_back() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let runner = d.runner(&d.cluster);
    let preview = exercise(
        &d,
        &runner,
        "undo-sts",
        Action::RolloutUndo {
            namespace: "data".into(),
            workload: db(),
            revision: None,
        },
        || seen(&d, &db(), IMAGE),
        "registry.example.com/db:15",
    )
    .await;
    assert!(
        preview
            .summary
            .contains("back to revision 1 from 2; image db=registry.example.com/db:16 → db=registry.example.com/db:15"),
        "{}",
        preview.summary
    );
    assert_eq!(
        preview.undo,
        Some(Action::RolloutUndo {
            namespace: "data".into(),
            workload: db(),
            revision: Some(2)
        })
    );
    let h = preview.history.expect("the ControllerRevisions as the history");
    let listed: Vec<(i64, Vec<String>)> = h.revisions.iter().map(|r| (r.number, r.images.clone())).collect();
    assert_eq!(
        (h.current, h.target, listed),
        (
            2,
            1,
            vec![
                (1, vec!["db=registry.example.com/db:15".to_string()]),
                (2, vec!["db=registry.example.com/db:16".to_string()])
            ]
        )
    );
    // Undo and its undo each brought an old template back: revisions 1 and 2 became 3 and 4.
    let history = d.kubectl(&["rollout", "history", "sts/db", "-n", "data"]);
    let rows: Vec<String> = history
        .lines()
        .skip_while(|l| !l.starts_with("REVISION"))
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(rows, ["3 db 15", "4 db 16"], "{history}");
    let journaled = d.journaled("undo-sts");
    assert_eq!(journaled[2].1["response"]["api"]["to_revision"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemonset_undo_to_a_revision_and_back() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let runner = d.runner(&d.cluster);
    let preview = exercise(
        &d,
        &runner,
        "undo-ds",
        Action::RolloutUndo {
            namespace: "data".into(),
            workload: agent(),
            revision: Some(1),
        },
        || seen(&d, &agent(), IMAGE),
        "registry.example.com/agent:1",
    )
    .await;
    assert!(
        preview.summary.contains("agent:2 → agent=registry.example.com/agent:1"),
        "{}",
        preview.summary
    );
    assert_eq!(preview.objects, 2, "one pod per node is replaced");
    // The pods follow: every agent pod ends up on the restored template.
    wait_for(60, "the agent pods back on agent:2", || {
        let images = d.kubectl(&[
            "get",
            "pods",
            "-n",
            "data",
            "-l",
            "app=agent",
            "-o",
            "jsonpath={range .items[*]}{.spec.containers[0].image} {end}",
        ]);
        (images.split_whitespace().count() == 2 && images.split_whitespace().all(|i| i.ends_with("agent:2")))
            .then_some(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_scale_and_scale_back() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let runner = d.runner(&d.cluster);
    let current = warroom::actions::kube::current_replicas(&d.cluster.client, "data", &db())
        .await
        .expect("current count");
    assert_eq!(current, 2, "the prompt knows the current count");
    exercise(
        &d,
        &runner,
        "scale-sts",
        Action::Scale {
            namespace: "data".into(),
            workload: db(),
            replicas: 1,
        },
        || seen(&d, &db(), "{.spec.replicas}"),
        "1",
    )
    .await;
    let scaled = d
        .running
        .requests()
        .iter()
        .any(|r| r.method == "PATCH" && !r.dry_run && r.path.ends_with("/statefulsets/db/scale"));
    assert!(scaled, "through the scale subresource");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_scale_that_cannot_apply_are_refused_before_any_request() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let runner = d.runner(&d.cluster);
    let cases = [
        (
            Action::RolloutPause {
                namespace: "data".into(),
                workload: agent(),
            },
            "deployments only",
        ),
        (
            Action::RolloutResume {
                namespace: "data".into(),
                workload: db(),
            },
            "deployments only",
        ),
        (
            Action::Scale {
                namespace: "data".into(),
                workload: agent(),
                replicas: 3,
            },
            "one pod per node",
        ),
    ];
    for (i, (action, why)) in cases.into_iter().enumerate() {
        d.clear_requests();
        let greyed = runner.may(&action).await.expect_err("the key is greyed");
        assert!(greyed.contains(why), "{action}: {greyed}");
        let id = format!("refused-{i}");
        let flow = runner.drive(&id, action.clone(), yes).await;
        match &flow.stage {
            Stage::Denied { reason } => assert!(reason.contains(why), "{action}: {reason}"),
            s => panic!("{action} was not refused: {s:?}"),
        }
        assert!(
            d.running.requests().is_empty(),
            "{action}: not even an access review was sent"
        );
        let kinds: Vec<String> = d.journaled(&id).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, ["action_requested", "action_refused"], "{action}");
        // Asked directly, the adapter refuses too.
        let direct = warroom::actions::kube::dry_run(&d.cluster.client, &action, &stamp()).await;
        assert!(direct.is_err_and(|e| e.message.contains(why)), "{action}");
    }
    assert_eq!(seen(&d, &db(), "{.spec.replicas}"), "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_checks_name_the_statefulset_and_daemonset_resources() {
    let yaml = format!(
        "{}rbac:\n  deny:\n    - {{verb: patch, resource: statefulsets/scale}}\n    - {{verb: list, resource: controllerrevisions}}\n",
        scenario("statefulset-daemonset")
    );
    let d = Fixture::start(&yaml).await;
    let runner = d.runner(&d.cluster);
    let restart = Action::RolloutRestart {
        namespace: "data".into(),
        workload: db(),
    };
    assert_eq!(
        runner.may(&restart).await,
        Ok(()),
        "restart needs only patch statefulsets"
    );
    for (action, resource) in [
        (
            Action::Scale {
                namespace: "data".into(),
                workload: db(),
                replicas: 0,
            },
            "statefulsets/scale",
        ),
        (
            Action::RolloutUndo {
                namespace: "data".into(),
                workload: agent(),
                revision: None,
            },
            "controllerrevisions",
        ),
    ] {
        d.clear_requests();
        let flow = runner.drive("deny-kind", action.clone(), yes).await;
        match &flow.stage {
            Stage::Denied { reason } => assert!(reason.contains(resource), "{action}: {reason}"),
            s => panic!("{action} was not denied: {s:?}"),
        }
        assert_eq!(d.mutating_requests(), Vec::<String>::new(), "{action}");
    }
}

/// kubectl's own rollout history and undo work on the drill cluster's StatefulSets and
/// DaemonSets: it reads the ControllerRevisions and sends their data back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_history_and_undo_on_statefulsets_and_daemonsets() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let rows = |target: &str| {
        let history = d.kubectl(&["rollout", "history", target, "-n", "data"]);
        history
            .lines()
            .skip_while(|l| !l.starts_with("REVISION"))
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    for (target, w, name) in [("sts/db", db(), "db"), ("ds/agent", agent(), "agent")] {
        let (old, new) = if name == "db" { ("15", "16") } else { ("1", "2") };
        let image = |tag: &str| format!("registry.example.com/{name}:{tag}");
        assert_eq!(rows(target), [format!("1 {name} {old}"), format!("2 {name} {new}")]);
        let owned = d.kubectl(&[
            "get", "controllerrevisions", "-n", "data", "-l", &format!("app={name}"), "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind} {.metadata.labels.controller-revision-hash}|{end}",
        ]);
        for line in owned.split('|').filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert_eq!(parts[0], format!("{name}-{}", parts[2]), "named owner-hash: {line}");
            assert!(matches!(parts[1], "StatefulSet" | "DaemonSet"), "{line}");
        }
        // A server-side dry run changes nothing.
        let dry = d.kubectl(&["rollout", "undo", target, "-n", "data", "--dry-run=server"]);
        assert!(dry.contains("rolled back"), "{dry}");
        assert_eq!(seen(&d, &w, IMAGE), image(new), "{target}: the dry run changed nothing");
        let out = d.kubectl(&["rollout", "undo", target, "-n", "data"]);
        assert!(out.contains("rolled back"), "{out}");
        assert_eq!(seen(&d, &w, IMAGE), image(old));
        wait_for(30, "the old revision renumbered", || {
            (rows(target) == [format!("2 {name} {new}"), format!("3 {name} {old}")]).then_some(())
        });
        let shown = d.kubectl(&["rollout", "history", target, "-n", "data", "--revision=2"]);
        assert!(shown.contains(&image(new)), "{shown}");
        d.kubectl(&["rollout", "undo", target, "-n", "data", "--to-revision=2"]);
        assert_eq!(seen(&d, &w, IMAGE), image(new));
        wait_for(30, "revision 2 renumbered", || {
            (rows(target) == [format!("3 {name} {old}"), format!("4 {name} {new}")]).then_some(())
        });
        // The revision's data is byte for byte what kubectl makes of the template running now.
        let again = d.kubectl(&["rollout", "undo", target, "-n", "data", "--to-revision=4"]);
        assert!(
            again.contains("skipped rollback (current template already matches revision 4)"),
            "{again}"
        );
    }
    let current = seen(&d, &db(), "{.status.updateRevision}");
    let names = d.kubectl(&["get", "controllerrevisions", "-n", "data", "-o", "name"]);
    assert!(
        names.contains(&current),
        "the status names a revision object: {current} in {names}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_no_change_to_statefulsets_or_daemonsets() {
    let d = Fixture::start(&scenario("statefulset-daemonset")).await;
    let read_only = d.cluster.clone().with_read_only(true).expect("read-only client");
    let runner = d.runner(&read_only);
    d.clear_requests();
    let ns = || "data".to_string();
    let actions = [
        Action::RolloutRestart {
            namespace: ns(),
            workload: db(),
        },
        Action::RolloutRestart {
            namespace: ns(),
            workload: agent(),
        },
        Action::RolloutUndo {
            namespace: ns(),
            workload: db(),
            revision: None,
        },
        Action::RolloutUndo {
            namespace: ns(),
            workload: agent(),
            revision: Some(1),
        },
        Action::Scale {
            namespace: ns(),
            workload: db(),
            replicas: 0,
        },
    ];
    for (i, action) in actions.into_iter().enumerate() {
        let flow = runner.drive(&format!("ro-k{i}"), action.clone(), yes).await;
        match &flow.stage {
            Stage::Denied { reason } => assert!(reason.contains("read-only"), "{action}: {reason}"),
            s => panic!("{action} was not refused: {s:?}"),
        }
        // The objects exist, so these reach the client's guard, which refuses the PATCH.
        let direct = warroom::actions::kube::dry_run(&read_only.client, &action, &stamp()).await;
        let real = warroom::actions::kube::run(&read_only.client, &action, &stamp()).await;
        assert!(
            direct.is_err_and(|e| e.message.contains("read-only"))
                && real.is_err_and(|e| e.message.contains("read-only")),
            "{action} went through the read-only client"
        );
    }
    assert_eq!(
        d.mutating_requests(),
        Vec::<String>::new(),
        "read-only mode sent a change"
    );
    assert_eq!(seen(&d, &db(), IMAGE), "registry.example.com/db:16");
    assert_eq!(seen(&d, &agent(), IMAGE), "registry.example.com/agent:2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_image_and_set_it_back() {
    let d = Fixture::start(&scenario("shop")).await;
    let runner = d.runner(&d.cluster);
    let before = web_image(&d);
    let preview = exercise(
        &d,
        &runner,
        "image-1",
        Action::SetImage {
            namespace: "shop".into(),
            workload: Workload::deployment("web"),
            container: None,
            image: "registry.example.com/shop/web:9.9.9".into(),
        },
        || web_image(&d),
        "registry.example.com/shop/web:9.9.9",
    )
    .await;
    assert_eq!(
        preview.changes[0].from, before,
        "the preview shows the image it replaces"
    );
    assert!(preview.summary.contains("a rollout replaces"), "{}", preview.summary);
    let refused = runner
        .drive(
            "image-2",
            Action::SetImage {
                namespace: "shop".into(),
                workload: Workload::deployment("web"),
                container: Some("sidecar".into()),
                image: "x:1".into(),
            },
            |_, _| panic!("no preview for a container the workload does not run"),
        )
        .await;
    assert!(
        matches!(&refused.stage, Stage::Failed { error: e } if e.contains("no container \"sidecar\"")),
        "{:?}",
        refused.stage
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscale_raises_the_autoscalers_max_and_undo_restores_it() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/hpa-at-max.yaml")).expect("shipped drill");
    let d = Fixture::start(&yaml).await;
    let runner = d.runner(&d.cluster);
    let bounds = || {
        d.jsonpath(
            &["get", "hpa", "frontend", "-n", "shop"],
            "{.spec.minReplicas}-{.spec.maxReplicas}",
        )
    };
    let preview = exercise(
        &d,
        &runner,
        "autoscale-1",
        Action::Autoscale {
            namespace: "shop".into(),
            workload: Workload::deployment("frontend"),
            min: None,
            max: 10,
        },
        bounds,
        "3-10",
    )
    .await;
    assert!(preview.summary.contains("max 6→10"), "{}", preview.summary);
    assert_eq!(
        preview.undo,
        Some(Action::Autoscale {
            namespace: "shop".into(),
            workload: Workload::deployment("frontend"),
            min: Some(3),
            max: 6,
        })
    );
    let crossing = runner
        .drive(
            "autoscale-2",
            Action::Autoscale {
                namespace: "shop".into(),
                workload: Workload::deployment("frontend"),
                min: None,
                max: 2,
            },
            |_, _| panic!("no preview for bounds that cross"),
        )
        .await;
    assert!(
        matches!(&crossing.stage, Stage::Failed { error: e } if e.contains("below the autoscaler's min 3")),
        "{:?}",
        crossing.stage
    );
    let none = runner
        .drive(
            "autoscale-3",
            Action::Autoscale {
                namespace: "shop".into(),
                workload: Workload::deployment("cart"),
                min: None,
                max: 5,
            },
            |_, _| panic!("no preview without an autoscaler"),
        )
        .await;
    assert!(
        matches!(&none.stage, Stage::Failed { error: e } if e.contains("no HorizontalPodAutoscaler in shop scales deployment/cart")),
        "{:?}",
        none.stage
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_config_sets_the_key_back_restarts_its_readers_and_undo_restores_it() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-config.yaml")).expect("shipped drill");
    let d = Fixture::start(&yaml).await;
    let runner = d.runner(&d.cluster);
    let table = || {
        d.jsonpath(
            &["get", "cm", "checkout-config", "-n", "shop"],
            "{.data.CURRENCY_TABLE}",
        )
    };
    // The push at 2m of drill time (20x): the map holds the value checkout refuses.
    wait_for(60, "the config push", || (table() == "eur-v4").then_some(()));
    let restarted = || {
        d.jsonpath(
            &["get", "deploy", "checkout", "-n", "shop"],
            "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
        )
    };
    let pushed = restarted();
    let preview = exercise(
        &d,
        &runner,
        "config-1",
        Action::EditConfig {
            namespace: "shop".into(),
            config_map: "checkout-config".into(),
            set: BTreeMap::from([("CURRENCY_TABLE".to_string(), Some("eur-v3".to_string()))]),
        },
        table,
        "eur-v3",
    )
    .await;
    assert!(
        preview.summary.contains("CURRENCY_TABLE \"eur-v4\"→\"eur-v3\"")
            && preview.summary.contains("restart deployment/checkout (4 pods)"),
        "{}",
        preview.summary
    );
    assert_eq!(preview.objects, 5, "the map and the four pods it restarts");
    assert_eq!(
        preview.undo,
        Some(Action::EditConfig {
            namespace: "shop".into(),
            config_map: "checkout-config".into(),
            set: BTreeMap::from([("CURRENCY_TABLE".to_string(), Some("eur-v4".to_string()))]),
        }),
        "the old value is kept for the undo"
    );
    assert_ne!(restarted(), pushed, "checkout was restarted to read the map");
    // Nothing to change: said, nothing asked or sent, and journaled as such.
    let same = runner
        .drive(
            "config-2",
            Action::EditConfig {
                namespace: "shop".into(),
                config_map: "checkout-config".into(),
                set: BTreeMap::from([("CURRENCY_TABLE".to_string(), Some("eur-v4".to_string()))]),
            },
            |p, _| panic!("nothing to confirm: {}", p.summary),
        )
        .await;
    match &same.stage {
        Stage::Unchanged { preview } => assert!(preview.summary.contains("nothing changes"), "{}", preview.summary),
        other => panic!("{other:?}"),
    }
    let kinds: Vec<String> = d.journaled("config-2").into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["action_requested", "action_dry_run", "action_unchanged"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_taken_out_of_service_gets_no_endpoints_and_comes_back_with_the_undo() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/hpa-at-max.yaml")).expect("shipped drill");
    let d = Fixture::start(&yaml).await;
    let runner = d.runner(&d.cluster);
    let pod = d.jsonpath(
        &["get", "pods", "-n", "shop", "-l", "app=frontend"],
        "{.items[0].metadata.name}",
    );
    let app = || d.jsonpath(&["get", "pod", &pod, "-n", "shop"], "{.metadata.labels.app}");
    let preview = exercise(
        &d,
        &runner,
        "out-1",
        Action::TakeOutOfService {
            namespace: "shop".into(),
            pod: pod.clone(),
        },
        app,
        "",
    )
    .await;
    assert!(
        preview.summary.contains("leaves Service frontend"),
        "{}",
        preview.summary
    );
    assert!(
        preview.warnings.iter().any(|w| w.contains("start a replacement")),
        "{:?}",
        preview.warnings
    );
    // Back in service, it is its ReplicaSet's again, and the replacement goes instead of it.
    wait_for(60, "its ReplicaSet to adopt it back and let the replacement go", || {
        let owner = d.jsonpath(
            &["get", "pod", &pod, "-n", "shop"],
            "{.metadata.ownerReferences[0].kind}",
        );
        let live = d.jsonpath(
            &["get", "pods", "-n", "shop", "-l", "app=frontend"],
            "{range .items[?(@.metadata.deletionTimestamp)]}x{end}",
        );
        let desired = d.jsonpath(&["get", "deploy", "frontend", "-n", "shop"], "{.spec.replicas}");
        let replicas = d.jsonpath(
            &["get", "rs", "-n", "shop", "-l", "app=frontend"],
            "{.items[*].status.replicas}",
        );
        (owner == "ReplicaSet"
            && live.is_empty()
            && replicas
                .split_whitespace()
                .map(|r| r.parse::<u32>().unwrap_or(0))
                .sum::<u32>()
                .to_string()
                == desired)
            .then_some(())
    });
    assert_eq!(
        d.jsonpath(&["get", "pod", &pod, "-n", "shop"], "{.status.phase}"),
        "Running",
        "the pod put back is kept"
    );
    // Out again, and looked at from the Service's side.
    let ip = d.jsonpath(&["get", "pod", &pod, "-n", "shop"], "{.status.podIP}");
    let flow = runner
        .drive(
            "out-2",
            Action::TakeOutOfService {
                namespace: "shop".into(),
                pod: pod.clone(),
            },
            yes,
        )
        .await;
    outcome(&flow);
    wait_for(30, "the endpoints to drop it", || {
        let eps = d.jsonpath(
            &["get", "endpoints", "frontend", "-n", "shop"],
            "{.subsets[*].addresses[*].ip}",
        );
        (!eps.split_whitespace().any(|e| e == ip)).then_some(())
    });
    wait_for(60, "its ReplicaSet to replace it", || {
        let serving = d.jsonpath(&["get", "deploy", "frontend", "-n", "shop"], "{.status.readyReplicas}");
        (serving == "3").then_some(())
    });
    assert_eq!(
        d.jsonpath(&["get", "pod", &pod, "-n", "shop"], "{.status.phase}"),
        "Running",
        "it runs on for inspection"
    );
    // Refusals say why, before anything is sent.
    let exporter = d.jsonpath(&["get", "pods", "-n", "monitoring"], "{.items[0].metadata.name}");
    let none = runner
        .drive(
            "out-3",
            Action::TakeOutOfService {
                namespace: "monitoring".into(),
                pod: exporter.clone(),
            },
            |_, _| panic!("no preview for a pod no Service selects"),
        )
        .await;
    assert!(
        matches!(&none.stage, Stage::Failed { error } if error.contains("no Service in monitoring sends traffic")),
        "{:?}",
        none.stage
    );
    let never = runner
        .drive(
            "in-1",
            Action::ReturnToService {
                namespace: "monitoring".into(),
                pod: exporter,
            },
            |_, _| panic!("no preview for a pod never taken out"),
        )
        .await;
    assert!(
        matches!(&never.stage, Stage::Failed { error } if error.contains("was not taken out of service by warroom")),
        "{:?}",
        never.stage
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_warroom_changes_names_the_incident_and_who_changed_it() {
    use warroom::actions::stamp::{CHANGED_BY, INCIDENT};
    let d = Fixture::start(&scenario("shop")).await;
    let am = warroom::observe::alertmanager::Alertmanager::new(
        warroom::observe::http::Http::new(
            warroom::observe::http::Server::Alertmanager,
            &d.running.alertmanager_url(),
            warroom::observe::http::Auth::None,
            Duration::from_secs(10),
        )
        .expect("client"),
    );
    let journal = Journal::open(&d.journal).expect("open journal");
    let runner = Arc::new(
        Runner::new(&d.cluster, Arc::new(Mutex::new(journal)), Actor::named("tester"))
            .expect("runner")
            .with_alertmanager(Some(am.clone())),
    );
    let node = web_node(&d);
    let selector = BTreeMap::from([("app".to_string(), "api".to_string())]);
    let policy = warroom::actions::catalogue::isolation_policy_name(&selector);
    let changed: [(Action, Vec<&str>); 4] = [
        (Action::Cordon { node: node.clone() }, vec!["get", "node", &node]),
        (
            Action::Scale {
                namespace: "shop".into(),
                workload: Workload::deployment("api"),
                replicas: 2,
            },
            vec!["get", "deploy", "api", "-n", "shop"],
        ),
        (
            Action::RolloutRestart {
                namespace: "shop".into(),
                workload: Workload::deployment("web"),
            },
            vec!["get", "deploy", "web", "-n", "shop"],
        ),
        (
            Action::Isolate {
                namespace: "shop".into(),
                selector,
                allow: Vec::new(),
            },
            vec!["get", "networkpolicy", &policy, "-n", "shop"],
        ),
    ];
    let annotation =
        |args: &[&str], key: &str| d.jsonpath(args, &format!("{{.metadata.annotations.{}}}", key.replace('.', "\\.")));
    for (i, (action, object)) in changed.iter().enumerate() {
        // The dry run stamps nothing.
        if action.verb() != "isolate" {
            assert_eq!(annotation(object, INCIDENT), "", "{action}: stamped before it ran");
        }
        let flow = runner.drive(&format!("stamp-{i}"), action.clone(), yes).await;
        outcome(&flow);
        assert_eq!(annotation(object, INCIDENT), "INC-20261124-001", "{action}");
        assert_eq!(
            annotation(object, CHANGED_BY),
            format!("tester ({})", action.verb()),
            "{action}"
        );
    }
    // Alertmanager users see the incident in the silence's comment.
    let silence = Action::Silence {
        matchers: [("alertname".to_string(), "Anything".to_string())].into(),
        minutes: 30,
    };
    outcome(&runner.drive("stamp-silence", silence, yes).await);
    let silences = am.silences().await.expect("silences");
    assert!(
        silences
            .iter()
            .any(|s| s.comment.contains("incident INC-20261124-001") && s.created_by == "tester"),
        "{silences:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_config_asks_to_restart_only_the_workloads_that_read_the_map() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-config.yaml")).expect("shipped drill");
    let fix = || Action::EditConfig {
        namespace: "shop".into(),
        config_map: "checkout-config".into(),
        set: BTreeMap::from([("PAYMENT_TIMEOUT_MS".to_string(), Some("900".to_string()))]),
    };
    // No StatefulSet reads the map: being denied theirs does not matter.
    let d = Fixture::start(&format!(
        "{yaml}\nrbac:\n  deny:\n    - {{verb: patch, resource: statefulsets}}\n"
    ))
    .await;
    let runner = d.runner(&d.cluster);
    outcome(&runner.drive("config-rbac-1", fix(), yes).await);
    // checkout reads it: being denied Deployments refuses the edit before anything changes.
    let d = Fixture::start(&format!(
        "{yaml}\nrbac:\n  deny:\n    - {{verb: patch, resource: deployments}}\n"
    ))
    .await;
    let runner = d.runner(&d.cluster);
    d.clear_requests();
    let refused = runner
        .drive("config-rbac-2", fix(), |p, _| panic!("no confirmation: {}", p.summary))
        .await;
    match &refused.stage {
        Stage::Failed { error } => assert!(
            error.contains("you may not patch")
                && error.contains("checkout")
                && error.contains("reads configmap/checkout-config"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
    let sent: Vec<String> = d
        .mutating_requests()
        .into_iter()
        .filter(|r| !r.contains("dryRun"))
        .collect();
    assert_eq!(sent, Vec::<String>::new(), "nothing but dry runs was sent");
}
