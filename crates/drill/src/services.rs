//! The Services every drill cluster has: `default/kubernetes`, and Prometheus and Alertmanager
//! in `monitoring` under the names kube-prometheus gives them (`prometheus-k8s:9090`,
//! `alertmanager-main:9093`), so that a client finds them as it would in a real cluster and
//! reaches them through the API server's service proxy.

use serde_json::{Value, json};

/// The annotation naming which of the drill's own APIs a Service's proxy reaches.
pub const SERVES: &str = "drill.warroom.dev/serves";

/// Which of the drill's own servers a Service stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Prometheus,
    Alertmanager,
}

impl Served {
    /// From a stored Service's annotation.
    pub fn of(service: &Value) -> Option<Served> {
        match service.pointer("/metadata/annotations")?.get(SERVES)?.as_str()? {
            "prometheus" => Some(Served::Prometheus),
            "alertmanager" => Some(Served::Alertmanager),
            _ => None,
        }
    }
}

fn service(namespace: &str, name: &str, ip: &str, labels: Value, port: Value, serves: Option<&str>) -> Value {
    let selector = if serves.is_some() { labels.clone() } else { Value::Null };
    let annotations = match serves {
        Some(s) => json!({ SERVES: s }),
        None => json!({}),
    };
    json!({
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [port],
            "selector": selector,
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    })
}

/// The Services a drill cluster starts with.
pub fn built_in() -> Vec<Value> {
    vec![
        service(
            "default",
            "kubernetes",
            "10.96.0.1",
            json!({"component": "apiserver", "provider": "kubernetes"}),
            json!({"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}),
            None,
        ),
        service(
            "monitoring",
            "prometheus-k8s",
            "10.96.20.10",
            json!({"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "prometheus"}),
            json!({"name": "web", "port": 9090, "protocol": "TCP", "targetPort": "web"}),
            Some("prometheus"),
        ),
        service(
            "monitoring",
            "alertmanager-main",
            "10.96.20.11",
            json!({"app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/component": "alert-router"}),
            json!({"name": "web", "port": 9093, "protocol": "TCP", "targetPort": "web"}),
            Some("alertmanager"),
        ),
    ]
}

/// Whether `port` as a proxy path names it (`9090`, `web`, or nothing: the first port).
pub fn has_port(service: &Value, port: Option<&str>) -> bool {
    let Some(port) = port else { return true };
    service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|p| {
            p.get("name").and_then(Value::as_str) == Some(port)
                || p.get("port")
                    .and_then(Value::as_i64)
                    .is_some_and(|n| n.to_string() == port)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monitoring_services_say_what_they_serve_and_ports_are_found_by_number_or_name() {
        let all = built_in();
        let served: Vec<_> = all.iter().map(Served::of).collect();
        assert_eq!(served, [None, Some(Served::Prometheus), Some(Served::Alertmanager)]);
        let prometheus = &all[1];
        for (port, want) in [
            (None, true),
            (Some("9090"), true),
            (Some("web"), true),
            (Some("9093"), false),
            (Some("http"), false),
        ] {
            assert_eq!(has_port(prometheus, port), want, "{port:?}");
        }
    }
}
