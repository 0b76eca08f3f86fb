//! Benchmark of the cluster health model at the documented limits: a synthetic drill cluster
//! (default 5,000 nodes / 150,000 pods) runs in its own process; this process first walks the
//! server's pods bare (pages of 500, bodies only counted: the floor any client stands on), then
//! follows it with the kube-rs watchers and prints the time until the model is complete beside
//! that floor, this process's RSS, `kubectl get pods -A -o name` against the same server, and
//! the model's lag while pod updates are written at a given rate.
//!
//! Run: `cargo bench --bench cluster_model`. WARROOM_BENCH_SYNTHETIC=nodes=N,pods=M resizes;
//! WARROOM_BENCH_CURVE=15000,50000,150000 prints the floor and the model at each size (30
//! pods a node) and skips the rest; WARROOM_BENCH_PAUSED=1 stops the drill's clock (so only
//! the client's cost is left); WARROOM_BENCH_RATE / WARROOM_BENCH_SECONDS set the update load;
//! WARROOM_BENCH_QUIET=N waits N seconds before the updates; WARROOM_BENCH_KUBECTL=0 leaves
//! kubectl out (two minutes at 150,000 pods).
//! It prints figures only.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;
use support::SimProcess;
use warroom_testkit::rss_mib;

use tokio::sync::mpsc;
use warroom::cluster::connect::Cluster;
use warroom::cluster::follow::{Following, follow};
use warroom::cluster::model::{Change, ClusterModel, Resource, Update};
use warroom::freshness::Freshness;

fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Notes when each pod update (namespace, name, restarts) first reached the model.
fn note_shown(u: &Update, shown: &mut HashMap<(String, String, u32), u64>) {
    match u {
        Update::Pod(Change::Apply((ns, name), row)) => {
            shown
                .entry((ns.to_string(), name.to_string(), row.restarts))
                .or_insert_with(unix_nanos);
        }
        Update::Burst(updates) => updates.iter().for_each(|u| note_shown(u, shown)),
        _ => {}
    }
}

/// One page of a list: only its continue token and how many items it held.
#[derive(serde::Deserialize)]
struct Page {
    metadata: PageMeta,
    items: Vec<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    next: Option<String>,
}

/// Lists every pod in pages of 500 as a bare client would (no model, nothing kept): the time
/// and the count.
async fn bare_walk(url: &str) -> (Duration, usize) {
    let client = warroom::http::plain_client();
    let t = Instant::now();
    let mut count = 0;
    let mut next: Option<String> = None;
    loop {
        let mut req = client.get(format!("{url}/api/v1/pods")).query(&[("limit", "500")]);
        if let Some(token) = &next {
            req = req.query(&[("continue", token.as_str())]);
        }
        let body = req.send().await.expect("a page").bytes().await.expect("its body");
        let page: Page = serde_json::from_slice(&body).expect("a pod list");
        count += page.items.len();
        next = page.metadata.next.filter(|c| !c.is_empty());
        if next.is_none() {
            return (t.elapsed(), count);
        }
    }
}

/// Waits until the drill has filled its metrics history (its Prometheus API answers only then):
/// a drill still doing that shares the machine's two cores with what is measured.
async fn settled(prometheus: &str) -> Duration {
    let t = Instant::now();
    let r = warroom::http::plain_client()
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", "vector(1)")])
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .expect("the drill's Prometheus");
    assert!(r.status().is_success(), "the drill's Prometheus: {}", r.status());
    t.elapsed()
}

/// The model once complete, with when each source finished its first list.
struct Completed {
    took: Duration,
    model: ClusterModel,
    following: Following,
    rx: mpsc::Receiver<Update>,
    listed: Vec<(Resource, Duration)>,
}

/// Follows the cluster until the model is complete.
async fn complete(url: &str) -> Completed {
    let cluster = Cluster::drill(url).expect("cluster");
    let (tx, mut rx) = mpsc::channel::<Update>(4096);
    let following = follow(&cluster, tx);
    let mut model = ClusterModel::new();
    let mut listed = Vec::new();
    let t = Instant::now();
    while !model.complete() {
        match rx.recv().await {
            Some(u) => {
                if let Update::Freshness(source, Freshness::Live { .. }) = &u
                    && !listed.iter().any(|(s, _)| s == source)
                {
                    listed.push((*source, t.elapsed()));
                }
                model.apply(u)
            }
            None => panic!("watchers stopped"),
        }
    }
    Completed {
        took: t.elapsed(),
        model,
        following,
        rx,
        listed,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn sim_args(spec: &str) -> Vec<String> {
    let mut args = vec!["--synthetic".to_string(), spec.to_string()];
    if env_or("WARROOM_BENCH_PAUSED", 0) == 1 {
        args.push("--paused".into());
    }
    args
}

/// The floor and the model at each size, one line each.
fn curve(sizes: &str) {
    println!(
        "cluster model curve (30 pods a node{})",
        if env_or("WARROOM_BENCH_PAUSED", 0) == 1 {
            ", clock paused"
        } else {
            ""
        }
    );
    println!(
        "  {:>8}  {:>12}  {:>14}  {:>6}  {:>14}",
        "pods", "bare walk s", "model s", "ratio", "RSS once MiB"
    );
    for pods in sizes.split(',').filter_map(|p| p.trim().parse::<usize>().ok()) {
        let spec = format!("nodes={},pods={pods}", (pods / 30).max(1));
        let args = sim_args(&spec);
        let sim = SimProcess::start(None, &args.iter().map(String::as_str).collect::<Vec<_>>());
        let rt = runtime();
        rt.block_on(async {
            settled(&sim.prometheus).await;
            let (first, walked) = bare_walk(&sim.url).await;
            let Completed {
                took, model, following, ..
            } = complete(&sim.url).await;
            let walk = first.min(bare_walk(&sim.url).await.0);
            println!(
                "  {:>8}  {:>12.2}  {:>14.2}  {:>5.2}x  {:>14.0}",
                walked,
                walk.as_secs_f64(),
                took.as_secs_f64(),
                took.as_secs_f64() / walk.as_secs_f64(),
                rss_mib(std::process::id(), "VmRSS:")
            );
            assert_eq!(model.totals.pods as usize, walked, "the model holds every pod listed");
            following.stop();
        });
    }
}

fn main() {
    if let Ok(sizes) = std::env::var("WARROOM_BENCH_CURVE") {
        curve(&sizes);
        return;
    }
    let spec = std::env::var("WARROOM_BENCH_SYNTHETIC").unwrap_or_else(|_| "nodes=5000,pods=150000".into());
    let rate: u64 = env_or("WARROOM_BENCH_RATE", 2000);
    let seconds: u64 = env_or("WARROOM_BENCH_SECONDS", 10);
    let args = sim_args(&spec);
    let sim = SimProcess::start(None, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let url = sim.url.clone();
    println!("cluster model benchmark ({spec})");
    let rt = runtime();
    rt.block_on(async {
        let waited = settled(&sim.prometheus).await;
        println!(
            "  waited for the drill to settle:     {:>8.2} s (its metrics history)",
            waited.as_secs_f64()
        );
        let (walk, walked) = bare_walk(&url).await;
        println!(
            "  bare paged walk of the pods:        {:>8.2} s ({walked} pods, 500 a page)",
            walk.as_secs_f64()
        );
        let Completed {
            took,
            mut model,
            following,
            mut rx,
            listed,
        } = complete(&url).await;
        // Walked again once the model is complete: a server's first list may be its slowest.
        let (again, _) = bare_walk(&url).await;
        let floor = walk.min(again);
        println!(
            "  bare paged walk again:              {:>8.2} s",
            again.as_secs_f64()
        );
        println!(
            "  model complete:                     {:>8.2} s ({} pods, {} nodes, {} workloads; {:.2}x the faster bare walk)",
            took.as_secs_f64(),
            model.totals.pods,
            model.totals.nodes,
            model.workloads.len(),
            took.as_secs_f64() / floor.as_secs_f64()
        );
        println!(
            "  each source listed after:           {}",
            listed
                .iter()
                .map(|(s, d)| format!("{} {:.2} s", s.name(), d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  this process's RSS once complete:   {:>8.0} MiB",
            rss_mib(std::process::id(), "VmRSS:")
        );
        println!(
            "  this process's peak RSS so far:     {:>8.0} MiB",
            rss_mib(std::process::id(), "VmHWM:")
        );

        tokio::time::sleep(Duration::from_secs(env_or("WARROOM_BENCH_QUIET", 0))).await;
        // Sustained pod updates, made inside the drill cluster, which records when each write
        // committed; here we note when the model showed it. Lag = shown - committed.
        let client = warroom::http::plain_client();
        let r = client
            .post(format!("{url}/drill/v1/churn?rate={rate}&seconds={seconds}"))
            .send()
            .await
            .expect("start churn");
        assert!(r.status().is_success(), "churn: {}", r.text().await.unwrap_or_default());
        let mut shown: HashMap<(String, String, u32), u64> = HashMap::new();
        // Read while the load runs, then until every write it logged has reached the model
        // (or 60 s more have passed): an update still missing then was lost, not late.
        let churn_ends = Instant::now() + Duration::from_secs(seconds);
        let give_up = churn_ends + Duration::from_secs(60);
        let mut last_check = Instant::now();
        let log: Vec<(String, String, u32, u64)> = loop {
            if let Ok(Some(u)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                note_shown(&u, &mut shown);
                model.apply(u);
            }
            if Instant::now() < churn_ends + Duration::from_millis(500) || last_check.elapsed() < Duration::from_secs(1)
            {
                continue;
            }
            last_check = Instant::now();
            let log: Vec<(String, String, u32, u64)> = client
                .get(format!("{url}/drill/v1/churn"))
                .send()
                .await
                .expect("churn log")
                .json()
                .await
                .expect("churn log JSON");
            let all_seen = log
                .iter()
                .all(|(ns, n, r, _)| shown.contains_key(&(ns.clone(), n.clone(), *r)));
            if all_seen || Instant::now() > give_up {
                break log;
            }
        };
        let span = match (log.first(), log.last()) {
            (Some(a), Some(b)) if b.3 > a.3 => (b.3 - a.3) as f64 / 1e9,
            _ => seconds as f64,
        };
        let missing: Vec<_> = log
            .iter()
            .filter(|(ns, n, r, _)| !shown.contains_key(&(ns.clone(), n.clone(), *r)))
            .collect();
        let mut lags: Vec<f64> = log
            .iter()
            .filter_map(|(ns, n, r, at)| {
                let seen = shown.get(&(ns.clone(), n.clone(), *r))?;
                Some(seen.saturating_sub(*at) as f64 / 1e6)
            })
            .collect();
        lags.sort_by(f64::total_cmp);
        println!(
            "  pod updates committed:              {:>8} over {span:.1} s ({:.0}/s delivered, {rate}/s asked)",
            log.len(),
            log.len() as f64 / span
        );
        println!(
            "  updates never seen by the model:    {:>8}{}",
            missing.len(),
            missing
                .first()
                .map(|(ns, n, r, _)| format!(" (e.g. {ns}/{n} restarts {r})"))
                .unwrap_or_default()
        );
        println!(
            "  model lag, commit to model (ms):    p50 {:.1}  p99 {:.1}  max {:.1}  ({} of {} matched)",
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN),
            lags.len(),
            log.len()
        );
        println!(
            "  this process's peak RSS:            {:>8.0} MiB",
            rss_mib(std::process::id(), "VmHWM:")
        );
        following.stop();
    });
    if env_or("WARROOM_BENCH_KUBECTL", 1) == 0 {
        return;
    }
    let t = Instant::now();
    let names = sim.ok(&["get", "pods", "-A", "-o", "name"]).lines().count();
    println!(
        "  kubectl get pods -A -o name:        {:>8.2} s ({names} pods)",
        t.elapsed().as_secs_f64()
    );
}
