//! The drill's Alertmanager API (v2 subset): alerts with their active or suppressed state,
//! silences (list, create or update, expire), injected alerts for a facilitator, and a
//! minimal status. Status codes and bodies follow Alertmanager 0.25, errors included.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::metrics::Matcher;
use crate::metrics::alertmanager::{AmAlert, AmError, PostableAlert, PostableSilence, Silence};
use crate::server::DrillCluster;

type Shared = State<Arc<DrillCluster>>;

/// The one receiver the drill's Alertmanager routes to.
const RECEIVER: &str = "drill";

pub fn router(cluster: Arc<DrillCluster>) -> Router {
    Router::new()
        .route("/api/v2/alerts", get(list_alerts).post(post_alerts))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route("/api/v2/silence/{id}", delete(delete_silence).get(get_silence))
        .route("/api/v2/status", get(status))
        .route("/-/healthy", get(|| async { "OK" }))
        .route("/-/ready", get(|| async { "OK" }))
        .layer(axum::middleware::from_fn_with_state(
            cluster.clone(),
            super::logged::alertmanager,
        ))
        // Before the log: the drill log keeps a write's times on the drill's clock.
        .layer(axum::middleware::from_fn_with_state(
            cluster.clone(),
            super::client_clock::alertmanager,
        ))
        .layer(axum::middleware::from_fn(super::off_workers))
        .with_state(cluster)
}

fn json_body(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn am_error(e: AmError, not_found: StatusCode) -> Response {
    match e {
        AmError::Validation(code, message) => json_body(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"code": code, "message": message}),
        ),
        AmError::BadRequest(m) => json_body(StatusCode::BAD_REQUEST, json!(m)),
        AmError::NotFound(m) => json_body(not_found, json!(m)),
    }
}

fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn now_of(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The URL query's pairs.
fn params(q: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// A `filter` matcher: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`.
fn parse_filter(s: &str) -> Result<Matcher, String> {
    let s = s.trim().trim_start_matches('{').trim_end_matches('}');
    let i = s.find(['=', '!']).ok_or_else(|| format!("bad matcher format: {s}"))?;
    let name = s[..i].trim();
    let rest = &s[i..];
    let (op, value) = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
        .ok_or_else(|| format!("bad matcher format: {s}"))?;
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if !crate::metrics::labels::is_valid_label_name(name) {
        return Err(format!("bad matcher format: {s}"));
    }
    match op {
        "=" => Ok(Matcher::equal(name, value)),
        "!=" => Ok(Matcher::not_equal(name, value)),
        "=~" => Matcher::regex(name, value),
        _ => Matcher::not_regex(name, value),
    }
}

/// The `filter` matchers; a bad one is a 400 with the message as a JSON string.
fn filters(pairs: &[(String, String)]) -> Result<Vec<Matcher>, String> {
    pairs
        .iter()
        .filter(|(n, _)| n == "filter")
        .map(|(_, v)| parse_filter(v))
        .collect()
}

fn matches(filters: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    filters
        .iter()
        .all(|m| m.matches(labels.get(&m.name).map_or("", String::as_str)))
}

fn flag(pairs: &[(String, String)], name: &str) -> bool {
    pairs.iter().find(|(n, _)| n == name).is_none_or(|(_, v)| v != "false")
}

fn alert_json(fp: &str, a: &AmAlert, silenced_by: &[&str]) -> Value {
    let mut v = json!({
        "annotations": a.annotations,
        "endsAt": time(a.ends_at),
        "fingerprint": fp,
        "receivers": [{"name": RECEIVER}],
        "startsAt": time(a.starts_at),
        "status": {
            "inhibitedBy": [],
            "silencedBy": silenced_by,
            "state": if silenced_by.is_empty() { "active" } else { "suppressed" },
        },
        "updatedAt": time(a.updated_at),
        "labels": a.labels,
    });
    if !a.generator_url.is_empty() {
        v["generatorURL"] = json!(a.generator_url);
    }
    v
}

async fn list_alerts(State(c): Shared, RawQuery(q): RawQuery) -> Response {
    let pairs = params(q);
    let filters = match filters(&pairs) {
        Ok(f) => f,
        Err(e) => return json_body(StatusCode::BAD_REQUEST, json!(e)),
    };
    let (active, silenced) = (flag(&pairs, "active"), flag(&pairs, "silenced"));
    let (m, now) = c.monitoring();
    let out: Vec<Value> = m
        .alertmanager
        .current(now_of(now))
        .into_iter()
        .filter(|(_, a, by)| matches(&filters, &a.labels) && if by.is_empty() { active } else { silenced })
        .map(|(fp, a, by)| alert_json(fp, a, &by))
        .collect();
    json_body(StatusCode::OK, json!(out))
}

async fn post_alerts(State(c): Shared, body: Bytes) -> Response {
    let alerts: Vec<PostableAlert> = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => {
            return json_body(
                StatusCode::BAD_REQUEST,
                json!({"code": 400, "message": format!("parsing alerts body from \"\" failed, because {e}")}),
            );
        }
    };
    let (mut m, now) = c.monitoring();
    match m.alertmanager.receive(alerts, now_of(now)) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => am_error(e, StatusCode::NOT_FOUND),
    }
}

fn silence_json(s: &Silence, now: Timestamp) -> Value {
    json!({
        "id": s.id,
        "status": {"state": s.state(now)},
        "updatedAt": time(s.updated_at),
        "comment": s.comment,
        "createdBy": s.created_by,
        "endsAt": time(s.ends_at),
        "matchers": s.matchers,
        "startsAt": time(s.starts_at),
    })
}

async fn list_silences(State(c): Shared, RawQuery(q): RawQuery) -> Response {
    let pairs = params(q);
    let filters = match filters(&pairs) {
        Ok(f) => f,
        Err(e) => return json_body(StatusCode::BAD_REQUEST, json!(e)),
    };
    let (m, now) = c.monitoring();
    let now = now_of(now);
    let out: Vec<Value> = m
        .alertmanager
        .silences
        .iter()
        .filter(|s| {
            // A filter keeps silences with an equal matcher for each filtered label.
            filters.iter().all(|f| {
                s.matchers
                    .iter()
                    .any(|sm| sm.name == f.name && !sm.is_regex && sm.is_equal && f.matches(&sm.value))
            })
        })
        .map(|s| silence_json(s, now))
        .collect();
    json_body(StatusCode::OK, json!(out))
}

async fn post_silence(State(c): Shared, body: Bytes) -> Response {
    let silence: PostableSilence = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return json_body(
                StatusCode::BAD_REQUEST,
                json!({"code": 400, "message": format!("parsing silence body from \"\" failed, because {e}")}),
            );
        }
    };
    let (mut m, now) = c.monitoring();
    match m.alertmanager.silence(silence, now_of(now)) {
        Ok(id) => json_body(StatusCode::OK, json!({"silenceID": id})),
        Err(e) => am_error(e, StatusCode::NOT_FOUND),
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn bad_id(id: &str) -> Response {
    json_body(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"code": 601, "message": format!("silenceID in path must be of type uuid: {id:?}")}),
    )
}

async fn delete_silence(State(c): Shared, Path(id): Path<String>) -> Response {
    if !is_uuid(&id) {
        return bad_id(&id);
    }
    let (mut m, now) = c.monitoring();
    match m.alertmanager.expire(&id, now_of(now)) {
        Ok(()) => StatusCode::OK.into_response(),
        // Alertmanager 0.25 answers an unknown id with 500 "silence not found" (measured).
        Err(e) => am_error(e, StatusCode::INTERNAL_SERVER_ERROR),
    }
}

async fn get_silence(State(c): Shared, Path(id): Path<String>) -> Response {
    if !is_uuid(&id) {
        return bad_id(&id);
    }
    let (m, now) = c.monitoring();
    match m.alertmanager.silences.iter().find(|s| s.id == id) {
        Some(s) => json_body(StatusCode::OK, silence_json(s, now_of(now))),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn status(State(c): Shared) -> Response {
    let (_m, now) = c.monitoring();
    json_body(
        StatusCode::OK,
        json!({
            "cluster": {"peers": [], "status": "disabled"},
            "config": {"original": format!("route:\n  receiver: {RECEIVER}\nreceivers:\n- name: {RECEIVER}\n")},
            "uptime": time(now_of(now)),
            "versionInfo": {"version": "warroom-drill", "branch": "", "buildDate": "", "buildUser": "", "goVersion": "", "revision": ""},
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let m = parse_filter("severity=\"page\"").expect("filter");
        assert!(m.matches("page") && !m.matches("x"));
        let m = parse_filter("alertname=~\"Kube.*\"").expect("filter");
        assert!(m.matches("KubeNodeNotReady"));
        assert!(parse_filter("nonsense").is_err());
        assert!(is_uuid("a05e4b2c-30c7-4e17-95ed-cc341e495e52"));
        assert!(!is_uuid("nope"));
    }
}
