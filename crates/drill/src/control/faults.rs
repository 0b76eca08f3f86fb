//! Scripted faults from the scenario, applied at their virtual times (each once), or injected
//! now by the facilitator: bad rollouts, node conditions, OOMKills, usage surges (noisy
//! neighbours), traffic surges, config pushes and outside scaling.

use serde_json::json;

use crate::control::build::workload_kind;
use crate::scenario::model::{At, Fault};
use crate::scenario::quantity::{Duration, Quantity};
use crate::sim::{Sim, Work};

/// What a facilitator injects.
#[derive(Debug, Clone)]
pub enum Injection {
    /// The scenario's fault with this index (0-based), now rather than at its time.
    Scripted(usize),
    /// A fault the scenario does not script, added to it at this moment.
    AdHoc(Box<Fault>),
}

impl Sim {
    /// Plays a fault now, at the facilitator's word; returns its index in the scenario (whose
    /// faults then say when it was played). A scripted fault already played, or one naming a
    /// workload or node the drill does not have, is refused.
    pub(crate) fn inject(&mut self, which: Injection) -> Result<usize, String> {
        self.sync();
        let offset = Duration {
            millis: self.now.duration_since(self.start).as_millis() as i64,
        };
        let index = match which {
            Injection::Scripted(i) => {
                let Some(f) = self.scenario.faults.get_mut(i) else {
                    return Err(format!(
                        "the scenario has {} fault(s); there is no fault {}",
                        self.scenario.faults.len(),
                        i + 1
                    ));
                };
                if self.played.contains(&i) {
                    return Err(format!("fault {} was already played", i + 1));
                }
                f.get_mut().at = offset;
                i
            }
            Injection::AdHoc(fault) => {
                let mut fault = *fault;
                self.check_fault(&fault)?;
                fault.at = offset;
                self.scenario.faults.push(At::new(fault));
                self.scenario.faults.len() - 1
            }
        };
        self.apply_fault(index);
        self.reconcile();
        Ok(index)
    }

    /// Whether an injected fault names what the drill has.
    fn check_fault(&self, f: &Fault) -> Result<(), String> {
        let workloads = [
            f.rollout.as_ref().map(|r| &r.workload),
            f.oom_kill.as_ref().map(|o| &o.workload),
            f.usage.as_ref().map(|u| &u.workload),
            f.scale.as_ref().map(|s| &s.workload),
            f.config.as_ref().map(|c| &c.workload),
            f.traffic.as_ref().map(|t| &t.workload),
            f.service.as_ref().map(|s| &s.workload),
        ];
        for w in workloads.into_iter().flatten() {
            if self.workload_spec(w).is_none() {
                return Err(format!("the drill has no workload {w} (give it as namespace/name)"));
            }
        }
        if let Some(nc) = &f.node_condition
            && self.store.get(&crate::kinds::NODES, "", &nc.node).is_none()
        {
            return Err(format!("the drill has no node {}", nc.node));
        }
        Ok(())
    }

    pub(crate) fn apply_fault(&mut self, index: usize) {
        if !self.played.insert(index) {
            return;
        }
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
        if let Some(sf) = &fault.service
            && let Some(w) = workload(self, &sf.workload)
        {
            let service = crate::control::build::service_name(&w).to_string();
            let selector = sf.selector.clone();
            self.modify(crate::kinds::SERVICES, &w.namespace, &service, |s| {
                s["spec"]["selector"] = json!(selector);
            });
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
