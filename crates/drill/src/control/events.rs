//! Kubernetes Events as the real components write them (Scheduled, Pulling, Started, BackOff,
//! Killing, NodeNotReady, Evicted, ScalingReplicaSet ...), with the apiserver's aggregation:
//! a repeat of the same reason and message on the same object raises `count`.

use serde_json::{Value, json};

use crate::kinds;
use crate::sim::Sim;
use crate::store::Stored;

/// How many Events the drill keeps (the oldest go first, as with the apiserver's TTL).
const MAX_EVENTS: usize = 5_000;

impl Sim {
    /// Records an Event about `object` from `component`.
    pub fn event(&mut self, object: &Stored, kind: &str, reason: &str, message: &str, component: &str) {
        let ns = if object.namespace.is_empty() {
            "default".to_string()
        } else {
            object.namespace.to_string()
        };
        let now = self.timestamp();
        // Aggregate a repeat of the same event.
        let key = (object.uid.to_string(), reason.to_string(), message.to_string());
        if let Some((ens, ename)) = self.event_index.get(&key).cloned()
            && self.store.get(&kinds::EVENTS, &ens, &ename).is_some()
        {
            self.modify(kinds::EVENTS, &ens, &ename, |e| {
                let count = e.get("count").and_then(Value::as_i64).unwrap_or(1) + 1;
                e["count"] = json!(count);
                e["lastTimestamp"] = json!(now);
            });
            return;
        }
        let name = format!(
            "{}.{:x}",
            object.name,
            self.store.resource_version() as u128 * 1_000_003 + self.now.as_second() as u128
        );
        let event = json!({
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {
                "kind": object.kind.kind,
                "namespace": &*object.namespace,
                "name": &*object.name,
                "uid": &*object.uid,
                "apiVersion": object.kind.api_version(),
                "resourceVersion": object.resource_version.to_string(),
            },
            "reason": reason,
            "message": message,
            "source": {"component": component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": kind,
            "eventTime": null,
            "reportingComponent": component,
            "reportingInstance": "",
        });
        match self.create_object(kinds::EVENTS, event) {
            Ok(_) => {
                self.event_index.insert(key, (ns.clone(), name.clone()));
                self.event_order.push_back((ns, name));
            }
            Err(e) => tracing::debug!(error = %e, "event not recorded"),
        }
        while self.event_order.len() > MAX_EVENTS {
            if let Some((ns, name)) = self.event_order.pop_front() {
                let _ = self.store.delete(&kinds::EVENTS, &ns, &name);
            }
        }
    }

    pub fn normal(&mut self, object: &Stored, reason: &str, message: &str, component: &str) {
        self.event(object, "Normal", reason, message, component);
    }

    pub fn warning(&mut self, object: &Stored, reason: &str, message: &str, component: &str) {
        self.event(object, "Warning", reason, message, component);
    }
}
