//! The health model fed by kube-rs watchers from the drill cluster agrees with what kubectl
//! reports, after faults, after every connection is dropped, after a 410, and when the user
//! may not list pods cluster-wide.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use warroom::cluster::connect::Cluster;
use warroom::cluster::follow::{Following, follow};
use warroom::cluster::model::{ClusterModel, Resource, Update};
use warroom::cluster::rows::OwnerKind;
use warroom::cluster::symptoms::{SymptomKind, Thresholds, symptoms};
use warroom::freshness::Freshness;
use warroom_drill::{Drill, Options};

use crate::support::scenario;

struct Harness {
    running: Drill,
    model: ClusterModel,
    rx: mpsc::Receiver<Update>,
    _following: Following,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(yaml: Option<&str>) -> Harness {
        Harness::start_with(yaml, Options::default()).await
    }

    async fn start_with(yaml: Option<&str>, options: Options) -> Harness {
        let s = match yaml {
            Some(y) => warroom_drill::scenario::parse("test.yaml", y).expect("scenario"),
            None => warroom_drill::scenario::builtin(),
        };
        let options = Options {
            paused: true,
            start: Some("2026-11-24T14:00:00Z".parse().expect("time")),
            ..options
        };
        let running = Drill::start(s, "127.0.0.1:0".parse().expect("addr"), &options)
            .await
            .expect("start");
        let dir = tempfile::tempdir().expect("tmp");
        let kubeconfig = dir.path().join("kubeconfig");
        warroom_drill::write_kubeconfig(&kubeconfig, &running.url(), "drill").expect("kubeconfig");
        let cluster = Cluster::drill(&running.url()).expect("cluster");
        let (tx, rx) = mpsc::channel(1024);
        let following = follow(&cluster, tx);
        let mut h = Harness {
            running,
            model: ClusterModel::new(),
            rx,
            _following: following,
            kubeconfig,
            _dir: dir,
        };
        h.pump_until("the model is complete", |m| m.complete()).await;
        h
    }

    /// Applies updates until `done` holds (a wait with a deadline, not a timing assertion).
    async fn pump_until(&mut self, what: &str, done: impl Fn(&ClusterModel) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&self.model) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(u)) => self.model.apply(u),
                Ok(None) => panic!("the watchers stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; freshness: {:?}", self.model.freshness),
            }
            while let Ok(u) = self.rx.try_recv() {
                self.model.apply(u);
            }
        }
    }

    fn kubectl(&self, args: &[&str]) -> String {
        warroom_testkit::Kubectl::new(self.kubeconfig.clone(), self._dir.path().join("cache")).ok(args)
    }

    async fn control(&self, path: &str) {
        let r = warroom::http::plain_client()
            .post(format!("{}{path}", self.running.url()))
            .send()
            .await
            .expect("control");
        assert!(r.status().is_success());
    }

    /// (namespace/name, STATUS column) of every pod, from kubectl.
    fn kubectl_pods(&self) -> BTreeSet<(String, String)> {
        self.kubectl(&["get", "pods", "-A", "--no-headers"])
            .lines()
            .filter_map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                Some((format!("{}/{}", c.first()?, c.get(1)?), c.get(3)?.to_string()))
            })
            .collect()
    }

    fn model_pods(&self) -> BTreeSet<String> {
        self.model.pods.keys().map(|(ns, n)| format!("{ns}/{n}")).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_agrees_with_kubectl_after_faults() {
    let mut h = Harness::start(None).await;
    let nodes = h.kubectl(&["get", "nodes", "--no-headers"]);
    assert_eq!(h.model.totals.nodes as usize, nodes.lines().count());
    assert_eq!(
        h.model.totals.nodes_ready as usize,
        nodes.lines().filter(|l| l.contains(" Ready ")).count()
    );
    let pods = h.kubectl_pods();
    assert_eq!(h.model_pods(), pods.iter().map(|(k, _)| k.clone()).collect());
    assert_eq!(
        h.model.totals.pods_running as usize,
        pods.iter().filter(|(_, s)| s == "Running").count()
    );
    for line in h.kubectl(&["get", "deploy", "-A", "--no-headers"]).lines() {
        let c: Vec<&str> = line.split_whitespace().collect();
        let key = (c[0].into(), OwnerKind::Deployment, c[1].into());
        let w = h
            .model
            .workloads
            .get(&key)
            .unwrap_or_else(|| panic!("model lacks {line}"));
        assert_eq!(format!("{}/{}", w.ready, w.desired), c[2], "{line}");
    }
    // The bad deploy fires at 2m; by 4m checkout crashloops.
    h.control("/drill/v1/clock?advance=4m").await;
    // Crashing as kubectl shows it: CrashLoopBackOff, or Running but not ready after restarts.
    let crashing = || {
        h.kubectl(&["get", "pods", "-A", "--no-headers"])
            .lines()
            .filter(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                c.get(3) == Some(&"CrashLoopBackOff")
                    || (c.get(2) == Some(&"0/1")
                        && c.get(4).is_some_and(|r| *r != "0")
                        && c.get(3) != Some(&"Terminating"))
            })
            .count() as u32
    };
    let expected = crashing();
    assert!(expected > 0, "the drill's bad deploy crashloops");
    h.pump_until("crashlooping pods in the model", |m| {
        m.totals.pods_crashlooping == expected
    })
    .await;
    let now = "2026-11-24T14:04:00Z"
        .parse::<jiff::Timestamp>()
        .expect("time")
        .as_second();
    let found = symptoms(&h.model, now, Thresholds::default());
    let crash = found
        .iter()
        .find(|s| s.kind == SymptomKind::CrashLooping)
        .expect("a crashloop signal");
    assert_eq!(crash.subject, "deployment shop/checkout");
    assert!(crash.objects.contains(&"deployment/checkout".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_streaming_lists_is_listed_in_pages() {
    // A server before Kubernetes 1.32 (WatchList off) refuses a watch that asks for its
    // initial state; the model lists in pages instead, and relists so after a 410.
    let options = Options {
        watch_list: false,
        ..Options::default()
    };
    let mut h = Harness::start_with(None, options).await;
    let pods = |m: &ClusterModel| -> BTreeSet<String> { m.pods.keys().map(|(ns, n)| format!("{ns}/{n}")).collect() };
    let listed: BTreeSet<String> = h.kubectl_pods().into_iter().map(|(k, _)| k).collect();
    assert_eq!(pods(&h.model), listed);
    h.kubectl(&["scale", "deploy/cart", "-n", "shop", "--replicas=5"]);
    h.control("/drill/v1/clock?advance=30s").await;
    h.control("/drill/v1/compact").await;
    h.control("/drill/v1/disconnect").await;
    let after: BTreeSet<String> = h.kubectl_pods().into_iter().map(|(k, _)| k).collect();
    assert_ne!(after, listed);
    h.pump_until("the model to match kubectl after a relist", |m| pods(m) == after)
        .await;
    h.pump_until("every source live again", |m| m.complete()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_recovers_after_dropped_connections_and_410() {
    let mut h = Harness::start(None).await;
    // Every watch is dropped; a change happens meanwhile.
    h.control("/drill/v1/disconnect").await;
    h.kubectl(&["scale", "deploy/cart", "-n", "shop", "--replicas=5"]);
    h.control("/drill/v1/clock?advance=30s").await;
    let key = ("shop".into(), OwnerKind::Deployment, "cart".into());
    h.pump_until("cart at 5/5 after reconnecting", |m| {
        m.workloads.get(&key).is_some_and(|w| w.desired == 5 && w.ready == 5)
    })
    .await;
    let pods: BTreeSet<String> = h.kubectl_pods().into_iter().map(|(k, _)| k).collect();
    h.pump_until("the same pods as kubectl", |m| {
        m.pods
            .keys()
            .map(|(ns, n)| format!("{ns}/{n}"))
            .collect::<BTreeSet<_>>()
            == pods
    })
    .await;
    // Now the change log is forgotten and every watch dropped: resuming gets 410 and relists.
    // A pod deleted meanwhile must vanish from the model, though no DELETED event reaches it.
    h.control("/drill/v1/compact").await;
    h.control("/drill/v1/disconnect").await;
    let victim = pods
        .iter()
        .find(|p| p.starts_with("shop/frontend"))
        .expect("a frontend pod")
        .clone();
    let name = victim.trim_start_matches("shop/");
    h.kubectl(&["delete", "pod", "-n", "shop", name, "--wait=false"]);
    h.control("/drill/v1/clock?advance=1m").await;
    h.control("/drill/v1/compact").await;
    h.control("/drill/v1/disconnect").await;
    let after: BTreeSet<String> = h.kubectl_pods().into_iter().map(|(k, _)| k).collect();
    assert!(!after.contains(&victim));
    h.pump_until("the model to match kubectl after a relist", |m| {
        m.pods
            .keys()
            .map(|(ns, n)| format!("{ns}/{n}"))
            .collect::<BTreeSet<_>>()
            == after
    })
    .await;
    h.pump_until("every source live again", |m| m.complete()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_cluster_wide_list_falls_back_to_namespaces() {
    let mut h = Harness::start(Some(&scenario("namespaced-user"))).await;
    let fallback = h
        .model
        .fallback
        .get(&Resource::Pods)
        .cloned()
        .expect("pods fell back to namespaces");
    assert!(fallback.contains(&"shop".to_string()), "{fallback:?}");
    assert!(
        !fallback.contains(&"payments".to_string()),
        "payments is not readable: {fallback:?}"
    );
    let shop = h.kubectl(&["get", "pods", "-n", "shop", "--no-headers"]);
    let web: Vec<String> = h
        .model
        .pods
        .keys()
        .filter(|(ns, _)| &**ns == "shop")
        .map(|(_, n)| n.to_string())
        .collect();
    assert_eq!(web.len(), shop.lines().count());
    assert!(matches!(
        h.model.freshness.get(&Resource::Pods),
        Some(Freshness::Live { .. })
    ));
    // The model still follows changes in the readable namespace.
    h.kubectl(&["scale", "deploy/web", "-n", "shop", "--replicas=4"]);
    h.control("/drill/v1/clock?advance=30s").await;
    h.pump_until("a fourth web pod", |m| {
        m.pods.keys().filter(|(ns, _)| &**ns == "shop").count() == 4
    })
    .await;
}
