//! The drill's Prometheus: `/metrics` (text exposition of the latest samples, for a real
//! Prometheus to scrape) and the HTTP API (`query`, `query_range`, `series`, `labels`, label
//! values, `rules`, `alerts`), GET or POST form bodies, with Prometheus' envelopes and error
//! bodies. Handlers translate HTTP to calls on the monitoring stack; "now" is virtual time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::metrics::promql::{MAX_POINTS_PER_SERIES, Query, QueryError, QueryOptions, parse_selector};
use crate::metrics::{ExpositionOptions, Labels, Matcher, write_text_exposition};
use crate::server::DrillCluster;

type Shared = State<Arc<DrillCluster>>;

pub fn router(cluster: Arc<DrillCluster>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/api/v1/query", get(query).post(query))
        .route("/api/v1/query_range", get(query_range).post(query_range))
        .route("/api/v1/series", get(series).post(series))
        .route("/api/v1/labels", get(labels).post(labels))
        .route("/api/v1/label/{name}/values", get(label_values))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/alerts", get(alerts))
        .route("/-/healthy", get(|| async { "Prometheus Server is Healthy.\n" }))
        .route("/-/ready", get(|| async { "Prometheus Server is Ready.\n" }))
        .layer(axum::middleware::from_fn(super::off_workers))
        .with_state(cluster)
}

/// A request's parameters: the URL query, then a form body (as Go's `r.Form`).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(query: Option<String>, body: &[u8]) -> Params {
        let mut v: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        v.extend(form_urlencoded::parse(body).into_owned());
        Params(v)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn envelope(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn success(data: Value) -> Response {
    envelope(StatusCode::OK, json!({"status": "success", "data": data}))
}

fn error(e: &QueryError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    envelope(
        status,
        json!({"status": "error", "errorType": e.error_type(), "error": e.to_string()}),
    )
}

fn bad(message: String) -> QueryError {
    QueryError::BadData(message)
}

/// Prometheus' `parseTime`: seconds since the epoch (fractions allowed) or RFC 3339.
fn parse_time(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs.abs() < 9.2e15).then(|| (secs * 1000.0).round() as i64);
    }
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

/// Prometheus' `parseDuration`: seconds (fractions allowed) or `1h30m`-style units.
fn parse_duration(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs.abs() < 9.2e12).then(|| (secs * 1000.0).round() as i64);
    }
    let mut total: i64 = 0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let units: [(&str, i64); 7] = [
            ("ms", 1),
            ("s", 1_000),
            ("m", 60_000),
            ("h", 3_600_000),
            ("d", 86_400_000),
            ("w", 604_800_000),
            ("y", 31_536_000_000),
        ];
        let (unit, ms) = units.iter().find(|(u, _)| rest.starts_with(u))?;
        total = total.checked_add(n.checked_mul(*ms)?)?;
        rest = &rest[unit.len()..];
    }
    Some(total)
}

fn time_param(p: &Params, name: &str, default: i64) -> Result<i64, QueryError> {
    match p.get(name) {
        None | Some("") => Ok(default),
        Some(s) => parse_time(s).ok_or_else(|| {
            bad(format!(
                "invalid parameter \"{name}\": cannot parse \"{s}\" to a valid timestamp"
            ))
        }),
    }
}

/// Prometheus' `-query.timeout` default, which also caps a request's own `timeout`.
const QUERY_TIMEOUT: Duration = Duration::from_secs(120);

/// A query's `timeout` parameter, at most `QUERY_TIMEOUT` (its default).
fn timeout(p: &Params) -> Result<Duration, QueryError> {
    match p.get("timeout") {
        None | Some("") => Ok(QUERY_TIMEOUT),
        Some(s) => match parse_duration(s) {
            Some(ms) if ms > 0 => Ok(Duration::from_millis(ms.unsigned_abs()).min(QUERY_TIMEOUT)),
            _ => Err(bad(format!(
                "invalid parameter \"timeout\": cannot parse \"{s}\" to a valid duration"
            ))),
        },
    }
}

/// A query whose timeout passed while it waited for the monitoring stack (the clock catching
/// up, the queries before it) is not run: its client has given up, and running it would only
/// hold up the queries behind it (a console polling a fast drill on a slow machine then saw
/// every query time out).
fn still_wanted(arrived: Instant, timeout: Duration) -> Result<(), QueryError> {
    if arrived.elapsed() > timeout {
        return Err(QueryError::Timeout("query queue"));
    }
    Ok(())
}

fn parse_query(p: &Params) -> Result<Query, QueryError> {
    Query::parse(p.get("query").unwrap_or("")).map_err(|e| match e {
        QueryError::BadData(m) => bad(format!("invalid parameter \"query\": {m}")),
        other => other,
    })
}

async fn metrics(State(c): Shared) -> Response {
    let (m, now) = c.monitoring();
    let mut out = Vec::new();
    let opts = ExpositionOptions {
        at_ms: now,
        max_age_ms: QueryOptions::default().lookback_delta_ms,
        timestamps: false,
    };
    if let Err(e) = write_text_exposition(&m.signals.store, &mut out, &opts) {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}

async fn query(State(c): Shared, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let p = Params::new(q, &body);
    let arrived = Instant::now();
    let run = || -> Result<Value, QueryError> {
        let (m, now) = c.monitoring();
        let t = match p.get("time") {
            None | Some("") => now,
            Some(s) => parse_time(s).ok_or_else(|| {
                bad(format!(
                    "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"{s}\" to a valid timestamp"
                ))
            })?,
        };
        still_wanted(arrived, timeout(&p)?)?;
        let query = parse_query(&p)?;
        let value = query.instant(&m.signals.store, t, &QueryOptions::default())?;
        serde_json::to_value(value).map_err(|e| QueryError::Execution(e.to_string()))
    };
    match run() {
        Ok(data) => success(data),
        Err(e) => error(&e),
    }
}

async fn query_range(State(c): Shared, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let p = Params::new(q, &body);
    let arrived = Instant::now();
    let run = || -> Result<Value, QueryError> {
        let required = |name: &str| -> Result<i64, QueryError> {
            let s = p.get(name).unwrap_or("");
            parse_time(s).ok_or_else(|| {
                bad(format!(
                    "invalid parameter \"{name}\": cannot parse \"{s}\" to a valid timestamp"
                ))
            })
        };
        let start = required("start")?;
        let end = required("end")?;
        if end < start {
            return Err(bad(
                "invalid parameter \"end\": end timestamp must not be before start time".into(),
            ));
        }
        let step_s = p.get("step").unwrap_or("");
        let step = parse_duration(step_s).ok_or_else(|| {
            bad(format!(
                "invalid parameter \"step\": cannot parse \"{step_s}\" to a valid duration"
            ))
        })?;
        if step <= 0 {
            return Err(bad("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".into()));
        }
        if (end - start) / step > MAX_POINTS_PER_SERIES {
            return Err(bad("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into()));
        }
        let within = timeout(&p)?;
        let query = parse_query(&p)?;
        let (m, _) = c.monitoring();
        still_wanted(arrived, within)?;
        let value = query.range(&m.signals.store, start, end, step, &QueryOptions::default())?;
        serde_json::to_value(value).map_err(|e| QueryError::Execution(e.to_string()))
    };
    match run() {
        Ok(data) => success(data),
        Err(e) => error(&e),
    }
}

/// The `match[]` selectors.
fn selectors(p: &Params) -> Result<Vec<Vec<Matcher>>, QueryError> {
    p.all("match[]")
        .into_iter()
        .map(|s| {
            parse_selector(s).map_err(|e| match e {
                QueryError::BadData(m) => bad(format!("invalid parameter \"match[]\": {m}")),
                other => other,
            })
        })
        .collect()
}

/// Label sets of the series matching any selector with samples in `[start, end]`, sorted.
fn matching(c: &DrillCluster, p: &Params) -> Result<Vec<Labels>, QueryError> {
    let sets = selectors(p)?;
    let start = time_param(p, "start", i64::MIN)?;
    let end = time_param(p, "end", i64::MAX)?;
    let (m, _) = c.monitoring();
    let store = &m.signals.store;
    let mut out: Vec<Labels> = Vec::new();
    for matchers in sets {
        for id in store.matching(&matchers) {
            if let Some(s) = store.get(id)
                && s.samples.range(start, end).next().is_some()
            {
                out.push(s.labels.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn series(State(c): Shared, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let p = Params::new(q, &body);
    if p.all("match[]").is_empty() {
        return error(&bad("no match[] parameter provided".into()));
    }
    match matching(&c, &p) {
        Ok(sets) => success(json!(sets)),
        Err(e) => error(&e),
    }
}

async fn labels(State(c): Shared, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let p = Params::new(q, &body);
    let names = if p.all("match[]").is_empty() {
        c.monitoring().0.signals.store.label_names()
    } else {
        match matching(&c, &p) {
            Ok(sets) => {
                let mut names: Vec<String> = sets.iter().flat_map(|l| l.iter().map(|(n, _)| n.to_string())).collect();
                names.sort();
                names.dedup();
                names
            }
            Err(e) => return error(&e),
        }
    };
    success(json!(names))
}

async fn label_values(State(c): Shared, Path(name): Path<String>, RawQuery(q): RawQuery) -> Response {
    if !crate::metrics::labels::is_valid_label_name(&name) {
        return error(&bad(format!("invalid label name: {name:?}")));
    }
    let p = Params::new(q, &[]);
    let values = if p.all("match[]").is_empty() {
        c.monitoring().0.signals.store.label_values(&name)
    } else {
        match matching(&c, &p) {
            Ok(sets) => {
                let mut v: Vec<String> = sets.iter().filter_map(|l| l.get(&name).map(str::to_string)).collect();
                v.sort();
                v.dedup();
                v
            }
            Err(e) => return error(&e),
        }
    };
    success(json!(values))
}

async fn rules(State(c): Shared, RawQuery(q): RawQuery) -> Response {
    let p = Params::new(q, &[]);
    let kind = p.get("type").filter(|t| !t.is_empty());
    if let Some(t) = kind
        && t != "alert"
        && t != "record"
    {
        return error(&bad(format!("unsupported type {t:?}")));
    }
    success(c.monitoring().0.rules.api_rules(kind))
}

async fn alerts(State(c): Shared) -> Response {
    success(c.monitoring().0.rules.api_alerts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_parse_as_prometheus_does() {
        assert_eq!(parse_time("1700000000.5"), Some(1_700_000_000_500));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(parse_time("abc"), None);
        assert_eq!(parse_duration("15s"), Some(15_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("0.5"), Some(500));
        assert_eq!(parse_duration("1ns"), None);
        assert_eq!(parse_duration("m"), None);
    }
}
