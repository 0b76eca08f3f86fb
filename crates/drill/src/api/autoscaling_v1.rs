//! autoscaling/v1 HorizontalPodAutoscalers, which `kubectl autoscale` creates up to kubectl
//! 1.32: served from the autoscaling/v2 objects the store keeps and converted both ways as the
//! apiserver converts them (v1's one CPU target is v2's `Resource` metric on `cpu`; 80% when
//! unset). At v1 only the verbs `kinds::AUTOSCALERS_V1` lists are served; the rest goes
//! through v2, the preferred version.

use bytes::Bytes;
use serde_json::{Value, json};

const V1: &str = "autoscaling/v1";
const V2: &str = "autoscaling/v2";
const KIND: &str = "HorizontalPodAutoscaler";
/// The CPU target a v1 object without one gets.
const DEFAULT_CPU: i64 = 80;

/// A v1 object (as a client sends it) as the store keeps it.
pub fn to_v2(mut v: Value) -> Value {
    let cpu = v
        .pointer("/spec/targetCPUUtilizationPercentage")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_CPU);
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("targetCPUUtilizationPercentage");
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": cpu}}}]),
        );
    }
    let current = v.pointer("/status/currentCPUUtilizationPercentage").cloned();
    if let Some(status) = v.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentCPUUtilizationPercentage");
        if let Some(current) = current {
            status.insert(
                "currentMetrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                        "current": {"averageUtilization": current}}}]),
            );
        }
    }
    if v.is_object() {
        v["apiVersion"] = json!(V2);
    }
    v
}

/// The CPU utilization of a v2 metrics list (`target` or `current`), if it has one.
fn cpu_utilization(metrics: Option<&Value>, which: &str) -> Option<Value> {
    metrics?
        .as_array()?
        .iter()
        .find(|m| m["type"] == "Resource" && m["resource"]["name"] == "cpu")
        .and_then(|m| m["resource"][which].get("averageUtilization").cloned())
}

/// A stored (v2) object as a v1 client reads it.
pub fn to_v1(mut v: Value) -> Value {
    let target = cpu_utilization(v.pointer("/spec/metrics"), "target");
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(t) = target {
            spec.insert("targetCPUUtilizationPercentage".into(), t);
        }
    }
    let current = cpu_utilization(v.pointer("/status/currentMetrics"), "current");
    if let Some(status) = v.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentMetrics");
        status.remove("conditions");
        if let Some(c) = current {
            status.insert("currentCPUUtilizationPercentage".into(), c);
        }
    }
    if v.is_object() {
        v["apiVersion"] = json!(V1);
    }
    v
}

/// A response body as v1 shows it: the object, a list's items, or a Table's objects.
pub fn shown(body: Bytes) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    match v["kind"].as_str() {
        Some(KIND) => v = to_v1(v),
        Some("HorizontalPodAutoscalerList") => {
            v["apiVersion"] = json!(V1);
            if let Some(items) = v["items"].as_array_mut() {
                for item in items.iter_mut() {
                    *item = to_v1(item.take());
                }
            }
        }
        Some("Table") => {
            for row in v["rows"].as_array_mut().into_iter().flatten() {
                if row["object"]["kind"] == KIND {
                    row["object"] = to_v1(row["object"].take());
                }
            }
        }
        _ => return body,
    }
    Bytes::from(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cpu_target_survives_the_round_trip_and_an_unset_one_is_eighty() {
        let v1 = json!({"apiVersion": V1, "kind": KIND, "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70},
            "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 64}});
        let v2 = to_v2(v1.clone());
        assert_eq!(v2["apiVersion"], V2);
        assert_eq!(v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 70);
        assert_eq!(
            v2["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"],
            64
        );
        assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
        assert_eq!(to_v1(v2), v1);
        let unset = to_v2(json!({"kind": KIND, "spec": {"maxReplicas": 4}}));
        assert_eq!(
            unset["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            DEFAULT_CPU
        );
    }

    #[test]
    fn lists_and_tables_are_shown_as_v1_and_other_bodies_pass_untouched() {
        let stored = to_v2(json!({"kind": KIND, "spec": {"maxReplicas": 4, "targetCPUUtilizationPercentage": 50}}));
        let list = json!({"kind": "HorizontalPodAutoscalerList", "apiVersion": V2, "items": [stored.clone()]});
        let shown_list: Value = serde_json::from_slice(&shown(Bytes::from(list.to_string()))).expect("json");
        assert_eq!(shown_list["apiVersion"], V1);
        assert_eq!(shown_list["items"][0]["spec"]["targetCPUUtilizationPercentage"], 50);
        let table = json!({"kind": "Table", "rows": [{"cells": [], "object": stored}]});
        let shown_table: Value = serde_json::from_slice(&shown(Bytes::from(table.to_string()))).expect("json");
        assert_eq!(shown_table["rows"][0]["object"]["apiVersion"], V1);
        let status = Bytes::from_static(br#"{"kind":"Status","status":"Success"}"#);
        assert_eq!(shown(status.clone()), status);
    }
}
