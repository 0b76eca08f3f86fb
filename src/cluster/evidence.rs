//! Capturing an object as evidence: the object as the API server serves it, the events about
//! it, and for a pod the last lines of each container's log (and of the run before, for a
//! container that restarted). One JSON document, the same for the same cluster state (no
//! timestamp of its own: the journal entry naming it says when). And the lines a responder
//! reads it in.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde_json::{Value, json};

use super::inspect::{Kind, Target};
use crate::text::CleanText;

/// How many of a container's last log lines a capture keeps.
const LOG_LINES: i64 = 500;

/// What was captured: the document, and what it holds in words (`object`, `4 events`, `log
/// of checkout`, `previous log of checkout`).
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub subject: String,
    pub document: Value,
    pub holds: Vec<String>,
}

/// Captures `target`. The object must be readable; events and logs that cannot be read are
/// said in the document instead.
pub async fn capture(client: kube::Client, target: &Target) -> Result<Captured, String> {
    let object = super::inspect::object(client.clone(), target).await?;
    let mut holds = vec!["object".to_string()];
    let events = match super::inspect::events_about(client.clone(), target).await {
        Ok(events) => {
            holds.push(format!("{} event(s)", events.len()));
            json!(events)
        }
        Err(e) => json!({ "unreadable": e }),
    };
    let mut document = json!({
        "subject": target.to_string(),
        "object": object,
        "events": events,
    });
    if target.kind == Kind::Pod {
        let api: Api<Pod> = Api::namespaced(client, &target.namespace);
        let mut logs = serde_json::Map::new();
        for c in object["status"]["containerStatuses"].as_array().into_iter().flatten() {
            let Some(name) = c["name"].as_str() else { continue };
            let restarted = c["restartCount"].as_u64().unwrap_or(0) > 0;
            let mut runs = serde_json::Map::new();
            for (run, previous) in [("current", false), ("previous", true)] {
                if previous && !restarted {
                    continue;
                }
                let params = LogParams {
                    container: Some(name.to_string()),
                    previous,
                    tail_lines: Some(LOG_LINES),
                    ..LogParams::default()
                };
                match api.logs(&target.name, &params).await {
                    Ok(text) => {
                        holds.push(format!("{}log of {name}", if previous { "previous " } else { "" }));
                        runs.insert(run.into(), Value::String(text));
                    }
                    Err(e) => {
                        runs.insert(run.into(), json!({ "unreadable": crate::http::causes(&e) }));
                    }
                }
            }
            logs.insert(name.to_string(), Value::Object(runs));
        }
        document["logs"] = Value::Object(logs);
    }
    Ok(Captured {
        subject: target.to_string(),
        document,
        holds,
    })
}

/// A captured document as lines to read: the object as YAML, its events as `describe` shows
/// them (ages at `now`, seconds), each container's log, and the golden signals' ranges.
pub fn lines(document: &Value, now: i64) -> Vec<CleanText> {
    let mut out = Vec::new();
    let heading = |out: &mut Vec<CleanText>, text: &str| {
        out.push(CleanText::line(""));
        out.push(CleanText::line(&format!("── {text} ──")));
    };
    let unreadable = |v: &Value| {
        v["unreadable"]
            .as_str()
            .map(|why| CleanText::line(&format!("unreadable: {why}")))
    };
    heading(&mut out, "object, as served");
    out.extend(super::describe::yaml(&document["object"]));
    heading(&mut out, "events");
    match (document["events"].as_array(), unreadable(&document["events"])) {
        (Some(events), _) => out.extend(super::describe::events(events, now)),
        (None, Some(why)) => out.push(why),
        (None, None) => out.push(CleanText::line("none captured")),
    }
    for (container, runs) in document["logs"].as_object().into_iter().flatten() {
        for (run, log) in runs.as_object().into_iter().flatten() {
            heading(&mut out, &format!("{run} log of {container}"));
            match (log.as_str(), unreadable(log)) {
                (Some(text), _) => out.extend(text.lines().map(CleanText::line)),
                (None, why) => out.extend(why),
            }
        }
    }
    for (service, panels) in document["signals"].as_object().into_iter().flatten() {
        heading(&mut out, &format!("golden signals of {service}"));
        for (panel, read) in panels.as_object().into_iter().flatten() {
            if let Some(why) = unreadable(read) {
                out.push(CleanText::line(&format!("{panel}: {why}")));
                continue;
            }
            for series in read.as_array().into_iter().flatten() {
                let values: Vec<f64> = series["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p[1].as_f64())
                    .collect();
                let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                });
                out.push(CleanText::line(&match values.last() {
                    None => format!("{panel}: no points"),
                    Some(last) => format!(
                        "{panel}: {} points, min {min:.4}, max {max:.4}, last {last:.4}",
                        values.len()
                    ),
                }));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_document_reads_as_the_object_its_events_its_logs_and_its_signals() {
        let document = json!({
            "subject": "pod shop/web-1",
            "object": {"kind": "Pod", "metadata": {"name": "web-1"}, "spec": {"containers": [{"image": "web:2"}]}},
            "events": [{"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container", "count": 3,
                        "lastTimestamp": "2026-12-07T10:00:00Z"}],
            "logs": {"web": {"current": "started\npanic: boom", "previous": {"unreadable": "gone"}}},
            "signals": {"shop/web": {"error ratio": [{"labels": {}, "values": [[1, 0.5], [2, 0.25]]}], "p99": {"unreadable": "down"}}},
        });
        let text: Vec<String> = lines(&document, 1_796_637_600).iter().map(|l| l.to_string()).collect();
        let has = |s: &str| text.iter().any(|l| l.contains(s));
        for expected in [
            "── object, as served ──",
            "image: web:2",
            "Back-off restarting failed container",
            "── current log of web ──",
            "panic: boom",
            "── previous log of web ──",
            "unreadable: gone",
            "── golden signals of shop/web ──",
            "error ratio: 2 points, min 0.2500, max 0.5000, last 0.2500",
            "p99: unreadable: down",
        ] {
            assert!(has(expected), "{expected:?} missing from {text:#?}");
        }
    }
}
