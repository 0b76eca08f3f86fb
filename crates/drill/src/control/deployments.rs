//! The deployment controller: one ReplicaSet per pod template (named by its template hash,
//! carrying the revision annotation and an owner reference with the deployment's UID), rolling
//! updates within maxSurge / maxUnavailable, and status with observedGeneration and the
//! Available / Progressing conditions, including ProgressDeadlineExceeded.

use std::hash::{Hash, Hasher};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::kinds;
use crate::sim::{Sim, Timer, controller_ref};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const TEMPLATE_HASH: &str = "pod-template-hash";

/// Drops nulls, empty maps and lists, `creationTimestamp` and the template-hash label, so two
/// templates that mean the same compare equal (as the controller's EqualIgnoreHash does).
fn normalize(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                if k == "creationTimestamp" || k == TEMPLATE_HASH {
                    continue;
                }
                if let Some(v) = normalize(v) {
                    out.insert(k.clone(), v);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(a) => {
            let out: Vec<Value> = a.iter().filter_map(normalize).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

/// The pod-template-hash of a template, in Kubernetes' safe alphabet.
pub fn template_hash(template: &Value) -> String {
    let normal = normalize(template).unwrap_or(Value::Null);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    normal.to_string().hash(&mut h);
    let mut n = h.finish() as u32;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut s = String::new();
    for _ in 0..10 {
        s.push(ALPHABET[(n % ALPHABET.len() as u32) as usize] as char);
        n /= ALPHABET.len() as u32;
        if n == 0 {
            break;
        }
    }
    s
}

pub fn same_template(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

/// Resolves an int-or-percent rolling-update value against `total`.
pub fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default_percent: i64) -> i64 {
    let pct = |p: i64| {
        if round_up {
            (p * total + 99) / 100
        } else {
            p * total / 100
        }
    };
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s
            .strip_suffix('%')
            .and_then(|p| p.parse().ok())
            .map(pct)
            .unwrap_or_else(|| s.parse().unwrap_or(0)),
        _ => pct(default_percent),
    }
}

#[derive(Debug, Clone)]
struct Rs {
    name: String,
    revision: i64,
    replicas: i64,
    status_replicas: i64,
    available: i64,
    template: Value,
}

fn int(v: &Value, p: &str) -> i64 {
    v.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

impl Sim {
    pub fn reconcile_deployment(&mut self, ns: &str, name: &str) {
        let Some(d) = self.get(&kinds::DEPLOYMENTS, ns, name) else {
            return;
        };
        let dv = d.value();
        if dv.pointer("/metadata/deletionTimestamp").is_some() {
            return;
        }
        let template = dv.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let desired = dv.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
        let paused = dv.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
        let rs_list: Vec<Rs> = self
            .owned(&kinds::REPLICASETS, ns, &d.uid)
            .into_iter()
            .filter_map(|(_, ns, n)| self.get(&kinds::REPLICASETS, &ns, &n))
            .map(|rs| {
                let v = rs.value();
                Rs {
                    name: rs.name.to_string(),
                    revision: v
                        .pointer(&format!("/metadata/annotations/{}", REVISION.replace('/', "~1")))
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0),
                    replicas: int(&v, "/spec/replicas"),
                    status_replicas: int(&v, "/status/replicas"),
                    available: int(&v, "/status/availableReplicas"),
                    template: v.pointer("/spec/template").cloned().unwrap_or(json!({})),
                }
            })
            .collect();
        let max_revision = rs_list.iter().map(|r| r.revision).max().unwrap_or(0);
        let mut new_rs = rs_list.iter().find(|r| same_template(&r.template, &template)).cloned();

        // A new template gets a new ReplicaSet (not while paused).
        if new_rs.is_none() && !paused {
            let hash = template_hash(&template);
            let mut rs_name = format!("{name}-{hash}");
            if self.get(&kinds::REPLICASETS, ns, &rs_name).is_some() {
                rs_name = format!("{name}-{hash}{}", self.suffix(2));
            }
            let revision = max_revision + 1;
            let mut rs_template = template.clone();
            rs_template["metadata"]["labels"][TEMPLATE_HASH] = json!(hash);
            let mut selector = dv.pointer("/spec/selector").cloned().unwrap_or(json!({}));
            selector["matchLabels"][TEMPLATE_HASH] = json!(hash);
            let mut annotations = json!({
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                "deployment.kubernetes.io/max-replicas": (desired + 1).to_string(),
            });
            if let Some(cause) = dv.pointer("/metadata/annotations/kubernetes.io~1change-cause") {
                annotations["kubernetes.io/change-cause"] = cause.clone();
            }
            let first = rs_list.iter().all(|r| r.replicas == 0);
            let rs = json!({
                "metadata": {
                    "name": rs_name, "namespace": ns,
                    "labels": rs_template["metadata"]["labels"],
                    "annotations": annotations,
                    "ownerReferences": controller_ref(&d),
                },
                "spec": {"replicas": if first { desired } else { 0 }, "selector": selector, "template": rs_template},
                "status": {"replicas": 0},
            });
            if self.create_object(kinds::REPLICASETS, rs).is_ok() {
                if first && let Some(d) = self.get(&kinds::DEPLOYMENTS, ns, name) {
                    self.normal(
                        &d,
                        "ScalingReplicaSet",
                        &format!("Scaled up replica set {rs_name} from 0 to {desired}"),
                        "deployment-controller",
                    );
                }
                new_rs = Some(Rs {
                    name: rs_name,
                    revision,
                    replicas: if first { desired } else { 0 },
                    status_replicas: 0,
                    available: 0,
                    template,
                });
            }
        }

        // An old ReplicaSet brought back (rollout undo) becomes the newest revision.
        if let Some(n) = new_rs.as_mut()
            && n.revision < max_revision
        {
            let old = n.revision;
            n.revision = max_revision + 1;
            let rev = n.revision.to_string();
            let cause = dv.pointer("/metadata/annotations/kubernetes.io~1change-cause").cloned();
            self.modify(kinds::REPLICASETS, ns, &n.name, |rs| {
                rs["metadata"]["annotations"][REVISION] = json!(rev);
                let history = rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"]
                    .as_str()
                    .map(|h| format!("{h},{old}"))
                    .unwrap_or(old.to_string());
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = json!(history);
                if let Some(a) = rs["metadata"]["annotations"].as_object_mut() {
                    match &cause {
                        Some(c) => {
                            a.insert("kubernetes.io/change-cause".into(), c.clone());
                        }
                        None => {
                            a.remove("kubernetes.io/change-cause");
                        }
                    }
                }
            });
        }

        if !paused && let Some(new) = &new_rs {
            self.roll(ns, name, &dv, desired, new, &rs_list);
        }
        self.deployment_status(ns, name, desired, paused, new_rs.as_ref());
    }

    /// One step of a rolling update: scale the new ReplicaSet up and old ones down.
    fn roll(&mut self, ns: &str, name: &str, dv: &Value, desired: i64, new: &Rs, all: &[Rs]) {
        let surge = int_or_percent(dv.pointer("/spec/strategy/rollingUpdate/maxSurge"), desired, true, 25);
        let mut unavailable = int_or_percent(
            dv.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
            desired,
            false,
            25,
        );
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        let recreate = dv.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate");
        let mut olds: Vec<Rs> = all
            .iter()
            .filter(|r| r.name != new.name && r.replicas > 0)
            .cloned()
            .collect();
        olds.sort_by_key(|r| r.revision);
        let mut new_replicas = new.replicas;
        let mut changes: Vec<(String, i64, i64)> = Vec::new();
        if olds.is_empty() || recreate {
            if recreate {
                for o in &olds {
                    changes.push((o.name.clone(), o.replicas, 0));
                }
                if olds.iter().all(|o| o.status_replicas == 0) && new_replicas != desired {
                    changes.push((new.name.clone(), new_replicas, desired));
                }
            } else if new_replicas != desired {
                changes.push((new.name.clone(), new_replicas, desired));
            }
        } else {
            let old_total: i64 = olds.iter().map(|o| o.replicas).sum();
            // Scale up the new ReplicaSet within the surge.
            if new_replicas < desired {
                let room = desired + surge - (old_total + new_replicas);
                let up = room.min(desired - new_replicas);
                if up > 0 {
                    changes.push((new.name.clone(), new_replicas, new_replicas + up));
                    new_replicas += up;
                }
            } else if new_replicas > desired {
                changes.push((new.name.clone(), new_replicas, desired));
                new_replicas = desired;
            }
            // Scale down old ReplicaSets while enough pods stay available.
            let min_available = desired - unavailable;
            let new_unavailable = new_replicas - new.available;
            let all_pods = old_total + new_replicas;
            let mut max_down = all_pods - min_available - new_unavailable;
            let mut scaled: Vec<(String, i64, i64)> =
                olds.iter().map(|o| (o.name.clone(), o.replicas, o.replicas)).collect();
            // Unhealthy old replicas go first.
            for (o, s) in olds.iter().zip(scaled.iter_mut()) {
                if max_down <= 0 {
                    break;
                }
                let unhealthy = (o.replicas - o.available).max(0);
                let d = unhealthy.min(max_down);
                s.2 -= d;
                max_down -= d;
            }
            let available_total: i64 = olds.iter().map(|o| o.available).sum::<i64>() + new.available;
            let mut can_down = (available_total - min_available).min(max_down.max(0));
            for s in scaled.iter_mut() {
                if can_down <= 0 {
                    break;
                }
                let d = s.2.min(can_down);
                s.2 -= d;
                can_down -= d;
            }
            for s in scaled {
                if s.1 != s.2 {
                    changes.push(s);
                }
            }
        }
        for (rs, from, to) in changes {
            self.modify(kinds::REPLICASETS, ns, &rs, |v| {
                v["spec"]["replicas"] = json!(to);
                v["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = json!(desired.to_string());
            });
            if let Some(d) = self.get(&kinds::DEPLOYMENTS, ns, name) {
                let verb = if to > from { "up" } else { "down" };
                self.normal(
                    &d,
                    "ScalingReplicaSet",
                    &format!("Scaled {verb} replica set {rs} from {from} to {to}"),
                    "deployment-controller",
                );
            }
        }
    }

    fn deployment_status(&mut self, ns: &str, name: &str, desired: i64, paused: bool, new: Option<&Rs>) {
        let Some(d) = self.get(&kinds::DEPLOYMENTS, ns, name) else {
            return;
        };
        let dv = d.value();
        let all: Vec<Value> = self
            .owned(&kinds::REPLICASETS, ns, &d.uid)
            .into_iter()
            .filter_map(|(_, ns, n)| self.get(&kinds::REPLICASETS, &ns, &n).map(|r| r.value()))
            .collect();
        let sum = |p: &str| all.iter().map(|r| int(r, p)).sum::<i64>();
        let replicas = sum("/status/replicas");
        let ready = sum("/status/readyReplicas");
        let available = sum("/status/availableReplicas");
        let updated = new
            .and_then(|n| {
                all.iter()
                    .find(|r| r.pointer("/metadata/name").and_then(Value::as_str) == Some(n.name.as_str()))
            })
            .map(|r| int(r, "/status/replicas"))
            .unwrap_or(0);
        let unavailable_allowed = int_or_percent(
            dv.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
            desired,
            false,
            25,
        );
        let generation = int(&dv, "/metadata/generation");
        let deadline = dv
            .pointer("/spec/progressDeadlineSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(600);
        let new_name = new.map(|n| n.name.clone()).unwrap_or_default();
        let complete = updated == desired && replicas == updated && available == updated;
        let now = self.timestamp();
        let old_status = dv.get("status").cloned().unwrap_or(json!({}));
        // Progress as the deployment controller counts it: fewer old replicas, or more
        // updated, ready or available ones (a new template counts too).
        let old_olds = int(&old_status, "/replicas") - int(&old_status, "/updatedReplicas");
        let progressed = replicas - updated < old_olds
            || updated > int(&old_status, "/updatedReplicas")
            || ready > int(&old_status, "/readyReplicas")
            || available > int(&old_status, "/availableReplicas")
            || int(&old_status, "/observedGeneration") != generation;
        let conditions = old_status
            .get("conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let find = |t: &str| conditions.iter().find(|c| c["type"] == t).cloned();
        let prev_progress = find("Progressing");
        let last_update: Option<Timestamp> = prev_progress
            .as_ref()
            .and_then(|c| c["lastUpdateTime"].as_str())
            .and_then(|s| s.parse().ok());
        let (p_status, p_reason, p_message, touch) = if paused {
            ("Unknown", "DeploymentPaused", "Deployment is paused".to_string(), false)
        } else if complete {
            (
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{new_name}\" has successfully progressed."),
                progressed,
            )
        } else if progressed || last_update.is_none() {
            (
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{new_name}\" is progressing."),
                true,
            )
        } else if prev_progress
            .as_ref()
            .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded")
            || last_update.is_some_and(|t| self.now.duration_since(t) >= SignedDuration::from_secs(deadline))
        {
            // Once exceeded, it stays so until the rollout makes progress again.
            (
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{new_name}\" has timed out progressing."),
                false,
            )
        } else {
            (
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{new_name}\" is progressing."),
                false,
            )
        };
        let p_transition = match &prev_progress {
            Some(c) if c["status"] == p_status => c["lastTransitionTime"].clone(),
            _ => json!(now),
        };
        let p_update = if touch || prev_progress.as_ref().is_none_or(|c| c["reason"] != p_reason) {
            json!(now)
        } else {
            prev_progress
                .as_ref()
                .map(|c| c["lastUpdateTime"].clone())
                .unwrap_or(json!(now))
        };
        let available_ok = available >= desired - unavailable_allowed;
        let (a_status, a_reason, a_message) = if available_ok {
            (
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        } else {
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        };
        let prev_available = find("Available");
        let a_transition = match &prev_available {
            Some(c) if c["status"] == a_status => c["lastTransitionTime"].clone(),
            _ => json!(now),
        };
        let a_update = match &prev_available {
            Some(c) if c["status"] == a_status => c["lastUpdateTime"].clone(),
            _ => json!(now),
        };
        let mut status = json!({
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": [
                {"type": "Available", "status": a_status, "lastUpdateTime": a_update, "lastTransitionTime": a_transition, "reason": a_reason, "message": a_message},
                {"type": "Progressing", "status": p_status, "lastUpdateTime": p_update, "lastTransitionTime": p_transition, "reason": p_reason, "message": p_message},
            ],
        });
        let unavailable = (desired.max(replicas) - available).max(0);
        if unavailable > 0 {
            status["unavailableReplicas"] = json!(unavailable);
        }
        for k in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"] {
            if status[k] == 0
                && let Some(o) = status.as_object_mut()
            {
                o.remove(k);
            }
        }
        let revision = new.map(|n| n.revision.to_string());
        let failed_now = p_reason == "ProgressDeadlineExceeded"
            && prev_progress
                .as_ref()
                .is_none_or(|c| c["reason"] != "ProgressDeadlineExceeded");
        self.modify(kinds::DEPLOYMENTS, ns, name, |v| {
            v["status"] = status;
            if let Some(r) = revision {
                v["metadata"]["annotations"][REVISION] = json!(r);
            }
        });
        if failed_now && let Some(d) = self.get(&kinds::DEPLOYMENTS, ns, name) {
            self.warning(
                &d,
                "ProgressDeadlineExceeded",
                &format!("Deployment \"{name}\" exceeded its progress deadline"),
                "deployment-controller",
            );
        }
        if p_reason == "ReplicaSetUpdated" && touch {
            self.after(
                SignedDuration::from_secs(deadline) + SignedDuration::from_millis(1),
                Timer::Deadline(ns.into(), name.into()),
            );
        }
    }
}
