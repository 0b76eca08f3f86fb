//! What changed in a recording, one line each, for the postmortem's "What Changed": a workload's
//! images (before → after), its scale, its restarts and pauses; a ConfigMap's keys; a node going
//! NotReady or Ready, cordoned or uncordoned; workloads, ConfigMaps and nodes made or removed
//! after the recording began. Objects a keyframe lists are the picture, not changes.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::record::{ObjectKey, Record};
use crate::incident::what_changed::Changed;

/// The kinds whose changes are told.
const KINDS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "ConfigMap", "Node"];

/// The changes `records` show, oldest first.
pub fn changes(records: &[Record]) -> Vec<Changed> {
    let mut last: HashMap<ObjectKey, Value> = HashMap::new();
    let mut out = Vec::new();
    // Objects still to come of the keyframe being read.
    let mut listing = 0u64;
    // An object first seen is new when it was made after the recording began.
    let began = records.first().map(Record::at).unwrap_or_default();
    let made_since = |object: &Value| {
        object["metadata"]["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .is_some_and(|t| t.as_millisecond() >= began)
    };
    for r in records {
        match r {
            Record::Keyframe { objects, .. } => listing = *objects,
            Record::Applied { at, object } => {
                let in_keyframe = listing > 0;
                listing = listing.saturating_sub(1);
                let Some(key) = ObjectKey::of(object).filter(|k| KINDS.contains(&k.kind.as_str())) else {
                    continue;
                };
                let words = match last.get(&key) {
                    Some(before) => differences(&key.kind, before, object),
                    None if !in_keyframe && made_since(object) => vec!["created".to_string()],
                    None => Vec::new(),
                };
                for what in words {
                    out.push(changed(*at, &key, what));
                }
                last.insert(key, object.clone());
            }
            Record::Deleted { at, key } => {
                let known = KINDS.contains(&key.kind.as_str()) && last.remove(key).is_some();
                if known {
                    out.push(changed(*at, key, "deleted".into()));
                }
            }
            _ => {}
        }
    }
    out
}

fn changed(at_ms: i64, key: &ObjectKey, what: String) -> Changed {
    let object = match key.namespace.as_str() {
        "" => format!("{} {}", key.kind, key.name),
        ns => format!("{} {ns}/{}", key.kind, key.name),
    };
    Changed {
        at: Timestamp::from_millisecond(at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
        object,
        what,
    }
}

/// What differs between two versions of one object, in words.
fn differences(kind: &str, before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        "ConfigMap" => {
            let keys = |v: &Value| v["data"].as_object().cloned().unwrap_or_default();
            let (a, b) = (keys(before), keys(after));
            let mut touched: Vec<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
            touched.sort();
            touched.dedup();
            if !touched.is_empty() {
                let names: Vec<&str> = touched.iter().map(|k| k.as_str()).collect();
                out.push(format!("data changed: {}", names.join(", ")));
            }
        }
        "Node" => {
            let ready = |v: &Value| {
                v["status"]["conditions"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                    .and_then(|c| c["status"].as_str().map(str::to_string))
            };
            if let (Some(a), Some(b)) = (ready(before), ready(after))
                && a != b
            {
                out.push(if b == "True" {
                    "Ready".into()
                } else {
                    format!("NotReady (Ready={b})")
                });
            }
            let cordoned = |v: &Value| v["spec"]["unschedulable"].as_bool().unwrap_or(false);
            if cordoned(before) != cordoned(after) {
                out.push(if cordoned(after) { "cordoned" } else { "uncordoned" }.into());
            }
        }
        _ => {
            let images = |v: &Value| -> Vec<String> {
                v["spec"]["template"]["spec"]["containers"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(|c| c["image"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (a, b) = (images(before), images(after));
            if a != b {
                out.push(format!("image {} → {}", a.join(", "), b.join(", ")));
            }
            let replicas = |v: &Value| v["spec"]["replicas"].as_u64();
            if let (Some(a), Some(b)) = (replicas(before), replicas(after))
                && a != b
            {
                out.push(format!("scaled {a} → {b}"));
            }
            let restarted = |v: &Value| {
                v["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].clone()
            };
            if restarted(before) != restarted(after) && !restarted(after).is_null() {
                out.push("restarted (rollout restart)".into());
            }
            let paused = |v: &Value| v["spec"]["paused"].as_bool().unwrap_or(false);
            if paused(before) != paused(after) {
                out.push(
                    if paused(after) {
                        "rollout paused"
                    } else {
                        "rollout resumed"
                    }
                    .into(),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(image: &str, replicas: u64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "shop", "name": "checkout"},
               "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "checkout", "image": image}]}}}})
    }

    fn node(ready: &str, cordoned: bool) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-3"}, "spec": {"unschedulable": cordoned},
               "status": {"conditions": [{"type": "Ready", "status": ready}]}})
    }

    #[test]
    fn a_recordings_changes_read_as_a_responder_would_say_them() {
        let cm = |v: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "shop", "name": "checkout-config"}, "data": {"POOL": v, "MODE": "fast"}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "shop", "name": "checkout-1"}});
        let records = vec![
            Record::Keyframe { at: 1_000, objects: 3 },
            Record::Applied {
                at: 1_000,
                object: deployment("shop/checkout:1.9.3", 3),
            },
            Record::Applied {
                at: 1_000,
                object: node("True", false),
            },
            Record::Applied {
                at: 1_000,
                object: cm("10"),
            },
            Record::Applied { at: 2_000, object: pod },
            // Seen first outside a keyframe: made before the recording began, then after it.
            Record::Applied {
                at: 3_000,
                object: json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "old", "creationTimestamp": "1970-01-01T00:00:00Z"}}),
            },
            Record::Applied {
                at: 4_000,
                object: json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "shop", "name": "canary", "creationTimestamp": "1970-01-01T00:00:04Z"}}),
            },
            Record::Applied {
                at: 60_000,
                object: deployment("shop/checkout:2.0.0", 3),
            },
            Record::Applied {
                at: 61_000,
                object: deployment("shop/checkout:2.0.0", 3),
            },
            Record::Applied {
                at: 90_000,
                object: cm("0"),
            },
            Record::Applied {
                at: 120_000,
                object: node("Unknown", false),
            },
            Record::Applied {
                at: 130_000,
                object: node("Unknown", true),
            },
            Record::Applied {
                at: 180_000,
                object: deployment("shop/checkout:1.9.3", 6),
            },
            Record::Deleted {
                at: 200_000,
                key: ObjectKey::of(&cm("0")).expect("key"),
            },
        ];
        let said: Vec<(i64, String, String)> = changes(&records)
            .into_iter()
            .map(|c| (c.at.as_millisecond(), c.object, c.what))
            .collect();
        let line = |at: i64, object: &str, what: &str| (at, object.to_string(), what.to_string());
        assert_eq!(
            said,
            [
                line(4_000, "Deployment shop/canary", "created"),
                line(
                    60_000,
                    "Deployment shop/checkout",
                    "image shop/checkout:1.9.3 → shop/checkout:2.0.0"
                ),
                line(90_000, "ConfigMap shop/checkout-config", "data changed: POOL"),
                line(120_000, "Node node-3", "NotReady (Ready=Unknown)"),
                line(130_000, "Node node-3", "cordoned"),
                line(
                    180_000,
                    "Deployment shop/checkout",
                    "image shop/checkout:2.0.0 → shop/checkout:1.9.3"
                ),
                line(180_000, "Deployment shop/checkout", "scaled 3 → 6"),
                line(200_000, "ConfigMap shop/checkout-config", "deleted"),
            ]
        );
    }
}
