//! `pods/NAME/log`: what `kubectl logs` shows in a drill. Containers have no real output, so
//! each run's log is told from the pod's status: start-up lines at its start, a health check
//! line every `HEARTBEAT` of drill time while it runs, and a crashed run's last words (its
//! termination message). `--previous` shows the last ended run; `--since`, `--since-time`,
//! `--tail`, `--limit-bytes` and `--timestamps` work as the kubelet's; `-f` follows the running
//! container on the drill clock until it ends or the pod goes.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::request::Query;
use super::status::ApiError;
use crate::kinds;
use crate::server::DrillCluster;
use crate::sim::Sim;

/// How often a running container says it is alive, in drill time.
const HEARTBEAT: SignedDuration = SignedDuration::from_secs(30);
/// The most lines one run keeps (the kubelet rotates its logs too).
const KEPT: usize = 10_000;
/// How often `-f` looks for new lines, in wall time.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// One line a container wrote.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    at: Timestamp,
    text: String,
}

/// The run of one container the request is about.
struct Run {
    container: String,
    image: String,
    started: Timestamp,
    /// The terminated state when the run has ended.
    end: Option<Value>,
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

impl Run {
    /// Until when the run wrote: its end, or `now`.
    fn until(&self, now: Timestamp) -> Timestamp {
        self.end.as_ref().and_then(|e| time(&e["finishedAt"])).unwrap_or(now)
    }

    /// Every line the run wrote up to `now` (the last `KEPT`).
    fn lines(&self, now: Timestamp) -> Vec<Line> {
        self.lines_after(now, None)
    }

    /// The lines the run wrote up to `now` after `after` (all when None; the last `KEPT`),
    /// made only from there on, so that following a long run does not write it all again.
    fn lines_after(&self, now: Timestamp, after: Option<Timestamp>) -> Vec<Line> {
        let line = |at: Timestamp, what: &str| Line {
            at,
            text: format!("{} {what}", at.strftime("%Y-%m-%dT%H:%M:%SZ")),
        };
        let new = |at: Timestamp| after.is_none_or(|a| at > a);
        let (start, until) = (self.started, self.until(now));
        let mut out = Vec::new();
        if new(start) {
            out.push(line(
                start,
                &format!("INFO starting {} ({})", self.container, self.image),
            ));
            out.push(line(start, "INFO config loaded"));
            out.push(line(start, "INFO listening on :8080"));
        }
        let beats = until.duration_since(start).as_secs() / HEARTBEAT.as_secs();
        let seen = after.map_or(0, |a| a.duration_since(start).as_secs().max(0) / HEARTBEAT.as_secs());
        let first = (beats - KEPT as i64).max(seen + 1).max(1);
        for k in first..=beats {
            let at = start + HEARTBEAT * k as i32;
            if new(at) && (at < until || self.end.is_none()) {
                out.push(line(at, "INFO GET /healthz 200"));
            }
        }
        if let Some(t) = self.end.as_ref().filter(|_| new(until)) {
            match t["message"].as_str() {
                Some(m) if !m.is_empty() => out.push(line(until, &format!("FATAL {m}"))),
                _ if t["reason"] == "OOMKilled" => {}
                _ => out.push(line(until, &format!("FATAL exiting with code {}", t["exitCode"]))),
            }
        }
        let cut = out.len().saturating_sub(KEPT);
        out.drain(..cut);
        out
    }
}

/// The run the request is about: the named (or first) container's current run, or its last
/// ended one with `previous`.
fn run(sim: &Sim, ns: &str, name: &str, query: &Query) -> Result<Run, ApiError> {
    let pod = sim
        .get(&kinds::PODS, ns, name)
        .ok_or_else(|| ApiError::not_found("pods", name))?
        .value();
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let wanted = query.get("container").filter(|c| !c.is_empty());
    let container = match wanted {
        Some(c) => containers
            .iter()
            .find(|x| x["name"] == c)
            .ok_or_else(|| ApiError::bad_request(format!("container {c} is not valid for pod {name}")))?,
        None => containers
            .first()
            .ok_or_else(|| ApiError::bad_request(format!("pod {name} has no containers")))?,
    };
    let cname = container["name"].as_str().unwrap_or("app").to_string();
    let image = container["image"].as_str().unwrap_or("").to_string();
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["name"] == cname.as_str()).cloned())
        .unwrap_or(Value::Null);
    let ended = |t: &Value| Run {
        container: cname.clone(),
        image: image.clone(),
        started: time(&t["startedAt"]).unwrap_or(sim.now),
        end: Some(t.clone()),
    };
    if query.flag("previous") {
        let last = status.pointer("/lastState/terminated").ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{cname}\" in pod \"{name}\" not found"
            ))
        })?;
        return Ok(ended(last));
    }
    if let Some(running) = status.pointer("/state/running") {
        return Ok(Run {
            started: time(&running["startedAt"]).unwrap_or(sim.now),
            container: cname,
            image,
            end: None,
        });
    }
    // Ended, or waiting to restart (CrashLoopBackOff): the last run's output is served.
    if let Some(t) = status
        .pointer("/state/terminated")
        .or_else(|| status.pointer("/lastState/terminated"))
    {
        return Ok(ended(t));
    }
    let reason = status
        .pointer("/state/waiting/reason")
        .and_then(Value::as_str)
        .unwrap_or("ContainerCreating");
    Err(ApiError::bad_request(format!(
        "container \"{cname}\" in pod \"{name}\" is waiting to start: {}",
        if reason == "ContainerCreating" {
            "ContainerCreating".to_string()
        } else {
            format!("trying and failing to pull image ({reason})")
        }
    )))
}

/// The options that choose and shape lines.
struct Shape {
    since: Option<Timestamp>,
    tail: Option<usize>,
    limit_bytes: Option<usize>,
    timestamps: bool,
}

impl Shape {
    fn of(query: &Query, now: Timestamp) -> Result<Shape, ApiError> {
        let number = |k: &str| -> Result<Option<i64>, ApiError> {
            match query.get(k) {
                None | Some("") => Ok(None),
                Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| {
                    ApiError::bad_request(format!("{k}: Invalid value: {v:?}: must be a non-negative integer"))
                }),
            }
        };
        let since = match (number("sinceSeconds")?, query.get("sinceTime")) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "at most one of sinceTime or sinceSeconds may be specified",
                ));
            }
            (Some(s), None) => Some(now - SignedDuration::from_secs(s)),
            (None, Some(t)) => Some(
                t.parse::<Timestamp>()
                    .map_err(|e| ApiError::bad_request(format!("sinceTime: Invalid value: {t:?}: {e}")))?,
            ),
            (None, None) => None,
        };
        Ok(Shape {
            since,
            tail: number("tailLines")?.map(|n| n as usize),
            limit_bytes: number("limitBytes")?.map(|n| n as usize),
            timestamps: query.flag("timestamps"),
        })
    }

    fn text(&self, lines: &[Line]) -> String {
        let mut out = String::new();
        for l in lines {
            if self.timestamps {
                // RFC 3339 with nanoseconds, as the kubelet writes them.
                let secs = l.at.strftime("%Y-%m-%dT%H:%M:%S");
                out.push_str(&format!("{secs}.{:09}Z ", l.at.subsec_nanosecond()));
            }
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }

    /// The lines chosen, as text.
    fn pick(&self, mut lines: Vec<Line>) -> String {
        if let Some(since) = self.since {
            lines.retain(|l| l.at >= since);
        }
        if let Some(n) = self.tail {
            let cut = lines.len().saturating_sub(n);
            lines.drain(..cut);
        }
        let mut text = self.text(&lines);
        if let Some(n) = self.limit_bytes {
            text.truncate(n);
        }
        text
    }
}

fn plain(body: Body) -> Response {
    let mut r = Response::new(body);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    r
}

/// `GET pods/NAME/log` without `follow`.
pub fn pod_log(sim: &Sim, ns: &str, name: &str, query: &Query) -> Result<Response, ApiError> {
    let run = run(sim, ns, name, query)?;
    let shape = Shape::of(query, sim.now)?;
    Ok(plain(Body::from(shape.pick(run.lines(sim.now)))))
}

/// `GET pods/NAME/log?follow=true`: what `pod_log` says, then each new line as the drill clock
/// passes it, until the run ends (its last words sent), the pod goes, or the client leaves.
pub fn follow(cluster: Arc<DrillCluster>, ns: String, name: String, query: Query) -> Result<Response, ApiError> {
    let (first, shape, mut last) = {
        let mut sim = cluster.lock();
        sim.sync();
        let run = run(&sim, &ns, &name, &query)?;
        let shape = Shape::of(&query, sim.now)?;
        let lines = run.lines(sim.now);
        let last = lines.last().map(|l| l.at);
        (shape.pick(lines), shape, last)
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let mut dropped = cluster.disconnect.subscribe();
    tokio::spawn(async move {
        if tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep(FOLLOW_EVERY) => {}
                _ = dropped.changed() => return,
                _ = tx.closed() => return,
            }
            let (new, ended) = {
                let mut sim = cluster.lock();
                sim.sync();
                // The same run, as it stands now (a pod gone or restarted ends the stream).
                let Ok(now_run) = run(&sim, &ns, &name, &query) else {
                    return;
                };
                (now_run.lines_after(sim.now, last), now_run.end.is_some())
            };
            if let Some(l) = new.last() {
                last = Some(l.at);
            }
            if !new.is_empty() && tx.send(Bytes::from(shape.text(&new))).await.is_err() {
                return;
            }
            if ended {
                return;
            }
        }
    });
    let stream = futures::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(rx), Ok::<Bytes, Infallible>);
    Ok(plain(Body::from_stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("a time")
    }

    #[test]
    fn a_run_writes_start_up_lines_a_heartbeat_and_its_last_words() {
        let crashed = Run {
            container: "checkout".into(),
            image: "checkout:2.0.0".into(),
            started: at("2026-12-05T10:00:00Z"),
            end: Some(
                serde_json::json!({"finishedAt": "2026-12-05T10:01:10Z", "message": "panic: boom", "exitCode": 2}),
            ),
        };
        let lines = crashed.lines(at("2026-12-05T11:00:00Z"));
        let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            text,
            [
                "2026-12-05T10:00:00Z INFO starting checkout (checkout:2.0.0)",
                "2026-12-05T10:00:00Z INFO config loaded",
                "2026-12-05T10:00:00Z INFO listening on :8080",
                "2026-12-05T10:00:30Z INFO GET /healthz 200",
                "2026-12-05T10:01:00Z INFO GET /healthz 200",
                "2026-12-05T10:01:10Z FATAL panic: boom",
            ]
        );
        // Following from a line on makes the same lines as all of them, filtered.
        for from in [
            "2026-12-05T09:00:00Z",
            "2026-12-05T10:00:00Z",
            "2026-12-05T10:00:45Z",
            "2026-12-05T10:01:10Z",
        ] {
            let from = at(from);
            let want: Vec<Line> = lines.iter().filter(|l| l.at > from).cloned().collect();
            assert_eq!(
                crashed.lines_after(at("2026-12-05T11:00:00Z"), Some(from)),
                want,
                "after {from}"
            );
        }
        let shape = |q: &str| Shape::of(&Query::parse(Some(q)), at("2026-12-05T10:01:10Z")).expect("shape");
        assert_eq!(
            shape("tailLines=1").pick(lines.clone()),
            "2026-12-05T10:01:10Z FATAL panic: boom\n"
        );
        assert_eq!(shape("sinceSeconds=45").pick(lines.clone()).lines().count(), 3);
        assert_eq!(
            shape("sinceTime=2026-12-05T10:01:00Z")
                .pick(lines.clone())
                .lines()
                .count(),
            2
        );
        assert!(
            shape("tailLines=1&timestamps=true")
                .pick(lines.clone())
                .starts_with("2026-12-05T10:01:10.000000000Z 2026-12-05T10:01:10Z FATAL")
        );
        assert_eq!(shape("limitBytes=10").pick(lines.clone()), "2026-12-05");
        let bad = Shape::of(
            &Query::parse(Some("sinceSeconds=5&sinceTime=2026-12-05T10:01:00Z")),
            at("2026-12-05T10:01:10Z"),
        );
        assert!(bad.is_err());
        assert!(Shape::of(&Query::parse(Some("tailLines=-3")), at("2026-12-05T10:01:10Z")).is_err());
    }
}
