//! Benchmark of the cluster health model at the documented limits: a synthetic drill cluster
//! (default 5,000 nodes / 150,000 pods) runs in its own process; this process follows it with
//! the kube-rs watchers and prints the time until the model is complete, this process's peak
//! RSS, `kubectl get pods -A -o name` against the same server, and the model's lag while
//! 2,000 pod updates per second are written.
//!
//! Run: `cargo bench --bench cluster_model` (WARROOM_BENCH_SYNTHETIC=nodes=N,pods=M to resize,
//! WARROOM_BENCH_RATE / WARROOM_BENCH_SECONDS for the update load). It prints figures only.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;
use support::SimProcess;
use warroom_testkit::rss_mib;

use tokio::sync::mpsc;
use warroom::cluster::connect::Cluster;
use warroom::cluster::follow::follow;
use warroom::cluster::model::{Change, ClusterModel, Update};

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

fn main() {
    let spec = std::env::var("WARROOM_BENCH_SYNTHETIC").unwrap_or_else(|_| "nodes=5000,pods=150000".into());
    let rate: u64 = env_or("WARROOM_BENCH_RATE", 2000);
    let seconds: u64 = env_or("WARROOM_BENCH_SECONDS", 10);
    let sim = SimProcess::start(None, &["--synthetic", &spec]);
    let url = sim.url.clone();
    println!("cluster model benchmark ({spec})");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let cluster = Cluster::drill(&url).expect("cluster");
        let (tx, mut rx) = mpsc::channel::<Update>(4096);
        let following = follow(&cluster, tx);
        let mut model = ClusterModel::new();
        let t = Instant::now();
        while !model.complete() {
            match rx.recv().await {
                Some(u) => model.apply(u),
                None => panic!("watchers stopped"),
            }
        }
        let complete = t.elapsed();
        println!(
            "  model complete:                     {:>8.2} s ({} pods, {} nodes, {} workloads)",
            complete.as_secs_f64(),
            model.totals.pods,
            model.totals.nodes,
            model.workloads.len()
        );
        println!(
            "  this process's RSS once complete:   {:>8.0} MiB",
            rss_mib(std::process::id(), "VmRSS:")
        );
        println!(
            "  this process's peak RSS so far:     {:>8.0} MiB",
            rss_mib(std::process::id(), "VmHWM:")
        );

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
                if let Update::Pod(Change::Apply((ns, name), row)) = &u {
                    shown
                        .entry((ns.to_string(), name.to_string(), row.restarts))
                        .or_insert_with(unix_nanos);
                }
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
    let t = Instant::now();
    let names = sim.ok(&["get", "pods", "-A", "-o", "name"]).lines().count();
    println!(
        "  kubectl get pods -A -o name:        {:>8.2} s ({names} pods)",
        t.elapsed().as_secs_f64()
    );
}
