//! Writes into the drill log: which requests change the drill (Kubernetes and Alertmanager
//! writes that succeed, dry runs not; faults injected), each applied with the simulation held
//! at the virtual time it is logged at, one at a time, so that the log's order is the order
//! they were applied in and replaying it rebuilds the same drill.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::DryRun;
use super::status::ApiError;
use crate::drill_log::{Api, Line};
use crate::server::DrillCluster;

/// The largest body a logged write may have (kubectl's largest are applied manifests).
const MAX_BODY: usize = 64 << 20;

pub async fn kubernetes(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    log_write(c, Api::Kubernetes, req, next).await
}

pub async fn alertmanager(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    log_write(c, Api::Alertmanager, req, next).await
}

/// Whether a request may change the drill. Reads never do; of the drill's own controls only an
/// injected fault does (the clock's changes are logged as where it reached); a service proxy
/// request is logged by the API it reaches.
fn may_change(api: Api, method: &Method, path: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    match api {
        Api::Kubernetes => {
            let proxied = path.ends_with("/proxy") || path.contains("/proxy/");
            (!path.starts_with("/drill/") || path == "/drill/v1/faults") && !proxied
        }
        Api::Alertmanager => true,
    }
}

async fn log_write(c: Arc<DrillCluster>, api: Api, req: Request, next: Next) -> Response {
    if !c.logging() || !may_change(api, req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let _turn = c.writing.lock().await;
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::new(
                413,
                "RequestEntityTooLarge",
                format!("the request body cannot be read: {e}"),
            )
            .into_response();
        }
    };
    let method = parts.method.to_string();
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.to_string());
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let held = c.hold();
    let response = next.run(Request::from_parts(parts, Body::from(body.clone()))).await;
    let at = held.at;
    drop(held);
    if response.status().is_success() && response.extensions().get::<DryRun>().is_none() {
        c.log(&Line::Write {
            at,
            api,
            method,
            uri,
            content_type,
            body: Line::encode_body(&body),
        });
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_writes_that_change_the_drill_are_logged() {
        let k = Api::Kubernetes;
        assert!(may_change(
            k,
            &Method::PATCH,
            "/apis/apps/v1/namespaces/shop/deployments/checkout"
        ));
        assert!(may_change(k, &Method::POST, "/api/v1/namespaces/shop/pods/p/eviction"));
        assert!(may_change(k, &Method::DELETE, "/api/v1/namespaces/shop/pods/p"));
        assert!(may_change(k, &Method::POST, "/drill/v1/faults"));
        assert!(!may_change(k, &Method::GET, "/api/v1/pods"));
        assert!(!may_change(k, &Method::POST, "/drill/v1/clock"));
        assert!(!may_change(k, &Method::POST, "/drill/v1/disconnect"));
        assert!(!may_change(
            k,
            &Method::POST,
            "/api/v1/namespaces/monitoring/services/alertmanager:9093/proxy/api/v2/silences"
        ));
        assert!(may_change(Api::Alertmanager, &Method::POST, "/api/v2/silences"));
        assert!(may_change(Api::Alertmanager, &Method::DELETE, "/api/v2/silence/x"));
        assert!(!may_change(Api::Alertmanager, &Method::GET, "/api/v2/silences"));
    }
}
