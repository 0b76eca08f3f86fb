//! The drill cluster's HTTP API: the Kubernetes REST API (discovery, reads, watches, writes,
//! subresources, access reviews) plus `/drill/v1` controls for facilitators and tests.
//! Handlers translate HTTP to calls on `Sim` under its lock; they hold no state of their own.

pub mod alertmanager;
pub mod auth;
pub mod autoscaling_v1;
pub mod client_clock;
pub mod discovery;
pub mod facilitator;
pub mod logged;
pub mod logs;
pub mod prometheus;
mod protobuf;
pub mod proxy;
pub mod read;
pub mod request;
mod resource_metrics;
pub mod status;
pub mod subresources;
pub mod watch;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use self::request::{Query, Route, Target, representation, route, verb};
use self::status::{ApiError, json_response};
use crate::kinds;
use crate::server::DrillCluster;
use crate::sim::RequestRecord;

/// How many requests `/drill/v1/requests` remembers.
const REQUEST_LOG_LIMIT: usize = 20_000;

/// Marks a response to a request that changed nothing (a dry run).
#[derive(Clone, Copy)]
pub(crate) struct DryRun;

/// The apiVersion and kind of the request's body, for the request log.
#[derive(Clone)]
struct BodyKind(String);

pub fn router(cluster: Arc<DrillCluster>) -> Router {
    Router::new()
        .route(
            "/version",
            get(|State(c): State<Arc<DrillCluster>>| async move {
                let version = discovery::version(&c.lock().scenario.apiserver);
                json_response(200, version.to_string())
            }),
        )
        .route(
            "/api",
            get(|State(c): State<Arc<DrillCluster>>| async move {
                json_response(200, discovery::api_versions(&c.address).to_string())
            }),
        )
        .route(
            "/apis",
            get(|State(c): State<Arc<DrillCluster>>| async move {
                let server = c.lock().scenario.apiserver.clone();
                json_response(200, discovery::api_group_list(&server).to_string())
            }),
        )
        .route("/openapi/v2", get(openapi))
        .route("/swagger-2.0.0.pb-v1", get(openapi))
        .route(
            "/openapi/v3",
            get(|| async { json_response(200, crate::openapi::v3::documents().index.clone()) }),
        )
        .route("/openapi/v3/{*group_version}", get(openapi_v3))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .nest("/drill/v1", facilitator::routes())
        .fallback(kube)
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource: {method}"
            ))
        })
        .layer(middleware::from_fn_with_state(
            cluster.clone(),
            client_clock::kubernetes,
        ))
        .layer(middleware::from_fn_with_state(cluster.clone(), logged::kubernetes))
        .layer(middleware::from_fn_with_state(cluster.clone(), record))
        .with_state(cluster)
}

async fn openapi(State(c): State<Arc<DrillCluster>>) -> Response {
    let mut r = Response::new(axum::body::Body::from(c.openapi.clone()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    r
}

/// One group-version's OpenAPI v3 document (`api/v1`, `apis/apps/v1`), whatever hash is asked.
async fn openapi_v3(axum::extract::Path(group_version): axum::extract::Path<String>) -> Response {
    match crate::openapi::v3::documents().by_group_version.get(&group_version) {
        Some(document) => json_response(200, document.clone()),
        None => ApiError::new(404, "NotFound", format!("no OpenAPI v3 document for {group_version}")).into_response(),
    }
}

/// Answers a request on a thread of the blocking pool rather than a runtime worker. Prometheus,
/// Alertmanager and the facilitator's answers read the monitoring stack under a lock the drill's
/// clock holds while it records a long stretch of virtual time; a worker waiting on that lock
/// stops the runtime's timers, I/O and signals, which in `warroom drill` are the console's too
/// (two waiting workers froze a console, deaf to SIGTERM). The blocking pool grows instead.
pub(crate) async fn off_workers(req: Request, next: Next) -> Response {
    let runtime = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || runtime.block_on(next.run(req))).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "a drill request's handler failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the drill failed to answer\n",
            )
                .into_response()
        }
    }
}

/// Records every request with its outcome, for drills and tests to audit.
async fn record(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let response = next.run(req).await;
    let dry_run = response.extensions().get::<DryRun>().is_some();
    let body = response.extensions().get::<BodyKind>().map(|b| b.0.clone());
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, %query, status, "request");
    if !path.starts_with("/drill/") {
        let mut sim = c.lock();
        // The log keeps the most recent requests; a long drill must not grow it without end.
        if sim.requests.len() >= REQUEST_LOG_LIMIT {
            sim.requests.drain(..REQUEST_LOG_LIMIT / 10);
        }
        sim.requests.push(RequestRecord {
            method,
            path,
            query,
            user_agent,
            status,
            dry_run,
            body,
        });
    }
    response
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string()
}

fn object_response(code: u16, json: Bytes) -> Response {
    json_response(code, json)
}

async fn kube(
    State(c): State<Arc<DrillCluster>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match serve(c, method, uri, headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn serve(
    c: Arc<DrillCluster>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query = Query::parse(uri.query());
    let ct = content_type(&headers);
    let mut target = match route(uri.path())? {
        Route::GroupVersion(g, v) if method == Method::GET => {
            let server = c.lock().scenario.apiserver.clone();
            let list = discovery::resource_list(&g, &v, &server)
                .ok_or_else(|| ApiError::new(404, "NotFound", "the server could not find the requested resource"))?;
            return Ok(json_response(200, list.to_string()));
        }
        Route::Group(g) if method == Method::GET => {
            let server = c.lock().scenario.apiserver.clone();
            let group = discovery::api_group(&g, &server)
                .ok_or_else(|| ApiError::new(404, "NotFound", "the server could not find the requested resource"))?;
            return Ok(json_response(200, group.to_string()));
        }
        Route::AccessReview if method == Method::POST => {
            let review = write::parse_body(&body, &ct)?;
            let answer = auth::access_review(&c.lock(), review)?;
            return Ok(json_response(201, answer.to_string()));
        }
        Route::SelfReview if method == Method::POST => {
            if !c.lock().scenario.apiserver.self_subject_review() {
                return Err(ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ));
            }
            let review = write::parse_body(&body, &ct)?;
            let answer = auth::self_review(&c.lock(), review)?;
            return Ok(json_response(201, answer.to_string()));
        }
        Route::RulesReview if method == Method::POST => {
            let review = write::parse_body(&body, &ct)?;
            let answer = auth::rules_review(&c.lock(), review)?;
            return Ok(json_response(201, answer.to_string()));
        }
        Route::ServiceProxy(to) => return proxy::serve(c, method, &uri, &headers, body, to).await,
        Route::ResourceMetrics(to) if method == Method::GET => {
            let answer = resource_metrics::serve(&c.lock(), &to, &query)?;
            return Ok(json_response(200, answer.to_string()));
        }
        Route::Resource(t) => t,
        _ => {
            return Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource: {method}"
            )));
        }
    };
    let repr = representation(&headers);
    let v = verb(&method, &target, &query);
    // autoscaling/v1 is served from the v2 objects the store keeps, converted at this boundary.
    let v1 = target.kind == kinds::AUTOSCALERS_V1;
    if v1 {
        if target.subresource.is_some() || !kinds::AUTOSCALERS_V1.verbs.contains(&v) {
            return Err(ApiError::method_not_allowed(format!(
                "{v} on horizontalpodautoscalers is served at autoscaling/v2, the preferred version; autoscaling/v1 serves {}",
                kinds::AUTOSCALERS_V1.verbs.join(", ")
            )));
        }
        target.kind = kinds::AUTOSCALERS;
    }
    let shown = |b: Bytes| if v1 { autoscaling_v1::shown(b) } else { b };
    if v == "watch" {
        {
            let mut sim = c.lock();
            sim.sync();
            auth::forbid(
                &sim,
                v,
                target.kind.group,
                target.kind.plural,
                None,
                None,
                target.namespace.as_deref().unwrap_or(""),
            )?;
        }
        return watch::watch(c.clone(), target, query, repr);
    }
    let mut sim = c.lock();
    sim.sync();
    let ns = target.namespace.clone().unwrap_or_default();
    auth::forbid(
        &sim,
        v,
        target.kind.group,
        target.kind.plural,
        target.subresource.as_deref(),
        target.name.as_deref(),
        &ns,
    )?;
    let Target { name, subresource, .. } = target.clone();
    let mut dry_run = query.dry_run();
    let response = match (&method, name.as_deref(), subresource.as_deref()) {
        (&Method::GET, None, None) => object_response(200, shown(read::list(&sim, &target, repr, &query)?)),
        (&Method::GET, Some(n), None | Some("status")) => {
            object_response(200, shown(read::get(&sim, &target, n, repr, &query)?))
        }
        (&Method::GET, Some(n), Some("log")) if target.kind.kind == "Pod" => {
            if query.flag("follow") {
                drop(sim);
                return logs::follow(c.clone(), ns, n.to_string(), query);
            }
            logs::pod_log(&sim, &ns, n, &query)?
        }
        (_, Some(n), Some("scale")) => {
            let s = subresources::scale(&mut sim, &target, n, &method, &body, &ct, &query)?;
            json_response(200, s.to_string())
        }
        (&Method::POST, None, None) => {
            let mut v = write::parse_body(&body, &ct)?;
            if v1 {
                v = autoscaling_v1::to_v2(v);
            }
            let created = write::create(&mut sim, &target, v, dry_run)?;
            object_response(201, shown(created.json.clone()))
        }
        (&Method::POST, Some(n), Some("eviction")) if target.kind.kind == "Pod" => {
            let kind = BodyKind(subresources::body_kind(&body, &ct));
            let mut r = match subresources::evict(&mut sim, &target, n, &body, &ct, &query) {
                Ok((status, evict_dry_run)) => {
                    dry_run |= evict_dry_run;
                    json_response(201, status.to_string())
                }
                Err(e) => e.into_response(),
            };
            r.extensions_mut().insert(kind);
            r
        }
        (&Method::PUT, Some(n), None | Some("status")) => {
            let v = write::parse_body(&body, &ct)?;
            let stored = write::replace(&mut sim, &target, n, v, dry_run)?;
            object_response(200, stored.json.clone())
        }
        (&Method::PATCH, Some(n), None | Some("status")) => {
            let (code, stored) = write::patch(&mut sim, &target, n, &ct, &body, &query)?;
            object_response(code, stored.json.clone())
        }
        (&Method::DELETE, Some(n), None) => {
            let opts = write::delete_options(&body, &ct, &query)?;
            dry_run |= opts.dry_run;
            let gone = write::delete(&mut sim, &target, n, &opts)?;
            object_response(200, shown(gone.json.clone()))
        }
        (&Method::DELETE, None, None) => {
            let opts = write::delete_options(&body, &ct, &query)?;
            dry_run |= opts.dry_run;
            let keep = read::filter(&target, &query)?;
            let names: Vec<String> = sim
                .store
                .iter(&target.kind, target.namespace.as_deref())
                .filter(|o| keep(o))
                .map(|o| o.name.to_string())
                .collect();
            let mut items = Vec::new();
            for n in names {
                let gone = write::delete(&mut sim, &target, &n, &opts)?;
                items.push(gone.value());
            }
            let list = serde_json::json!({"kind": target.kind.list_kind(), "apiVersion": target.kind.api_version(),
                                          "metadata": {"resourceVersion": sim.store.resource_version().to_string()}, "items": items});
            json_response(200, list.to_string())
        }
        (_, Some(n), Some(sub)) if target.kind.kind == "Pod" && subresources::CONTAINER_SUBRESOURCES.contains(&sub) => {
            return Err(subresources::no_containers(n, sub));
        }
        (_, Some(_), Some(sub)) if !matches!(sub, "status" | "scale" | "eviction" | "log") => {
            return Err(ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ));
        }
        _ => {
            return Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource: {method}"
            )));
        }
    };
    drop(sim);
    let mut response = response;
    if dry_run {
        response.extensions_mut().insert(DryRun);
    }
    Ok(response)
}
