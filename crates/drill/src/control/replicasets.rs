//! The ReplicaSet controller: keeps `spec.replicas` pods from the template (creating with
//! kubernetes-style names, deleting the least useful first) and reports ready and available
//! counts. Failed and terminating pods do not count, as in the real controller.

use serde_json::{Value, json};

use crate::kinds;
use crate::sim::{Sim, controller_ref};

impl Sim {
    /// Live pods owned by `uid`: not terminating, not failed; (ns, name, ready, bound).
    pub(crate) fn live_pods(&self, ns: &str, uid: &str) -> Vec<(String, bool, bool)> {
        let mut v: Vec<(String, bool, bool)> = self
            .live_owned(uid)
            .into_iter()
            .filter(|((pns, _), _)| pns == ns)
            .map(|((_, n), r)| (n.clone(), r.ready, r.node.is_some()))
            .collect();
        v.sort();
        v
    }

    /// Creates a pod from a controller's template.
    pub(crate) fn create_pod_from(
        &mut self,
        owner: &crate::store::Stored,
        template: &Value,
        name: &str,
        node: Option<&str>,
    ) -> bool {
        let ns = owner.namespace.to_string();
        let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
        spec["serviceAccountName"] = json!("default");
        spec["priority"] = json!(0);
        spec["enableServiceLinks"] = json!(true);
        spec["preemptionPolicy"] = json!("PreemptLowerPriority");
        let mut tolerations = spec
            .get("tolerations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            tolerations
                .push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
        spec["tolerations"] = json!(tolerations);
        if let Some(n) = node {
            spec["nodeName"] = json!(n);
        }
        let generate = owner.name.to_string() + "-";
        let pod = json!({
            "metadata": {
                "name": name,
                "generateName": if node.is_some() || owner.kind.kind == "StatefulSet" { Value::Null } else { json!(generate) },
                "namespace": ns,
                "labels": template.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
                "annotations": template.pointer("/metadata/annotations").cloned().unwrap_or(Value::Null),
                "ownerReferences": controller_ref(owner),
            },
            "spec": spec,
            "status": {"phase": "Pending", "qosClass": "Burstable"},
        });
        match self.create_object(kinds::PODS, pod) {
            Ok(_) => {
                self.register_pod(&ns, name);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, pod = name, "pod not created");
                false
            }
        }
    }

    /// Lets go of owned pods whose labels no longer match the selector (someone relabeled
    /// them, e.g. to take one out of service): their owner reference is removed and they run on
    /// as orphans, and the controller makes replacements.
    fn release_unselected(&mut self, rs: &crate::store::Stored, v: &Value) {
        let Some(selector) = v.pointer("/spec/selector/matchLabels").and_then(Value::as_object) else {
            return;
        };
        let ns = rs.namespace.to_string();
        let strays: Vec<String> = self
            .live_owned(&rs.uid)
            .into_iter()
            .filter(|((pns, _), _)| *pns == ns)
            .filter(|((pns, pname), _)| {
                self.get(&kinds::PODS, pns, pname)
                    .is_some_and(|p| !selector.iter().all(|(k, want)| want.as_str() == p.label(k)))
            })
            .map(|((_, n), _)| n.clone())
            .collect();
        for pod in strays {
            self.modify(kinds::PODS, &ns, &pod, |p| {
                if let Some(meta) = p["metadata"].as_object_mut() {
                    meta.remove("ownerReferences");
                }
            });
            self.disown_pod(&(ns.clone(), pod));
        }
    }

    /// Adopts the orphan pods in its namespace that its selector matches (a pod put back in
    /// service, a bare pod with its labels), as the ReplicaSet controller does; surplus pods
    /// are then scaled down.
    fn adopt_orphans(&mut self, rs: &crate::store::Stored, v: &Value) {
        let Some(selector) = v.pointer("/spec/selector/matchLabels").and_then(Value::as_object) else {
            return;
        };
        if selector.is_empty() || v.pointer("/metadata/deletionTimestamp").is_some() {
            return;
        }
        let ns = rs.namespace.to_string();
        let start = (ns.clone(), String::new());
        let adopt: Vec<String> = self
            .orphans
            .range(start..)
            .take_while(|(pns, _)| *pns == ns)
            .filter(|key| self.pods.get(*key).is_some_and(|r| !r.terminating && !r.failed))
            .filter(|(pns, pname)| {
                self.get(&kinds::PODS, pns, pname).is_some_and(|p| {
                    selector.iter().all(|(k, want)| want.as_str() == p.label(k))
                        && p.value().pointer("/metadata/deletionTimestamp").is_none()
                })
            })
            .map(|(_, n)| n.clone())
            .collect();
        for pod in adopt {
            let owner = crate::sim::controller_ref(rs);
            self.modify(kinds::PODS, &ns, &pod, |p| p["metadata"]["ownerReferences"] = owner);
            self.own_pod(&(ns.clone(), pod), &rs.uid);
        }
    }

    pub fn reconcile_replicaset(&mut self, ns: &str, name: &str) {
        let Some(rs) = self.get(&kinds::REPLICASETS, ns, name) else {
            return;
        };
        let v = rs.value();
        self.release_unselected(&rs, &v);
        self.adopt_orphans(&rs, &v);
        let desired = v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1).max(0) as usize;
        let template = v.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let pods = self.live_pods(ns, &rs.uid);
        if pods.len() < desired {
            for _ in pods.len()..desired {
                let pod_name = format!("{name}-{}", self.suffix(5));
                if self.create_pod_from(&rs, &template, &pod_name, None) {
                    self.normal(
                        &rs,
                        "SuccessfulCreate",
                        &format!("Created pod: {pod_name}"),
                        "replicaset-controller",
                    );
                }
            }
        } else if pods.len() > desired {
            // Unscheduled first, then not ready, then the most recently started (so a pod
            // adopted back keeps its place and its replacement goes), then by name.
            let mut victims = pods.clone();
            let started = |n: &String| {
                self.pods
                    .get(&(ns.to_string(), n.clone()))
                    .and_then(|r| r.started_at.clone())
                    .unwrap_or_default()
            };
            victims.sort_by_cached_key(|(n, ready, bound)| {
                (
                    *bound,
                    *ready,
                    std::cmp::Reverse(started(n)),
                    std::cmp::Reverse(n.clone()),
                )
            });
            for (pod_name, _, _) in victims.into_iter().take(pods.len() - desired) {
                self.terminate_pod(ns, &pod_name, None);
                self.normal(
                    &rs,
                    "SuccessfulDelete",
                    &format!("Deleted pod: {pod_name}"),
                    "replicaset-controller",
                );
            }
        }
        let pods = self.live_pods(ns, &rs.uid);
        let ready = pods.iter().filter(|p| p.1).count();
        let generation = v.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        self.modify(kinds::REPLICASETS, ns, name, |r| {
            let mut status = json!({
                "replicas": pods.len(),
                "fullyLabeledReplicas": pods.len(),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "observedGeneration": generation,
            });
            for k in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
                if status[k] == 0
                    && let Some(o) = status.as_object_mut()
                {
                    o.remove(k);
                }
            }
            r["status"] = status;
        });
    }
}
