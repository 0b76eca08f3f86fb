//! Node lifecycle: scripted condition changes, the node controller's taints and NotReady
//! handling (pods lose readiness, then are evicted after the timeout and stay Terminating
//! while the node is down), and the kubelet's memory-pressure evictions driven by pod usage.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::control::kubelet::PodRuntime;
use crate::kinds;
use crate::sim::{Sim, Timer, Work};

/// The share of its CPU request a healthy pod uses when its scenario says nothing: with the
/// daily cycle and jitter it peaks near 65%, well short of saturation.
const HEALTHY_CPU_SHARE: f64 = 0.5;

fn condition_status(node: &Value, kind: &str) -> Option<String> {
    node.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))?
        .get("status")?
        .as_str()
        .map(str::to_string)
}

fn set_taint(node: &mut Value, key: &str, effect: &str, present: bool, now: &str) {
    let taints = &mut node["spec"]["taints"];
    let mut list: Vec<Value> = taints.as_array().cloned().unwrap_or_default();
    list.retain(|t| t.get("key").and_then(Value::as_str) != Some(key));
    if present {
        list.push(json!({"key": key, "effect": effect, "timeAdded": now}));
    }
    *taints = if list.is_empty() { Value::Null } else { json!(list) };
}

impl Sim {
    /// Changes a node condition as its kubelet (or the node controller) would report it.
    pub fn set_node_condition(
        &mut self,
        node: &str,
        kind: &str,
        status: &str,
        reason: Option<&str>,
        message: Option<&str>,
    ) {
        let Some(before) = self.get(&kinds::NODES, "", node) else {
            return;
        };
        let before_value = before.value();
        let was_ready = condition_status(&before_value, "Ready").as_deref() == Some("True");
        let now = self.timestamp();
        let default_reason = match (kind, status) {
            ("Ready", "True") => "KubeletReady",
            ("Ready", "Unknown") => "NodeStatusUnknown",
            ("Ready", _) => "KubeletNotReady",
            ("MemoryPressure", "True") => "KubeletHasInsufficientMemory",
            ("MemoryPressure", _) => "KubeletHasSufficientMemory",
            ("DiskPressure", "True") => "KubeletHasDiskPressure",
            ("DiskPressure", _) => "KubeletHasNoDiskPressure",
            ("PIDPressure", "True") => "KubeletHasInsufficientPID",
            _ => "KubeletHasSufficientPID",
        };
        let reason = reason.unwrap_or(default_reason).to_string();
        let message = message.map(str::to_string).unwrap_or_else(|| match (kind, status) {
            ("Ready", "True") => "kubelet is posting ready status".into(),
            ("Ready", "Unknown") => "Kubelet stopped posting node status.".into(),
            ("Ready", _) => "container runtime network not ready".into(),
            ("MemoryPressure", "True") => "kubelet has insufficient memory available".into(),
            (_, _) => format!("kubelet reports {kind} {status}"),
        });
        self.modify(kinds::NODES, "", node, |n| {
            if let Some(cs) = n["status"]["conditions"].as_array_mut() {
                match cs
                    .iter_mut()
                    .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
                {
                    Some(c) => {
                        if c.get("status").and_then(Value::as_str) != Some(status) {
                            c["lastTransitionTime"] = json!(now);
                        }
                        c["status"] = json!(status);
                        c["reason"] = json!(reason);
                        c["message"] = json!(message);
                        c["lastHeartbeatTime"] = json!(now);
                    }
                    None => cs.push(
                        json!({"type": kind, "status": status, "reason": reason, "message": message,
                                           "lastHeartbeatTime": now, "lastTransitionTime": now}),
                    ),
                }
            }
            match kind {
                "Ready" => {
                    set_taint(
                        n,
                        "node.kubernetes.io/unreachable",
                        "NoExecute",
                        status == "Unknown",
                        &now,
                    );
                    set_taint(n, "node.kubernetes.io/not-ready", "NoExecute", status == "False", &now);
                }
                "MemoryPressure" => set_taint(
                    n,
                    "node.kubernetes.io/memory-pressure",
                    "NoSchedule",
                    status == "True",
                    &now,
                ),
                "DiskPressure" => set_taint(
                    n,
                    "node.kubernetes.io/disk-pressure",
                    "NoSchedule",
                    status == "True",
                    &now,
                ),
                "PIDPressure" => set_taint(
                    n,
                    "node.kubernetes.io/pid-pressure",
                    "NoSchedule",
                    status == "True",
                    &now,
                ),
                _ => {}
            }
        });
        let Some(obj) = self.get(&kinds::NODES, "", node) else {
            return;
        };
        if kind == "Ready" {
            let ready = status == "True";
            if was_ready && !ready {
                self.normal(
                    &obj,
                    "NodeNotReady",
                    &format!("Node {node} status is now: NodeNotReady"),
                    "node-controller",
                );
                let epoch = {
                    let e = self.node_epochs.entry(node.to_string()).or_default();
                    *e += 1;
                    *e
                };
                for (ns, name) in self.pods_on(node) {
                    self.set_ready(&ns, &name, false);
                    if let Some(pod) = self.get(&kinds::PODS, &ns, &name) {
                        self.warning(&pod, "NodeNotReady", "Node is not ready", "node-controller");
                    }
                }
                let timeout = self.scenario.dynamics.node_eviction_timeout.signed();
                self.after(
                    timeout,
                    Timer::NodeEviction {
                        node: node.to_string(),
                        epoch,
                    },
                );
            } else if !was_ready && ready {
                self.normal(
                    &obj,
                    "NodeReady",
                    &format!("Node {node} status is now: NodeReady"),
                    "kubelet",
                );
                *self.node_epochs.entry(node.to_string()).or_default() += 1;
                // The kubelet comes back: it finishes terminations and restarts what runs there.
                for (ns, name) in self.pods_on(node) {
                    let Some(rt) = self.pods.get(&(ns.clone(), name.clone())) else {
                        continue;
                    };
                    if rt.terminating {
                        self.remove_object(&kinds::PODS, &ns, &name);
                    } else if rt.running && !rt.failed {
                        self.set_ready(&ns, &name, true);
                    }
                }
            }
        } else if kind == "MemoryPressure" && status == "True" {
            self.warning(&obj, "EvictionThresholdMet", "Attempting to reclaim memory", "kubelet");
            self.evict_for_memory(node);
        }
        self.queue(Work::Schedule);
    }

    /// A person changed a node's spec: cordoning adds the unschedulable taint, as the node
    /// lifecycle controller does, and is reported as an Event.
    pub fn node_spec_changed(&mut self, node: &str, before: &Value, after: &Value) {
        let cordoned = |v: &Value| v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true);
        let (was, is) = (cordoned(before), cordoned(after));
        if was == is {
            return;
        }
        let now = self.timestamp();
        let Some(obj) = self.modify(kinds::NODES, "", node, |n| {
            set_taint(n, "node.kubernetes.io/unschedulable", "NoSchedule", is, &now);
        }) else {
            return;
        };
        let status = if is { "NodeNotSchedulable" } else { "NodeSchedulable" };
        self.normal(&obj, status, &format!("Node {node} status is now: {status}"), "kubelet");
        self.queue(Work::Schedule);
    }

    /// The taint manager evicts pods from a node that stayed NotReady past the timeout.
    pub fn evict_unreachable(&mut self, node: &str, epoch: u64) {
        if self.node_epochs.get(node).copied().unwrap_or(0) != epoch || self.node_is_ready(node) {
            return;
        }
        for (ns, name) in self.pods_on(node) {
            let daemon = self
                .pods
                .get(&(ns.clone(), name.clone()))
                .and_then(|r| r.workload.clone())
                .is_some_and(|w| {
                    let (wns, wname) = w.split_once('/').unwrap_or(("", ""));
                    self.get(&kinds::DAEMONSETS, wns, wname).is_some()
                });
            if daemon {
                continue;
            }
            if let Some(pod) = self.get(&kinds::PODS, &ns, &name) {
                self.normal(
                    &pod,
                    "TaintManagerEviction",
                    &format!("Marking for deletion Pod {ns}/{name}"),
                    "taint-eviction-controller",
                );
            }
            self.terminate_pod(&ns, &name, None);
        }
    }

    /// A pod's actual use: the workload's usage fault, else its scenario usage, else what a
    /// healthy pod uses of its requests (about half its CPU, as most pods are sized).
    pub fn pod_usage(&self, ns: &str, name: &str) -> (f64, f64) {
        match self.pods.get(&(ns.to_string(), name.to_string())) {
            Some(rt) => self.usage_of(rt),
            None => (0.0, 0.0),
        }
    }

    /// What a tracked pod uses (CPU cores, memory bytes), as `pod_usage` says.
    pub(crate) fn usage_of(&self, rt: &PodRuntime) -> (f64, f64) {
        let mut cpu = rt.cpu_request * HEALTHY_CPU_SHARE;
        let mut mem = rt.memory_request;
        if let Some(w) = &rt.workload {
            if let Some(u) = self.workload_spec(w).and_then(|s| s.usage.as_ref()) {
                if let Some(c) = &u.cpu {
                    cpu = c.value;
                }
                if let Some(m) = &u.memory {
                    mem = m.value;
                }
            }
            cpu *= self.load(w);
            if let Some((c, m)) = self.usage.get(w) {
                if let Some(c) = c {
                    cpu = *c;
                }
                if let Some(m) = m {
                    mem = *m;
                }
            }
        }
        (cpu, mem)
    }

    /// What the running pods bound to a node use together: (CPU cores, memory bytes).
    pub fn pods_usage_on(&self, node: &str) -> (f64, f64) {
        self.pods_on(node)
            .iter()
            .filter(|k| self.pods.get(k).is_some_and(|r| r.running && !r.failed))
            .map(|(ns, p)| self.pod_usage(ns, p))
            .fold((0.0, 0.0), |(c, m), (pc, pm)| (c + pc, m + pm))
    }

    /// Memory in use on a node and its capacity.
    pub fn node_memory(&self, node: &str) -> (f64, f64) {
        let used = self.pods_usage_on(node).1;
        let capacity = self
            .get(&kinds::NODES, "", node)
            .and_then(|n| {
                n.value()
                    .pointer("/status/allocatable/memory")
                    .and_then(Value::as_str)
                    .and_then(|s| crate::scenario::quantity::Quantity::parse(s).ok())
            })
            .map(|q| q.value)
            .unwrap_or(f64::MAX);
        (used, capacity)
    }

    /// Raises or clears usage-driven MemoryPressure on a node.
    pub fn check_node_pressure(&mut self, node: &str) {
        let (used, capacity) = self.node_memory(node);
        let over = used > capacity * self.scenario.dynamics.memory_pressure_ratio;
        let Some(n) = self.get(&kinds::NODES, "", node) else {
            return;
        };
        let pressured = condition_status(&n.value(), "MemoryPressure").as_deref() == Some("True");
        if over && !pressured {
            self.pressure_from_usage.insert(node.to_string());
            self.set_node_condition(node, "MemoryPressure", "True", None, None);
        } else if over {
            self.evict_for_memory(node);
        } else if pressured && self.pressure_from_usage.remove(node) {
            self.set_node_condition(node, "MemoryPressure", "False", None, None);
        }
    }

    /// The kubelet evicts the pod using the most memory above its request.
    fn evict_for_memory(&mut self, node: &str) {
        let victim = self
            .pods_on(node)
            .into_iter()
            .filter(|k| {
                self.pods
                    .get(k)
                    .is_some_and(|r| r.running && !r.failed && !r.terminating)
            })
            .map(|(ns, name)| {
                let (_, mem) = self.pod_usage(&ns, &name);
                let req = self
                    .pods
                    .get(&(ns.clone(), name.clone()))
                    .map_or(0.0, |r| r.memory_request);
                (mem - req, mem, req, ns, name)
            })
            // Most memory above its request first, then the most memory, then by name.
            .max_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then_with(|| b.4.cmp(&a.4))
            });
        if let Some((_, mem, req, ns, name)) = victim {
            let message = format!(
                "The node was low on resource: memory. Threshold quantity: 100Mi, available: 0. Container {name} was using {}Ki, request is {}Ki.",
                (mem / 1024.0) as u64,
                (req / 1024.0) as u64
            );
            self.kubelet_evict(&ns, &name, &message);
        }
        self.after(SignedDuration::from_secs(10), Timer::PressureCheck(node.to_string()));
    }
}
