//! Alerting rules evaluated on the drill's virtual clock, as Prometheus evaluates them: every
//! element of a rule's result is an alert, pending until the expression has held for the
//! rule's `for:`, then firing; an alert whose element disappears is resolved. The scenario's
//! `alerts:` list, or defaults: multi-window burn-rate SLO alerts per service (SRE workbook:
//! 14.4× over 1h and 5m, 6× over 6h and 30m, 1× over 3d and 6h), crashloops, replica
//! mismatches, NotReady and memory-pressured nodes, and slow services.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::labels::Labels;
use super::promql::{Query, QueryOptions, QueryValue, format_value};
use super::series::SeriesStore;
use super::signals::{ServiceModel, healthy_latency, services};
use crate::scenario::Scenario;
use crate::scenario::model::AlertRule;

/// How often rules are evaluated (virtual time), as the group's `interval`.
pub const EVALUATION_INTERVAL_MS: i64 = 15_000;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One active alert of a rule.
#[derive(Debug, Clone)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    pub active_at_ms: i64,
    pub value: f64,
}

/// A rule and its evaluation state.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: AlertRule,
    query: Option<Query>,
    pub alerts: BTreeMap<Labels, Alert>,
    pub last_error: Option<String>,
    pub last_evaluation_ms: Option<i64>,
    pub evaluation_seconds: f64,
}

impl Rule {
    pub fn new(spec: AlertRule) -> Rule {
        let (query, last_error) = match Query::parse(&spec.expr) {
            Ok(q) => (Some(q), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Rule {
            spec,
            query,
            alerts: BTreeMap::new(),
            last_error,
            last_evaluation_ms: None,
            evaluation_seconds: 0.0,
        }
    }

    /// The rule's state: its most advanced alert's, else `inactive`.
    pub fn state(&self) -> &'static str {
        if self.alerts.values().any(|a| a.state == AlertState::Firing) {
            "firing"
        } else if self.alerts.is_empty() {
            "inactive"
        } else {
            "pending"
        }
    }

    /// Evaluates at `t_ms` and moves its alerts along.
    pub fn evaluate(&mut self, store: &SeriesStore, t_ms: i64) {
        let Some(query) = &self.query else {
            return;
        };
        let started = std::time::Instant::now();
        let result = query.instant(store, t_ms, &QueryOptions::default());
        self.evaluation_seconds = started.elapsed().as_secs_f64();
        self.last_evaluation_ms = Some(t_ms);
        let samples: Vec<(Labels, f64)> = match result {
            Ok(QueryValue::Vector(v)) => v.into_iter().map(|s| (s.labels, s.v)).collect(),
            Ok(QueryValue::Scalar { v, .. }) => vec![(Labels::empty(), v)],
            Ok(_) => {
                self.last_error = Some("the expression is not an instant vector or scalar".into());
                return;
            }
            Err(e) => {
                self.last_error = Some(e.to_string());
                return;
            }
        };
        self.last_error = None;
        let mut seen = BTreeMap::new();
        for (labels, v) in samples {
            let mut l = labels.without_name();
            for (k, val) in &self.spec.labels {
                l = l.with(k, &expand(val, &labels, v));
            }
            l = l.with("alertname", &self.spec.alert);
            let annotations = self
                .spec
                .annotations
                .iter()
                .map(|(k, a)| (k.clone(), expand(a, &labels, v)))
                .collect();
            seen.insert(l, (v, annotations));
        }
        self.alerts.retain(|l, _| seen.contains_key(l));
        for (labels, (value, annotations)) in seen {
            let alert = self.alerts.entry(labels.clone()).or_insert(Alert {
                labels,
                annotations: BTreeMap::new(),
                state: AlertState::Pending,
                active_at_ms: t_ms,
                value,
            });
            alert.value = value;
            alert.annotations = annotations;
            if alert.state == AlertState::Pending && t_ms - alert.active_at_ms >= self.spec.for_.millis {
                alert.state = AlertState::Firing;
            }
        }
    }
}

/// Expands `{{ $labels.NAME }}`, `{{ $value }}` and `{{ $labels }}`-free text, the template
/// forms drill rules use.
fn expand(template: &str, labels: &Labels, value: f64) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = rest[open + 2..open + close].trim();
        if inner == "$value" {
            out.push_str(&format_value(value));
        } else if let Some(name) = inner.strip_prefix("$labels.") {
            out.push_str(labels.get(name).unwrap_or(""));
        } else {
            out.push_str(&rest[open..open + close + 2]);
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

fn rule(alert: &str, expr: String, for_s: i64, severity: &str, summary: &str) -> AlertRule {
    AlertRule {
        alert: alert.into(),
        expr,
        for_: crate::scenario::quantity::Duration::from_secs(for_s),
        labels: BTreeMap::from([("severity".to_string(), severity.to_string())]),
        annotations: BTreeMap::from([("summary".to_string(), summary.to_string())]),
    }
}

/// The scenario's rules, or the defaults when it lists none.
pub fn scenario_rules(scenario: &Scenario) -> Vec<AlertRule> {
    if let Some(rules) = &scenario.alerts {
        return rules.iter().map(|r| r.get().clone()).collect();
    }
    let mut out = service_rules(&services(scenario), i64::MAX);
    out.extend(pod_rules(""));
    out.push(rule(
        "KubeNodeNotReady",
        "kube_node_status_condition{condition=\"Ready\",status=\"true\"} == 0".into(),
        60,
        "warning",
        "Node {{ $labels.node }} is not ready",
    ));
    out.push(rule(
        "KubeNodeMemoryPressure",
        "kube_node_status_condition{condition=\"MemoryPressure\",status=\"true\"} == 1".into(),
        60,
        "warning",
        "Node {{ $labels.node }} is under memory pressure",
    ));
    out
}

/// The rules of one workload's pods and replicas (a replay's branched one), as the defaults
/// have them for every workload.
pub fn workload_rules(namespace: &str, name: &str) -> Vec<AlertRule> {
    // Its pods as its controller names them: `NAME-HASH-ID`, or `NAME-ID`.
    pod_rules(&format!(
        "{{namespace=\"{namespace}\",pod=~\"{}-[^-]+(-[^-]+)?\"}}",
        regex::escape(name)
    ))
    .into_iter()
    .map(|mut r| {
        if r.alert == "KubeDeploymentReplicasMismatch" {
            let sel = format!("namespace=\"{namespace}\",deployment=\"{name}\"");
            r.expr =
                format!("kube_deployment_spec_replicas{{{sel}}} != kube_deployment_status_replicas_available{{{sel}}}");
        }
        r
    })
    .collect()
}

/// The crashloop and replica-mismatch rules, over the restart series `selector` (`{…}`, or
/// empty for all) picks.
fn pod_rules(selector: &str) -> Vec<AlertRule> {
    vec![
        rule(
            "KubePodCrashLooping",
            format!("increase(kube_pod_container_status_restarts_total{selector}[15m]) >= 2"),
            60,
            "warning",
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} keeps restarting",
        ),
        rule(
            "KubeDeploymentReplicasMismatch",
            "kube_deployment_spec_replicas != kube_deployment_status_replicas_available".into(),
            180,
            "warning",
            "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} lacks available replicas",
        ),
    ]
}

/// The SLO burn-rate and latency rules of each Service with traffic.
/// A rule whose window reaches further back than `history_ms` (the samples a replay holds) is
/// left out: it would read minutes of errors as if they were hours.
pub fn service_rules(services: &[ServiceModel], history_ms: i64) -> Vec<AlertRule> {
    const HOUR: i64 = 3_600_000;
    let fits = |long_h: i64| long_h * HOUR <= history_ms;
    let mut out = Vec::new();
    // One set of rules per Service: a canary and its stable release share theirs.
    let mut seen = std::collections::BTreeSet::new();
    let healthy = healthy_latency(services);
    for (s, healthy_latency_s) in services.iter().zip(healthy) {
        if !seen.insert((s.namespace.clone(), s.service.clone())) {
            continue;
        }
        let sel = format!("namespace=\"{}\",service=\"{}\"", s.namespace, s.service);
        let ratio = |w: &str| {
            format!(
                "sum by (namespace, service) (rate(http_requests_total{{{sel},code=~\"5..\"}}[{w}])) / sum by (namespace, service) (rate(http_requests_total{{{sel}}}[{w}]))"
            )
        };
        let budget = 1.0 - s.objective;
        let pair = |long: &str, short: &str, burn: f64| {
            let threshold = format_value(burn * budget);
            format!("({} > {threshold} and {} > {threshold})", ratio(long), ratio(short))
        };
        let fast: Vec<String> = [(1, "1h", "5m", 14.4), (6, "6h", "30m", 6.0)]
            .into_iter()
            .filter(|(hours, ..)| fits(*hours))
            .map(|(_, long, short, burn)| pair(long, short, burn))
            .collect();
        if !fast.is_empty() {
            out.push(rule(
                "ErrorBudgetBurn",
                fast.join(" or "),
                60,
                "page",
                &format!(
                    "{} is burning its {} error budget fast ({{{{ $value }}}} of requests fail)",
                    s.service,
                    format_value(s.objective)
                ),
            ));
        }
        if fits(72) {
            out.push(rule(
                "ErrorBudgetBurnSlow",
                pair("3d", "6h", 1.0),
                0,
                "ticket",
                &format!("{} is using its error budget faster than it refills", s.service),
            ));
        }
        let slow = format_value((healthy_latency_s * 10.0).max(0.25));
        out.push(rule(
            "HighLatency",
            format!(
                "histogram_quantile(0.99, sum by (le, namespace, service) (rate(http_request_duration_seconds_bucket{{{sel}}}[5m]))) > {slow}"
            ),
            120,
            "warning",
            &format!("{} p99 latency is over {slow}s ({{{{ $value }}}}s)", s.service),
        ));
    }
    out
}

/// The drill's one rule group.
#[derive(Debug, Clone)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<Rule>,
    pub last_evaluation_ms: Option<i64>,
    pub evaluation_seconds: f64,
}

impl RuleGroup {
    pub fn new(name: &str, rules: Vec<AlertRule>) -> RuleGroup {
        RuleGroup {
            name: name.into(),
            rules: rules.into_iter().map(Rule::new).collect(),
            last_evaluation_ms: None,
            evaluation_seconds: 0.0,
        }
    }

    pub fn evaluate(&mut self, store: &SeriesStore, t_ms: i64) {
        let started = std::time::Instant::now();
        for r in &mut self.rules {
            r.evaluate(store, t_ms);
        }
        self.evaluation_seconds = started.elapsed().as_secs_f64();
        self.last_evaluation_ms = Some(t_ms);
    }

    /// Every pending or firing alert, by rule order then labels.
    pub fn alerts(&self) -> impl Iterator<Item = &Alert> {
        self.rules.iter().flat_map(|r| r.alerts.values())
    }

    /// `/api/v1/rules` data; `kind` filters on `alert` or `record`.
    pub fn api_rules(&self, kind: Option<&str>) -> Value {
        let rules: Vec<Value> = if kind == Some("record") {
            Vec::new()
        } else {
            self.rules.iter().map(rule_json).collect()
        };
        json!({"groups": [{
            "name": self.name,
            "file": "scenario",
            "rules": rules,
            "interval": EVALUATION_INTERVAL_MS / 1000,
            "limit": 0,
            "evaluationTime": self.evaluation_seconds,
            "lastEvaluation": self.last_evaluation_ms.map_or_else(zero_time, rfc3339_nanos),
        }]})
    }

    /// `/api/v1/alerts` data.
    pub fn api_alerts(&self) -> Value {
        json!({"alerts": self.alerts().map(alert_json).collect::<Vec<_>>()})
    }
}

fn zero_time() -> String {
    "0001-01-01T00:00:00Z".into()
}

/// RFC 3339 with nanoseconds, as Prometheus writes times.
pub fn rfc3339_nanos(t_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(t_ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
        .unwrap_or_else(|_| zero_time())
}

/// A value as Go's `%e` writes it (`3e+00`, `1.44e-02`), as `/api/v1/alerts` shows values.
fn go_exponent(v: f64) -> String {
    if !v.is_finite() {
        return format_value(v);
    }
    let s = format!("{v:e}");
    let Some((mantissa, exp)) = s.split_once('e') else {
        return s;
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

fn alert_json(a: &Alert) -> Value {
    json!({
        "labels": a.labels,
        "annotations": a.annotations,
        "state": a.state.as_str(),
        "activeAt": rfc3339_nanos(a.active_at_ms),
        "value": go_exponent(a.value),
    })
}

fn rule_json(r: &Rule) -> Value {
    let mut v = json!({
        "state": r.state(),
        "name": r.spec.alert,
        "query": r.spec.expr,
        "duration": r.spec.for_.millis / 1000,
        "keepFiringFor": 0,
        "labels": r.spec.labels,
        "annotations": r.spec.annotations,
        "alerts": r.alerts.values().map(alert_json).collect::<Vec<_>>(),
        "health": if r.last_error.is_some() { "err" } else if r.last_evaluation_ms.is_some() { "ok" } else { "unknown" },
        "evaluationTime": r.evaluation_seconds,
        "lastEvaluation": r.last_evaluation_ms.map_or_else(zero_time, rfc3339_nanos),
        "type": "alerting",
    });
    if let Some(e) = &r.last_error {
        v["lastError"] = json!(e);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(expr: &str, for_s: i64) -> AlertRule {
        let mut r = rule("Test", expr.into(), for_s, "page", "{{ $labels.pod }} at {{ $value }}");
        r.labels.insert("team".into(), "{{ $labels.pod }}".into());
        r
    }

    #[test]
    fn pending_then_firing_then_resolved() {
        let mut store = SeriesStore::new();
        for i in 0..20 {
            let v = if (5..15).contains(&i) { 1.0 } else { 0.0 };
            store
                .append(&[("__name__", "errors"), ("pod", "a")], i * 15_000, v)
                .expect("append");
        }
        let mut r = Rule::new(spec("errors > 0", 30));
        let mut states = Vec::new();
        for i in 0..20 {
            r.evaluate(&store, i * 15_000);
            states.push(r.state());
        }
        assert_eq!(&states[4..9], ["inactive", "pending", "pending", "firing", "firing"]);
        assert_eq!(states[15], "inactive");
        r.evaluate(&store, 7 * 15_000);
        let a = r.alerts.values().next().expect("alert");
        assert_eq!(a.labels.get("alertname"), Some("Test"));
        assert_eq!(a.labels.get("team"), Some("a"));
        assert_eq!(a.annotations["summary"], "a at 1");
        assert_eq!(rule_json(&r)["health"], "ok");
    }

    #[test]
    fn values_print_as_go_does() {
        assert_eq!(go_exponent(1.0), "1e+00");
        assert_eq!(go_exponent(0.0144), "1.44e-02");
        assert_eq!(go_exponent(f64::NAN), "NaN");
    }

    #[test]
    fn a_broken_rule_reports_its_error() {
        let mut r = Rule::new(spec("rate(errors[5m]", 0));
        r.evaluate(&SeriesStore::new(), 0);
        assert_eq!(rule_json(&r)["health"], "err");
    }
}
