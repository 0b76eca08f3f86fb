//! `/drill/v1`: controls for the facilitator and for tests: the virtual clock (pause, resume,
//! speed, advance), the request log, and connection drops and log compaction to rehearse
//! what a flaky apiserver does to clients.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::drill::scenario::quantity::Duration;
use crate::drill::server::DrillCluster;
use crate::drill::sim::format_time;

pub fn routes() -> Router<Arc<DrillCluster>> {
    Router::new()
        .route("/clock", get(clock).post(set_clock))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/disconnect", post(disconnect))
        .route("/compact", post(compact))
        .route("/scenario", get(scenario))
}

fn clock_state(c: &DrillCluster) -> Value {
    let mut sim = c.lock();
    sim.sync();
    json!({
        "now": format_time(sim.now),
        "start": format_time(sim.start),
        "elapsedSeconds": sim.now.duration_since(sim.start).as_secs(),
        "speed": sim.clock.speed(),
        "paused": sim.clock.paused(),
        "resourceVersion": sim.store.resource_version(),
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
}

async fn set_clock(
    State(c): State<Arc<DrillCluster>>,
    Query(change): Query<ClockChange>,
) -> Result<Json<Value>, (axum::http::StatusCode, String)> {
    let bad = |m: String| (axum::http::StatusCode::BAD_REQUEST, m);
    {
        let mut sim = c.lock();
        sim.sync();
        if let Some(s) = change.speed {
            if !(s.is_finite() && s >= 0.0) {
                return Err(bad(format!("speed must be a non-negative number, not {s}")));
            }
            sim.clock.set_speed(s);
        }
        match change.pause {
            Some(true) => sim.clock.pause(),
            Some(false) => sim.clock.resume(),
            None => {}
        }
        if let Some(a) = change.advance {
            let d = Duration::parse(&a).map_err(bad)?;
            sim.clock.advance(d.signed());
            sim.sync();
        }
    }
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

async fn scenario(State(c): State<Arc<DrillCluster>>) -> Json<Value> {
    let sim = c.lock();
    Json(json!({"name": sim.scenario.name, "title": sim.scenario.title, "description": sim.scenario.description}))
}
