//! The golden-signal models of a drill: from each observation of the cluster they derive the
//! samples a real cluster's exporters would give (the services' request counters and latency
//! histograms, cAdvisor container use, kube-state-metrics replica, restart and node series)
//! and append them to the sample store. Services answer to cluster state: unready or
//! crashlooping backends raise the 5xx ratio, fewer ready replicas and saturated nodes raise
//! latency. A 3-day history is backfilled from the first observation (a pod's series from when
//! it was made; the pod it replaced served before). Noise comes from a seeded source: same
//! seed, same samples.

use std::collections::HashMap;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::observe::{Observation, PodObservation, SCRAPE_STEP_MS};
use super::series::{MetricType, SeriesId, SeriesStore};
use crate::control::load::overload_errors;
use crate::scenario::Scenario;

/// Upper bounds of the request latency histogram's buckets (seconds).
pub const LATENCY_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, f64::INFINITY];
const LE: [&str; 11] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf",
];
/// Spread of the log-normal latency distribution.
pub const SIGMA: f64 = 0.5;

/// A service with traffic, as the scenario describes it.
#[derive(Debug, Clone)]
pub struct ServiceModel {
    pub namespace: String,
    /// `namespace/name` of its workload.
    pub workload: String,
    pub service: String,
    pub rps: f64,
    pub replicas: f64,
    pub error_ratio: f64,
    pub latency_s: f64,
    pub objective: f64,
    /// The services it calls (`namespace/name` of their workloads) and on what share of its
    /// requests.
    pub calls: Vec<(String, f64)>,
}

/// How a service answers at one observation: the pods serving, the share of requests failing
/// on its own (before its callees'), each pod's load against its baseline, and each serving
/// pod's requests per second.
struct Answering<'a> {
    serving: Vec<&'a PodObservation>,
    /// Its pods that get no requests while others serve (not ready: starting, or
    /// crashlooping); their counters are exported all the same, and stand still.
    idle: Vec<&'a PodObservation>,
    error_ratio: f64,
    load: f64,
    share: f64,
}

impl<'a> Answering<'a> {
    fn of(svc: &ServiceModel, obs: &'a Observation) -> Self {
        let pods: Vec<_> = obs
            .pods
            .iter()
            .filter(|p| p.workload.as_deref() == Some(svc.workload.as_str()) && !p.terminating && p.in_service)
            .collect();
        let ready: Vec<_> = pods.iter().copied().filter(|p| p.ready).collect();
        let unhealthy = pods
            .iter()
            .filter(|p| !p.ready && (p.running || p.restarts > 0))
            .count();
        let surge = obs.surges.get(&svc.workload).copied().unwrap_or(1.0);
        let (serving, idle, error_ratio) = if ready.is_empty() {
            (pods, Vec::new(), 1.0)
        } else {
            let bad = unhealthy as f64 / (ready.len() + unhealthy) as f64;
            let idle = pods
                .into_iter()
                .filter(|p| !p.ready && (p.running || p.restarts > 0))
                .collect();
            (ready, idle, svc.error_ratio + (1.0 - svc.error_ratio) * 0.6 * bad)
        };
        // Each serving pod's share of the traffic against the scenario's baseline share.
        let load = if serving.is_empty() {
            1.0
        } else {
            (surge * svc.replicas / serving.len() as f64).max(1.0)
        };
        let error_ratio = error_ratio + (1.0 - error_ratio) * overload_errors(load);
        let share = if serving.is_empty() {
            0.0
        } else {
            svc.rps * surge / serving.len() as f64
        };
        Answering {
            serving,
            idle,
            error_ratio,
            load,
            share,
        }
    }

    /// The share of all its requests that fail on its own, its pods' images' failures included.
    fn failing(&self) -> f64 {
        if self.serving.is_empty() {
            return self.error_ratio;
        }
        let images = self.serving.iter().map(|p| p.image_errors).sum::<f64>() / self.serving.len() as f64;
        self.error_ratio + (1.0 - self.error_ratio) * images
    }
}

/// For each service, the share of its requests that fail because a service it calls (directly
/// or further down) fails them, and the latency its calls add: `own` failing and latency per
/// service, its calls by index. Calls in a cycle settle after as many rounds as there are services.
fn through_calls(own: &[(f64, f64)], calls: &[Vec<(usize, f64)>]) -> Vec<(f64, f64)> {
    let mut total: Vec<(f64, f64)> = own.to_vec();
    let mut added = vec![(0.0, 0.0); own.len()];
    for _ in 0..own.len() {
        for (s, callees) in calls.iter().enumerate() {
            let (mut ok, mut latency) = (1.0, 0.0);
            for &(c, share) in callees {
                ok *= 1.0 - share * total[c].0;
                latency += share * total[c].1;
            }
            added[s] = (1.0 - ok, latency);
            total[s] = (1.0 - (1.0 - own[s].0) * ok, own[s].1 + latency);
        }
    }
    added
}

/// The services of a scenario that receive traffic.
pub fn services(scenario: &Scenario) -> Vec<ServiceModel> {
    scenario
        .workloads
        .iter()
        .map(|w| w.get())
        .filter(|w| w.traffic > 0.0)
        .map(|w| ServiceModel {
            namespace: w.namespace.clone(),
            workload: format!("{}/{}", w.namespace, w.name),
            service: crate::control::build::service_name(w).to_string(),
            rps: w.traffic,
            replicas: f64::from(w.replicas.max(1)),
            error_ratio: w.signals.error_ratio,
            latency_s: w.signals.latency.as_secs_f64(),
            objective: w.signals.objective,
            calls: w.calls.iter().map(|c| (c.workload.clone(), c.share)).collect(),
        })
        .collect()
}

/// Each service's calls, by index into `services` (a call to a service without traffic is none).
fn call_indices(services: &[ServiceModel]) -> Vec<Vec<(usize, f64)>> {
    let index: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.workload.as_str(), i))
        .collect();
    services
        .iter()
        .map(|s| {
            s.calls
                .iter()
                .filter_map(|(w, share)| index.get(w.as_str()).map(|&c| (c, *share)))
                .collect()
        })
        .collect()
}

/// Each healthy service's median latency, its calls' included: what its latency alert is set
/// against.
pub fn healthy_latency(services: &[ServiceModel]) -> Vec<f64> {
    let own: Vec<(f64, f64)> = services.iter().map(|s| (0.0, s.latency_s)).collect();
    through_calls(&own, &call_indices(services))
        .iter()
        .zip(services)
        .map(|((_, added), s)| s.latency_s + added)
        .collect()
}

/// How a series' value moves from one step to the next.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Adds `base × factor × dt` each step.
    Counter,
    /// Is `base × factor` at each step.
    Gauge,
}

/// What scales a series' value at a step.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Const,
    /// The service's traffic at that time (daily cycle and shared noise).
    Traffic(usize),
    /// Own noise of ± the given fraction, and the service's daily cycle when set.
    Jitter(f64, Option<usize>),
}

#[derive(Debug, Clone, Copy)]
struct Feed {
    id: SeriesId,
    kind: Kind,
    base: f64,
    scale: Scale,
}

/// The sample store of a drill and the models that fill it.
pub struct SignalModels {
    pub store: SeriesStore,
    pub services: Vec<ServiceModel>,
    rng: ChaCha8Rng,
    /// The drill's seed, from which each pod's weight is drawn.
    seed: u64,
    /// Cumulative counter values by series id.
    totals: Vec<f64>,
    ids: HashMap<Vec<(&'static str, String)>, SeriesId>,
    /// Each pod's own series, found once (not looked up by their labels every scrape: at
    /// 150,000 pods that was millions of allocations a scrape and a second copy of every label).
    pods: HashMap<(Arc<str>, Arc<str>), PodSeries>,
    last_ms: Option<i64>,
}

/// A pod's series: CPU, memory, restarts, and its CPU request and limit where the spec sets
/// them; `None` where the store refused the labels.
#[derive(Debug, Clone, PartialEq)]
struct PodSeries {
    node: Option<Arc<str>>,
    container: Arc<str>,
    cpu: Option<SeriesId>,
    memory: Option<SeriesId>,
    restarts: Option<SeriesId>,
    request: Option<SeriesId>,
    limit: Option<SeriesId>,
    /// Its share of its service's requests against an even split: load balancing is never
    /// exact, so no two pods' counters are the same.
    weight: f64,
}

/// How unevenly a service's requests reach its pods: each pod gets its even share ± this.
const UNEVEN: f64 = 0.15;

/// A pod's stable weight in `1 ± UNEVEN`, from the seed and its name (the same each run).
fn pod_weight(seed: u64, namespace: &str, pod: &str) -> f64 {
    use sha2::Digest;
    let digest = sha2::Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(namespace.as_bytes())
        .chain_update(b"/")
        .chain_update(pod.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let unit = (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64;
    1.0 + UNEVEN * (2.0 * unit - 1.0)
}

/// The traffic cycle: each day quietest before dawn and busiest mid-afternoon (UTC), ±30%;
/// each week 20% lower on Saturday and Sunday, eased in and out over the six hours around
/// the midnights that begin and end the weekend.
pub fn traffic_cycle(t_ms: i64) -> f64 {
    let day = (t_ms as f64 / 86_400_000.0).fract();
    let daily = 1.0 + 0.3 * (std::f64::consts::TAU * (day - 0.375)).sin();
    daily * (1.0 - 0.2 * weekend(t_ms))
}

/// How much of the weekend it is at `t_ms`: 0 on weekdays, 1 on Saturday and Sunday, a
/// smooth ramp over the three hours either side of the midnights between them.
fn weekend(t_ms: i64) -> f64 {
    const HOUR: f64 = 3_600_000.0;
    // 1970-01-01 was a Thursday: hours since the Monday before it.
    let hours = (t_ms as f64 + 3.0 * 24.0 * HOUR) / HOUR;
    let h = hours.rem_euclid(168.0);
    // Saturday begins 120 h into the week, Monday at 168 h (0).
    let ramp = |x: f64| {
        let x = x.clamp(0.0, 1.0);
        x * x * (3.0 - 2.0 * x)
    };
    if h >= 117.0 {
        ramp((h - 117.0) / 6.0).min(ramp((171.0 - h) / 6.0))
    } else if h < 3.0 {
        ramp((3.0 - h) / 6.0)
    } else {
        0.0
    }
}

/// The standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// Fraction of requests at or under `le` seconds for a log-normal latency with this median.
fn latency_cdf(le: f64, median: f64) -> f64 {
    if le.is_infinite() {
        return 1.0;
    }
    normal_cdf((le / median).ln() / SIGMA)
}

/// How much slower requests are on a node under memory pressure (reclaim, evictions).
const MEMORY_PRESSURE_FACTOR: f64 = 5.0;

/// How much a node's CPU load slows the requests served on it.
fn saturation_factor(used: f64, capacity: f64) -> f64 {
    if capacity <= 0.0 {
        return 1.0;
    }
    1.0 + 20.0 * (used / capacity - 0.75).max(0.0)
}

/// An empty store that knows the models' metric families.
fn store() -> SeriesStore {
    let mut store = SeriesStore::new();
    let meta: [(&str, MetricType, &str); 11] = [
        ("http_requests", MetricType::Counter, "Requests served, by status code."),
        (
            "http_request_duration_seconds",
            MetricType::Histogram,
            "Request latency.",
        ),
        (
            "container_cpu_usage_seconds",
            MetricType::Counter,
            "CPU time used by the container.",
        ),
        (
            "container_memory_working_set_bytes",
            MetricType::Gauge,
            "Working set of the container.",
        ),
        (
            "kube_pod_container_status_restarts",
            MetricType::Counter,
            "Container restarts.",
        ),
        (
            "kube_pod_container_resource_requests",
            MetricType::Gauge,
            "The resources a container requests.",
        ),
        (
            "kube_pod_container_resource_limits",
            MetricType::Gauge,
            "The resource limits of a container.",
        ),
        (
            "kube_deployment_status_replicas_available",
            MetricType::Gauge,
            "Available replicas.",
        ),
        ("kube_deployment_spec_replicas", MetricType::Gauge, "Desired replicas."),
        (
            "kube_node_status_condition",
            MetricType::Gauge,
            "The node's conditions.",
        ),
        (
            "kube_node_spec_unschedulable",
            MetricType::Gauge,
            "Whether the node is cordoned.",
        ),
    ];
    for (family, kind, help) in meta {
        store.set_meta(family, kind, Some(help));
    }
    store
}

impl SignalModels {
    pub fn new(scenario: &Scenario, seed: u64) -> SignalModels {
        SignalModels {
            store: store(),
            services: services(scenario),
            // A source of its own, so metrics never change what the cluster does.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x006d_6574_7269_6373),
            seed,
            totals: Vec::new(),
            ids: HashMap::new(),
            pods: HashMap::new(),
            last_ms: None,
        }
    }

    /// Empties the store and forgets every series and service model (a replay's seek).
    pub fn start_over(&mut self) {
        self.store = store();
        self.services.clear();
        self.totals.clear();
        self.ids.clear();
        self.pods.clear();
        self.last_ms = None;
    }

    /// The series of one observed pod, created the first time it is seen (or moves).
    fn pod_series(&mut self, p: &PodObservation) -> PodSeries {
        let key = (p.namespace.clone(), p.name.clone());
        if let Some(known) = self.pods.get(&key)
            && known.node == p.node
            && known.container == p.container
            && (p.cpu_request.is_none() || known.request.is_some())
            && (p.cpu_limit.is_none() || known.limit.is_some())
        {
            return known.clone();
        }
        let node = p.node.as_deref().unwrap_or("");
        let container = [
            ("namespace", &*p.namespace),
            ("pod", &*p.name),
            ("container", &*p.container),
        ];
        let mut id = |name: &'static str, extra: &[(&'static str, &str)]| {
            let mut l = vec![("__name__", name)];
            l.extend(container);
            l.extend(extra);
            self.store.series_id(&l).ok()
        };
        let cpu = [("resource", "cpu"), ("unit", "core")];
        let series = PodSeries {
            cpu: id("container_cpu_usage_seconds_total", &[("node", node)]),
            memory: id("container_memory_working_set_bytes", &[("node", node)]),
            restarts: id("kube_pod_container_status_restarts_total", &[]),
            request: p
                .cpu_request
                .and_then(|_| id("kube_pod_container_resource_requests", &cpu)),
            limit: p.cpu_limit.and_then(|_| id("kube_pod_container_resource_limits", &cpu)),
            weight: pod_weight(self.seed, &p.namespace, &p.name),
            container: p.container.clone(),
            node: p.node.clone(),
        };
        self.pods.insert(key, series.clone());
        series
    }

    fn id(&mut self, labels: Vec<(&'static str, String)>) -> Option<SeriesId> {
        if let Some(&id) = self.ids.get(&labels) {
            return Some(id);
        }
        let id = self.store.series_id(&labels).ok()?;
        self.ids.insert(labels, id);
        Some(id)
    }

    /// Fills `[obs.t_ms - history_ms, obs.t_ms]` with the cluster as observed, one sample a
    /// scrape step, and records the observation itself as the last step. A pod made during
    /// that time has series from when it was made; before, the pod it replaced served its
    /// share (`Observation::before`).
    pub fn backfill(&mut self, obs: &Observation, history_ms: i64) {
        let steps = history_ms.max(0) / SCRAPE_STEP_MS;
        let first = obs.t_ms - steps * SCRAPE_STEP_MS;
        let mut made: Vec<i64> = obs
            .pods
            .iter()
            .filter_map(|p| p.created_ms)
            .filter(|made| (first + 1..=obs.t_ms).contains(made))
            .collect();
        made.sort_unstable();
        made.dedup();
        // The feeds of the cluster as it stood, made again each time a pod of it was made.
        let mut feeds = Vec::new();
        let mut until = i64::MIN;
        for k in (0..=steps).rev() {
            let t = obs.t_ms - k * SCRAPE_STEP_MS;
            if t >= until {
                feeds = self.feeds(&obs.before(t), true);
                until = made.iter().find(|made| **made > t).copied().unwrap_or(i64::MAX);
            }
            self.apply(&feeds, t);
        }
    }

    /// Records an observation taken one scrape step after the last.
    pub fn record(&mut self, obs: &Observation) {
        if self.last_ms.is_some_and(|last| obs.t_ms <= last) {
            return;
        }
        let feeds = self.feeds(obs, true);
        self.apply(&feeds, obs.t_ms);
    }

    /// Records an observation of some workloads only (a replay's branched ones): their
    /// services, pods and Deployments, not the nodes, whose series come from elsewhere. A
    /// counter already in the store goes on from its last value.
    pub fn record_workloads(&mut self, obs: &Observation) {
        if self.last_ms.is_some_and(|last| obs.t_ms <= last) {
            return;
        }
        let feeds = self.feeds(obs, false);
        self.apply(&feeds, obs.t_ms);
    }

    fn apply(&mut self, feeds: &[Feed], t_ms: i64) {
        let dt = match self.last_ms {
            Some(last) => (t_ms - last) as f64 / 1000.0,
            None => SCRAPE_STEP_MS as f64 / 1000.0,
        };
        let cycle = traffic_cycle(t_ms);
        let noise: Vec<f64> = (0..self.services.len())
            .map(|_| 1.0 + 0.1 * (self.rng.random::<f64>() - 0.5))
            .collect();
        for f in feeds {
            let factor = match f.scale {
                Scale::Const => 1.0,
                Scale::Traffic(s) => cycle * noise[s],
                Scale::Jitter(amp, service) => {
                    let j = 1.0 + amp * (self.rng.random::<f64>() - 0.5) * 2.0;
                    j * service.map_or(1.0, |_| cycle)
                }
            };
            let i = f.id as usize;
            if self.totals.len() <= i {
                self.totals.resize(i + 1, f64::NAN);
            }
            let v = match f.kind {
                Kind::Counter => {
                    if self.totals[i].is_nan() {
                        self.totals[i] = self.last_value(f.id).unwrap_or(0.0);
                    }
                    self.totals[i] += f.base * factor * dt;
                    self.totals[i]
                }
                Kind::Gauge => f.base * factor,
            };
            // A step that repeats a time is skipped; the store refuses it anyway.
            let _ = self.store.append_to(f.id, t_ms, v);
        }
        self.last_ms = Some(t_ms);
    }

    /// The latest value stored for `id`.
    fn last_value(&self, id: SeriesId) -> Option<f64> {
        Some(self.store.get(id)?.samples.last_at_or_before(i64::MAX)?.1)
    }

    /// The series this observation feeds and how (the nodes' too when `with_nodes`).
    fn feeds(&mut self, obs: &Observation, with_nodes: bool) -> Vec<Feed> {
        let mut feeds = Vec::new();
        let node_factor: HashMap<&str, f64> = obs
            .nodes
            .iter()
            .map(|n| {
                let pressure = n.conditions.iter().any(|(c, s)| c == "MemoryPressure" && s == "True");
                let reclaim = if pressure { MEMORY_PRESSURE_FACTOR } else { 1.0 };
                (n.name.as_str(), saturation_factor(n.cpu_used, n.cpu_capacity) * reclaim)
            })
            .collect();
        let service_of: HashMap<String, usize> = self
            .services
            .iter()
            .enumerate()
            .map(|(s, svc)| (svc.workload.clone(), s))
            .collect();
        let services = self.services.clone();
        let answering: Vec<Answering> = services.iter().map(|svc| Answering::of(svc, obs)).collect();
        let own: Vec<(f64, f64)> = services
            .iter()
            .zip(&answering)
            .map(|(svc, a)| (a.failing(), svc.latency_s * a.load))
            .collect();
        let downstream = through_calls(&own, &call_indices(&services));
        for (s, (svc, a)) in services.iter().zip(answering).enumerate() {
            let (failing_below, latency_below) = downstream[s];
            let (error_ratio, load, share) = (a.error_ratio, a.load, a.share);
            let idle = a.idle.iter().map(|p| (*p, false));
            for (p, serves) in a.serving.iter().map(|p| (*p, true)).chain(idle) {
                let share = if serves { share * self.pod_series(p).weight } else { 0.0 };
                let error_ratio = error_ratio + (1.0 - error_ratio) * p.image_errors;
                let error_ratio = error_ratio + (1.0 - error_ratio) * failing_below;
                let node = p.node.as_deref().unwrap_or("");
                let median = svc.latency_s * load * node_factor.get(node).copied().unwrap_or(1.0) + latency_below;
                let base = |name: &'static str| {
                    vec![
                        ("__name__", name.to_string()),
                        ("namespace", p.namespace.to_string()),
                        ("service", svc.service.clone()),
                        ("pod", p.name.to_string()),
                    ]
                };
                for (code, fraction) in [("200", 1.0 - error_ratio), ("500", error_ratio)] {
                    let mut labels = base("http_requests_total");
                    labels.push(("code", code.to_string()));
                    if let Some(id) = self.id(labels) {
                        feeds.push(Feed {
                            id,
                            kind: Kind::Counter,
                            base: share * fraction,
                            scale: Scale::Traffic(s),
                        });
                    }
                }
                for (i, le) in LE.iter().enumerate() {
                    let mut labels = base("http_request_duration_seconds_bucket");
                    labels.push(("le", le.to_string()));
                    if let Some(id) = self.id(labels) {
                        feeds.push(Feed {
                            id,
                            kind: Kind::Counter,
                            base: share * latency_cdf(LATENCY_BUCKETS[i], median),
                            scale: Scale::Traffic(s),
                        });
                    }
                }
                let mean = median * (SIGMA * SIGMA / 2.0).exp();
                for (name, rate) in [
                    ("http_request_duration_seconds_sum", share * mean),
                    ("http_request_duration_seconds_count", share),
                ] {
                    if let Some(id) = self.id(base(name)) {
                        feeds.push(Feed {
                            id,
                            kind: Kind::Counter,
                            base: rate,
                            scale: Scale::Traffic(s),
                        });
                    }
                }
            }
        }
        for p in &obs.pods {
            let service = p.workload.as_deref().and_then(|w| service_of.get(w).copied());
            let ids = self.pod_series(p);
            // As kube-state-metrics exports them: requests and limits only where the spec sets them.
            let series = [
                (ids.cpu, Kind::Counter, Some(p.cpu), Scale::Jitter(0.15, service)),
                (ids.memory, Kind::Gauge, Some(p.memory), Scale::Jitter(0.03, None)),
                (ids.restarts, Kind::Gauge, Some(f64::from(p.restarts)), Scale::Const),
                (ids.request, Kind::Gauge, p.cpu_request, Scale::Const),
                (ids.limit, Kind::Gauge, p.cpu_limit, Scale::Const),
            ];
            for (id, kind, base, scale) in series {
                if let (Some(id), Some(base)) = (id, base) {
                    feeds.push(Feed { id, kind, base, scale });
                }
            }
        }
        if self.pods.len() > obs.pods.len() {
            let seen: std::collections::HashSet<(&str, &str)> =
                obs.pods.iter().map(|p| (&*p.namespace, &*p.name)).collect();
            self.pods.retain(|(ns, name), _| seen.contains(&(&**ns, &**name)));
        }
        for d in &obs.deployments {
            for (name, v) in [
                ("kube_deployment_spec_replicas", d.spec_replicas),
                ("kube_deployment_status_replicas_available", d.available),
            ] {
                let labels = vec![
                    ("__name__", name.to_string()),
                    ("namespace", d.namespace.clone()),
                    ("deployment", d.name.clone()),
                ];
                if let Some(id) = self.id(labels) {
                    feeds.push(Feed {
                        id,
                        kind: Kind::Gauge,
                        base: v,
                        scale: Scale::Const,
                    });
                }
            }
        }
        for n in obs.nodes.iter().filter(|_| with_nodes) {
            for condition in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
                let status = n
                    .conditions
                    .iter()
                    .find(|(c, _)| c == condition)
                    .map_or("Unknown", |(_, s)| s.as_str());
                for s in ["true", "false", "unknown"] {
                    let labels = vec![
                        ("__name__", "kube_node_status_condition".to_string()),
                        ("node", n.name.clone()),
                        ("condition", condition.to_string()),
                        ("status", s.to_string()),
                    ];
                    let v = if status.eq_ignore_ascii_case(s) { 1.0 } else { 0.0 };
                    if let Some(id) = self.id(labels) {
                        feeds.push(Feed {
                            id,
                            kind: Kind::Gauge,
                            base: v,
                            scale: Scale::Const,
                        });
                    }
                }
            }
            let labels = vec![
                ("__name__", "kube_node_spec_unschedulable".to_string()),
                ("node", n.name.clone()),
            ];
            if let Some(id) = self.id(labels) {
                feeds.push(Feed {
                    id,
                    kind: Kind::Gauge,
                    base: if n.unschedulable { 1.0 } else { 0.0 },
                    scale: Scale::Const,
                });
            }
        }
        feeds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callees_failures_cascade_to_its_callers_by_the_share_that_calls_it() {
        // frontend → checkout (80% of its requests) → payments (all of checkout's); payments
        // fails half of what it answers; cart calls nothing.
        let own = [(0.0, 0.05), (0.01, 0.04), (0.5, 0.1), (0.0, 0.02)];
        let calls = vec![vec![(1, 0.8)], vec![(2, 1.0)], vec![], vec![]];
        let below = through_calls(&own, &calls);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        // checkout fails what payments fails; frontend 80% of what checkout fails in all.
        assert!(close(below[1].0, 0.5), "{below:?}");
        let checkout = 1.0 - (1.0 - 0.01) * (1.0 - 0.5);
        assert!(close(below[0].0, 0.8 * checkout), "{below:?}");
        assert!(close(below[2].0, 0.0) && close(below[3].0, 0.0), "{below:?}");
        // The latency of the calls adds up the chain.
        assert!(close(below[1].1, 0.1), "{below:?}");
        assert!(close(below[0].1, 0.8 * (0.04 + 0.1)), "{below:?}");
        // A cycle settles instead of running away.
        let cyclic = through_calls(&[(0.1, 0.01), (0.1, 0.01)], &[vec![(1, 0.5)], vec![(0, 0.5)]]);
        assert!(cyclic.iter().all(|(f, l)| *f < 1.0 && l.is_finite()), "{cyclic:?}");
    }

    #[test]
    fn latency_distribution_is_a_cdf() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        let m = 0.04;
        let fractions: Vec<f64> = LATENCY_BUCKETS.iter().map(|&le| latency_cdf(le, m)).collect();
        assert!(fractions.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(fractions[10], 1.0);
        assert!((latency_cdf(m, m) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn weekends_are_quieter_and_eased_into() {
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("t").as_millisecond();
        // Wednesday and the Saturday after it, both at 15:00 UTC.
        let (wed, sat) = (at("2026-12-02T15:00:00Z"), at("2026-12-05T15:00:00Z"));
        assert!((traffic_cycle(sat) / traffic_cycle(wed) - 0.8).abs() < 1e-9);
        assert_eq!(weekend(at("2026-12-04T12:00:00Z")), 0.0, "Friday noon");
        assert_eq!(weekend(at("2026-12-06T12:00:00Z")), 1.0, "Sunday noon");
        let eased = weekend(at("2026-12-05T00:00:00Z"));
        assert!((eased - 0.5).abs() < 1e-9, "half way at Saturday's midnight: {eased}");
        assert!(
            (weekend(at("2026-12-07T00:00:00Z")) - 0.5).abs() < 1e-9,
            "and at Monday's"
        );
        // Smooth: no step of more than a sliver from one scrape to the next.
        let fri = at("2026-12-04T20:00:00Z");
        for k in 0..(8 * 240) {
            let t = fri + k * 15_000;
            assert!((traffic_cycle(t + 15_000) - traffic_cycle(t)).abs() < 0.002, "{k}");
        }
    }

    #[test]
    fn saturation_slows_only_busy_nodes() {
        assert_eq!(saturation_factor(1.0, 4.0), 1.0);
        assert!(saturation_factor(3.95, 4.0) > 5.0);
    }
}
