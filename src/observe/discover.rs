//! Finding Prometheus and Alertmanager in a cluster when the config names none: the Services
//! that kube-prometheus, kube-prometheus-stack, prometheus-operator and the community charts
//! create, reached through the API server's service proxy with the kubeconfig's credentials
//! (no port-forward), each one checked with `/-/ready` before it is followed.

use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use super::http::{Http, Server};

/// Namespaces looked in when the caller may not list Services cluster-wide.
const NAMESPACES: &[&str] = &[
    "monitoring",
    "prometheus",
    "observability",
    "kube-prometheus-stack",
    "default",
    "kube-system",
];

/// How many candidates of each server are asked before giving up.
const TRIES: usize = 3;

/// How long one readiness check through the proxy may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// A server found in the cluster: the Service and port it answers on, and a client for it.
#[derive(Debug, Clone)]
pub struct Found {
    pub namespace: String,
    pub name: String,
    pub port: String,
    pub http: Http,
}

impl Found {
    pub fn describe(&self) -> String {
        format!("{}/{}:{}", self.namespace, self.name, self.port)
    }
}

/// What discovery found, and what it has to say about it (one line per server).
#[derive(Debug, Default)]
pub struct Discovery {
    pub prometheus: Option<Found>,
    pub alertmanager: Option<Found>,
    pub said: Vec<String>,
}

/// How likely a Service of this name is `server` (lower: likelier); `None`: not it.
pub fn rank(server: Server, name: &str) -> Option<u8> {
    let (main, chart) = match server {
        Server::Prometheus => ("prometheus-k8s", "-prometheus-server"),
        Server::Alertmanager => ("alertmanager-main", "-alertmanager"),
    };
    let what = server.name();
    if name == main
        || name.ends_with(&format!("-kube-prometheus-{what}"))
        || name.ends_with(&format!("-kube-prom-{what}"))
    {
        Some(0)
    } else if name == format!("{what}-server") || name.ends_with(chart) {
        Some(1)
    } else if name == format!("{what}-operated") {
        Some(2)
    } else if name == what {
        Some(3)
    } else {
        None
    }
}

/// The port to reach `server` on: one named as the charts name the web port, else the
/// server's usual port, else the first.
pub fn port(server: Server, service: &Service) -> Option<String> {
    let ports = service.spec.as_ref()?.ports.as_ref()?;
    let usual = match server {
        Server::Prometheus => 9090,
        Server::Alertmanager => 9093,
    };
    let named = ports
        .iter()
        .find(|p| matches!(p.name.as_deref(), Some("web" | "http-web" | "http")))
        .and_then(|p| p.name.clone());
    named
        .or_else(|| ports.iter().find(|p| p.port == usual).map(|p| p.port.to_string()))
        .or_else(|| ports.first().map(|p| p.port.to_string()))
}

/// The cluster's Services: every namespace when allowed, else those in [`NAMESPACES`].
async fn services(client: &kube::Client) -> Result<Vec<Service>, String> {
    match Api::<Service>::all(client.clone()).list(&ListParams::default()).await {
        Ok(list) => return Ok(list.items),
        Err(kube::Error::Api(s)) if s.code == 403 => {}
        Err(e) => return Err(e.to_string()),
    }
    let mut out = Vec::new();
    for ns in NAMESPACES {
        if let Ok(list) = Api::<Service>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
        {
            out.extend(list.items);
        }
    }
    Ok(out)
}

/// The likeliest Services for `server`, best first.
fn candidates(server: Server, services: &[Service]) -> Vec<(String, String, String)> {
    let mut found: Vec<(u8, String, String, String)> = services
        .iter()
        .filter_map(|s| {
            let name = s.metadata.name.clone()?;
            let rank = rank(server, &name)?;
            Some((rank, s.metadata.namespace.clone()?, name, port(server, s)?))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, ns, name, port)| (ns, name, port)).collect()
}

/// The first candidate that answers `/-/ready` through the proxy, or what went wrong.
async fn first_ready(
    server: Server,
    client: &kube::Client,
    api_url: &str,
    candidates: Vec<(String, String, String)>,
) -> Result<Found, String> {
    let what = match server {
        Server::Prometheus => "Prometheus",
        Server::Alertmanager => "Alertmanager",
    };
    if candidates.is_empty() {
        return Err(format!("no {what} Service found in the cluster"));
    }
    let mut why = Vec::new();
    for (namespace, name, port) in candidates.into_iter().take(TRIES) {
        let http = Http::through_api_server(server, client.clone(), api_url, &namespace, &name, &port)
            .map_err(|e| e.to_string())?
            .with_timeout(PROBE_TIMEOUT);
        let found = Found {
            namespace,
            name,
            port,
            http,
        };
        let ready = found
            .http
            .request(reqwest::Method::GET, found.http.url(&["-", "ready"]));
        match found.http.no_content(ready).await {
            // Only the probe is short: queries get the usual time.
            Ok(()) => {
                return Ok(Found {
                    http: found.http.with_timeout(super::http::DEFAULT_TIMEOUT),
                    ..found
                });
            }
            Err(e) => why.push(format!("{} did not answer: {e}", found.describe())),
        }
    }
    Err(format!("no {what} answered ({})", why.join("; ")))
}

/// Looks for Prometheus and Alertmanager among the cluster's Services (`api_url`: the
/// kubeconfig's server, which `client` talks to).
pub async fn discover(client: &kube::Client, api_url: &str) -> Discovery {
    let all = match services(client).await {
        Ok(s) => s,
        Err(e) => {
            return Discovery {
                said: vec![format!("cannot look for Prometheus or Alertmanager: {e}")],
                ..Discovery::default()
            };
        }
    };
    let mut out = Discovery::default();
    let (prometheus, alertmanager) = tokio::join!(
        first_ready(
            Server::Prometheus,
            client,
            api_url,
            candidates(Server::Prometheus, &all)
        ),
        first_ready(
            Server::Alertmanager,
            client,
            api_url,
            candidates(Server::Alertmanager, &all)
        ),
    );
    for (found, slot, what) in [
        (prometheus, &mut out.prometheus, "Prometheus"),
        (alertmanager, &mut out.alertmanager, "Alertmanager"),
    ] {
        match found {
            Ok(f) => {
                out.said
                    .push(format!("{what} found: {} (through the API server)", f.describe()));
                *slot = Some(f);
            }
            Err(why) => out.said.push(why),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_the_common_charts_give_are_ranked_and_others_are_not_taken() {
        let p = |n| rank(Server::Prometheus, n);
        let a = |n| rank(Server::Alertmanager, n);
        assert_eq!(p("prometheus-k8s"), Some(0));
        assert_eq!(p("kps-kube-prometheus-prometheus"), Some(0));
        assert_eq!(p("my-release-kube-prom-prometheus"), Some(0));
        assert_eq!(p("prometheus-server"), Some(1));
        assert_eq!(p("metrics-prometheus-server"), Some(1));
        assert_eq!(p("prometheus-operated"), Some(2));
        assert_eq!(p("prometheus"), Some(3));
        for other in [
            "prometheus-node-exporter",
            "kps-kube-prometheus-operator",
            "prometheus-pushgateway",
            "kps-kube-state-metrics",
        ] {
            assert_eq!(p(other), None, "{other}");
        }
        assert_eq!(a("alertmanager-main"), Some(0));
        assert_eq!(a("kps-kube-prometheus-alertmanager"), Some(0));
        assert_eq!(a("prometheus-alertmanager"), Some(1));
        assert_eq!(a("alertmanager-operated"), Some(2));
        assert_eq!(a("prometheus-k8s"), None);
    }

    #[test]
    fn the_web_port_is_taken_by_name_then_by_number() {
        let svc = |ports: serde_json::Value| -> Service {
            serde_json::from_value(serde_json::json!({"metadata": {"name": "x"}, "spec": {"ports": ports}}))
                .expect("service")
        };
        let named = svc(serde_json::json!([{"name": "reloader", "port": 8080}, {"name": "http-web", "port": 9090}]));
        assert_eq!(port(Server::Prometheus, &named).as_deref(), Some("http-web"));
        let numbered = svc(serde_json::json!([{"name": "grpc", "port": 10901}, {"port": 9093}]));
        assert_eq!(port(Server::Alertmanager, &numbered).as_deref(), Some("9093"));
        let other = svc(serde_json::json!([{"port": 80}]));
        assert_eq!(port(Server::Prometheus, &other).as_deref(), Some("80"));
    }
}
