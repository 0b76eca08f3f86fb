//! The cells of one object's Table row, per kind, as the apiserver's printers compute them
//! (pods' ready counts and statuses, events' sources, rollouts' up-to-date counts...).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::Value;

use super::duration::{GO_MAX_DURATION, GO_MIN_DURATION, GO_ZERO_TIME, human_duration};
use super::fields::{as_int, flag, int, list, object, present, text, time};
use super::labels::{format_label_selector, format_labels, selector_string};

/// `translateTimestampSince`: `<unknown>` for a zero time, else the human age.
pub(super) fn since(t: Timestamp, now: Timestamp) -> String {
    if t == GO_ZERO_TIME {
        return "<unknown>".to_string();
    }
    let d = now.duration_since(t).clamp(GO_MIN_DURATION, GO_MAX_DURATION);
    human_duration(d)
}

pub(super) fn name_of(v: &Value) -> &str {
    text(v, "/metadata/name")
}

pub(super) fn age(v: &Value, now: Timestamp) -> String {
    since(time(v, "/metadata/creationTimestamp"), now)
}

/// `spec.replicas`, which API defaulting sets to 1 when unset.
pub(super) fn desired_replicas(v: &Value) -> i64 {
    match v.pointer("/spec/replicas") {
        None | Some(Value::Null) => 1,
        Some(x) => as_int(x).unwrap_or(0),
    }
}

/// `layoutContainerCells`: container names and images, comma-joined.
pub(super) fn container_cells(v: &Value, ptr: &str) -> (String, String) {
    let containers = list(v, ptr);
    let names: Vec<&str> = containers.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "/image")).collect();
    (names.join(","), images.join(","))
}

pub(super) fn namespace_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![name_of(v).into(), text(v, "/status/phase").into(), age(v, now).into()]
}

pub(super) fn node_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    // The last Ready condition wins, as with the Go map the printer builds.
    let ready = list(v, "/status/conditions")
        .iter()
        .rev()
        .find(|c| text(c, "/type") == "Ready");
    let mut status = vec![match ready {
        Some(c) if text(c, "/status") == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if flag(v, "/spec/unschedulable") {
        status.push("SchedulingDisabled");
    }

    let mut roles = BTreeSet::new();
    for (key, value) in object(v, "/metadata/labels").into_iter().flatten() {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if key == "kubernetes.io/role" {
            match value.as_str() {
                Some(role) if !role.is_empty() => {
                    roles.insert(role.to_string());
                }
                _ => {}
            }
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };

    let address = |ty: &str| {
        list(v, "/status/addresses")
            .iter()
            .find(|a| text(a, "/type") == ty)
            .map_or_else(|| "<none>".to_string(), |a| text(a, "/address").to_string())
    };
    let info = |field: &str| {
        let s = text(v, &format!("/status/nodeInfo/{field}"));
        if s.is_empty() { "<unknown>" } else { s }.to_string()
    };

    vec![
        name_of(v).into(),
        status.join(",").into(),
        roles.into(),
        age(v, now).into(),
        text(v, "/status/nodeInfo/kubeletVersion").into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ]
}

pub(super) fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let init_specs = list(pod, "/spec/initContainers");
    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut total_containers = list(pod, "/spec/containers").len() as i64;
    let mut ready_containers: i64 = 0;
    let mut last_restart = GO_ZERO_TIME;
    let mut last_restartable_init_restart = GO_ZERO_TIME;

    let phase = text(pod, "/status/phase");
    let status_reason = text(pod, "/status/reason");
    let mut reason = if status_reason.is_empty() { phase } else { status_reason }.to_string();

    let conditions = list(pod, "/status/conditions");
    if conditions
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }

    let is_restartable = |c: &Value| text(c, "/restartPolicy") == "Always";
    // Looked up by name; a later duplicate wins, as with the printer's map.
    let restartable_by_name = |name: &str| {
        init_specs
            .iter()
            .rev()
            .find(|c| text(c, "/name") == name)
            .is_some_and(is_restartable)
    };
    total_containers += init_specs.iter().filter(|c| is_restartable(c)).count() as i64;

    let last_termination =
        |cs: &Value| present(cs, "/lastState/terminated").then(|| time(cs, "/lastState/terminated/finishedAt"));

    let mut initializing = false;
    for (i, cs) in list(pod, "/status/initContainerStatuses").iter().enumerate() {
        let count = int(cs, "/restartCount");
        restarts = restarts.saturating_add(count);
        let finished = last_termination(cs);
        if let Some(t) = finished {
            last_restart = last_restart.max(t);
        }
        let restartable = restartable_by_name(text(cs, "/name"));
        if restartable {
            restartable_init_restarts = restartable_init_restarts.saturating_add(count);
            if let Some(t) = finished {
                last_restartable_init_restart = last_restartable_init_restart.max(t);
            }
        }
        let terminated = present(cs, "/state/terminated");
        let exit_code = int(cs, "/state/terminated/exitCode");
        let waiting_reason = text(cs, "/state/waiting/reason");
        if terminated && exit_code == 0 {
            continue;
        } else if restartable && flag(cs, "/started") {
            if flag(cs, "/ready") {
                ready_containers += 1;
            }
            continue;
        } else if terminated {
            // Initialization failed.
            let why = text(cs, "/state/terminated/reason");
            let signal = int(cs, "/state/terminated/signal");
            reason = if !why.is_empty() {
                format!("Init:{why}")
            } else if signal != 0 {
                format!("Init:Signal:{signal}")
            } else {
                format!("Init:ExitCode:{exit_code}")
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .find(|c| text(c, "/type") == "Initialized")
        .is_some_and(|c| text(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        for cs in list(pod, "/status/containerStatuses").iter().rev() {
            restarts = restarts.saturating_add(int(cs, "/restartCount"));
            if let Some(t) = last_termination(cs) {
                last_restart = last_restart.max(t);
            }
            let waiting_reason = text(cs, "/state/waiting/reason");
            let terminated = present(cs, "/state/terminated");
            let terminated_reason = text(cs, "/state/terminated/reason");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if terminated && !terminated_reason.is_empty() {
                reason = terminated_reason.to_string();
            } else if terminated {
                let signal = int(cs, "/state/terminated/signal");
                reason = if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{}", int(cs, "/state/terminated/exitCode"))
                };
            } else if flag(cs, "/ready") && present(cs, "/state/running") {
                has_running = true;
                ready_containers += 1;
            }
        }
        // Back to Running if at least one container is still running.
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    if present(pod, "/metadata/deletionTimestamp") {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    let restarts_cell = if restarts != 0 && last_restart != GO_ZERO_TIME {
        format!("{restarts} ({} ago)", since(last_restart, now))
    } else {
        restarts.to_string()
    };

    // v1 -> internal conversion: a set status.podIP is authoritative over podIPs.
    let mut pod_ip = text(pod, "/status/podIP");
    if pod_ip.is_empty() {
        pod_ip = text(pod, "/status/podIPs/0/ip");
    }
    let or_none = |s: &str| if s.is_empty() { "<none>" } else { s }.to_string();

    let gates = list(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_conditions = gates
            .iter()
            .filter(|g| {
                let ty = text(g, "/conditionType");
                conditions
                    .iter()
                    .find(|c| text(c, "/type") == ty)
                    .is_some_and(|c| text(c, "/status") == "True")
            })
            .count();
        format!("{true_conditions}/{}", gates.len())
    };

    vec![
        name_of(pod).into(),
        format!("{ready_containers}/{total_containers}").into(),
        reason.into(),
        restarts_cell.into(),
        age(pod, now).into(),
        or_none(pod_ip).into(),
        or_none(text(pod, "/spec/nodeName")).into(),
        or_none(text(pod, "/status/nominatedNodeName")).into(),
        readiness_gates.into(),
    ]
}

pub(super) fn event_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let first_ts = time(v, "/firstTimestamp");
    let first_seen = if first_ts == GO_ZERO_TIME {
        since(time(v, "/eventTime"), now)
    } else {
        since(first_ts, now)
    };
    let last_ts = time(v, "/lastTimestamp");
    let mut last_seen = if last_ts == GO_ZERO_TIME {
        first_seen.clone()
    } else {
        since(last_ts, now)
    };
    let mut count = int(v, "/count");
    if present(v, "/series") {
        last_seen = since(time(v, "/series/lastObservedTime"), now);
        count = int(v, "/series/count");
    } else if count == 0 {
        // Singleton events don't have a count set in the new API.
        count = 1;
    }

    let kind = text(v, "/involvedObject/kind").to_lowercase();
    let target_name = text(v, "/involvedObject/name");
    let target = if target_name.is_empty() {
        kind
    } else {
        format!("{kind}/{target_name}")
    };

    let first_non_empty = |a: &'static str, b: &'static str| {
        let s = text(v, a);
        if s.is_empty() { text(v, b) } else { s }
    };
    let component = first_non_empty("/source/component", "/reportingComponent");
    let instance = first_non_empty("/source/host", "/reportingInstance");
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };

    vec![
        last_seen.into(),
        text(v, "/type").into(),
        text(v, "/reason").into(),
        target.into(),
        text(v, "/involvedObject/fieldPath").into(),
        source.into(),
        text(v, "/message").trim().into(),
        first_seen.into(),
        count.into(),
        name_of(v).into(),
    ]
}

pub(super) fn deployment_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    let selector = selector_string(v.pointer("/spec/selector")).unwrap_or_else(|()| "<invalid>".to_string());
    vec![
        name_of(v).into(),
        format!("{}/{}", int(v, "/status/readyReplicas"), desired_replicas(v)).into(),
        int(v, "/status/updatedReplicas").into(),
        int(v, "/status/availableReplicas").into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        selector.into(),
    ]
}

pub(super) fn replica_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        desired_replicas(v).into(),
        int(v, "/status/replicas").into(),
        int(v, "/status/readyReplicas").into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        format_label_selector(v.pointer("/spec/selector")).into(),
    ]
}

pub(super) fn daemon_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        int(v, "/status/desiredNumberScheduled").into(),
        int(v, "/status/currentNumberScheduled").into(),
        int(v, "/status/numberReady").into(),
        int(v, "/status/updatedNumberScheduled").into(),
        int(v, "/status/numberAvailable").into(),
        format_labels(object(v, "/spec/template/spec/nodeSelector")).into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        format_label_selector(v.pointer("/spec/selector")).into(),
    ]
}

pub(super) fn stateful_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        format!("{}/{}", int(v, "/status/readyReplicas"), desired_replicas(v)).into(),
        age(v, now).into(),
        names.into(),
        images.into(),
    ]
}

pub(super) fn controller_revision_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let controller = list(v, "/metadata/ownerReferences")
        .iter()
        .find(|r| flag(r, "/controller"))
        .map_or_else(
            || "<none>".to_string(),
            |r| {
                let name = text(r, "/name");
                let kind = text(r, "/kind");
                let api_version = text(r, "/apiVersion");
                // schema.ParseGroupVersion: "" and "v1" have no group, "g/v" has group g.
                let group = match api_version.split_once('/') {
                    Some((group, rest)) if !rest.contains('/') => group,
                    _ => "",
                };
                let group_kind = if group.is_empty() {
                    kind.to_string()
                } else {
                    format!("{kind}.{group}")
                };
                if group_kind.is_empty() {
                    name.to_string()
                } else {
                    format!("{}/{name}", group_kind.to_lowercase())
                }
            },
        );
    vec![
        name_of(v).into(),
        controller.into(),
        int(v, "/revision").into(),
        age(v, now).into(),
    ]
}

/// An `IntOrString` field, or `N/A` when unset.
pub(super) fn int_or_string(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(n @ Value::Number(_)) => as_int(n).map_or_else(|| n.to_string(), |i| i.to_string()),
        _ => "N/A".to_string(),
    }
}

pub(super) fn pdb_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name_of(v).into(),
        int_or_string(v, "/spec/minAvailable").into(),
        int_or_string(v, "/spec/maxUnavailable").into(),
        int(v, "/status/disruptionsAllowed").into(),
        age(v, now).into(),
    ]
}

/// `kubectl get hpa`: the target, each metric as `cpu: 85%/50%` (current unknown until the
/// controller has measured), the bounds and the replicas it last saw.
pub(super) fn autoscaler_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let target = v.pointer("/spec/scaleTargetRef");
    let reference = format!(
        "{}/{}",
        target.and_then(|t| t["kind"].as_str()).unwrap_or(""),
        target.and_then(|t| t["name"].as_str()).unwrap_or("")
    );
    let current = v.pointer("/status/currentMetrics").and_then(Value::as_array);
    let targets: Vec<String> = v
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, m)| {
            let resource = m.get("resource")?;
            let name = resource["name"].as_str().unwrap_or("");
            let wanted = &resource["target"];
            let measured = current.and_then(|c| c.get(i)).map(|c| &c["resource"]["current"]);
            Some(match wanted["averageUtilization"].as_i64() {
                Some(pct) => {
                    let now = measured
                        .and_then(|c| c["averageUtilization"].as_i64())
                        .map_or("<unknown>".to_string(), |c| format!("{c}%"));
                    format!("{name}: {now}/{pct}%")
                }
                None => {
                    let now = measured.and_then(|c| c["averageValue"].as_str()).unwrap_or("<unknown>");
                    format!("{name}: {now}/{}", wanted["averageValue"].as_str().unwrap_or(""))
                }
            })
        })
        .collect();
    let min = v
        .pointer("/spec/minReplicas")
        .and_then(Value::as_i64)
        .map_or("<unset>".to_string(), |n| n.to_string());
    vec![
        name_of(v).into(),
        reference.into(),
        if targets.is_empty() {
            "<none>".to_string()
        } else {
            targets.join(", ")
        }
        .into(),
        min.into(),
        int(v, "/spec/maxReplicas").into(),
        int(v, "/status/currentReplicas").into(),
        age(v, now).into(),
    ]
}

pub(super) fn network_policy_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name_of(v).into(),
        format_label_selector(v.pointer("/spec/podSelector")).into(),
        age(v, now).into(),
    ]
}

/// `kubectl get ingress`: the class, the first three hosts (`*` for none), the load
/// balancer's addresses and the ports (443 too once TLS is configured).
pub(super) fn ingress_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let rules = v
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let hosts: Vec<&str> = rules
        .iter()
        .take(3)
        .filter_map(|r| r.get("host").and_then(Value::as_str))
        .filter(|h| !h.is_empty())
        .collect();
    let hosts = match (hosts.is_empty(), rules.len()) {
        (true, _) => "*".to_string(),
        (false, n) if n > 3 => format!("{} + {} more...", hosts.join(","), n - 3),
        (false, _) => hosts.join(","),
    };
    let address: Vec<&str> = v
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str))
        .collect();
    let tls = v
        .pointer("/spec/tls")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    vec![
        name_of(v).into(),
        v.pointer("/spec/ingressClassName")
            .and_then(Value::as_str)
            .unwrap_or("<none>")
            .into(),
        hosts.into(),
        address.join(",").into(),
        if tls { "80, 443" } else { "80" }.into(),
        age(v, now).into(),
    ]
}

/// How many keys an object's `data` (and `binaryData`) hold, as kubectl counts them.
fn data_keys(v: &Value) -> i64 {
    ["data", "binaryData"]
        .iter()
        .filter_map(|f| v.get(*f).and_then(Value::as_object))
        .map(|m| m.len() as i64)
        .sum()
}

/// `a, b, c + N more...` as kubectl shortens endpoint lists; `<none>` when empty.
fn first_three(all: &[String]) -> String {
    match all.len() {
        0 => "<none>".into(),
        n if n > 3 => format!("{} + {} more...", all[..3].join(","), n - 3),
        _ => all.join(","),
    }
}

/// NAME ENDPOINTS AGE: ready addresses with each port (`10.244.1.7:8080`).
pub(super) fn endpoints_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let mut all = Vec::new();
    for subset in v["subsets"].as_array().into_iter().flatten() {
        let ports: Vec<i64> = subset["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["port"].as_i64())
            .collect();
        for a in subset["addresses"].as_array().into_iter().flatten() {
            let ip = a["ip"].as_str().unwrap_or("");
            if ports.is_empty() {
                all.push(ip.to_string());
            }
            all.extend(ports.iter().map(|p| format!("{ip}:{p}")));
        }
    }
    vec![name_of(v).into(), first_three(&all).into(), age(v, now).into()]
}

/// NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
pub(super) fn endpoint_slice_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let ports: Vec<String> = v["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["port"].as_i64().map(|n| n.to_string()))
        .collect();
    let addresses: Vec<String> = v["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    let ports = if ports.is_empty() {
        "<unset>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name_of(v).into(),
        v["addressType"].as_str().unwrap_or("").into(),
        ports.into(),
        first_three(&addresses).into(),
        age(v, now).into(),
    ]
}

/// NAME DATA AGE.
pub(super) fn config_map_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![name_of(v).into(), data_keys(v).into(), age(v, now).into()]
}

/// NAME TYPE DATA AGE (`Opaque` when no type is set).
pub(super) fn secret_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or("Opaque");
    vec![name_of(v).into(), ty.into(), data_keys(v).into(), age(v, now).into()]
}

/// NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR, as kubectl prints a Service
/// (`9090/TCP`, `80:30080/TCP` for a node port).
pub(super) fn service_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let spec = v.get("spec");
    let field = |name: &str| spec.and_then(|s| s.get(name)).and_then(Value::as_str);
    let external: Vec<&str> = spec
        .and_then(|s| s.get("externalIPs"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let ports: Vec<String> = spec
        .and_then(|s| s.get("ports"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(n) => format!("{port}:{n}/{proto}"),
                None => format!("{port}/{proto}"),
            }
        })
        .collect();
    let selector = format_labels(spec.and_then(|s| s.get("selector")).and_then(Value::as_object));
    let or_none = |s: String| if s.is_empty() { "<none>".to_string() } else { s };
    vec![
        name_of(v).into(),
        field("type").unwrap_or("ClusterIP").into(),
        field("clusterIP").unwrap_or("<none>").into(),
        or_none(external.join(",")).into(),
        or_none(ports.join(",")).into(),
        age(v, now).into(),
        selector.into(),
    ]
}
