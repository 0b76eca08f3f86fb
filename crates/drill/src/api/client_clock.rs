//! The drill's clock meeting its clients' clocks, which a drill running fast, advanced, paused
//! or replaying does not share.
//!
//! - **Writes**: a client stamps what it posts to the Alertmanager (an alert's
//!   `startsAt`/`endsAt`, a silence's) with its own clock: `amtool silence add --duration 1h`
//!   sends "from now to an hour from now" by the wall clock. Each such time is moved by how far
//!   the drill's clock is from the wall clock when the request arrives, so "now" means the
//!   drill's now and an hour is an hour of the drill.
//! - **Reads**: a client computes ages and expiries from what it reads with its own clock
//!   (`kubectl describe`'s event ages, `amtool silence query`'s "expired"). The times in what the
//!   Kubernetes API and the Alertmanager serve it are moved the other way, onto its clock, so
//!   that an event a drill minute old reads as a minute old.
//!
//! A client already on the drill's clock (warroom's console, a resumed drill's logged writes)
//! says so with [`CLOCK_HEADER`]`: drill`, and its times are kept as they are both ways. The Go
//! zero time (`0001-01-01T00:00:00Z`, amtool's "not given") is never moved.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::server::DrillCluster;

/// The request header by which a client says its times are on the drill's clock (`drill`).
pub const CLOCK_HEADER: &str = "x-warroom-clock";

/// The largest body rewritten (an Alertmanager batch of alerts).
const MAX_BODY: usize = 16 << 20;

/// Whether what a client reads is moved onto its clock: when the drill is ahead of it by more
/// than a second (an event a moment old would read as `<invalid>`), or behind it by more than a
/// minute. A drill that began when it was started is behind by as long as its cluster took to
/// build (seconds; longer at scale), which makes ages read that much older: too little to be
/// worth rewriting every list and watch for.
fn moves_reads(lead: SignedDuration) -> bool {
    lead > SignedDuration::from_secs(1) || lead < -SignedDuration::from_mins(1)
}

/// Whether the request says its times are on the drill's clock.
pub fn on_drill_clock(headers: &HeaderMap) -> bool {
    headers
        .get(CLOCK_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"drill"))
}

/// How far the drill's clock is ahead of the wall clock now (negative when behind).
fn lead(c: &DrillCluster) -> SignedDuration {
    c.lock().clock.now().duration_since(Timestamp::now())
}

/// Moves the times of an Alertmanager write from the client's clock to the drill's, and those
/// of what it reads onto the client's.
pub async fn alertmanager(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    if on_drill_clock(req.headers()) {
        return next.run(req).await;
    }
    if req.method() == Method::GET {
        let response = next.run(req).await;
        return served_on_clients_clock(&c, response).await;
    }
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            move_times(&mut v, lead(&c));
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
            if let Some(moved) = field.as_str().and_then(|t| moved_text(t, ahead)) {
                *field = Value::String(moved);
            }
        }
    }
}

/// Moves the times in what the Kubernetes API serves a client off the drill's clock onto the
/// client's: gets, lists and watches. A service proxy's answer is left to the API it reaches,
/// and the facilitator's (`/drill/v1`) is on the drill's clock by its nature.
pub async fn kubernetes(State(c): State<Arc<DrillCluster>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if on_drill_clock(req.headers())
        || req.method() != Method::GET
        || path.contains("/proxy/")
        || path.starts_with("/drill/")
    {
        return next.run(req).await;
    }
    let watching = path.contains("/watch/")
        || req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"));
    let response = next.run(req).await;
    if !watching {
        return served_on_clients_clock(&c, response).await;
    }
    if !is_json(response.headers()) {
        return response;
    }
    // A watch goes on while the drill's clock moves: each event is moved by the lead when it is sent.
    let (parts, body) = response.into_parts();
    let mut partial: Vec<u8> = Vec::new();
    let events = futures::StreamExt::map(body.into_data_stream(), move |chunk| {
        let chunk = chunk?;
        partial.extend_from_slice(&chunk);
        let Some(end) = partial.iter().rposition(|b| *b == b'\n') else {
            return Ok(axum::body::Bytes::new());
        };
        let lines: Vec<u8> = partial.drain(..=end).collect();
        let by = lead(&c);
        if !moves_reads(by) {
            return Ok(lines.into());
        }
        let mut out = Vec::with_capacity(lines.len());
        for line in lines.split_inclusive(|b| *b == b'\n') {
            match serde_json::from_slice::<Value>(line) {
                Ok(mut event) => {
                    move_served_times(&mut event, -by);
                    out.extend_from_slice(event.to_string().as_bytes());
                    out.push(b'\n');
                }
                Err(_) => out.extend_from_slice(line),
            }
        }
        Ok::<_, axum::Error>(out.into())
    });
    Response::from_parts(parts, Body::from_stream(events))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"))
}

/// `response`, its JSON body's times moved onto the client's clock when the drill's is off it.
async fn served_on_clients_clock(c: &DrillCluster, response: Response) -> Response {
    let by = lead(c);
    if !moves_reads(by) || !is_json(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    move_served_times(&mut v, -by);
    Response::from_parts(parts, Body::from(v.to_string()))
}

/// Fields whose values are the user's text, never moved: a label, an annotation (kubectl's own
/// `restartedAt` is stamped by its clock) or a ConfigMap's data may hold a time as written.
const USERS_TEXT: [&str; 5] = ["labels", "annotations", "data", "stringData", "binaryData"];

/// Whether a field of this name holds a time: Kubernetes' `creationTimestamp`,
/// `lastTransitionTime`, `startedAt`, `eventTime`, a managed field's `time`; the Alertmanager's
/// `startsAt`, `endsAt`, `updatedAt`.
fn names_a_time(key: &str) -> bool {
    key == "time" || key == "timestamp" || key.ends_with("Timestamp") || key.ends_with("Time") || key.ends_with("At")
}

/// Moves every time in a served document by `by`, kept in the precision it was written in
/// (Kubernetes' seconds, its events' microseconds).
fn move_served_times(v: &mut Value, by: SignedDuration) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| move_served_times(i, by)),
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                if USERS_TEXT.contains(&key.as_str()) {
                    continue;
                }
                match value {
                    Value::String(text) if names_a_time(key) => {
                        if let Some(moved) = moved_text(text, by) {
                            *text = moved;
                        }
                    }
                    _ => move_served_times(value, by),
                }
            }
        }
        _ => {}
    }
}

/// `text`, an RFC 3339 time, moved by `by` and written in UTC with as many fractional digits.
fn moved_text(text: &str, by: SignedDuration) -> Option<String> {
    let t: Timestamp = text.parse().ok()?;
    if is_go_zero(t) {
        return None;
    }
    let moved = t.checked_add(by).ok()?;
    let digits = text
        .split_once('.')
        .map_or(0, |(_, rest)| rest.bytes().take_while(u8::is_ascii_digit).count())
        .min(9);
    let mut out = moved.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if digits > 0 {
        let fraction = format!("{:09}", moved.subsec_nanosecond());
        out.push('.');
        out.push_str(&fraction[..digits]);
    }
    out.push('Z');
    Some(out)
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

    #[test]
    fn reads_are_moved_once_the_drill_is_ahead_or_well_behind() {
        let s = SignedDuration::from_secs;
        assert!(!moves_reads(s(0)) && !moves_reads(s(1)) && !moves_reads(s(-60)));
        assert!(moves_reads(s(2)) && moves_reads(s(-61)) && moves_reads(s(7200)));
    }

    #[test]
    fn served_times_move_in_their_precision_and_users_text_stays() {
        let mut event = json!({
            "type": "MODIFIED",
            "object": {
                "metadata": {
                    "creationTimestamp": "2026-12-07T12:00:00Z",
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-12-07T12:00:00Z"},
                    "labels": {"app": "checkout"},
                    "managedFields": [{"manager": "kubectl", "time": "2026-12-07T12:00:00Z"}]
                },
                "data": {"deployedAt": "2026-12-07T12:00:00Z"},
                "eventTime": "2026-12-07T12:00:00.250000Z",
                "firstTimestamp": null,
                "status": {"conditions": [{"type": "Ready", "lastTransitionTime": "2026-12-07T11:59:30Z", "message": "2026-12-07T12:00:00Z"}]},
                "startsAt": "0001-01-01T00:00:00Z",
                "updatedAt": "2026-12-07T12:00:00+01:00"
            }
        });
        move_served_times(
            &mut event,
            SignedDuration::from_secs(-7200) - SignedDuration::from_millis(500),
        );
        let o = &event["object"];
        assert_eq!(o["metadata"]["creationTimestamp"], "2026-12-07T09:59:59Z");
        assert_eq!(o["metadata"]["managedFields"][0]["time"], "2026-12-07T09:59:59Z");
        assert_eq!(o["eventTime"], "2026-12-07T09:59:59.750000Z");
        assert_eq!(
            o["status"]["conditions"][0]["lastTransitionTime"],
            "2026-12-07T09:59:29Z"
        );
        assert_eq!(o["updatedAt"], "2026-12-07T08:59:59Z");
        // Not times, or the user's text, or Go's zero: as they were.
        assert_eq!(o["status"]["conditions"][0]["message"], "2026-12-07T12:00:00Z");
        assert_eq!(
            o["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "2026-12-07T12:00:00Z"
        );
        assert_eq!(o["data"]["deployedAt"], "2026-12-07T12:00:00Z");
        assert_eq!(o["firstTimestamp"], Value::Null);
        assert_eq!(o["startsAt"], "0001-01-01T00:00:00Z");
    }
}
