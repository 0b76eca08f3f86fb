//! The StatefulSet controller: pods `name-0` … `name-N-1` created in order (each waits for
//! the previous to be ready), and replaced from the highest ordinal down on a template change.
//! Its history is kept as ControllerRevisions; status names the current and update revisions.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::control::controller_revisions::REVISION_HASH;
use crate::kinds;
use crate::sim::Sim;

impl Sim {
    pub fn reconcile_statefulset(&mut self, ns: &str, name: &str) {
        let Some(sts) = self.get(&kinds::STATEFULSETS, ns, name) else {
            return;
        };
        let v = sts.value();
        let desired = v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1).max(0) as usize;
        let template = v.pointer("/spec/template").cloned().unwrap_or(json!({}));
        // A StatefulSet's pods carry the revision's name as their hash label.
        let in_use: BTreeSet<String> = self
            .live_owned(&sts.uid)
            .into_iter()
            .filter_map(|((pns, n), _)| self.get(&kinds::PODS, pns, n))
            .filter_map(|p| p.label(REVISION_HASH).map(str::to_string))
            .collect();
        let Some(revision) = self.sync_revisions(&sts, &in_use) else {
            return;
        };
        let hash = revision.name;
        let mut labelled = template.clone();
        labelled["metadata"]["labels"][REVISION_HASH] = json!(hash);
        // (ordinal, ready, current revision)
        let owned: Vec<(usize, String, bool)> = self
            .live_owned(&sts.uid)
            .into_iter()
            .filter(|((pns, _), _)| pns == ns)
            .filter_map(|((_, n), r)| {
                let ordinal = n.strip_prefix(&format!("{name}-"))?.parse().ok()?;
                Some((ordinal, n.clone(), r.ready))
            })
            .collect();
        let mut pods: Vec<(usize, bool, bool)> = owned
            .into_iter()
            .map(|(i, pod_name, ready)| {
                let current = self
                    .get(&kinds::PODS, ns, &pod_name)
                    .is_some_and(|p| p.label(REVISION_HASH) == Some(hash.as_str()));
                (i, ready, current)
            })
            .collect();
        pods.sort();
        let mut blocked = false;
        for i in 0..desired {
            match pods.iter().find(|p| p.0 == i) {
                Some(p) if p.1 => {}
                Some(_) => {
                    blocked = true;
                    break;
                }
                None => {
                    let terminating = self.pods.contains_key(&(ns.to_string(), format!("{name}-{i}")));
                    if !terminating {
                        let pod_name = format!("{name}-{i}");
                        if self.create_pod_from(&sts, &labelled, &pod_name, None) {
                            self.normal(
                                &sts,
                                "SuccessfulCreate",
                                &format!("create Pod {pod_name} in StatefulSet {name} successful"),
                                "statefulset-controller",
                            );
                        }
                    }
                    blocked = true;
                    break;
                }
            }
        }
        // Scale down from the highest ordinal.
        if let Some(extra) = pods.iter().filter(|p| p.0 >= desired).map(|p| p.0).max() {
            let pod_name = format!("{name}-{extra}");
            self.terminate_pod(ns, &pod_name, None);
            self.normal(
                &sts,
                "SuccessfulDelete",
                &format!("delete Pod {pod_name} in StatefulSet {name} successful"),
                "statefulset-controller",
            );
        } else if !blocked && let Some(old) = pods.iter().filter(|p| p.0 < desired && !p.2).map(|p| p.0).max() {
            let pod_name = format!("{name}-{old}");
            self.terminate_pod(ns, &pod_name, None);
        }
        let live: Vec<_> = pods.iter().filter(|p| p.0 < desired).collect();
        let ready = live.iter().filter(|p| p.1).count();
        let updated = live.iter().filter(|p| p.2).count();
        let generation = v.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        // The current revision moves to the update revision once every pod runs it.
        let previous = v.pointer("/status/currentRevision").and_then(Value::as_str);
        let current = match previous {
            Some(p) if updated < desired || ready < desired => p.to_string(),
            _ => hash.clone(),
        };
        let at_current = if current == hash {
            updated
        } else {
            live.iter()
                .filter(|p| {
                    self.get(&kinds::PODS, ns, &format!("{name}-{}", p.0))
                        .is_some_and(|pod| pod.label(REVISION_HASH) == Some(current.as_str()))
                })
                .count()
        };
        self.modify(kinds::STATEFULSETS, ns, name, |s| {
            s["status"] = json!({
                "replicas": live.len(),
                "readyReplicas": ready,
                "currentReplicas": at_current,
                "updatedReplicas": updated,
                "availableReplicas": ready,
                "currentRevision": current,
                "updateRevision": hash,
                "observedGeneration": generation,
                "collisionCount": 0,
            });
        });
    }
}
