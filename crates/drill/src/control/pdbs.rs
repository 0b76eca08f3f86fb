//! The disruption controller: keeps each PodDisruptionBudget's status (current and desired
//! healthy pods, disruptions allowed) current, which the eviction API consults.

use serde_json::{Value, json};

use crate::control::deployments::int_or_percent;
use crate::kinds;
use crate::selector::LabelSelector;
use crate::sim::Sim;

/// A PDB's selector as a label selector (matchLabels only; expressions are not drilled).
pub fn pdb_selector(pdb: &Value) -> LabelSelector {
    let labels = pdb
        .pointer("/spec/selector/matchLabels")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
        .unwrap_or_default();
    LabelSelector::from_match_labels(&labels)
}

impl Sim {
    pub fn reconcile_pdbs(&mut self, ns: &str) {
        let pdbs: Vec<(String, Value)> = self
            .store
            .iter(&kinds::PDBS, Some(ns))
            .map(|p| (p.name.to_string(), p.value()))
            .collect();
        for (name, pdb) in pdbs {
            let selector = pdb_selector(&pdb);
            let mut expected = 0i64;
            let mut healthy = 0i64;
            for ((pns, pname), rt) in &self.pods {
                if pns != ns || rt.terminating || rt.failed {
                    continue;
                }
                let Some(pod) = self.store.get(&kinds::PODS, pns, pname) else {
                    continue;
                };
                if !selector.is_empty() && selector.matches(|k| pod.label(k)) {
                    expected += 1;
                    if rt.ready {
                        healthy += 1;
                    }
                }
            }
            let desired = match pdb.pointer("/spec/minAvailable") {
                Some(v) => int_or_percent(Some(v), expected, true, 0),
                None => expected - int_or_percent(pdb.pointer("/spec/maxUnavailable"), expected, true, 0),
            }
            .max(0);
            let allowed = (healthy - desired).max(0);
            let generation = pdb.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
            let now = self.timestamp();
            self.modify(kinds::PDBS, ns, &name, |p| {
                let previous = p.pointer("/status/conditions/0").cloned();
                let (status, reason) = if allowed > 0 {
                    ("True", "SufficientPods")
                } else {
                    ("False", "InsufficientPods")
                };
                let transition = match previous {
                    Some(c) if c["status"] == status => c["lastTransitionTime"].clone(),
                    _ => json!(now),
                };
                let disrupted = p.pointer("/status/disruptedPods").cloned().unwrap_or(json!({}));
                p["status"] = json!({
                    "observedGeneration": generation,
                    "currentHealthy": healthy,
                    "desiredHealthy": desired,
                    "disruptionsAllowed": allowed,
                    "expectedPods": expected,
                    "disruptedPods": disrupted,
                    "conditions": [{"type": "DisruptionAllowed", "status": status, "reason": reason, "message": "",
                                    "observedGeneration": generation, "lastTransitionTime": transition}],
                });
            });
        }
    }
}
