//! What the signal models see of the cluster at one instant: each pod's lifecycle state and
//! resource use, each Deployment's replica counts, each node's conditions and CPU load. The
//! sim takes one observation per scrape step, at the exact virtual time of the step, so the
//! same seed and script always give the same samples. It reads the sim and changes nothing
//! in it but the scraper's memory of what it read (see `facts`).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::facts::{NodeFacts, PodFacts, replicas};
use super::remembered::Remembered;
use crate::kinds;
use crate::sim::Sim;

/// The scrape interval of the drill's metrics (virtual time).
pub const SCRAPE_STEP_MS: i64 = 15_000;

/// A pod as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodObservation {
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    pub container: Arc<str>,
    /// `namespace/name` of the top-level workload.
    pub workload: Option<Arc<str>>,
    pub node: Option<Arc<str>>,
    pub running: bool,
    pub ready: bool,
    pub terminating: bool,
    pub restarts: u32,
    /// CPU cores and memory bytes in use.
    pub cpu: f64,
    pub memory: f64,
    /// The first container's CPU request and limit, in cores, where its spec sets them.
    pub cpu_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    /// Whether its workload's Service selects it (a pod labeled out of it gets no traffic).
    pub in_service: bool,
    /// The fraction of requests its image fails on its own (a bad canary); 0 for most.
    pub image_errors: f64,
    /// When it was made (Unix ms): known in the base of the backfilled history only, whose
    /// series of it start there (`Observation::before`).
    pub created_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentObservation {
    pub namespace: String,
    pub name: String,
    pub spec_replicas: f64,
    pub available: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeObservation {
    pub name: String,
    /// (condition type, status) as the node reports them: `("Ready", "True")`.
    pub conditions: Vec<(String, String)>,
    pub unschedulable: bool,
    /// CPU cores allocatable, and the cores its running pods use.
    pub cpu_capacity: f64,
    pub cpu_used: f64,
}

/// The cluster at one virtual instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub t_ms: i64,
    pub pods: Vec<PodObservation>,
    pub deployments: Vec<DeploymentObservation>,
    pub nodes: Vec<NodeObservation>,
    /// Traffic surges: workload `ns/name` → times the scenario's traffic.
    pub surges: HashMap<String, f64>,
}

impl Observation {
    /// The cluster as the history before this observation saw it at `t_ms`: a pod made since
    /// is the pod it replaced, of the same workload on the same node, under an earlier name
    /// (a StatefulSet's pod keeps its name). So a pod 30 minutes old has 30 minutes of series,
    /// and its workload's history is still whole.
    pub fn before(&self, t_ms: i64) -> Observation {
        let mut earlier = self.clone();
        for p in &mut earlier.pods {
            if p.created_ms.is_some_and(|made| made > t_ms) {
                p.name = Arc::from(replaced(&p.name));
                p.restarts = 0;
                p.created_ms = None;
            }
        }
        earlier
    }
}

/// The name of the pod `name` replaced: its random suffix drawn again, as a controller would
/// (from the name, so a drill is the same every run); a name ending in an ordinal as it is.
fn replaced(name: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    match name.rsplit_once('-') {
        Some((stem, suffix)) if !suffix.bytes().all(|b| b.is_ascii_digit()) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(name.as_bytes());
            let drawn: String = digest
                .iter()
                .take(suffix.len().max(1))
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{stem}-{drawn}")
        }
        _ => name.to_string(),
    }
}

/// The sim's scrape schedule and the observations not yet turned into samples.
#[derive(Debug, Default)]
pub struct Scraper {
    pub next_ms: i64,
    pub pending: Vec<Observation>,
    /// What each pod spec, Deployment and node version says: read once, not once a scrape (at
    /// 150,000 pods, reading every object again held the sim, and so the API, for a second).
    pods: Remembered<PodFacts>,
    deployments: Remembered<(f64, f64)>,
    nodes: Remembered<NodeFacts>,
}

/// At most this many observations are kept between two drains (a long clock jump keeps the
/// latest ones; 3 days of steps).
const MAX_PENDING: i64 = 17_280;

impl Sim {
    /// Starts scraping every `SCRAPE_STEP_MS` after now; returns the observation of now (the
    /// base of the backfilled history).
    pub fn start_scraping(&mut self) -> Observation {
        let now = self.now.as_millisecond();
        self.scraper = Some(Scraper {
            next_ms: now + SCRAPE_STEP_MS,
            ..Scraper::default()
        });
        let mut base = self.observe(now);
        for p in &mut base.pods {
            p.created_ms = self
                .store
                .get(&kinds::PODS, &p.namespace, &p.name)
                .and_then(|pod| pod.meta().creation_timestamp)
                .and_then(|t| t.as_str()?.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_millisecond());
        }
        base
    }

    /// Takes the observations of every scrape step at or before `t_ms` (before it when not
    /// `inclusive`: timers due at `t_ms` have not fired yet).
    pub(crate) fn scrape_until(&mut self, t_ms: i64, inclusive: bool) {
        let Some(next) = self.scraper.as_ref().map(|s| s.next_ms) else {
            return;
        };
        let due = |n: i64| if inclusive { n <= t_ms } else { n < t_ms };
        if !due(next) {
            return;
        }
        let mut next = next;
        if (t_ms - next) / SCRAPE_STEP_MS > MAX_PENDING {
            next = t_ms - (t_ms - next) % SCRAPE_STEP_MS - MAX_PENDING * SCRAPE_STEP_MS;
        }
        // The cluster does not change between timers: one observation, restamped per step.
        self.refresh_loads();
        let base = self.observe(next);
        let mut out = Vec::new();
        while due(next) {
            out.push(Observation {
                t_ms: next,
                ..base.clone()
            });
            next += SCRAPE_STEP_MS;
        }
        if let Some(s) = self.scraper.as_mut() {
            s.next_ms = next;
            s.pending.extend(out);
        }
    }

    /// The observations taken since the last call.
    pub fn take_observations(&mut self) -> Vec<Observation> {
        self.scraper
            .as_mut()
            .map(|s| std::mem::take(&mut s.pending))
            .unwrap_or_default()
    }

    /// Each traffic workload's Service selector: `None` when the Service is gone (its traffic is
    /// then modelled as reaching every pod, as the scenario describes it); an empty one, like a
    /// Service without a selector, selects no pod (Kubernetes keeps no endpoints for it).
    fn service_selectors(&self) -> HashMap<String, Option<serde_json::Map<String, Value>>> {
        self.scenario
            .workloads
            .iter()
            .map(|w| w.get())
            .filter(|w| w.traffic > 0.0)
            .map(|w| {
                let service = crate::control::build::service_name(w);
                let selector = self.get(&kinds::SERVICES, &w.namespace, service).map(|s| {
                    s.value()
                        .pointer("/spec/selector")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default()
                });
                (format!("{}/{}", w.namespace, w.name), selector)
            })
            .collect()
    }

    /// Observes the cluster as it is now, stamped `t_ms`. Pods come in the store's order
    /// (namespace, name), so the same cluster always gives the same observation.
    pub fn observe(&mut self, t_ms: i64) -> Observation {
        let selectors = self.service_selectors();
        let scraping = self.scraper.is_some();
        let mut scraper = self.scraper.take().unwrap_or_default();
        scraper.pods.begin();
        let mut node_cpu: HashMap<&str, f64> = HashMap::new();
        let mut pods = Vec::with_capacity(self.pods.len());
        // One key reused for every lookup: no allocation per pod.
        let mut key = (String::new(), String::new());
        for pod in self.store.iter(&kinds::PODS, None) {
            key.0.clear();
            key.0.push_str(&pod.namespace);
            key.1.clear();
            key.1.push_str(&pod.name);
            let Some(rt) = self.pods.get(&key) else {
                continue;
            };
            if rt.failed || rt.node.is_none() {
                continue;
            }
            let (cpu, memory) = if rt.running { self.usage_of(rt) } else { (0.0, 0.0) };
            if rt.running
                && let Some(node) = rt.node.as_deref()
            {
                *node_cpu.entry(node).or_default() += cpu;
            }
            // By the spec, which is all `PodFacts` reads: status updates, most of what a busy
            // cluster writes, keep what was read.
            let seen = scraper.pods.get(pod.spec_hash(), || PodFacts::read(pod));
            seen.place(rt);
            let in_service = match rt.workload.as_ref().and_then(|w| selectors.get(w)) {
                Some(Some(selector)) => {
                    !selector.is_empty() && selector.iter().all(|(k, v)| v.as_str() == pod.label(k))
                }
                Some(None) | None => true,
            };
            let image_errors = self
                .scenario
                .images
                .get(&seen.image)
                .and_then(|b| b.error_ratio)
                .unwrap_or(0.0);
            pods.push(PodObservation {
                in_service,
                image_errors,
                created_ms: None,
                namespace: pod.namespace.clone(),
                name: pod.name.clone(),
                container: seen.container.clone(),
                workload: seen.workload.clone(),
                node: seen.node.clone(),
                running: rt.running,
                ready: rt.ready,
                terminating: rt.terminating,
                restarts: rt.restarts,
                cpu,
                memory,
                cpu_request: seen.cpu_request,
                cpu_limit: seen.cpu_limit,
            });
        }
        scraper.pods.end();
        scraper.deployments.begin();
        let deployments = self
            .store
            .iter(&kinds::DEPLOYMENTS, None)
            .map(|d| {
                let (spec_replicas, available) = *scraper.deployments.get(d.resource_version, || replicas(d));
                DeploymentObservation {
                    namespace: d.namespace.to_string(),
                    name: d.name.to_string(),
                    spec_replicas,
                    available,
                }
            })
            .collect();
        scraper.deployments.end();
        scraper.nodes.begin();
        let nodes = self
            .store
            .iter(&kinds::NODES, None)
            .map(|n| {
                let facts = scraper.nodes.get(n.resource_version, || NodeFacts::read(n));
                NodeObservation {
                    name: n.name.to_string(),
                    conditions: facts.conditions.clone(),
                    unschedulable: facts.unschedulable,
                    cpu_capacity: facts.cpu_capacity,
                    cpu_used: node_cpu.get(&*n.name).copied().unwrap_or(0.0),
                }
            })
            .collect();
        scraper.nodes.end();
        let observation = Observation {
            t_ms,
            pods,
            deployments,
            nodes,
            surges: self.surges.clone(),
        };
        // A sim that is not scraping (a test observing once) keeps no memory of what it read.
        if scraping {
            self.scraper = Some(scraper);
        }
        observation
    }
}
