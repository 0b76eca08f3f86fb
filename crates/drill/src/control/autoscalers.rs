//! The horizontal pod autoscaler controller (autoscaling/v2): every 15 s of drill time it
//! measures each HPA's target pods against their requests (CPU and memory, utilization or
//! average value), recommends a replica count as the real controller does (10% tolerance,
//! scale-up at most doubling or +4 pods, scale-down to the highest recommendation of the last
//! five minutes, within min and max), scales the target, and writes status, conditions and
//! SuccessfulRescale Events.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::kinds::{self, ResourceKind};
use crate::scenario::quantity::Quantity;
use crate::sim::{Sim, Timer};

/// How often the controller acts (`--horizontal-pod-autoscaler-sync-period`).
pub const SYNC: SignedDuration = SignedDuration::from_secs(15);
/// Ratios within this of 1 change nothing.
const TOLERANCE: f64 = 0.1;
/// Scale-down takes the highest recommendation of this window.
const DOWNSCALE_WINDOW: SignedDuration = SignedDuration::from_mins(5);
/// The target when an HPA names no metric.
const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// One metric's measurement: its current status entry and the replicas it asks for.
struct Measured {
    current: Value,
    replicas: i64,
    /// `cpu resource utilization (percentage of request)`, as Events and conditions say it.
    describes: String,
    above: bool,
}

/// What the controller decided for one HPA.
struct Decision {
    current: i64,
    desired: i64,
    measured: Result<Vec<Measured>, String>,
    limited: Option<(&'static str, &'static str)>,
}

fn target_kind(kind: &str) -> Option<ResourceKind> {
    match kind {
        "Deployment" => Some(kinds::DEPLOYMENTS),
        "StatefulSet" => Some(kinds::STATEFULSETS),
        "ReplicaSet" => Some(kinds::REPLICASETS),
        _ => None,
    }
}

impl Sim {
    /// Starts the controller's loop when the first HPA appears.
    pub(crate) fn start_autoscaling(&mut self) {
        if !self.autoscaling {
            self.autoscaling = true;
            self.after(SignedDuration::ZERO, Timer::Autoscale);
        }
    }

    /// Runs the controller over every HPA, then again after [`SYNC`] while any is left.
    pub(crate) fn autoscale(&mut self) {
        self.refresh_loads();
        let all: Vec<(String, String, Value)> = self
            .store
            .iter(&kinds::AUTOSCALERS, None)
            .map(|h| (h.namespace.to_string(), h.name.to_string(), h.value()))
            .collect();
        self.recommendations
            .retain(|(ns, name), _| all.iter().any(|(n, m, _)| n == ns && m == name));
        if all.is_empty() {
            self.autoscaling = false;
            return;
        }
        for (ns, name, hpa) in all {
            self.autoscale_one(&ns, &name, &hpa);
        }
        self.after(SYNC, Timer::Autoscale);
    }

    fn autoscale_one(&mut self, ns: &str, name: &str, hpa: &Value) {
        let target = &hpa["spec"]["scaleTargetRef"];
        let target_name = target["name"].as_str().unwrap_or("");
        let Some((kind, workload)) = target_kind(target["kind"].as_str().unwrap_or(""))
            .and_then(|k| self.get(&k, ns, target_name).map(|w| (k, w.value())))
        else {
            let message = format!(
                "the HPA controller was unable to get the target's current scale: {} \"{target_name}\" not found",
                target["kind"].as_str().unwrap_or("")
            );
            self.write_autoscaler_status(ns, name, None, &message);
            return;
        };
        let decision = self.decide(ns, name, hpa, &workload);
        if decision.desired != decision.current {
            self.modify(kind, ns, target_name, |w| {
                w["spec"]["replicas"] = json!(decision.desired)
            });
            let reason = match &decision.measured {
                Ok(m) => m
                    .iter()
                    .filter(|m| m.above)
                    .map(|m| format!("{} above target", m.describes))
                    .next()
                    .unwrap_or_else(|| "All metrics below target".into()),
                Err(_) => "All metrics below target".into(),
            };
            if let Some(stored) = self.get(&kinds::AUTOSCALERS, ns, name) {
                self.normal(
                    &stored,
                    "SuccessfulRescale",
                    &format!("New size: {}; reason: {reason}", decision.desired),
                    "horizontal-pod-autoscaler",
                );
            }
        }
        self.write_autoscaler_status(ns, name, Some(&decision), "");
    }

    /// The replicas an HPA wants for its target now.
    fn decide(&mut self, ns: &str, name: &str, hpa: &Value, workload: &Value) -> Decision {
        let current = workload["spec"]["replicas"].as_i64().unwrap_or(1);
        let min = hpa["spec"]["minReplicas"].as_i64().unwrap_or(1);
        let max = hpa["spec"]["maxReplicas"].as_i64().unwrap_or(min);
        let workload_ref = format!("{ns}/{}", workload["metadata"]["name"].as_str().unwrap_or(""));
        let measured = self.measure(&workload_ref, hpa);
        let recommended = match &measured {
            // Scaling to zero turns the autoscaler off, as it does in Kubernetes.
            _ if current == 0 => current,
            Ok(m) => m.iter().map(|m| m.replicas).max().unwrap_or(current),
            Err(_) => current,
        };
        let now = self.now;
        let history = self
            .recommendations
            .entry((ns.to_string(), name.to_string()))
            .or_default();
        history.push((now, recommended));
        history.retain(|(t, _)| *t >= now.checked_sub(DOWNSCALE_WINDOW).unwrap_or(now));
        let stabilized = if recommended < current {
            history
                .iter()
                .map(|(_, r)| *r)
                .max()
                .unwrap_or(recommended)
                .min(current)
        } else {
            recommended
        };
        let up_limit = (current * 2).max(current + 4);
        let mut desired = stabilized.min(up_limit);
        let mut limited = None;
        if current == 0 {
            desired = 0;
        } else if desired > max {
            desired = max;
            limited = Some((
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            ));
        } else if desired < min {
            desired = min;
            limited = Some((
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            ));
        }
        Decision {
            current,
            desired,
            measured,
            limited,
        }
    }

    /// Each metric of the HPA measured on the target's ready pods.
    fn measure(&self, workload: &str, hpa: &Value) -> Result<Vec<Measured>, String> {
        let pods: Vec<(f64, f64, f64, f64)> = self
            .pods
            .iter()
            .filter(|(_, rt)| rt.workload.as_deref() == Some(workload) && rt.ready && !rt.terminating)
            .map(|((ns, name), rt)| {
                let (cpu, memory) = self.pod_usage(ns, name);
                (cpu, memory, rt.cpu_request, rt.memory_request)
            })
            .collect();
        let default = json!([{"type": "Resource", "resource": {"name": "cpu",
                              "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]);
        let metrics = hpa["spec"]["metrics"]
            .as_array()
            .filter(|m| !m.is_empty())
            .cloned()
            .unwrap_or_else(|| default.as_array().cloned().unwrap_or_default());
        let mut out = Vec::new();
        for m in &metrics {
            let resource = &m["resource"];
            let metric = resource["name"].as_str().unwrap_or("");
            if m["type"] != "Resource" || !matches!(metric, "cpu" | "memory") {
                return Err(format!(
                    "the drill measures only cpu and memory Resource metrics, not {}",
                    m["type"].as_str().unwrap_or("?")
                ));
            }
            if pods.is_empty() {
                return Err(format!(
                    "unable to get metrics for resource {metric}: no metrics returned from resource metrics API"
                ));
            }
            let (used, requested): (f64, f64) = pods
                .iter()
                .map(|(c, mem, rc, rm)| if metric == "cpu" { (*c, *rc) } else { (*mem, *rm) })
                .fold((0.0, 0.0), |(a, b), (u, r)| (a + u, b + r));
            let ready = pods.len() as f64;
            let target = &resource["target"];
            let (ratio, current, describes) = if let Some(pct) = target["averageUtilization"].as_i64() {
                if requested <= 0.0 {
                    return Err(format!(
                        "failed to get {metric} utilization: missing request for {metric}"
                    ));
                }
                let utilization = (used / requested * 100.0).round() as i64;
                (
                    utilization as f64 / pct.max(1) as f64,
                    json!({"averageUtilization": utilization, "averageValue": quantity(metric, used / ready)}),
                    format!("{metric} resource utilization (percentage of request)"),
                )
            } else {
                let wanted = target["averageValue"]
                    .as_str()
                    .and_then(|q| Quantity::parse(q).ok())
                    .map(|q| q.value)
                    .ok_or_else(|| format!("the {metric} metric has neither averageUtilization nor averageValue"))?;
                (
                    (used / ready) / wanted.max(f64::MIN_POSITIVE),
                    json!({"averageValue": quantity(metric, used / ready)}),
                    format!("{metric} resource"),
                )
            };
            let replicas = if (ratio - 1.0).abs() <= TOLERANCE {
                ready as i64
            } else {
                (ratio * ready).ceil() as i64
            };
            out.push(Measured {
                current: json!({"type": "Resource", "resource": {"name": metric, "current": current}}),
                replicas,
                describes,
                above: ratio > 1.0 + TOLERANCE,
            });
        }
        Ok(out)
    }

    /// Writes status and conditions; `failure` says why the target could not be read.
    fn write_autoscaler_status(&mut self, ns: &str, name: &str, decision: Option<&Decision>, failure: &str) {
        let now = self.timestamp();
        let scaled = decision.is_some_and(|d| d.desired != d.current);
        self.modify(kinds::AUTOSCALERS, ns, name, |h| {
            let old = h["status"]["conditions"].as_array().cloned().unwrap_or_default();
            let condition = |kind: &str, status: &str, reason: &str, message: &str| {
                let since = old
                    .iter()
                    .find(|c| c["type"] == kind && c["status"] == status)
                    .map_or(json!(now), |c| c["lastTransitionTime"].clone());
                json!({"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": since})
            };
            let generation = h["metadata"]["generation"].as_i64().unwrap_or(1);
            let mut status = json!({"observedGeneration": generation});
            let Some(d) = decision else {
                status["currentReplicas"] = h["status"]["currentReplicas"].clone();
                status["desiredReplicas"] = h["status"]["desiredReplicas"].clone();
                status["conditions"] = json!([condition("AbleToScale", "False", "FailedGetScale", failure)]);
                h["status"] = status;
                return;
            };
            status["currentReplicas"] = json!(d.current);
            status["desiredReplicas"] = json!(d.desired);
            status["lastScaleTime"] = if scaled { json!(now) } else { h["status"]["lastScaleTime"].clone() };
            if status["lastScaleTime"].is_null() {
                status.as_object_mut().map(|s| s.remove("lastScaleTime"));
            }
            let able = if scaled {
                condition(
                    "AbleToScale",
                    "True",
                    "SucceededRescale",
                    &format!("the HPA controller was able to update the target scale to {}", d.desired),
                )
            } else {
                condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
            };
            let active = match &d.measured {
                _ if d.current == 0 => condition(
                    "ScalingActive",
                    "False",
                    "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero",
                ),
                Ok(m) => {
                    status["currentMetrics"] = Value::Array(m.iter().map(|m| m.current.clone()).collect());
                    let names: Vec<&str> = m.iter().map(|m| m.describes.as_str()).collect();
                    condition(
                        "ScalingActive",
                        "True",
                        "ValidMetricFound",
                        &format!(
                            "the HPA was able to successfully calculate a replica count from {}",
                            names.join(", ")
                        ),
                    )
                }
                Err(e) => condition(
                    "ScalingActive",
                    "False",
                    "FailedGetResourceMetric",
                    &format!("the HPA was unable to compute the replica count: {e}"),
                ),
            };
            let limited = match d.limited {
                Some((reason, message)) => condition("ScalingLimited", "True", reason, message),
                None => condition(
                    "ScalingLimited",
                    "False",
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                ),
            };
            status["conditions"] = json!([able, active, limited]);
            h["status"] = status;
        });
    }
}

/// An average as the metrics API writes it: CPU in millicores (`250m`), memory in bytes.
fn quantity(metric: &str, value: f64) -> String {
    if metric == "cpu" {
        format!("{}m", (value * 1000.0).round() as i64)
    } else {
        format!("{}", value.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_written_as_the_metrics_api_writes_them() {
        assert_eq!(quantity("cpu", 0.25), "250m");
        assert_eq!(quantity("memory", 134_217_728.4), "134217728");
    }

    #[test]
    fn only_scalable_kinds_are_targets() {
        assert_eq!(target_kind("Deployment"), Some(kinds::DEPLOYMENTS));
        assert_eq!(target_kind("DaemonSet"), None);
    }
}
