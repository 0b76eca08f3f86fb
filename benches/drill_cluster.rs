//! Benchmark of the drill cluster at the documented Kubernetes limits: builds the synthetic
//! cluster (default 5,000 nodes / 150,000 pods) in a `warroom sim` process, lets its clock run
//! (scrapes, rules) and prints, in one run: the start time, RSS once built and once the clock
//! has run, API page latency p50/p99 while it runs, the time `kubectl get pods -A -o name`
//! takes, list throughput, and the sim's peak RSS.
//!
//! Run: `cargo bench --bench drill_cluster` (set WARROOM_BENCH_SYNTHETIC=nodes=N,pods=M to
//! change the size, WARROOM_BENCH_RUN=S for how long the clock runs first, default 60 s). It
//! prints figures; it asserts nothing about speed.

use std::time::Instant;

#[path = "../tests/support/mod.rs"]
mod support;
use support::SimProcess;
use warroom_testkit::rss_mib;

#[derive(serde::Deserialize)]
struct Page {
    items: Vec<serde::de::IgnoredAny>,
    metadata: PageMeta,
}

#[derive(serde::Deserialize)]
struct PageMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

fn main() {
    let spec = std::env::var("WARROOM_BENCH_SYNTHETIC").unwrap_or_else(|_| "nodes=5000,pods=150000".into());
    let started = Instant::now();
    let sim = SimProcess::start(None, &["--synthetic", &spec]);
    let (url, pid) = (sim.url.clone(), sim.pid());
    let build = started.elapsed();
    println!("drill cluster benchmark ({spec})");
    println!(
        "  build synthetic cluster and start serving: {:>8.2} s",
        build.as_secs_f64()
    );
    println!(
        "  sim RSS once built:                         {:>8.0} MiB",
        rss_mib(pid, "VmRSS:")
    );
    let run: u64 = std::env::var("WARROOM_BENCH_RUN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    std::thread::sleep(std::time::Duration::from_secs(run));
    println!(
        "  sim RSS after the clock ran {run:>3} s:           {:>8.0} MiB",
        rss_mib(pid, "VmRSS:")
    );

    let t = Instant::now();
    let names = sim.ok(&["get", "pods", "-A", "-o", "name"]).lines().count();
    let kubectl = t.elapsed();
    println!(
        "  kubectl get pods -A -o name:                {:>8.2} s ({names} pods)",
        kubectl.as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (paged, paged_count, whole, whole_bytes) = rt.block_on(async {
        let client = warroom::http::plain_client();
        let t = Instant::now();
        let mut count = 0usize;
        let mut token = String::new();
        let mut pages = Vec::new();
        loop {
            let mut q = format!("{url}/api/v1/pods?limit=500");
            if !token.is_empty() {
                q.push_str(&format!("&continue={token}"));
            }
            let page = Instant::now();
            let body = client.get(&q).send().await.expect("page").bytes().await.expect("body");
            pages.push(page.elapsed());
            // Count items without building them: the figure is the server's, not a JSON tree's.
            let page: Page = serde_json::from_slice(&body).expect("a list");
            count += page.items.len();
            match page.metadata.continue_token {
                Some(c) if !c.is_empty() => token = c,
                _ => break,
            }
        }
        let paged = t.elapsed();
        pages.sort();
        let at = |q: f64| pages[((pages.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
        println!(
            "  API page of 500 pods, clock running:        p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} pages)",
            at(0.5),
            at(0.99),
            at(1.0),
            pages.len()
        );
        let t = Instant::now();
        let body = client
            .get(format!("{url}/api/v1/pods"))
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("body");
        (paged, count, t.elapsed(), body.len())
    });
    println!(
        "  list pods, pages of 500:                    {:>8.2} s = {:>9.0} objects/s",
        paged.as_secs_f64(),
        paged_count as f64 / paged.as_secs_f64()
    );
    println!(
        "  list pods, one response ({:.0} MiB):        {:>8.2} s = {:>9.0} objects/s",
        whole_bytes as f64 / 1048576.0,
        whole.as_secs_f64(),
        paged_count as f64 / whole.as_secs_f64()
    );
    println!(
        "  sim peak RSS (after all of the above):      {:>8.0} MiB",
        rss_mib(pid, "VmHWM:")
    );
}
