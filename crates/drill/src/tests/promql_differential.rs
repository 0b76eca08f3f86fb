//! Differential test of the drill cluster's PromQL engine against real Prometheus: a
//! deterministic synthetic history (counters with resets, late-starting and deleted pods,
//! jittered scrapes, gauges with NaN and ±Inf, classic histograms, join metrics) is written as
//! OpenMetrics, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`,
//! served by a `prometheus` started on loopback, and every query below is evaluated by both at
//! fixed instants and as a range query. Label sets must be equal, values within 1e-9 relative,
//! NaN and ±Inf alike, errors where Prometheus errors.
//!
//! Needs `prometheus` and `promtool` on PATH (Debian package `prometheus`; `scripts/test`
//! installs it). Fails, does not skip, without them.

use std::collections::BTreeMap;

use crate::metrics::promql::Query;
use crate::metrics::{QueryOptions, SeriesStore, write_openmetrics};
use serde_json::Value;
use warroom_testkit::require;

const T0: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const END: i64 = T0 + 4 * HOUR;

/// Instants every query is evaluated at (ms).
const INSTANTS: &[i64] = &[
    T0 + 30 * MIN,
    T0 + 90 * MIN + 7_000,
    T0 + 130 * MIN,
    T0 + 3 * HOUR + 2 * MIN + 30_250,
    END + 3 * MIN,
    T0 - MIN,
];

/// The ranges `(start, end, step)` every query is also evaluated over: one aligned, one with
/// an odd step running past the end of the data.
const RANGES: &[(i64, i64, i64)] = &[
    (T0 + 10 * MIN, T0 + 3 * HOUR + 50 * MIN, 60_000),
    (T0 + 3 * HOUR + 30 * MIN + 500, END + 10 * MIN, 137_000),
];

/// The queries, covering every supported function, operator and modifier.
const QUERIES: &[&str] = &[
    // Selectors, matchers, offset, @.
    "http_requests_total",
    r#"http_requests_total{code!="200", namespace=~"sho.*", pod!~"web-1|cart-2"}"#,
    r#"{__name__=~"http_requests_total|up", service=~"web|"}"#,
    "http_requests_total offset 10m",
    "http_requests_total offset -5m",
    r#"http_requests_total{service="web"} @ 1700005400"#,
    r#"http_requests_total{pod="web-3"}[2m]"#,
    "up @ start()",
    "rate(http_requests_total[5m] @ end())",
    // Counter and gauge range functions.
    "rate(http_requests_total[5m])",
    "rate(http_requests_total[1h] offset 30m)",
    "irate(http_requests_total[1m])",
    "increase(http_requests_total[1h])",
    "increase(container_cpu_usage_seconds_total[20m])",
    "delta(temperature_celsius[15m])",
    "idelta(queue_depth[2m])",
    "avg_over_time(queue_depth[10m])",
    "min_over_time(temperature_celsius[30m])",
    "max_over_time(queue_depth[10m])",
    "sum_over_time(http_requests_total[3m])",
    "count_over_time(http_requests_total[7m])",
    "last_over_time(queue_depth[5m])",
    "present_over_time(up[5m])",
    "stddev_over_time(temperature_celsius[1h])",
    "stdvar_over_time(node_memory_available_bytes[20m])",
    "quantile_over_time(0.9, queue_depth[30m])",
    "avg_over_time(weird[10m])",
    "deriv(queue_depth[10m])",
    // Subqueries, with and without a step, offset, nested, at the top.
    "max_over_time(rate(http_requests_total[5m])[30m:1m])",
    "avg_over_time(sum by (service) (rate(http_requests_total[5m]))[1h:])",
    "min_over_time(queue_depth[20m:7s])",
    "rate(http_requests_total[10m:30s])",
    "increase(container_cpu_usage_seconds_total[15m:45s] offset 10m)",
    "deriv(avg(temperature_celsius)[30m:2m])",
    "last_over_time(up[10m:1m])",
    "quantile_over_time(0.5, max_over_time(queue_depth[5m:])[20m:5m])",
    "absent_over_time(nonexistent[5m:1m])",
    "queue_depth[5m:1m]",
    "deriv(temperature_celsius[30m])",
    "deriv(up[5m])",
    "predict_linear(node_memory_available_bytes[1h], 4 * 3600)",
    "predict_linear(queue_depth[15m], 600)",
    "changes(queue_depth[30m])",
    "changes(temperature_celsius[1h])",
    "resets(http_requests_total[1h])",
    "resets(container_cpu_usage_seconds_total[20m])",
    "absent_over_time(up[5m])",
    r#"absent_over_time(nonexistent{job="x", instance=~"a.*"}[5m])"#,
    r#"absent_over_time(http_requests_total{pod="web-gone"}[10m])"#,
    // Aggregations.
    "sum by (service) (rate(http_requests_total[5m]))",
    "avg without (pod, code) (rate(http_requests_total[5m]))",
    "min by (sensor) (temperature_celsius)",
    "max(queue_depth)",
    "count by (code) (http_requests_total)",
    "stddev by (service) (rate(http_requests_total[5m]))",
    "stdvar(node_memory_available_bytes)",
    "topk(3, rate(http_requests_total[5m]))",
    "bottomk by (service) (1, http_requests_total)",
    "quantile by (service) (0.75, rate(http_requests_total[10m]))",
    r#"count_values("depth", queue_depth)"#,
    r#"count_values without (instance) ("v", up)"#,
    "sum(weird)",
    "group by (service) (http_requests_total)",
    "group(up)",
    "avg(weird)",
    // Arithmetic, comparison, set operators and vector matching.
    r#"sum by (service) (rate(http_requests_total{code="500"}[5m])) / sum by (service) (rate(http_requests_total[5m]))"#,
    "node_memory_available_bytes / 1024 ^ 3",
    "queue_depth % 7",
    "2 * temperature_celsius - 3",
    "-temperature_celsius",
    "weird / weird",
    "1 + 2 * 3 - 2 ^ 0.5",
    "5 > bool 3",
    "queue_depth > 20",
    "queue_depth >= bool 20",
    "30 < queue_depth",
    "temperature_celsius != bool 0",
    "up == 0",
    "queue_depth <= 10",
    r#"http_requests_total{code="500"} and on(pod) kube_pod_info{node="n1"}"#,
    r#"rate(http_requests_total{code="500"}[5m]) > 0.2 or rate(http_requests_total{code="404"}[5m])"#,
    r#"kube_pod_info unless on(pod) http_requests_total{code="500"}"#,
    "up or vector(0)",
    r#"http_requests_total{code="200"} unless ignoring(code) http_requests_total{code="500"}"#,
    "rate(container_cpu_usage_seconds_total[5m]) * on(namespace, pod) group_left(node) kube_pod_info",
    "kube_pod_info * on(pod) group_right(node) rate(http_requests_total[5m])",
    "sum by (pod) (rate(container_cpu_usage_seconds_total[5m])) / on(pod) sum by (pod) (kube_pod_container_resource_limits)",
    "rate(container_cpu_usage_seconds_total[5m]) > on(namespace, pod) group_left kube_pod_container_resource_limits * 0.4",
    // The saturation panel: over the limit, or the request where there is no limit.
    "max(sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"shop\",container!=\"\"}[5m])) / (sum by (pod) (kube_pod_container_resource_limits{resource=\"cpu\"}) or sum by (pod) (kube_pod_container_resource_requests{resource=\"cpu\"})))",
    "sum by (pod) (kube_pod_container_resource_limits) or sum by (pod) (kube_pod_container_resource_requests)",
    "http_requests_total + ignoring(code) group_left http_requests_total{code=\"200\"}",
    // Histograms.
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.5, sum by (le, service) (rate(http_request_duration_seconds_bucket[10m])))",
    "histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))",
    "histogram_quantile(1.5, sum by (le) (http_request_duration_seconds_bucket))",
    "histogram_quantile(0, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])",
    // Other functions.
    "abs(temperature_celsius)",
    "sqrt(queue_depth)",
    "sqrt(temperature_celsius)",
    "exp(queue_depth / 10)",
    "ln(node_memory_available_bytes)",
    "log2(queue_depth)",
    "log10(rate(http_requests_total[5m]))",
    "sgn(temperature_celsius)",
    "sgn(weird)",
    r#"label_join(http_requests_total, "where", "/", "namespace", "service", "pod")"#,
    r#"label_join(up, "instance", "", "nonexistent")"#,
    r#"label_join(up, "1bad", ",", "instance")"#,
    "hour()",
    "minute(timestamp(up))",
    "day_of_week()",
    "day_of_month(vector(1700000000))",
    "day_of_year()",
    "days_in_month(vector(1709251170))",
    "month(timestamp(queue_depth))",
    "year()",
    "ceil(rate(http_requests_total[5m]))",
    "floor(node_memory_available_bytes / 1e6)",
    "round(temperature_celsius)",
    "round(temperature_celsius, 0.25)",
    "clamp(queue_depth, 5, 30)",
    "clamp(queue_depth, 30, 5)",
    "clamp_min(temperature_celsius, 0)",
    "clamp_max(queue_depth, 10)",
    "scalar(sum(up))",
    "scalar(up)",
    "vector(1) + scalar(max(queue_depth))",
    "time()",
    "time() - timestamp(up)",
    r#"timestamp(http_requests_total{pod="web-3"})"#,
    "timestamp(sum(up))",
    "timestamp(up @ 1700003600 offset 5m)",
    r#"absent(nonexistent{job="x"})"#,
    r#"absent(up{job="node"})"#,
    r#"absent(nonexistent{job="a", job!="b", env=~"y", zone="z", zone="w"})"#,
    "absent(sum(nonexistent))",
    r#"label_replace(up, "host", "$1", "instance", "(.*):.*")"#,
    r#"label_replace(http_requests_total, "svc", "${1}-x", "service", "(w.*)")"#,
    r#"label_replace(up, "instance", "", "job", ".*")"#,
    "sort(queue_depth)",
    "sort_desc(rate(http_requests_total[5m]))",
    r#""a string""#,
    "-sum(queue_depth)",
    // Edge cases: NaN ordering, bool matching, errors, computed parameters.
    "sort(queue_depth offset 1m)",
    "sort_desc(queue_depth offset 1m)",
    "max_over_time(queue_depth[2m] offset 1m)",
    "avg by (service) (queue_depth offset 1m)",
    "clamp(queue_depth offset 1m, 2, 40)",
    "queue_depth > bool on(service) queue_depth offset 1m",
    "kube_pod_info < on(pod) group_right http_requests_total",
    "http_requests_total + on(pod) http_requests_total",
    "http_requests_total + on(pod, code) group_left(node) kube_pod_info",
    "topk(scalar(count(up)) - 1, queue_depth)",
    "topk without (code) (2, rate(http_requests_total[5m]))",
    "bottomk(2, temperature_celsius)",
    "quantile(0.5, http_requests_total)",
    r#"count_values by (sensor) ("t", round(temperature_celsius))"#,
    "-time()",
    "vector(time())",
    "temperature_celsius ^ 0.5",
    "queue_depth > scalar(avg(queue_depth))",
    "sum(rate(http_requests_total[5m])) by (service)",
    r#"http_requests_total{code=~"5.."}"#,
    r#"label_replace(up, "__name__", "renamed_$1", "job", "(.*)")"#,
    "irate(http_requests_total{pod=\"web-3\"}[2m])",
    "idelta(http_requests_total{pod=\"web-2\"}[1m])",
    "delta(http_requests_total[10m])",
    r#"rate({__name__=~"http_requests_total|container_cpu_usage_seconds_total"}[5m])"#,
    "sum without (le) (http_request_duration_seconds_bucket)",
    "count(http_request_duration_seconds_bucket) by (le)",
    "stddev(queue_depth)",
    "last_over_time(http_requests_total{pod=\"api-2\"}[10m])",
    "time() % 3600 > bool 1800",
];

/// A deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn float(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Pod {
    namespace: &'static str,
    service: &'static str,
    name: &'static str,
    node: &'static str,
    start: i64,
    end: i64,
    step: i64,
    jitter: bool,
    reset_at: Option<i64>,
    initial: f64,
}

fn pods() -> Vec<Pod> {
    let p = |namespace, service, name, node| Pod {
        namespace,
        service,
        name,
        node,
        start: T0,
        end: END,
        step: 15_000,
        jitter: false,
        reset_at: None,
        initial: 0.0,
    };
    vec![
        p("shop", "web", "web-1", "n1"),
        Pod {
            reset_at: Some(T0 + 90 * MIN),
            initial: 40.0,
            ..p("shop", "web", "web-2", "n2")
        },
        Pod {
            jitter: true,
            ..p("shop", "web", "web-3", "n3")
        },
        Pod {
            start: T0 + 45 * MIN,
            initial: 137.0,
            ..p("shop", "cart", "cart-1", "n1")
        },
        p("shop", "cart", "cart-2", "n2"),
        Pod {
            step: 30_000,
            ..p("payments", "api", "api-1", "n3")
        },
        Pod {
            end: T0 + 3 * HOUR,
            ..p("payments", "api", "api-2", "n1")
        },
    ]
}

fn scrape_times(pod: &Pod, rng: &mut Rng) -> Vec<i64> {
    let mut out = Vec::new();
    let mut t = pod.start;
    while t <= pod.end {
        let jitter = if pod.jitter { (rng.next() % 5) as i64 * 1000 } else { 0 };
        out.push(t + jitter);
        t += pod.step;
    }
    out
}

const BUCKETS: &[f64] = &[
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    f64::INFINITY,
];

/// The synthetic history both engines are given.
fn history() -> SeriesStore {
    let mut s = SeriesStore::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let add = |s: &mut SeriesStore, labels: &[(&str, &str)], t: i64, v: f64| {
        s.append(labels, t, v).expect("append");
    };
    for pod in pods() {
        let times = scrape_times(&pod, &mut rng);
        // Requests by code.
        for (code, base) in [("200", 12.0), ("404", 1.3), ("500", 0.25)] {
            let mut total = pod.initial * base / 12.0;
            for &t in &times {
                let mut rate = base * (0.5 + rng.float());
                let burst = (T0 + 120 * MIN..T0 + 140 * MIN).contains(&t);
                if code == "500" && pod.service == "web" && burst {
                    rate *= 20.0;
                }
                total += rate * pod.step as f64 / 1000.0;
                if pod.reset_at.is_some_and(|r| t >= r && t < r + pod.step) {
                    total = rate;
                }
                let labels = [
                    ("__name__", "http_requests_total"),
                    ("namespace", pod.namespace),
                    ("service", pod.service),
                    ("pod", pod.name),
                    ("code", code),
                ];
                add(&mut s, &labels, t, (total * 1000.0).round() / 1000.0);
            }
        }
        // Latency histogram for web and api pods.
        if pod.service != "cart" {
            let mut counts = vec![0.0; BUCKETS.len()];
            let (mut sum, mut count) = (0.0, 0.0);
            for &t in &times {
                let n = (rng.next() % 40) as usize;
                for _ in 0..n {
                    let lat = 0.002 * (1.0 + 9.0 * rng.float()).powf(3.0 * rng.float() + 0.5);
                    sum += lat;
                    count += 1.0;
                    for (i, &b) in BUCKETS.iter().enumerate() {
                        if lat <= b {
                            counts[i] += 1.0;
                        }
                    }
                }
                for (i, &b) in BUCKETS.iter().enumerate() {
                    let le = if b.is_infinite() {
                        "+Inf".to_string()
                    } else {
                        b.to_string()
                    };
                    let labels = [
                        ("__name__", "http_request_duration_seconds_bucket"),
                        ("namespace", pod.namespace),
                        ("service", pod.service),
                        ("pod", pod.name),
                        ("le", le.as_str()),
                    ];
                    add(&mut s, &labels, t, counts[i]);
                }
                for (name, v) in [
                    ("http_request_duration_seconds_sum", sum),
                    ("http_request_duration_seconds_count", count),
                ] {
                    let labels = [
                        ("__name__", name),
                        ("namespace", pod.namespace),
                        ("service", pod.service),
                        ("pod", pod.name),
                    ];
                    add(&mut s, &labels, t, v);
                }
            }
        }
        // CPU counter, pod info and limits.
        let limit = match pod.service {
            "web" => 0.5,
            "cart" => 1.0,
            _ => 2.0,
        };
        let mut cpu = 0.0;
        for &t in &times {
            cpu += limit * rng.float() * pod.step as f64 / 1000.0;
            let base = [("namespace", pod.namespace), ("pod", pod.name)];
            add(
                &mut s,
                &[
                    ("__name__", "container_cpu_usage_seconds_total"),
                    base[0],
                    base[1],
                    ("container", "app"),
                ],
                t,
                cpu,
            );
            add(
                &mut s,
                &[
                    ("__name__", "kube_pod_info"),
                    base[0],
                    base[1],
                    ("node", pod.node),
                    ("service", pod.service),
                ],
                t,
                1.0,
            );
            add(
                &mut s,
                &[
                    ("__name__", "kube_pod_container_resource_requests"),
                    base[0],
                    base[1],
                    ("resource", "cpu"),
                ],
                t,
                limit / 2.0,
            );
            // cart sets no CPU limit, as many teams don't: saturation falls back to requests.
            if pod.service != "cart" {
                add(
                    &mut s,
                    &[
                        ("__name__", "kube_pod_container_resource_limits"),
                        base[0],
                        base[1],
                        ("resource", "cpu"),
                    ],
                    t,
                    limit,
                );
            }
        }
    }
    // Gauges every 15s over the whole history.
    let mut t = T0;
    let mut i = 0u64;
    while t <= END {
        for (j, node) in ["n1", "n2", "n3"].iter().enumerate() {
            let v = 8e9 + (j as f64) * 1e9 + (rng.float() - 0.5) * 4e8;
            add(
                &mut s,
                &[("__name__", "node_memory_available_bytes"), ("node", node)],
                t,
                v.round(),
            );
        }
        for service in ["web", "cart", "api"] {
            let v = if service == "cart" && i % 37 == 5 {
                f64::NAN
            } else {
                (rng.next() % 50) as f64
            };
            add(&mut s, &[("__name__", "queue_depth"), ("service", service)], t, v);
        }
        for (sensor, base) in [("a", -4.0), ("b", 21.5)] {
            let v = base + 6.0 * (i as f64 / 40.0).sin() + rng.float() - 0.5;
            add(
                &mut s,
                &[("__name__", "temperature_celsius"), ("sensor", sensor)],
                t,
                (v * 1000.0).round() / 1000.0,
            );
        }
        let inf = match i % 11 {
            3 => f64::INFINITY,
            7 => f64::NEG_INFINITY,
            _ => i as f64,
        };
        add(&mut s, &[("__name__", "weird"), ("kind", "inf")], t, inf);
        add(&mut s, &[("__name__", "weird"), ("kind", "zero")], t, 0.0);
        for (instance, job) in [
            ("10.0.0.1:9100", "node"),
            ("10.0.0.2:9100", "node"),
            ("10.0.0.3:8080", "app"),
        ] {
            let down = instance == "10.0.0.2:9100" && (T0 + 100 * MIN..T0 + 115 * MIN).contains(&t);
            add(
                &mut s,
                &[("__name__", "up"), ("instance", instance), ("job", job)],
                t,
                if down { 0.0 } else { 1.0 },
            );
        }
        t += 15_000;
        i += 1;
    }
    s
}

type Metric = BTreeMap<String, String>;

/// A result reduced to what must agree.
#[derive(Debug, Clone)]
enum Canon {
    Scalar(i64, f64),
    Str(i64, String),
    Vector(Vec<(Metric, i64, f64)>),
    Matrix(Vec<(Metric, Vec<(i64, f64)>)>),
    Error(String),
}

fn ts(v: &Value) -> i64 {
    (v.as_f64().unwrap_or(f64::NAN) * 1000.0).round() as i64
}

fn val(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::from_bits(0x7ff8_dead_beef_0000))
}

fn metric(v: &Value) -> Metric {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the API's `data` object.
fn canon(data: &Value) -> Canon {
    let result = &data["result"];
    match data["resultType"].as_str() {
        Some("scalar") => Canon::Scalar(ts(&result[0]), val(&result[1])),
        Some("string") => Canon::Str(ts(&result[0]), result[1].as_str().unwrap_or("").into()),
        Some("vector") => Canon::Vector(
            result
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| (metric(&s["metric"]), ts(&s["value"][0]), val(&s["value"][1])))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Some("matrix") => Canon::Matrix(
            result
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| {
                            let points = s["values"]
                                .as_array()
                                .map(|p| p.iter().map(|p| (ts(&p[0]), val(&p[1]))).collect())
                                .unwrap_or_default();
                            (metric(&s["metric"]), points)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        other => Canon::Error(format!("unexpected resultType {other:?}")),
    }
}

fn same_value(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Compares two results; `ordered` also compares the order of an instant vector.
fn compare(ours: &Canon, theirs: &Canon, ordered: bool) -> Result<(), String> {
    match (ours, theirs) {
        (Canon::Error(_), Canon::Error(_)) => Ok(()),
        (Canon::Error(e), _) => Err(format!("ours failed ({e}), prometheus gave {theirs:?}")),
        (_, Canon::Error(e)) => Err(format!("prometheus failed ({e}), ours gave {ours:?}")),
        (Canon::Scalar(t1, v1), Canon::Scalar(t2, v2)) => {
            if t1 == t2 && same_value(*v1, *v2) {
                Ok(())
            } else {
                Err(format!("scalar ours [{t1}, {v1}] prometheus [{t2}, {v2}]"))
            }
        }
        (Canon::Str(t1, s1), Canon::Str(t2, s2)) if t1 == t2 && s1 == s2 => Ok(()),
        (Canon::Vector(a), Canon::Vector(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            if !ordered {
                a.sort_by(|x, y| x.0.cmp(&y.0));
                b.sort_by(|x, y| x.0.cmp(&y.0));
            }
            if a.len() != b.len() {
                return Err(format!(
                    "vector of {} samples, prometheus {}: ours {:?} prometheus {:?}",
                    a.len(),
                    b.len(),
                    a.iter().map(|s| &s.0).collect::<Vec<_>>(),
                    b.iter().map(|s| &s.0).collect::<Vec<_>>()
                ));
            }
            for (x, y) in a.iter().zip(&b) {
                if x.0 != y.0 || x.1 != y.1 || !same_value(x.2, y.2) {
                    return Err(format!("sample ours {x:?} prometheus {y:?}"));
                }
            }
            Ok(())
        }
        (Canon::Matrix(a), Canon::Matrix(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort_by(|x, y| x.0.cmp(&y.0));
            b.sort_by(|x, y| x.0.cmp(&y.0));
            if a.len() != b.len() {
                return Err(format!(
                    "matrix of {} series, prometheus {}: ours {:?} prometheus {:?}",
                    a.len(),
                    b.len(),
                    a.iter().map(|s| &s.0).collect::<Vec<_>>(),
                    b.iter().map(|s| &s.0).collect::<Vec<_>>()
                ));
            }
            for (x, y) in a.iter().zip(&b) {
                if x.0 != y.0 {
                    return Err(format!("series ours {:?} prometheus {:?}", x.0, y.0));
                }
                if x.1.len() != y.1.len() {
                    return Err(format!(
                        "series {:?}: {} points, prometheus {}",
                        x.0,
                        x.1.len(),
                        y.1.len()
                    ));
                }
                for (p, q) in x.1.iter().zip(&y.1) {
                    if p.0 != q.0 || !same_value(p.1, q.1) {
                        return Err(format!("series {:?}: point ours {p:?} prometheus {q:?}", x.0));
                    }
                }
            }
            Ok(())
        }
        _ => Err(format!("ours {ours:?}\nprometheus {theirs:?}")),
    }
}

/// Queries Prometheus refuses, each placing its error (`1:16: parse error: …`).
const REFUSED: &[&str] = &[
    "sum(rate(x[5m])",
    "foo{a=\"b}",
    "a +\n * b",
    "sum by (a) (x) )",
    "x[5m",
    "x $ y",
    "up == on(a) group_left",
    "rate(x[5m]",
    "x}",
    "x]",
    "foo{",
    "foo{a=}",
    "foo{a=\"b\",",
    "1 +",
    "x offset",
    "sum(x) by",
    "rate(x[5m)",
    "x[5m:",
    "histogram_quantile(0.9, )",
    "sum(x,)",
    "foo{a~\"b\"}",
    "x[5x]",
    "'abc",
    "x @",
    "x == bool",
    "topk(, x)",
    "(",
    ")",
    "foo bar",
    "sum without x",
    "x[1m] offset",
    "rate(x)",
    "sum(rate(x))",
    "abs(x[5m])",
    "sum by (a) (increase( x ))",
    "rate(x[5m]) + rate(y)",
    "sum(x[5m])",
    "topk(x, y)",
    "count_values(1, x)",
    "quantile(x, y)",
];

/// The `line:col` an error message places itself at.
fn placed(message: &str) -> Option<(u32, u32)> {
    let at = message.find(": parse error")?;
    let head = &message[..at];
    let place = head.rsplit(' ').next()?;
    let (line, col) = place.split_once(':')?;
    Some((line.parse().ok()?, col.parse().ok()?))
}

fn has_data(c: &Canon) -> bool {
    match c {
        Canon::Scalar(..) | Canon::Str(..) => true,
        Canon::Vector(v) => !v.is_empty(),
        Canon::Matrix(m) => !m.is_empty(),
        Canon::Error(_) => false,
    }
}

/// The real Prometheus holding the drill's history (made into blocks by promtool).
async fn start_prometheus() -> warroom_testkit::Server {
    let mut om = Vec::new();
    write_openmetrics(&history(), &mut om, i64::MIN, i64::MAX).expect("write openmetrics");
    warroom_testkit::prometheus_holding(&om).await
}

async fn prometheus_query(client: &reqwest::Client, url: &str, params: &[(&str, String)]) -> Canon {
    let url = reqwest::Url::parse_with_params(url, params).expect("url");
    let body: Value = match client.get(url).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(e) => return Canon::Error(e.to_string()),
    };
    if body["status"] != "success" {
        return Canon::Error(body["error"].as_str().unwrap_or("?").to_string());
    }
    canon(&body["data"])
}

fn secs(t_ms: i64) -> String {
    format!("{}.{:03}", t_ms.div_euclid(1000), t_ms.rem_euclid(1000))
}

fn ours(result: Result<crate::metrics::QueryValue, crate::metrics::QueryError>) -> Canon {
    match result {
        Ok(v) => canon(&serde_json::to_value(&v).expect("json")),
        Err(e) => Canon::Error(e.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promql_agrees_with_prometheus() {
    require("prometheus", "prometheus");
    require("promtool", "prometheus");
    assert!(QUERIES.len() >= 40);
    let prom = start_prometheus().await;
    let store = history();
    let opts = QueryOptions::default();
    let client = warroom_testkit::http_client();
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut non_empty = 0;
    for q in QUERIES {
        let ordered = q.starts_with("sort");
        let parsed = Query::parse(q);
        for &t in INSTANTS {
            let theirs = prometheus_query(
                &client,
                &format!("{}/api/v1/query", prom.url),
                &[("query", q.to_string()), ("time", secs(t))],
            )
            .await;
            let mine = ours(parsed.clone().and_then(|p| p.instant(&store, t, &opts)));
            compared += 1;
            non_empty += usize::from(has_data(&theirs));
            if let Err(e) = compare(&mine, &theirs, ordered) {
                failures.push(format!("{q} @ {}: {e}", secs(t)));
            }
        }
        for &(start, end, step) in RANGES {
            let theirs = prometheus_query(
                &client,
                &format!("{}/api/v1/query_range", prom.url),
                &[
                    ("query", q.to_string()),
                    ("start", secs(start)),
                    ("end", secs(end)),
                    ("step", secs(step)),
                ],
            )
            .await;
            let mine = ours(parsed.clone().and_then(|p| p.range(&store, start, end, step, &opts)));
            compared += 1;
            non_empty += usize::from(has_data(&theirs));
            if let Err(e) = compare(&mine, &theirs, false) {
                failures.push(format!(
                    "{q} over {}..{} step {}: {e}",
                    secs(start),
                    secs(end),
                    secs(step)
                ));
            }
        }
    }
    // Refused queries: the place Prometheus gives (`line:col: parse error`), ours alike.
    for q in REFUSED {
        let theirs = prometheus_query(
            &client,
            &format!("{}/api/v1/query", prom.url),
            &[("query", q.to_string()), ("time", secs(T0))],
        )
        .await;
        let mine = ours(Query::parse(q).and_then(|p| p.instant(&store, T0, &opts)));
        compared += 1;
        let place = |c: &Canon| match c {
            Canon::Error(e) => placed(e),
            _ => None,
        };
        if place(&theirs).is_none() || place(&mine) != place(&theirs) {
            failures.push(format!("refused {q:?}: ours {mine:?}\nprometheus {theirs:?}"));
        }
    }
    drop(prom);
    assert!(
        failures.is_empty(),
        "{} of {compared} evaluations disagree with Prometheus:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} queries, {compared} evaluations ({non_empty} with data) agree with Prometheus",
        QUERIES.len()
    );
    // Most evaluations must have returned data, or the comparison proves little.
    assert!(
        non_empty * 10 >= compared * 7,
        "only {non_empty} of {compared} had data"
    );
}
