//! What a responder reads about one object without leaving the console: a `kubectl describe`-like
//! summary, its YAML as the server holds it (managed fields dropped, a Secret's data never
//! shown), and its events as a table. Pure text made from the object's JSON; every line is
//! cleaned, since all of it comes from the cluster.

use serde_json::Value;

use crate::text::CleanText;

/// kubectl's short age: `45s`, `4m10s`, `37m`, `5h12m`, `20h`, `3d4h`, `12d`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86_400);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if s < 600 && s % 60 != 0 => format!("{m}m{}s", s % 60),
        _ if h < 3 => format!("{m}m"),
        _ if h < 8 && m % 60 != 0 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if d < 8 && h % 24 != 0 => format!("{d}d{}h", h % 24),
        _ => format!("{d}d"),
    }
}

/// Seconds since the epoch of an RFC 3339 time in the object.
fn seconds(v: &Value) -> Option<i64> {
    v.as_str()?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Lines written as they will be shown, cleaned (a multi-line value becomes several lines).
#[derive(Default)]
struct Out(Vec<CleanText>);

impl Out {
    fn line(&mut self, s: impl AsRef<str>) {
        for l in s.as_ref().split('\n') {
            self.0.push(CleanText::line(l));
        }
    }

    fn field(&mut self, indent: usize, name: &str, value: impl AsRef<str>) {
        let pad = " ".repeat(indent);
        let value = value.as_ref();
        let value = if value.is_empty() { "<none>" } else { value };
        self.line(format!(
            "{pad}{:<w$}{value}",
            format!("{name}:"),
            w = 22usize.saturating_sub(indent)
        ));
    }

    /// `key=value` pairs of a map, one per line under its name.
    fn map(&mut self, indent: usize, name: &str, map: Option<&Value>, skip: &[&str]) {
        let pairs: Vec<String> = map
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={}", text(v)))
            .collect();
        match pairs.split_first() {
            None => self.field(indent, name, ""),
            Some((first, rest)) => {
                self.field(indent, name, first);
                for p in rest {
                    self.line(format!("{}{p}", " ".repeat(22)));
                }
            }
        }
    }

    /// A table: each column as wide as its widest cell.
    fn table(&mut self, indent: usize, head: &[&str], rows: Vec<Vec<String>>) {
        let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(CleanText::line(c).chars().count());
            }
        }
        let pad = " ".repeat(indent);
        let row = |cells: Vec<String>| {
            let last = cells.len().saturating_sub(1);
            let mut s = pad.clone();
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                let c = CleanText::line(c).to_string();
                if i == last {
                    s.push_str(&c);
                } else {
                    s.push_str(&format!("{c:<w$}  "));
                }
            }
            s.trim_end().to_string()
        };
        self.line(row(head.iter().map(|h| h.to_string()).collect()));
        for r in rows {
            self.line(row(r));
        }
    }
}

/// The object as YAML, as `kubectl get -o yaml` shows it: without `metadata.managedFields`,
/// and a Secret's values replaced (never shown, whoever asks).
pub fn yaml(object: &Value) -> Vec<CleanText> {
    let mut o = object.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    if o.get("kind").and_then(Value::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(values) = o.get_mut(field).and_then(Value::as_object_mut) {
                for v in values.values_mut() {
                    *v = Value::String("<hidden by warroom>".into());
                }
            }
        }
    }
    match serde_saphyr::to_string(&o) {
        Ok(y) => y.lines().map(CleanText::line).collect(),
        Err(e) => vec![CleanText::line(&format!("cannot show the object as YAML: {e}"))],
    }
}

/// The events about an object, oldest first, as `kubectl describe` ends: type, reason, age
/// (with the count), source and message; `now` is the clock the cluster's times are on.
pub fn events(events: &[Value], now: i64) -> Vec<CleanText> {
    let mut out = Out::default();
    if events.is_empty() {
        out.line("Events:  <none>");
        return out.0;
    }
    let mut sorted: Vec<&Value> = events.iter().collect();
    sorted.sort_by_key(|e| last_seen(e));
    let rows = sorted
        .iter()
        .map(|e| {
            let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
            let last = age(now - last_seen(e));
            let first = e.get("firstTimestamp").and_then(seconds).map(|f| age(now - f));
            let seen = match (count, first) {
                (c, Some(first)) if c > 1 => format!("{last} (x{c} over {first})"),
                _ => last,
            };
            let from = e
                .pointer("/source/component")
                .or_else(|| e.get("reportingComponent"))
                .map(text)
                .unwrap_or_default();
            vec![
                text(e.get("type").unwrap_or(&Value::Null)),
                text(e.get("reason").unwrap_or(&Value::Null)),
                seen,
                from,
                text(e.get("message").unwrap_or(&Value::Null)),
            ]
        })
        .collect();
    out.line("Events:");
    out.table(2, &["Type", "Reason", "Age", "From", "Message"], rows);
    out.0
}

fn last_seen(e: &Value) -> i64 {
    ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .filter_map(|f| e.get(*f).and_then(seconds))
        .max()
        .or_else(|| e.pointer("/metadata/creationTimestamp").and_then(seconds))
        .unwrap_or(0)
}

/// A `kubectl describe`-like summary: what the object is, what it runs, its state and
/// conditions, then its events (or why they could not be read).
pub fn describe(object: &Value, about: Result<&[Value], &str>, now: i64) -> Vec<CleanText> {
    let mut out = Out::default();
    let meta = object.get("metadata").unwrap_or(&Value::Null);
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    out.field(0, "Name", text(meta.get("name").unwrap_or(&Value::Null)));
    if let Some(ns) = meta.get("namespace") {
        out.field(0, "Namespace", text(ns));
    }
    out.field(0, "Kind", kind);
    if let Some(created) = meta.get("creationTimestamp") {
        let when = text(created);
        let ago = seconds(created)
            .map(|c| format!(" ({} ago)", age(now - c)))
            .unwrap_or_default();
        out.field(0, "Created", format!("{when}{ago}"));
    }
    out.map(0, "Labels", meta.get("labels"), &[]);
    out.map(
        0,
        "Annotations",
        meta.get("annotations"),
        &["kubectl.kubernetes.io/last-applied-configuration"],
    );
    if meta.get("deletionTimestamp").is_some() {
        out.field(0, "Deleting since", text(&meta["deletionTimestamp"]));
    }
    let controller = meta.get("ownerReferences").and_then(Value::as_array).and_then(|refs| {
        refs.iter()
            .find(|r| r["controller"] == Value::Bool(true))
            .or(refs.first())
    });
    if let Some(r) = controller {
        out.field(0, "Controlled By", format!("{}/{}", text(&r["kind"]), text(&r["name"])));
    }
    let spec = object.get("spec").unwrap_or(&Value::Null);
    let status = object.get("status").unwrap_or(&Value::Null);
    match kind {
        "Pod" => pod(&mut out, spec, status, now),
        "Node" => node(&mut out, spec, status),
        "Deployment" | "StatefulSet" | "DaemonSet" => workload(&mut out, kind, spec, status),
        _ => {}
    }
    conditions(&mut out, status);
    out.line("");
    match about {
        Ok(about) => out.0.extend(events(about, now)),
        // An object whose events cannot be read is still described, and says so.
        Err(e) => out.line(format!("Events:  cannot be read: {e}")),
    }
    out.0
}

fn pod(out: &mut Out, spec: &Value, status: &Value, now: i64) {
    out.field(0, "Node", text(spec.get("nodeName").unwrap_or(&Value::Null)));
    let phase = text(status.get("phase").unwrap_or(&Value::Null));
    let reason = status
        .get("reason")
        .map(|r| format!(" ({})", text(r)))
        .unwrap_or_default();
    out.field(0, "Status", format!("{phase}{reason}"));
    if let Some(m) = status.get("message") {
        out.field(0, "Message", text(m));
    }
    out.field(0, "IP", text(status.get("podIP").unwrap_or(&Value::Null)));
    out.field(0, "QoS Class", text(status.get("qosClass").unwrap_or(&Value::Null)));
    let statuses = status.get("containerStatuses").and_then(Value::as_array);
    out.line("Containers:");
    for c in spec.get("containers").and_then(Value::as_array).into_iter().flatten() {
        let name = text(&c["name"]);
        out.line(format!("  {name}:"));
        out.field(4, "Image", text(&c["image"]));
        let st = statuses.and_then(|s| s.iter().find(|s| s["name"] == c["name"]));
        if let Some(st) = st {
            state_lines(out, "State", st.get("state"), now);
            state_lines(out, "Last State", st.get("lastState"), now);
            out.field(4, "Ready", text(&st["ready"]));
            out.field(4, "Restart Count", text(&st["restartCount"]));
        }
        for (name, key) in [("Requests", "requests"), ("Limits", "limits")] {
            let v = c.pointer(&format!("/resources/{key}"));
            if v.is_some() {
                out.map(4, name, v, &[]);
            }
        }
    }
}

/// A container's state (`running`, `waiting`, `terminated`) as describe prints it.
fn state_lines(out: &mut Out, name: &str, state: Option<&Value>, now: i64) {
    let Some((which, detail)) = state.and_then(Value::as_object).and_then(|o| o.iter().next()) else {
        return;
    };
    let mut word = which.clone();
    if let Some(w) = word.get_mut(..1) {
        w.make_ascii_uppercase();
    }
    out.field(4, name, word);
    for (label, key) in [("Reason", "reason"), ("Exit Code", "exitCode"), ("Message", "message")] {
        if let Some(v) = detail.get(key) {
            out.field(6, label, text(v));
        }
    }
    for (label, key) in [("Started", "startedAt"), ("Finished", "finishedAt")] {
        if let Some(t) = detail.get(key).and_then(seconds) {
            out.field(6, label, format!("{} ({} ago)", text(&detail[key]), age(now - t)));
        }
    }
}

fn node(out: &mut Out, spec: &Value, status: &Value) {
    out.field(
        0,
        "Unschedulable",
        text(spec.get("unschedulable").unwrap_or(&Value::Bool(false))),
    );
    let taints: Vec<String> = spec
        .get("taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let value = t.get("value").map(|v| format!("={}", text(v))).unwrap_or_default();
            format!("{}{value}:{}", text(&t["key"]), text(&t["effect"]))
        })
        .collect();
    out.field(0, "Taints", taints.join(", "));
    let addresses: Vec<String> = status
        .get("addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| format!("{}={}", text(&a["type"]), text(&a["address"])))
        .collect();
    out.field(0, "Addresses", addresses.join(", "));
    out.map(0, "Capacity", status.get("capacity"), &[]);
    out.map(0, "Allocatable", status.get("allocatable"), &[]);
    if let Some(info) = status.get("nodeInfo") {
        out.field(
            0,
            "Kubelet Version",
            text(info.get("kubeletVersion").unwrap_or(&Value::Null)),
        );
    }
}

fn workload(out: &mut Out, kind: &str, spec: &Value, status: &Value) {
    let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
    let replicas = match kind {
        "DaemonSet" => format!(
            "{} desired | {} current | {} ready | {} up-to-date | {} available",
            n(status, "desiredNumberScheduled"),
            n(status, "currentNumberScheduled"),
            n(status, "numberReady"),
            n(status, "updatedNumberScheduled"),
            n(status, "numberAvailable")
        ),
        _ => format!(
            "{} desired | {} updated | {} total | {} ready | {} available",
            spec.get("replicas").and_then(Value::as_i64).unwrap_or(1),
            n(status, "updatedReplicas"),
            n(status, "replicas"),
            n(status, "readyReplicas"),
            n(status, "availableReplicas")
        ),
    };
    out.field(0, "Replicas", replicas);
    if let Some(s) = spec.pointer("/selector/matchLabels") {
        out.map(0, "Selector", Some(s), &[]);
    }
    let strategy = spec
        .pointer("/strategy/type")
        .or_else(|| spec.pointer("/updateStrategy/type"))
        .map(text)
        .unwrap_or_default();
    out.field(0, "Strategy", strategy);
    if spec.get("paused") == Some(&Value::Bool(true)) {
        out.field(0, "Paused", "true");
    }
    out.line("Pod Template:");
    for c in spec
        .pointer("/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.line(format!("  {}:", text(&c["name"])));
        out.field(4, "Image", text(&c["image"]));
    }
}

fn conditions(out: &mut Out, status: &Value) {
    let Some(cs) = status.get("conditions").and_then(Value::as_array) else {
        return;
    };
    out.line("Conditions:");
    let rows = cs
        .iter()
        .map(|c| {
            ["type", "status", "reason", "message"]
                .iter()
                .map(|k| text(c.get(*k).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    out.table(2, &["Type", "Status", "Reason", "Message"], rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(lines: &[CleanText]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn ages_read_as_kubectl_writes_them() {
        for (secs, want) in [
            (45, "45s"),
            (250, "4m10s"),
            (37 * 60, "37m"),
            (540, "9m"),
            (6 * 3600, "6h"),
            (5 * 3600 + 12 * 60, "5h12m"),
            (20 * 3600, "20h"),
            (3 * 86_400 + 4 * 3600, "3d4h"),
            (12 * 86_400, "12d"),
            (-5, "0s"),
        ] {
            assert_eq!(age(secs), want, "{secs} s");
        }
    }

    #[test]
    fn a_crashing_pod_is_described_with_its_last_words_and_events() {
        let pod = json!({
            "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-12-05T10:00:00Z",
                "labels": {"app": "web"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9", "controller": true}]},
            "spec": {"nodeName": "node-2", "containers": [{"name": "web", "image": "web:2",
                "resources": {"requests": {"cpu": "100m"}}}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7",
                "containerStatuses": [{"name": "web", "ready": false, "restartCount": 7,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1,
                        "message": "panic: no DB_URL\x1b]52;c;SGFja2Vk\x07"}}}],
                "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}
        });
        let events = [json!({"type": "Warning", "reason": "BackOff", "count": 12,
            "firstTimestamp": "2026-12-05T10:01:00Z", "lastTimestamp": "2026-12-05T10:09:00Z",
            "source": {"component": "kubelet"}, "message": "Back-off restarting failed container"})];
        let now = "2026-12-05T10:10:00Z".parse::<jiff::Timestamp>().unwrap().as_second();
        let text = strings(&describe(&pod, Ok(&events), now)).join("\n");
        for want in [
            "Name:                 web-1",
            "Created:              2026-12-05T10:00:00Z (10m ago)",
            "Controlled By:        ReplicaSet/web-7d9",
            "Node:                 node-2",
            "    State:            Waiting",
            "      Reason:         CrashLoopBackOff",
            "    Last State:       Terminated",
            "      Exit Code:      1",
            "    Restart Count:    7",
            "    Requests:         cpu=100m",
            "  Ready  False   ContainersNotReady",
            "  Warning  BackOff  60s (x12 over 9m)  kubelet  Back-off restarting failed container",
        ] {
            assert!(text.contains(want), "{want:?} missing from\n{text}");
        }
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    }

    #[test]
    fn yaml_drops_managed_fields_and_never_shows_a_secrets_data() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "managedFields": [{"manager": "kubectl"}]},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "t0k3n"}});
        let text = strings(&yaml(&secret)).join("\n");
        assert!(text.contains("name: db"), "{text}");
        assert!(text.contains("password: <hidden by warroom>"), "{text}");
        for secret in ["aHVudGVyMg==", "t0k3n", "managedFields"] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
    }

    #[test]
    fn a_node_and_a_deployment_say_what_a_responder_asks_first() {
        let node = json!({"kind": "Node", "metadata": {"name": "node-3"},
            "spec": {"unschedulable": true, "taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]},
            "status": {"capacity": {"pods": "110"}, "conditions": [{"type": "Ready", "status": "Unknown",
                "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."}]}});
        let text = strings(&describe(&node, Ok(&[]), 0)).join("\n");
        for want in [
            "Unschedulable:        true",
            "Taints:               node.kubernetes.io/unreachable:NoExecute",
            "Capacity:             pods=110",
            "  Ready  Unknown  NodeStatusUnknown  Kubelet stopped posting node status.",
            "Events:  <none>",
        ] {
            assert!(text.contains(want), "{want:?} missing from\n{text}");
        }
        let d = json!({"kind": "Deployment", "metadata": {"name": "checkout", "namespace": "shop"},
            "spec": {"replicas": 3, "paused": true, "strategy": {"type": "RollingUpdate"},
                "template": {"spec": {"containers": [{"name": "app", "image": "checkout:1.4"}]}}},
            "status": {"replicas": 4, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2}});
        // Events that cannot be read are said, and the object is still described.
        let unread = strings(&describe(&node, Err("events is forbidden"), 0));
        assert_eq!(
            unread.last().map(String::as_str),
            Some("Events:  cannot be read: events is forbidden")
        );
        assert!(unread.iter().any(|l| l.starts_with("Unschedulable:")));
        let text = strings(&describe(&d, Ok(&[]), 0)).join("\n");
        for want in [
            "Replicas:             3 desired | 1 updated | 4 total | 2 ready | 2 available",
            "Paused:               true",
            "    Image:            checkout:1.4",
        ] {
            assert!(text.contains(want), "{want:?} missing from\n{text}");
        }
    }
}
