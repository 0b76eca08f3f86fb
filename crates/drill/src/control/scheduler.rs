//! The simulated scheduler: binds pending pods to the least-loaded node that is Ready,
//! schedulable, untainted (or tolerated), matches the node selector and has room for the
//! pod's requests; otherwise it reports FailedScheduling with kube-scheduler's summary.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::kinds;
use crate::scenario::quantity::Quantity;
use crate::sim::Sim;

/// What the scheduler needs to know of a node (read from the Node object each pass).
struct Candidate {
    name: String,
    ready: bool,
    unschedulable: bool,
    taints: Vec<(String, String)>,
    labels: BTreeMap<String, String>,
    cpu: f64,
    memory: f64,
    pods: f64,
}

fn candidate(v: &Value) -> Option<Candidate> {
    let q = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .and_then(|s| Quantity::parse(s).ok())
            .map(|q| q.value)
            .unwrap_or(0.0)
    };
    Some(Candidate {
        name: v.pointer("/metadata/name")?.as_str()?.to_string(),
        ready: node_ready(v),
        unschedulable: v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true),
        taints: v
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| {
                        Some((
                            t.get("key")?.as_str()?.to_string(),
                            t.get("effect")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        labels: v
            .pointer("/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default(),
        cpu: q("/status/allocatable/cpu"),
        memory: q("/status/allocatable/memory"),
        pods: q("/status/allocatable/pods"),
    })
}

/// Whether a Node object's Ready condition is True.
pub fn node_ready(v: &Value) -> bool {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str))
        == Some("True")
}

fn tolerates(pod: &Value, key: &str, effect: &str) -> bool {
    pod.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .is_some_and(|ts| {
            ts.iter().any(|t| {
                let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
                let tkey = t.get("key").and_then(Value::as_str);
                let teffect = t.get("effect").and_then(Value::as_str);
                (tkey.is_none() && op == "Exists" || tkey == Some(key))
                    && teffect.is_none_or(|e| e.is_empty() || e == effect)
            })
        })
}

impl Sim {
    pub fn node_is_ready(&self, node: &str) -> bool {
        self.get(&kinds::NODES, "", node)
            .is_some_and(|n| node_ready(&n.value()))
    }

    pub fn node_ip(&self, node: &str) -> String {
        self.get(&kinds::NODES, "", node)
            .and_then(|n| {
                n.value()
                    .pointer("/status/addresses/0/address")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    /// Adds a bound pod's requests to its node's load.
    pub(crate) fn node_alloc_add(&mut self, node: &str, ns: &str, name: &str) {
        let key = (ns.to_string(), name.to_string());
        if let Some(rt) = self.pods.get(&key) {
            let (cpu, mem) = (rt.cpu_request, rt.memory_request);
            let load = self.node_alloc.entry(node.to_string()).or_default();
            if load.pods.insert(key) {
                load.cpu += cpu;
                load.memory += mem;
            }
        }
    }

    /// Takes a pod's requests off its node's load.
    pub(crate) fn node_alloc_remove(&mut self, node: &str, ns: &str, name: &str) {
        let key = (ns.to_string(), name.to_string());
        let Some((cpu, mem)) = self.pods.get(&key).map(|r| (r.cpu_request, r.memory_request)) else {
            return;
        };
        if let Some(load) = self.node_alloc.get_mut(node)
            && load.pods.remove(&key)
        {
            load.cpu -= cpu;
            load.memory -= mem;
        }
    }

    /// Whether any workload's usage differs from its requests (so memory pressure can arise).
    pub fn tracks_usage(&self) -> bool {
        !self.usage.is_empty() || self.scenario.workloads.iter().any(|w| w.get().usage.is_some())
    }

    /// Binds every pending pod that fits somewhere.
    pub fn schedule_pending(&mut self) {
        let pending: Vec<(String, String)> = self
            .unbound
            .iter()
            .filter(|k| self.pods.get(*k).is_some_and(|r| !r.terminating && !r.failed))
            .cloned()
            .collect();
        if pending.is_empty() {
            return;
        }
        let nodes: Vec<Candidate> = self
            .store
            .iter(&kinds::NODES, None)
            .filter_map(|n| candidate(&n.value()))
            .collect();
        for (ns, name) in pending {
            let Some(pod) = self.get(&kinds::PODS, &ns, &name) else {
                continue;
            };
            let pv = pod.value();
            let Some(rt) = self.pods.get(&(ns.clone(), name.clone())) else {
                continue;
            };
            let (cpu, mem) = (rt.cpu_request, rt.memory_request);
            let selector: BTreeMap<String, String> = pv
                .pointer("/spec/nodeSelector")
                .and_then(|s| serde_json::from_value(s.clone()).ok())
                .unwrap_or_default();
            let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
            let mut best: Option<(f64, &Candidate)> = None;
            for n in &nodes {
                let used = self
                    .node_alloc
                    .get(&n.name)
                    .map(|l| (l.cpu, l.memory, l.pods.len() as f64))
                    .unwrap_or_default();
                let reason = if n.unschedulable {
                    Some("node(s) were unschedulable".to_string())
                } else if let Some((k, _)) = n
                    .taints
                    .iter()
                    .find(|(k, e)| (e == "NoSchedule" || e == "NoExecute") && !tolerates(&pv, k, e))
                {
                    Some(format!("node(s) had untolerated taint {{{k}: }}"))
                } else if !n.ready {
                    Some("node(s) were not ready".to_string())
                } else if selector.iter().any(|(k, v)| n.labels.get(k) != Some(v)) {
                    Some("node(s) didn't match Pod's node affinity/selector".to_string())
                } else if used.2 + 1.0 > n.pods {
                    Some("Too many pods".to_string())
                } else if used.0 + cpu > n.cpu + 1e-9 {
                    Some("Insufficient cpu".to_string())
                } else if used.1 + mem > n.memory + 1.0 {
                    Some("Insufficient memory".to_string())
                } else {
                    None
                };
                match reason {
                    Some(r) => *reasons.entry(r).or_default() += 1,
                    None => {
                        let score = (used.0 + cpu) / n.cpu.max(1e-9) + (used.1 + mem) / n.memory.max(1.0);
                        if best.is_none_or(|(s, _)| score < s - 1e-12) {
                            best = Some((score, n));
                        }
                    }
                }
            }
            match best {
                Some((_, node)) => {
                    let node = node.name.clone();
                    self.bound(&ns, &name, &node);
                }
                None => {
                    let summary = reasons
                        .iter()
                        .map(|(r, n)| format!("{n} {r}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let message = format!(
                        "0/{} nodes are available: {summary}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                        nodes.len(),
                        nodes.len(),
                        nodes.len()
                    );
                    let Some(rt) = self.pods.get_mut(&(ns.clone(), name.clone())) else {
                        continue;
                    };
                    if rt.unschedulable_message.as_deref() == Some(message.as_str()) {
                        continue;
                    }
                    rt.unschedulable_message = Some(message.clone());
                    let now = self.timestamp();
                    self.modify(kinds::PODS, &ns, &name, |p| {
                        crate::control::kubelet::set_condition(p, "PodScheduled", "False", Some("Unschedulable"), &now);
                        if let Some(c) = p["status"]["conditions"].as_array_mut()
                            && let Some(c) = c.iter_mut().find(|c| c["type"] == "PodScheduled")
                        {
                            c["message"] = json!(message);
                        }
                    });
                    if let Some(pod) = self.get(&kinds::PODS, &ns, &name) {
                        self.warning(&pod, "FailedScheduling", &message, "default-scheduler");
                    }
                }
            }
        }
    }
}
