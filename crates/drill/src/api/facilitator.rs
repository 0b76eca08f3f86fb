//! `/drill/v1`: controls for the facilitator and for tests: the virtual clock (pause, resume,
//! speed, advance, and seek in a replay), the scenario's faults (listed, or played now), the request log, connection drops and log compaction to rehearse what a
//! flaky apiserver does to clients, and the metrics history as OpenMetrics (for `promtool tsdb
//! create-blocks-from openmetrics`, so a real Prometheus can hold what the drill's does).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::scenario::quantity::Duration;
use crate::server::DrillCluster;
use crate::sim::format_time;

pub fn routes() -> Router<Arc<DrillCluster>> {
    Router::new()
        .route("/clock", get(clock).post(set_clock))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/disconnect", post(disconnect))
        .route("/compact", post(compact))
        .route("/scenario", get(scenario))
        .route("/churn", get(churn_log).post(churn))
        .route("/history", get(history))
        .route("/faults", get(faults).post(inject))
        .layer(axum::middleware::from_fn(super::off_workers))
}

/// `GET /drill/v1/faults`: the scenario's faults (injected ones too), numbered from 1, each
/// with its time into the drill and whether it was played.
async fn faults(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    let sim = c.lock();
    let list: Vec<Value> = sim
        .scenario
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "fault": i + 1,
                "at": f.get().at.to_string(),
                "note": f.get().note,
                "played": sim.played.contains(&i),
            })
        })
        .collect();
    Json(json!({ "faults": list }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Inject {
    /// The scenario's fault with this number (from 1), now.
    fault: Option<usize>,
    /// A fault the scenario does not script, in the scenario's form (its `at` is ignored).
    #[serde(rename = "adHoc")]
    ad_hoc: Option<Value>,
}

/// `POST /drill/v1/faults` with `{"fault": N}` or `{"adHoc": {...}}`: plays it now.
async fn inject(
    State(c): State<Arc<DrillCluster>>,
    Json(body): Json<Inject>,
) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    let bad = |m: String| (axum::http::StatusCode::BAD_REQUEST, m);
    let which = match (body.fault, body.ad_hoc) {
        (Some(n), None) if n >= 1 => crate::control::faults::Injection::Scripted(n - 1),
        (None, Some(mut f)) => {
            if let Some(o) = f.as_object_mut() {
                o.entry("at").or_insert(json!("0s"));
            }
            crate::control::faults::Injection::AdHoc(Box::new(
                serde_json::from_value(f).map_err(|e| bad(format!("adHoc: {e}")))?,
            ))
        }
        _ => {
            return Err(bad(
                "give either \"fault\" (a number from 1) or \"adHoc\" (a fault)".into()
            ));
        }
    };
    let mut sim = c.lock();
    let index = sim.inject(which).map_err(bad)?;
    Ok(Json(
        json!({ "fault": index + 1, "note": sim.scenario.faults[index].get().note }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Span {
    /// Unix seconds; the whole history when absent.
    start: Option<f64>,
    end: Option<f64>,
    /// Only these metric families, comma-separated (e.g. `http_requests,http_request_duration_seconds`).
    families: Option<String>,
}

/// `GET /drill/v1/history?start=&end=&families=`: every sample between the two (Unix
/// seconds), of the families named (all when none are), as OpenMetrics text with timestamps.
async fn history(State(c): State<Arc<DrillCluster>>, Query(span): Query<Span>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let ms = |s: Option<f64>, default: i64| s.map_or(default, |s| (s * 1000.0) as i64);
    let mut out = Vec::new();
    let written = {
        let (m, _) = c.monitoring();
        let named: Option<Vec<&str>> = span.families.as_deref().map(|f| f.split(',').map(str::trim).collect());
        crate::metrics::write_openmetrics_of(
            &m.signals.store,
            &mut out,
            ms(span.start, i64::MIN),
            ms(span.end, i64::MAX),
            |family| named.as_ref().is_none_or(|n| n.contains(&family)),
        )
    };
    match written {
        Ok(()) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            out,
        )
            .into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn clock_state(c: &DrillCluster) -> Value {
    let mut sim = c.lock();
    sim.sync();
    // A replay the players branched: when (virtual time, ms) and what they changed first.
    let branched = sim
        .replay
        .as_ref()
        .and_then(|r| r.branched.as_ref())
        .map(|b| json!({ "atMs": b.at.as_millisecond(), "object": b.object }));
    json!({
        "now": format_time(sim.now),
        // To the millisecond, for whoever keeps time by the drill (a flight recorder).
        "nowMs": sim.now.as_millisecond(),
        "start": format_time(sim.start),
        "startMs": sim.start.as_millisecond(),
        "elapsedSeconds": sim.now.duration_since(sim.start).as_secs(),
        "speed": sim.clock.speed(),
        "paused": sim.clock.paused(),
        "resourceVersion": sim.store.resource_version(),
        // How many of the scenario's faults have played: a console that keeps the scenario
        // reads it again when this changes (an injected fault changes the scenario).
        "faultsPlayed": sim.played.len(),
        "branched": branched,
    })
}

async fn clock(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    Json(clock_state(&c))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    pause: Option<bool>,
    speed: Option<f64>,
    /// A duration such as `30s` or `5m`.
    advance: Option<String>,
    /// A replay only: a time (RFC 3339), or how far into the recording (`5m`).
    seek: Option<String>,
}

async fn set_clock(
    State(c): State<Arc<DrillCluster>>,
    Query(change): Query<ClockChange>,
) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    let bad = |m: String| (axum::http::StatusCode::BAD_REQUEST, m);
    // A change of pace waits for a write being applied, and tells the drill log.
    let _turn = c.writing.lock().await;
    {
        let mut sim = c.lock();
        sim.set_pace(change.pause, change.speed).map_err(bad)?;
        if let Some(to) = change.seek {
            let at = match to.parse::<jiff::Timestamp>() {
                Ok(t) => t,
                Err(_) => {
                    let d = Duration::parse(&to).map_err(|e| bad(format!("seek: {e} (or an RFC 3339 time)")))?;
                    sim.start.checked_add(d.signed()).map_err(|e| bad(e.to_string()))?
                }
            };
            // Where the seek left from is where a resumed replay seeks again.
            sim.sync();
            let from = sim.now;
            sim.replay_seek(at).map_err(bad)?;
            c.log(&crate::drill_log::Line::Seek { at: from, to: at });
        }
        if let Some(a) = change.advance {
            let d = Duration::parse(&a).map_err(bad)?;
            sim.clock.advance(d.signed());
            sim.sync();
        }
    }
    c.note_reached(true);
    Ok(Json(clock_state(&c)))
}

async fn requests(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    Json(json!(c.lock().requests))
}

async fn clear_requests(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    c.lock().requests.clear();
    Json(json!({"cleared": true}))
}

async fn disconnect(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    c.disconnect.send_modify(|n| *n += 1);
    Json(json!({"dropped": true}))
}

async fn compact(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    let mut sim = c.lock();
    sim.store.compact();
    Json(json!({"compactedThrough": sim.store.resource_version()}))
}

/// `GET /drill/v1/scenario`: what a console joining the drill needs: the scenario as it is
/// played now (injected faults among its faults; `yaml`, in the scenario file's form), where
/// the drill's Prometheus and Alertmanager listen, and the drill log's file name.
async fn scenario(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    let log = c
        .log_path()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let sim = c.lock();
    let yaml = serde_saphyr::to_string(&sim.scenario).unwrap_or_default();
    Json(json!({
        "name": sim.scenario.name,
        "title": sim.scenario.title,
        "description": sim.scenario.description,
        "yaml": yaml,
        "prometheus": c.prometheus_url,
        "alertmanager": c.alertmanager_url,
        "log": log,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChurnRequest {
    /// Pod updates per second.
    rate: u32,
    seconds: u32,
}

/// Load for benchmarks: bumps the restart count of `rate` pods a second (cycling through the
/// pods in key order) for `seconds` of wall time, recording when each write committed. Writes
/// are paced by the clock, not by timer ticks, so a slow tick catches up instead of lowering
/// the rate; what was delivered is in the log.
async fn churn(
    State(c): State<Arc<DrillCluster>>,
    Query(req): Query<ChurnRequest>,
) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    if req.rate == 0 || req.rate > 100_000 || req.seconds == 0 || req.seconds > 3600 {
        return Err((
            axum::http::StatusCode::BAD_REQUEST,
            "rate must be 1..=100000 and seconds 1..=3600".into(),
        ));
    }
    let pods: Vec<(String, String)> = {
        let sim = c.lock();
        sim.store
            .iter(&crate::kinds::PODS, None)
            .map(|p| (p.namespace.to_string(), p.name.to_string()))
            .collect()
    };
    if pods.is_empty() {
        return Err((axum::http::StatusCode::CONFLICT, "there are no pods to update".into()));
    }
    c.churn_log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let count = pods.len();
    let cluster = c.clone();
    // A thread of its own, as a client's writes are: a task on a request worker that is always
    // due again never yields it, and the watches it wakes wait behind it for seconds.
    tokio::task::spawn_blocking(move || {
        let start = std::time::Instant::now();
        let length = std::time::Duration::from_secs(u64::from(req.seconds));
        let mut next = 0usize;
        while start.elapsed() < length {
            std::thread::sleep(std::time::Duration::from_millis(10));
            let due = (start.elapsed().min(length).as_secs_f64() * f64::from(req.rate)) as usize;
            let now_due = due.saturating_sub(next);
            let mut written = Vec::with_capacity(now_due);
            for _ in 0..now_due {
                let (ns, name) = &pods[next % pods.len()];
                next += 1;
                let mut restarts = 0;
                // One write a lock hold, as API clients write: watches interleave with the load.
                let done = cluster.lock().modify(crate::kinds::PODS, ns, name, |p| {
                    let cs = crate::control::kubelet::container_status(p);
                    restarts = cs["restartCount"].as_i64().unwrap_or(0) + 1;
                    cs["restartCount"] = json!(restarts);
                });
                if done.is_some() {
                    let at = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos() as u64)
                        .unwrap_or(0);
                    written.push((ns.clone(), name.clone(), restarts, at));
                }
            }
            cluster
                .churn_log
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(written);
        }
    });
    Ok(Json(json!({"started": true, "pods": count})))
}

async fn churn_log(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    let log = c.churn_log.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!(
        log.iter()
            .map(|(ns, n, r, at)| json!([ns, n, r, at]))
            .collect::<Vec<_>>()
    ))
}
