//! What the signal models see of the cluster at one instant: each pod's lifecycle state and
//! resource use, each Deployment's replica counts, each node's conditions and CPU load. The
//! sim takes one observation per scrape step, at the exact virtual time of the step, so the
//! same seed and script always give the same samples. It reads the sim; it writes nothing.

use std::collections::HashMap;

use serde_json::Value;

use crate::kinds;
use crate::scenario::quantity::Quantity;
use crate::sim::Sim;

/// The scrape interval of the drill's metrics (virtual time).
pub const SCRAPE_STEP_MS: i64 = 15_000;

/// A pod as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodObservation {
    pub namespace: String,
    pub name: String,
    pub container: String,
    /// `namespace/name` of the top-level workload.
    pub workload: Option<String>,
    pub node: Option<String>,
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

/// The sim's scrape schedule and the observations not yet turned into samples.
#[derive(Debug, Default)]
pub struct Scraper {
    pub next_ms: i64,
    pub pending: Vec<Observation>,
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
            pending: Vec::new(),
        });
        self.observe(now)
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

    /// Each traffic workload's Service selector (empty when the Service is gone: its traffic is
    /// then modelled as reaching every pod, as the scenario describes it).
    fn service_selectors(&self) -> HashMap<String, serde_json::Map<String, Value>> {
        self.scenario
            .workloads
            .iter()
            .map(|w| w.get())
            .filter(|w| w.traffic > 0.0)
            .map(|w| {
                let service = crate::control::build::service_name(w);
                let selector = self
                    .get(&kinds::SERVICES, &w.namespace, service)
                    .and_then(|s| s.value().pointer("/spec/selector").and_then(Value::as_object).cloned());
                (format!("{}/{}", w.namespace, w.name), selector.unwrap_or_default())
            })
            .collect()
    }

    /// Observes the cluster as it is now, stamped `t_ms`.
    pub fn observe(&self, t_ms: i64) -> Observation {
        let selectors = self.service_selectors();
        let mut pods = Vec::with_capacity(self.pods.len());
        for ((ns, name), rt) in &self.pods {
            if rt.failed || rt.node.is_none() {
                continue;
            }
            let (cpu, memory) = if rt.running {
                self.pod_usage(ns, name)
            } else {
                (0.0, 0.0)
            };
            let pod = self.get(&kinds::PODS, ns, name);
            let spec = |path: &str| pod.as_ref().and_then(|p| p.value().pointer(path).cloned());
            let container = spec("/spec/containers/0/name")
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "app".into());
            let cores = |path: &str| {
                spec(path)
                    .and_then(|v| v.as_str().and_then(|q| Quantity::parse(q).ok()))
                    .map(|q| q.value)
            };
            let in_service = match rt.workload.as_ref().and_then(|w| selectors.get(w)) {
                Some(selector) => pod
                    .as_ref()
                    .is_some_and(|p| selector.iter().all(|(k, v)| v.as_str() == p.label(k))),
                None => true,
            };
            let image_errors = spec("/spec/containers/0/image")
                .and_then(|i| self.scenario.images.get(i.as_str()?)?.error_ratio)
                .unwrap_or(0.0);
            pods.push(PodObservation {
                in_service,
                image_errors,
                namespace: ns.clone(),
                name: name.clone(),
                container,
                workload: rt.workload.clone(),
                node: rt.node.clone(),
                running: rt.running,
                ready: rt.ready,
                terminating: rt.terminating,
                restarts: rt.restarts,
                cpu,
                memory,
                cpu_request: cores("/spec/containers/0/resources/requests/cpu"),
                cpu_limit: cores("/spec/containers/0/resources/limits/cpu"),
            });
        }
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let deployments = self
            .store
            .iter(&kinds::DEPLOYMENTS, None)
            .map(|d| {
                let v = d.value();
                let num = |p: &str| v.pointer(p).and_then(Value::as_f64).unwrap_or(0.0);
                DeploymentObservation {
                    namespace: d.namespace.to_string(),
                    name: d.name.to_string(),
                    spec_replicas: v.pointer("/spec/replicas").and_then(Value::as_f64).unwrap_or(1.0),
                    available: num("/status/availableReplicas"),
                }
            })
            .collect();
        let nodes = self
            .store
            .iter(&kinds::NODES, None)
            .map(|n| {
                let v = n.value();
                let conditions = v
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .map(|cs| {
                        cs.iter()
                            .filter_map(|c| {
                                Some((
                                    c.get("type")?.as_str()?.to_string(),
                                    c.get("status")?.as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let cpu_capacity = v
                    .pointer("/status/allocatable/cpu")
                    .and_then(Value::as_str)
                    .and_then(|s| Quantity::parse(s).ok())
                    .map_or(0.0, |q| q.value);
                let cpu_used = self.pods_usage_on(&n.name).0;
                NodeObservation {
                    name: n.name.to_string(),
                    conditions,
                    unschedulable: v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true),
                    cpu_capacity,
                    cpu_used,
                }
            })
            .collect();
        Observation {
            t_ms,
            pods,
            deployments,
            nodes,
            surges: self.surges.clone(),
        }
    }
}
