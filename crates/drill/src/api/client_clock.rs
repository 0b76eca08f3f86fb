//! Times clients write, moved onto the drill's clock. A client stamps what it posts to the
//! Alertmanager (an alert's `startsAt`/`endsAt`, a silence's) with its own clock, which a drill
//! running fast, advanced, paused or replaying does not share: `amtool silence add --duration 1h`
//! sends "from now to an hour from now" by the wall clock. Each such time is moved by how far
//! the drill's clock is from the wall clock when the request arrives, so "now" means the drill's
//! now and an hour is an hour of the drill. A client already on the drill's clock (warroom's
//! console, a resumed drill's logged writes) says so with [`CLOCK_HEADER`]`: drill`, and its
//! times are kept as they are. The Go zero time (`0001-01-01T00:00:00Z`, amtool's "not given")
//! is left for the Alertmanager to read as absent.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::server::DrillCluster;

/// The request header by which a client says its times are on the drill's clock (`drill`).
pub const CLOCK_HEADER: &str = "x-warroom-clock";

/// The largest body rewritten (an Alertmanager batch of alerts).
const MAX_BODY: usize = 16 << 20;

/// Moves the times of an Alertmanager write from the client's clock to the drill's.
pub async fn alertmanager(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    let on_drill_clock = req
        .headers()
        .get(CLOCK_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"drill"));
    if on_drill_clock || req.method() != Method::POST {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            let ahead = c.lock().clock.now().duration_since(Timestamp::now());
            move_times(&mut v, ahead);
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Body::from(v.to_string())
        }
        // Not JSON: the handler answers as the Alertmanager does.
        Err(_) => Body::from(bytes),
    };
    parts.headers.insert(CLOCK_HEADER, HeaderValue::from_static("drill"));
    next.run(Request::from_parts(parts, body)).await
}

/// Moves every `startsAt` and `endsAt` in a silence or a list of alerts by `ahead`.
fn move_times(v: &mut Value, ahead: SignedDuration) {
    let objects: Vec<&mut Value> = match v {
        Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    };
    for o in objects {
        for key in ["startsAt", "endsAt"] {
            let Some(field) = o.get_mut(key) else { continue };
            let Some(t) = field.as_str().and_then(|s| s.parse::<Timestamp>().ok()) else {
                continue;
            };
            if is_go_zero(t) {
                continue;
            }
            if let Ok(moved) = t.checked_add(ahead) {
                *field = Value::String(moved.to_string());
            }
        }
    }
}

/// Go's zero time, which Go clients send for a time not given.
pub fn is_go_zero(t: Timestamp) -> bool {
    t.as_second() <= -62_135_596_800
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_move_by_the_drills_lead_and_the_zero_time_stays() {
        let mut silence =
            json!({"startsAt": "2026-12-07T10:00:00Z", "endsAt": "2026-12-07T11:00:00.5Z", "comment": "x"});
        move_times(&mut silence, SignedDuration::from_hours(2));
        assert_eq!(silence["startsAt"], "2026-12-07T12:00:00Z");
        assert_eq!(silence["endsAt"], "2026-12-07T13:00:00.5Z");
        let mut alerts = json!([
            {"labels": {"a": "b"}, "startsAt": "0001-01-01T00:00:00.000Z", "endsAt": "2026-12-07T11:00:00Z"},
            {"labels": {"a": "c"}, "startsAt": "not a time"}
        ]);
        move_times(&mut alerts, SignedDuration::from_hours(-1));
        assert_eq!(alerts[0]["startsAt"], "0001-01-01T00:00:00.000Z");
        assert_eq!(alerts[0]["endsAt"], "2026-12-07T10:00:00Z");
        assert_eq!(alerts[1]["startsAt"], "not a time");
    }
}
