//! Benchmark of the drill cluster at the documented Kubernetes limits: builds the synthetic
//! cluster (default 5,000 nodes / 150,000 pods) in a `warroom sim` process and prints the time
//! `kubectl get pods -A -o name` takes, list throughput, and the sim's peak RSS.
//!
//! Run: `cargo bench --bench drill_cluster` (set WARROOM_BENCH_SYNTHETIC=nodes=N,pods=M to
//! change the size). It prints figures; it asserts nothing about speed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A memory figure of a process from /proc (`VmHWM` peak, `VmRSS` now), in MiB.
fn rss_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

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
    let dir = tempfile::tempdir().expect("tmp");
    let kubeconfig = dir.path().join("kubeconfig");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "sim",
            "--synthetic",
            &spec,
            "--listen",
            "127.0.0.1:0",
            "--kubeconfig-out",
        ])
        .arg(&kubeconfig)
        .env("WARROOM_STATE_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start warroom sim");
    let mut url = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        if let Some(u) = line.strip_prefix("kubernetes-api: ") {
            url = u.to_string();
        }
        if line.starts_with("drill-control: ") {
            break;
        }
    }
    let build = started.elapsed();
    println!("drill cluster benchmark ({spec})");
    println!(
        "  build synthetic cluster and start serving: {:>8.2} s",
        build.as_secs_f64()
    );

    let t = Instant::now();
    let out = Command::new("kubectl")
        .args(["get", "pods", "-A", "-o", "name", "--cache-dir"])
        .arg(dir.path().join("cache"))
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .expect("run kubectl");
    let kubectl = t.elapsed();
    let names = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "  kubectl get pods -A -o name:                {:>8.2} s ({names} pods)",
        kubectl.as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (paged, paged_count, whole, whole_bytes) = rt.block_on(async {
        let client = reqwest::Client::new();
        let t = Instant::now();
        let mut count = 0usize;
        let mut token = String::new();
        loop {
            let mut q = format!("{url}/api/v1/pods?limit=500");
            if !token.is_empty() {
                q.push_str(&format!("&continue={token}"));
            }
            let body = client.get(&q).send().await.expect("page").bytes().await.expect("body");
            // Count items without building them: the figure is the server's, not a JSON tree's.
            let page: Page = serde_json::from_slice(&body).expect("a list");
            count += page.items.len();
            match page.metadata.continue_token {
                Some(c) if !c.is_empty() => token = c,
                _ => break,
            }
        }
        let paged = t.elapsed();
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
        rss_mib(child.id(), "VmHWM:")
    );
    let _ = child.kill();
    let _ = child.wait();
}
