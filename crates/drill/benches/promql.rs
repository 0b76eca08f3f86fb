//! Benchmark of the drill cluster's PromQL engine and sample store: prints the time of 6 h
//! `query_range`s at a 15 s step over 1,000 series (a per-service request rate and a
//! `histogram_quantile`), and the memory held by 10,000 series over 3 days of 15 s samples
//! (the store's own accounting and the process RSS growth); then the 3-day backfill of each
//! shipped drill (build time, series, samples, store size) and one rule evaluation over it.
//!
//! Run: `cargo bench --bench promql`. It prints figures; it asserts nothing about speed.

use std::time::Instant;

use warroom_drill::internals::{Query, QueryOptions, QueryValue, SeriesStore};

const STEP: i64 = 15_000;
const T0: i64 = 1_700_000_000_000;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A cheap deterministic noise source.
fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// 1,000 request counters (20 services × 10 pods × 5 codes) and 1,000 histogram buckets
/// (20 services × 5 pods × 10 buckets) over `hours` of 15 s samples.
fn query_store(hours: i64) -> SeriesStore {
    let mut s = SeriesStore::new();
    let samples = hours * 3_600_000 / STEP + 1;
    let mut rng = 1u64;
    let mut counters = Vec::new();
    for svc in 0..20 {
        for pod in 0..10 {
            for code in ["200", "201", "404", "500", "503"] {
                let (service, pod) = (format!("svc-{svc}"), format!("svc-{svc}-{pod}"));
                let id = s
                    .series_id(&[
                        ("__name__", "http_requests_total"),
                        ("namespace", "bench"),
                        ("service", service.as_str()),
                        ("pod", pod.as_str()),
                        ("code", code),
                    ])
                    .expect("series");
                counters.push(id);
            }
        }
    }
    let bounds = ["0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];
    let mut buckets = Vec::new();
    for svc in 0..20 {
        for pod in 0..5 {
            for (i, le) in bounds.iter().enumerate() {
                let (service, pod) = (format!("svc-{svc}"), format!("svc-{svc}-{pod}"));
                let id = s
                    .series_id(&[
                        ("__name__", "http_request_duration_seconds_bucket"),
                        ("namespace", "bench"),
                        ("service", service.as_str()),
                        ("pod", pod.as_str()),
                        ("le", le),
                    ])
                    .expect("series");
                buckets.push((id, i));
            }
        }
    }
    let mut totals = vec![0.0; counters.len()];
    let mut bucket_totals = vec![0.0; buckets.len()];
    for k in 0..samples {
        let t = T0 + k * STEP;
        for (i, &id) in counters.iter().enumerate() {
            totals[i] += 15.0 * (1.0 + noise(&mut rng));
            s.append_to(id, t, totals[i]).expect("append");
        }
        for (j, &(id, i)) in buckets.iter().enumerate() {
            // Cumulative: bucket i gets (i + 1) shares of a pod's observations.
            bucket_totals[j] += (i + 1) as f64 * (1.0 + noise(&mut rng));
            s.append_to(id, t, bucket_totals[j]).expect("append");
        }
    }
    s
}

fn bench_range(store: &SeriesStore, query: &str, start: i64, end: i64) {
    let q = Query::parse(query).expect("query");
    let began = Instant::now();
    let result = q
        .range(store, start, end, STEP, &QueryOptions::default())
        .expect("range query");
    let elapsed = began.elapsed();
    let (series, points) = match &result {
        QueryValue::Matrix(m) => (m.len(), m.iter().map(|s| s.points.len()).sum::<usize>()),
        _ => (0, 0),
    };
    let began = Instant::now();
    let json = serde_json::to_vec(&result).expect("json");
    let encode = began.elapsed();
    println!(
        "query_range 6h step 15s: {query}\n  {:.1} ms evaluating, {:.1} ms encoding {} KiB of JSON: {series} series, {points} points",
        elapsed.as_secs_f64() * 1000.0,
        encode.as_secs_f64() * 1000.0,
        json.len() / 1024
    );
}

fn bench_memory() {
    const SERIES: usize = 10_000;
    const SAMPLES: i64 = 3 * 24 * 3_600_000 / STEP; // 17,280
    let before = rss_mib();
    let began = Instant::now();
    let mut s = SeriesStore::new();
    let mut ids = Vec::with_capacity(SERIES);
    for i in 0..SERIES {
        let (pod, node) = (format!("pod-{i}"), format!("node-{}", i % 200));
        let id = s
            .series_id(&[
                ("__name__", "container_memory_working_set_bytes"),
                ("namespace", "bench"),
                ("pod", pod.as_str()),
                ("node", node.as_str()),
            ])
            .expect("series");
        ids.push(id);
    }
    let mut rng = 7u64;
    for k in 0..SAMPLES {
        let t = T0 + k * STEP;
        for &id in &ids {
            let v = 2e8 + 1e8 * noise(&mut rng);
            s.append_to(id, t, v.round()).expect("append");
        }
    }
    let load = began.elapsed();
    let after = rss_mib();
    let samples = s.sample_count();
    let bytes = s.memory_bytes();
    println!(
        "memory: {SERIES} series x {SAMPLES} samples (3 days at 15s) = {samples} samples, loaded in {:.1} s\n  store accounting {:.1} MiB ({:.2} bytes/sample); process RSS grew {:.1} MiB ({:.2} bytes/sample)",
        load.as_secs_f64(),
        bytes as f64 / 1048576.0,
        bytes as f64 / samples as f64,
        after - before,
        (after - before) * 1048576.0 / samples as f64,
    );
    let q = Query::parse("sum by (node) (rate(container_memory_working_set_bytes[5m]))").expect("query");
    let end = T0 + (SAMPLES - 1) * STEP;
    let began = Instant::now();
    let _ = q.instant(&s, end, &QueryOptions::default()).expect("instant");
    println!(
        "  instant sum by (node) (rate(...[5m])) over the 10,000 series: {:.1} ms",
        began.elapsed().as_secs_f64() * 1000.0
    );
}

/// The 3-day backfill of a shipped drill, as `warroom sim` builds it at start.
fn bench_backfill(file: &str) {
    use warroom_drill::internals::{Clock, HISTORY_MS, Monitoring, Sim};
    let scenario = warroom_drill::scenario::load_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(file),
    )
    .expect("shipped drill");
    let start: jiff::Timestamp = "2026-11-24T14:00:00Z".parse().expect("time");
    let mut sim = Sim::new(scenario.clone(), scenario.seed, Clock::new(start, 1.0, true), 10_000);
    let base = sim.start_scraping();
    let began = Instant::now();
    let mut m = Monitoring::new(&scenario, scenario.seed, &base, HISTORY_MS);
    let build = began.elapsed();
    let store = &m.signals.store;
    println!(
        "backfill {file}: 3 days at 15 s, {} series, {} samples, {:.1} MiB, built in {:.0} ms (with one evaluation of {} rules)",
        store.series_count(),
        store.sample_count(),
        store.memory_bytes() as f64 / 1048576.0,
        build.as_secs_f64() * 1000.0,
        m.rules.rules.len()
    );
    sim.advance_to(start + jiff::SignedDuration::from_secs(15));
    let obs = sim.take_observations();
    let began = Instant::now();
    m.record(obs);
    println!(
        "  one live step (samples and every rule, 3-day burn-rate windows included): {:.1} ms",
        began.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    for file in [
        "drills/bad-deploy.yaml",
        "drills/node-failure.yaml",
        "drills/noisy-neighbour.yaml",
    ] {
        bench_backfill(file);
    }
    let began = Instant::now();
    let store = query_store(7);
    println!(
        "built 2,000 series x 7 h of 15 s samples ({} samples) in {:.1} s",
        store.sample_count(),
        began.elapsed().as_secs_f64()
    );
    let end = T0 + 7 * 3_600_000;
    let start = end - 6 * 3_600_000;
    bench_range(&store, "sum by (service) (rate(http_requests_total[5m]))", start, end);
    bench_range(
        &store,
        "histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m])))",
        start,
        end,
    );
    bench_range(&store, "rate(http_requests_total[5m])", start, end);
    drop(store);
    bench_memory();
}
