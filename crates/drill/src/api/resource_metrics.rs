//! The resource metrics API (`metrics.k8s.io/v1beta1`, what metrics-server serves and `kubectl
//! top` reads): each running pod's CPU and memory from the drill's usage model, and each node's
//! as the sum of its pods plus what the system itself uses.

use serde_json::{Value, json};

use super::request::Query;
use super::status::ApiError;
use crate::kinds;
use crate::selector::LabelSelector;
use crate::sim::Sim;

pub const GROUP: &str = "metrics.k8s.io";
pub const VERSION: &str = "v1beta1";

/// What the kubelet, the runtime and the OS use on every node besides the pods.
const SYSTEM_CPU: f64 = 0.15;
const SYSTEM_MEMORY: f64 = 1.2 * 1024.0 * 1024.0 * 1024.0;
/// The window each figure averages over, as metrics-server reports it.
const WINDOW: &str = "15s";

/// A request under `/apis/metrics.k8s.io/v1beta1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsTarget {
    pub pods: bool,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl MetricsTarget {
    /// Parses the path after the group-version; None when it names nothing served.
    pub fn parse(rest: &[&str]) -> Option<MetricsTarget> {
        let target = |pods, namespace: Option<&str>, name: Option<&&str>| MetricsTarget {
            pods,
            namespace: namespace.map(str::to_string),
            name: name.map(|n| n.to_string()),
        };
        match rest {
            ["nodes", name @ ..] if name.len() <= 1 => Some(target(false, None, name.first())),
            ["pods"] => Some(target(true, None, None)),
            ["namespaces", ns, "pods", name @ ..] if name.len() <= 1 => Some(target(true, Some(ns), name.first())),
            _ => None,
        }
    }
}

/// CPU as metrics-server writes it (nanocores).
fn cpu(cores: f64) -> String {
    format!("{}n", (cores * 1e9).round() as i64)
}

/// Memory as metrics-server writes it (KiB).
fn memory(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).round() as i64)
}

/// Answers a get or list of NodeMetrics or PodMetrics.
pub fn serve(sim: &Sim, target: &MetricsTarget, query: &Query) -> Result<Value, ApiError> {
    let selector = match query.get("labelSelector") {
        Some(s) => LabelSelector::parse(s).map_err(ApiError::bad_request)?,
        None => LabelSelector::default(),
    };
    let now = sim.timestamp();
    let (kind, items): (&str, Vec<Value>) = if target.pods {
        let objects = sim.store.iter(&kinds::PODS, target.namespace.as_deref());
        let items = objects
            .filter(|p| target.name.as_deref().is_none_or(|n| n == &*p.name))
            .filter(|p| selector.matches(|k| p.label(k)))
            .filter_map(|p| {
                let key = (p.namespace.to_string(), p.name.to_string());
                sim.pods.get(&key).filter(|rt| rt.running && !rt.failed)?;
                let (cores, bytes) = sim.pod_usage(&key.0, &key.1);
                let v = p.value();
                let container = v.pointer("/spec/containers/0/name").cloned().unwrap_or(json!("app"));
                Some(json!({
                    "metadata": {"name": p.name.as_ref(), "namespace": p.namespace.as_ref(),
                                 "creationTimestamp": now, "labels": v["metadata"]["labels"]},
                    "timestamp": now, "window": WINDOW,
                    "containers": [{"name": container, "usage": {"cpu": cpu(cores), "memory": memory(bytes)}}],
                }))
            })
            .collect();
        ("PodMetrics", items)
    } else {
        let items = sim
            .store
            .iter(&kinds::NODES, None)
            .filter(|n| target.name.as_deref().is_none_or(|name| name == &*n.name))
            .filter(|n| selector.matches(|k| n.label(k)))
            .map(|n| {
                let (cpu_used, memory_used) = sim.pods_usage_on(&n.name);
                let (cores, bytes) = (cpu_used + SYSTEM_CPU, memory_used + SYSTEM_MEMORY);
                json!({
                    "metadata": {"name": n.name.as_ref(), "creationTimestamp": now, "labels": n.value()["metadata"]["labels"]},
                    "timestamp": now, "window": WINDOW,
                    "usage": {"cpu": cpu(cores), "memory": memory(bytes)},
                })
            })
            .collect();
        ("NodeMetrics", items)
    };
    let api_version = format!("{GROUP}/{VERSION}");
    if let Some(name) = &target.name {
        let mut item = items.into_iter().next().ok_or_else(|| {
            let resource = if target.pods { "podmetrics" } else { "nodemetrics" };
            ApiError::not_found(&format!("{resource}.{GROUP}"), name)
        })?;
        item["kind"] = json!(kind);
        item["apiVersion"] = json!(api_version);
        return Ok(item);
    }
    Ok(json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": {}, "items": items}))
}

/// The group-version's resource list for discovery.
pub fn resources() -> Vec<Value> {
    vec![
        json!({"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]}),
        json!({"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]}),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_paths_kubectl_top_asks_for() {
        assert_eq!(MetricsTarget::parse(&["nodes"]).map(|t| t.pods), Some(false));
        assert_eq!(
            MetricsTarget::parse(&["namespaces", "shop", "pods", "web-1"]),
            Some(MetricsTarget {
                pods: true,
                namespace: Some("shop".into()),
                name: Some("web-1".into())
            })
        );
        assert_eq!(MetricsTarget::parse(&["pods"]).map(|t| t.namespace), Some(None));
        assert_eq!(MetricsTarget::parse(&["services"]), None);
        assert_eq!(MetricsTarget::parse(&["nodes", "a", "b"]), None);
    }

    #[test]
    fn writes_figures_as_metrics_server_does() {
        assert_eq!(cpu(0.25), "250000000n");
        assert_eq!(memory(1024.0 * 1024.0), "1024Ki");
    }
}
