//! Flight recorder benchmark: `warroom record` (a process of its own) following `warroom sim`,
//! first the bad deploy at 60× (a simulated hour a wall minute), then a synthetic cluster of
//! 5,000 nodes and 150,000 pods whose pods are updated 2,000 times a second. Prints, for each,
//! how long the first list took, the recorder's CPU (share of one core) and peak RSS while it
//! follows, and what it wrote per hour.
//!
//! Run: `cargo bench --bench flight` (WARROOM_BENCH_FLIGHT_SECS sets the measured span, 60 s by
//! default; WARROOM_BENCH_ONLY=bad-deploy|scale runs one). It prints figures; it asserts nothing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_warroom");

/// A process's CPU seconds so far (user and system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A process's peak resident set, in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Bytes as a person reads them.
fn size(bytes: f64) -> String {
    if bytes >= 1e6 {
        format!("{:.1} MB", bytes / 1e6)
    } else {
        format!("{:.0} KB", bytes / 1e3)
    }
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        total += if p.is_dir() {
            dir_bytes(&p)
        } else {
            e.metadata().map_or(0, |m| m.len())
        };
    }
    total
}

/// `warroom sim` with `args`; its kubeconfig path once it serves.
fn sim(dir: &Path, args: &[&str]) -> (Child, std::path::PathBuf) {
    let kubeconfig = dir.join("sim.kubeconfig");
    let mut child = Command::new(BIN)
        .arg("sim")
        .args(args)
        .arg("--kubeconfig-out")
        .arg(&kubeconfig)
        .env("WARROOM_STATE_DIR", dir.join("sim-state"))
        .env("WARROOM_DATA_DIR", dir.join("sim-data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("warroom sim");
    // Whatever it says is drained, so that it never writes to a closed pipe.
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    std::thread::spawn(move || for _ in out.lines().map_while(Result::ok) {});
    while !kubeconfig.exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, kubeconfig)
}

fn run(name: &str, sim_args: &[&str], per_hour: f64, secs: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let (mut sim, kubeconfig) = sim(dir.path(), sim_args);
    let built = started.elapsed();
    let data = dir.path().join("data");
    let t0 = Instant::now();
    let mut record = Command::new(BIN)
        .args(["record", "--kubeconfig"])
        .arg(&kubeconfig)
        .env("WARROOM_DATA_DIR", &data)
        .env("WARROOM_STATE_DIR", dir.path().join("state"))
        .env("WARROOM_CONFIG", dir.path().join("config.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("warroom record");
    let pid = record.id();
    // Measured once the recorder says it has the first list of pods.
    let (tx, said) = std::sync::mpsc::channel();
    let out = BufReader::new(record.stdout.take().expect("stdout"));
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    while let Ok(l) = said.recv_timeout(Duration::from_secs(900)) {
        if l.starts_with("Pod: first list taken") {
            break;
        }
    }
    let listed = t0.elapsed();
    let (cpu0, bytes0, at0) = (cpu_seconds(pid), dir_bytes(&data), Instant::now());
    std::thread::sleep(Duration::from_secs(secs));
    let (cpu1, bytes1, wall) = (cpu_seconds(pid), dir_bytes(&data), at0.elapsed().as_secs_f64());
    let rss = peak_rss_mb(pid);
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = record.wait();
    let _ = sim.kill();
    let _ = sim.wait();
    let written = (bytes1 - bytes0) as f64;
    println!(
        "{name}: drill up in {:.1}s; first list recorded in {:.1}s ({}); then {:.1}% of a core, peak RSS {rss:.0} MB, {} per hour{}",
        built.as_secs_f64(),
        listed.as_secs_f64(),
        size(bytes0 as f64),
        100.0 * (cpu1 - cpu0) / wall,
        size(written / wall * 3600.0 / per_hour),
        if per_hour != 1.0 {
            format!(" of simulated time (the drill at {per_hour}×)")
        } else {
            String::new()
        }
    );
}

fn main() {
    let secs = std::env::var("WARROOM_BENCH_FLIGHT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let only = std::env::var("WARROOM_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "bad-deploy" {
        // 60× the drill's clock: a wall minute is a simulated hour.
        run("bad deploy", &["--speed", "60"], 60.0, secs);
    }
    if only.is_empty() || only == "scale" {
        run(
            "5,000 nodes / 150,000 pods, 2,000 pod updates a second",
            &["--synthetic", "nodes=5000,pods=150000,churn=2000"],
            1.0,
            secs,
        );
    }
}
