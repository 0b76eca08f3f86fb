//! `pods/NAME/log`: what `kubectl logs` shows in a drill. Containers have no real output, so
//! the log is told from the pod's status: start-up lines, and for a crashed container its
//! termination message (`--previous` shows the last crashed run).

use serde_json::Value;

use super::request::Query;
use super::status::ApiError;
use crate::kinds;
use crate::sim::Sim;

pub fn pod_log(sim: &Sim, ns: &str, name: &str, query: &Query) -> Result<String, ApiError> {
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
    let cname = container["name"].as_str().unwrap_or("app");
    let image = container["image"].as_str().unwrap_or("");
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["name"] == cname).cloned())
        .unwrap_or(Value::Null);
    let lines = |started: &str, end: Option<&Value>| {
        let mut out = format!(
            "{started} INFO starting {cname} ({image})\n{started} INFO config loaded\n{started} INFO listening on :8080\n"
        );
        if let Some(t) = end {
            let at = t["finishedAt"].as_str().unwrap_or(started);
            match t["message"].as_str() {
                Some(m) if !m.is_empty() => out.push_str(&format!("{at} FATAL {m}\n")),
                _ if t["reason"] == "OOMKilled" => {}
                _ => out.push_str(&format!("{at} FATAL exiting with code {}\n", t["exitCode"])),
            }
        }
        out
    };
    if query.flag("previous") {
        let last = status.pointer("/lastState/terminated").ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{cname}\" in pod \"{name}\" not found"
            ))
        })?;
        return Ok(lines(last["startedAt"].as_str().unwrap_or(""), Some(last)));
    }
    if let Some(running) = status.pointer("/state/running") {
        return Ok(lines(running["startedAt"].as_str().unwrap_or(""), None));
    }
    if let Some(t) = status.pointer("/state/terminated") {
        return Ok(lines(t["startedAt"].as_str().unwrap_or(""), Some(t)));
    }
    if let Some(last) = status.pointer("/lastState/terminated") {
        // Waiting to restart (CrashLoopBackOff): the apiserver serves the last run's output.
        return Ok(lines(last["startedAt"].as_str().unwrap_or(""), Some(last)));
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
