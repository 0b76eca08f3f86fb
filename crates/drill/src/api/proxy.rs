//! The service proxy subresource (`/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/PATH`):
//! a Service standing for the drill's own Prometheus or Alertmanager is answered by that API,
//! as a real API server would forward to the service's pods; any other Service has no
//! endpoints, since the drill runs no containers.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, Uri, header};
use axum::response::Response;
use serde_json::Value;
use tower::ServiceExt;

use super::auth;
use super::status::ApiError;
use crate::kinds;
use crate::server::DrillCluster;
use crate::services::{Served, has_port};

/// Where a proxy request goes: the Service, the port it names (if any) and the path after
/// `/proxy`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceProxy {
    pub namespace: String,
    pub name: String,
    pub port: Option<String>,
    pub path: String,
}

impl ServiceProxy {
    /// From the path segment naming the service (`name`, `name:port`, `scheme:name:port`) and
    /// the segments after `proxy`.
    pub fn parse(namespace: &str, service: &str, tail: &[&str], trailing_slash: bool) -> ServiceProxy {
        let parts: Vec<&str> = service.split(':').collect();
        let (name, port) = match parts.as_slice() {
            [_, name, port] => (*name, Some(*port)),
            [name, port] => (*name, Some(*port)),
            _ => (service, None),
        };
        let mut path = format!("/{}", tail.join("/"));
        if trailing_slash && !tail.is_empty() {
            path.push('/');
        }
        ServiceProxy {
            namespace: namespace.to_string(),
            name: name.to_string(),
            port: port.filter(|p| !p.is_empty()).map(str::to_string),
            path,
        }
    }
}

fn verb(method: &Method) -> &'static str {
    match *method {
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "get",
    }
}

/// Answers a proxy request with the API the Service stands for.
pub async fn serve(
    c: Arc<DrillCluster>,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    to: ServiceProxy,
) -> Result<Response, ApiError> {
    let served = {
        let mut sim = c.lock();
        sim.sync();
        auth::forbid(
            &sim,
            verb(&method),
            "",
            "services",
            Some("proxy"),
            Some(&to.name),
            &to.namespace,
        )?;
        let stored = sim
            .store
            .get(&kinds::SERVICES, &to.namespace, &to.name)
            .ok_or_else(|| ApiError::new(404, "NotFound", format!("services \"{}\" not found", to.name)))?;
        let service: Value = serde_json::from_slice(&stored.json).unwrap_or_default();
        let no_endpoints = || {
            ApiError::new(
                503,
                "ServiceUnavailable",
                format!("no endpoints available for service \"{}\"", to.name),
            )
        };
        if !has_port(&service, to.port.as_deref()) {
            return Err(no_endpoints());
        }
        Served::of(&service).ok_or_else(no_endpoints)?
    };
    let api = match served {
        Served::Prometheus => super::prometheus::router(c.clone()),
        Served::Alertmanager => super::alertmanager::router(c.clone()),
    };
    let target = match uri.query() {
        Some(q) => format!("{}?{q}", to.path),
        None => to.path.clone(),
    };
    let mut request = Request::builder().method(method).uri(target);
    let clock = header::HeaderName::from_static(super::client_clock::CLOCK_HEADER);
    for name in [header::CONTENT_TYPE, header::ACCEPT, clock] {
        if let Some(v) = headers.get(&name) {
            request = request.header(name, v);
        }
    }
    let request = request
        .body(Body::from(body))
        .map_err(|e| ApiError::bad_request(format!("cannot proxy this request: {e}")))?;
    match api.oneshot(request).await {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_segment_names_the_service_and_maybe_its_port() {
        let p = ServiceProxy::parse("monitoring", "prometheus-k8s:9090", &["api", "v1", "query"], false);
        assert_eq!(
            (p.name.as_str(), p.port.as_deref(), p.path.as_str()),
            ("prometheus-k8s", Some("9090"), "/api/v1/query")
        );
        let p = ServiceProxy::parse(
            "monitoring",
            "http:alertmanager-main:web",
            &["api", "v2", "alerts"],
            true,
        );
        assert_eq!(
            (p.name.as_str(), p.port.as_deref(), p.path.as_str()),
            ("alertmanager-main", Some("web"), "/api/v2/alerts/")
        );
        let p = ServiceProxy::parse("monitoring", "prometheus-k8s", &[], false);
        assert_eq!((p.port, p.path.as_str()), (None, "/"));
    }
}
