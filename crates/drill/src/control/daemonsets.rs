//! The DaemonSet controller: one pod per schedulable, Ready-or-not node (daemon pods tolerate
//! every taint), replaced one node at a time when the template changes. Its history is kept
//! as ControllerRevisions.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::control::controller_revisions::REVISION_HASH;
use crate::kinds;
use crate::sim::Sim;

impl Sim {
    pub fn reconcile_daemonset(&mut self, ns: &str, name: &str) {
        let Some(ds) = self.get(&kinds::DAEMONSETS, ns, name) else {
            return;
        };
        let v = ds.value();
        let template = v.pointer("/spec/template").cloned().unwrap_or(json!({}));
        // A DaemonSet's pods carry the bare hash; the revision is named `{name}-{hash}`.
        let in_use: BTreeSet<String> = self
            .live_owned(&ds.uid)
            .into_iter()
            .filter_map(|((pns, n), _)| self.get(&kinds::PODS, pns, n))
            .filter_map(|p| p.label(REVISION_HASH).map(|h| format!("{name}-{h}")))
            .collect();
        let Some(revision) = self.sync_revisions(&ds, &in_use) else {
            return;
        };
        let hash = revision.hash;
        let nodes: Vec<String> = self
            .store
            .iter(&kinds::NODES, None)
            .map(|n| n.name.to_string())
            .collect();
        let pods: Vec<(String, Option<String>, bool, bool)> = self
            .live_owned(&ds.uid)
            .into_iter()
            .filter(|((pns, _), _)| pns == ns)
            .map(|((_, n), r)| {
                let current = self
                    .get(&kinds::PODS, ns, n)
                    .and_then(|p| p.label(REVISION_HASH).map(|h| h == hash))
                    .unwrap_or(false);
                (n.clone(), r.node.clone(), r.ready, current)
            })
            .collect();
        let mut labels_template = template.clone();
        labels_template["metadata"]["labels"][REVISION_HASH] = json!(hash);
        for node in &nodes {
            if !pods.iter().any(|p| p.1.as_deref() == Some(node.as_str())) {
                let pod_name = format!("{name}-{}", self.suffix(5));
                if self.create_pod_from(&ds, &labels_template, &pod_name, Some(node)) {
                    self.normal(
                        &ds,
                        "SuccessfulCreate",
                        &format!("Created pod: {pod_name}"),
                        "daemonset-controller",
                    );
                }
            }
        }
        // Rolling update: replace one out-of-date pod when all others are ready.
        let all_ready = pods.iter().all(|p| p.2);
        if all_ready && let Some(old) = pods.iter().find(|p| !p.3) {
            let old = old.0.clone();
            self.terminate_pod(ns, &old, None);
            self.normal(
                &ds,
                "SuccessfulDelete",
                &format!("Deleted pod: {old}"),
                "daemonset-controller",
            );
        }
        let pods: Vec<_> = self
            .live_owned(&ds.uid)
            .into_iter()
            .filter(|((pns, _), _)| pns == ns)
            .map(|((_, n), r)| (n.clone(), r.ready))
            .collect();
        let updated = pods
            .iter()
            .filter(|(n, _)| {
                self.get(&kinds::PODS, ns, n)
                    .is_some_and(|p| p.label(REVISION_HASH) == Some(hash.as_str()))
            })
            .count();
        let ready = pods.iter().filter(|p| p.1).count();
        let generation = v.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        let desired = nodes.len();
        self.modify(kinds::DAEMONSETS, ns, name, |d| {
            d["status"] = json!({
                "currentNumberScheduled": pods.len(),
                "desiredNumberScheduled": desired,
                "numberMisscheduled": 0,
                "numberReady": ready,
                "numberAvailable": ready,
                "numberUnavailable": desired.saturating_sub(ready),
                "updatedNumberScheduled": updated,
                "observedGeneration": generation,
            });
        });
    }
}
