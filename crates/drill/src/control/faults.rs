//! Scripted faults from the scenario, applied at their virtual times: bad rollouts, node
//! conditions, OOMKills, usage surges (noisy neighbours), traffic surges, config pushes and outside scaling.

use serde_json::json;

use crate::control::build::workload_kind;
use crate::scenario::quantity::Quantity;
use crate::sim::{Sim, Work};

impl Sim {
    pub(crate) fn apply_fault(&mut self, index: usize) {
        let Some(fault) = self.scenario.faults.get(index).map(|f| f.get().clone()) else {
            return;
        };
        tracing::info!(index, at = %fault.at, note = fault.note.as_deref().unwrap_or(""), "drill fault");
        let workload = |sim: &Sim, r: &str| sim.workload_spec(r).cloned();
        if let Some(r) = &fault.rollout
            && let Some(w) = workload(self, &r.workload)
        {
            self.set_workload_image(&w, &r.image, None);
        }
        if let Some(nc) = &fault.node_condition {
            self.set_node_condition(
                &nc.node,
                &nc.condition,
                &nc.status,
                nc.reason.as_deref(),
                nc.message.as_deref(),
            );
        }
        if let Some(o) = &fault.oom_kill {
            let victims: Vec<(String, String)> = {
                let mut v: Vec<(String, String)> = self
                    .pods
                    .iter()
                    .filter(|(_, r)| r.workload.as_deref() == Some(o.workload.as_str()) && r.running && !r.terminating)
                    .map(|(k, _)| k.clone())
                    .collect();
                v.sort();
                v.truncate(o.pods as usize);
                v
            };
            for (ns, name) in victims {
                self.crash(&ns, &name, true);
            }
        }
        if let Some(u) = &fault.usage {
            self.usage.insert(
                u.workload.clone(),
                (
                    u.cpu.as_ref().map(|q: &Quantity| q.value),
                    u.memory.as_ref().map(|q| q.value),
                ),
            );
            let nodes: std::collections::BTreeSet<String> = self
                .pods
                .values()
                .filter(|r| r.workload.as_deref() == Some(u.workload.as_str()))
                .filter_map(|r| r.node.clone())
                .collect();
            for n in nodes {
                self.queue(Work::NodePressure(n));
            }
        }
        if let Some(c) = &fault.config {
            self.push_config(c);
        }
        if let Some(t) = &fault.traffic {
            self.surges.insert(t.workload.clone(), t.factor);
            self.refresh_loads();
        }
        if let Some(s) = &fault.scale
            && let Some(w) = workload(self, &s.workload)
        {
            let replicas = s.replicas;
            self.modify(workload_kind(w.kind), &w.namespace, &w.name, |d| {
                d["spec"]["replicas"] = json!(replicas);
            });
        }
    }
}
