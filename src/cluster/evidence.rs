//! Capturing an object as evidence: the object as the API server serves it, the events about
//! it, and for a pod the last lines of each container's log (and of the run before, for a
//! container that restarted). One JSON document, the same for the same cluster state (no
//! timestamp of its own: the journal entry naming it says when).

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde_json::{Value, json};

use super::inspect::{Kind, Target};

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
