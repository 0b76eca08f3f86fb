//! The drill's monitoring stack in one owner: the sample store fed by the signal models, the
//! alert rules evaluated after each scrape step, and the Alertmanager the firing alerts are
//! sent to (with `endsAt` a minute ahead while they fire, and now once they resolve). A replay
//! of a recording that holds samples feeds the store and the Alertmanager from the recording
//! instead: no rules run, and the models make only the signals of the workloads a player took
//! over (see `branch`).

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::alertmanager::{Alertmanager, PostableAlert};
use super::branch::{self, Branched};
use super::labels::Labels;
use super::observe::Observation;
use super::replayed::{self, RecordedSamples, Replayed};
use super::rules::{
    Alert, AlertState, EVALUATION_INTERVAL_MS, Rule, RuleGroup, scenario_rules, service_rules, workload_rules,
};
use super::signals::SignalModels;
use crate::scenario::Scenario;

/// The most rule evaluations one batch of observations gets (ten minutes of steps). A clock
/// that runs faster than the machine evaluates the rules (a large cluster, a high speed, a
/// debug build) would otherwise fall further behind with every batch and hold the stack's lock
/// for good; a stopped clock advanced in one jump gets its last ten minutes evaluated.
pub const CATCH_UP_EVALUATIONS: usize = 40;

/// How far back the history is backfilled at start.
pub const HISTORY_MS: i64 = 3 * 24 * 3_600_000;

pub struct Monitoring {
    pub signals: SignalModels,
    pub rules: RuleGroup,
    pub alertmanager: Alertmanager,
    /// The latest recorded step.
    pub now_ms: i64,
    /// Label sets of the alerts that fired at the last evaluation.
    firing: BTreeMap<BTreeMap<String, String>, PostableAlert>,
    /// A replay's recorded samples (none: the models make them).
    recorded: Option<RecordedSamples>,
    /// The workloads of a replay whose signals the models make since the timeline branched.
    branched: Vec<Branched>,
    /// Rule evaluations skipped because the clock ran ahead (Prometheus'
    /// `prometheus_rule_group_iterations_missed_total`).
    pub missed_evaluations: u64,
}

/// A label map as the name and value pairs `Branched::owns` reads.
fn pairs(labels: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    labels.iter().map(|(n, v)| (n.as_str(), v.as_str()))
}

/// A recorded series' labels as the pairs `Branched::owns` reads.
fn pairs_of(labels: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    labels.iter().map(|(n, v)| (n.as_str(), v.as_str()))
}

fn label_map(l: &Labels) -> BTreeMap<String, String> {
    l.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

impl Monitoring {
    #[cfg(any(test, feature = "internals"))]
    /// Builds the stack with `history_ms` of samples ending at the observation `base`.
    pub fn new(scenario: &Scenario, seed: u64, base: &Observation, history_ms: i64) -> Monitoring {
        let mut m = Monitoring::empty(scenario, seed);
        m.backfill(base, history_ms);
        m
    }

    /// The stack with no samples yet; `backfill` must come before any `record`.
    pub fn empty(scenario: &Scenario, seed: u64) -> Monitoring {
        Monitoring {
            signals: SignalModels::new(scenario, seed),
            rules: RuleGroup::new(&scenario.name, scenario_rules(scenario)),
            alertmanager: Alertmanager::new(seed),
            now_ms: i64::MIN,
            firing: BTreeMap::new(),
            recorded: None,
            branched: Vec::new(),
            missed_evaluations: 0,
        }
    }

    /// The stack of a replay whose recording holds `samples`: they take the models' and the
    /// rules' place (a recording without samples keeps the models, over its objects).
    pub fn replaying(mut self, samples: RecordedSamples) -> Monitoring {
        if !samples.is_empty() {
            self.recorded = Some(samples);
        }
        self
    }

    /// Follows what a replay tells, in order.
    pub fn replayed(&mut self, told: Vec<Replayed>) {
        for r in told {
            match r {
                Replayed::Alerts { at, alerts } => {
                    let branched = &self.branched;
                    replayed::apply_alerts(&mut self.alertmanager, &alerts, at, |labels| {
                        branched.iter().any(|b| b.owns(pairs(labels)))
                    });
                }
                Replayed::Silences { at, silences } => {
                    replayed::apply_silences(&mut self.alertmanager, &silences, at);
                }
                Replayed::Seek { to } => {
                    if let Some(r) = self.recorded.as_mut() {
                        self.signals.start_over();
                        r.rewind();
                    }
                    self.branched.clear();
                    self.firing.clear();
                    self.now_ms = to;
                }
                Replayed::Branched { workload, pods, at } => self.branch(&workload, pods, at),
            }
        }
    }

    /// `workload` left the recording at `at`: the recording up to then is shown, its series
    /// after it withheld, and its service modelled as the recording showed it.
    fn branch(&mut self, workload: &str, pods: Vec<String>, at: i64) {
        let Some(recorded) = self.recorded.as_mut() else {
            return;
        };
        recorded.reveal(&mut self.signals.store, at);
        let b = Branched::new(workload, pods, at, &self.signals.store);
        recorded.withhold(at, |labels| b.owns(pairs_of(labels)));
        let from = recorded.first_ms().unwrap_or(at);
        let model = b.model(&self.signals.store, from);
        if model.is_none() {
            tracing::info!(workload, "a branched workload's recording has no requests to model");
        }
        // Its alerts are the drill's rules' from now on: those the recording has firing go on
        // firing under the rule of their name (which resolves them once it no longer holds);
        // any other ends here.
        if self.branched.is_empty() {
            self.rules.rules.clear();
        }
        let mut rules: Vec<Rule> = service_rules(model.as_slice(), at - from)
            .into_iter()
            .chain(workload_rules(&b.namespace, &b.name))
            .map(Rule::new)
            .collect();
        let now = Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
        for a in self.alertmanager.alerts.values_mut() {
            if a.ends_at <= now || a.starts_at > now || !b.owns(pairs(&a.labels)) {
                continue;
            }
            let name = a.labels.get("alertname").map_or("", String::as_str);
            match rules.iter_mut().find(|r| r.spec.alert == name) {
                Some(rule) => {
                    let labels = a.labels.iter().fold(Labels::empty(), |l, (n, v)| l.with(n, v));
                    rule.alerts.insert(
                        labels.clone(),
                        Alert {
                            labels,
                            annotations: a.annotations.clone(),
                            state: AlertState::Firing,
                            active_at_ms: a.starts_at.as_millisecond(),
                            value: f64::NAN,
                        },
                    );
                    self.firing.insert(
                        a.labels.clone(),
                        PostableAlert {
                            labels: a.labels.clone(),
                            annotations: a.annotations.clone(),
                            starts_at: Some(a.starts_at),
                            ends_at: None,
                            generator_url: None,
                        },
                    );
                }
                None => {
                    a.ends_at = now;
                    a.updated_at = now;
                }
            }
        }
        self.rules.rules.extend(rules);
        if let Some(model) = model {
            self.signals.services.push(model);
        }
        self.branched.push(b);
    }

    /// Shows the recorded samples up to `now` (a replay's; nothing otherwise).
    pub fn reveal(&mut self, now: i64) {
        if let Some(r) = self.recorded.as_mut() {
            r.reveal(&mut self.signals.store, now);
        }
    }

    /// Fills `history_ms` of samples ending at the observation `base`, then evaluates the
    /// rules once.
    pub fn backfill(&mut self, base: &Observation, history_ms: i64) {
        // A replay's samples are shown by `reveal`, as the clock passes them.
        if self.recorded.is_some() {
            self.now_ms = base.t_ms;
            return;
        }
        self.signals.backfill(base, history_ms);
        self.now_ms = base.t_ms;
        self.evaluate(base.t_ms);
    }

    /// Records observations (in time order) and evaluates the rules after each of the latest
    /// [`CATCH_UP_EVALUATIONS`]; the evaluations before those are missed, as a Prometheus that
    /// falls behind misses them.
    pub fn record(&mut self, observations: Vec<Observation>) {
        let new: Vec<Observation> = observations.into_iter().filter(|o| o.t_ms > self.now_ms).collect();
        let evaluated_from = new.len().saturating_sub(CATCH_UP_EVALUATIONS);
        if evaluated_from > 0 && self.recorded.is_none() {
            self.missed_evaluations += evaluated_from as u64;
            tracing::warn!(
                missed = evaluated_from,
                "the drill's rules fell behind its clock; evaluations were missed"
            );
        }
        for (i, obs) in new.into_iter().enumerate() {
            if obs.t_ms <= self.now_ms {
                continue;
            }
            self.now_ms = obs.t_ms;
            if self.recorded.is_some() {
                if !self.branched.is_empty() {
                    self.signals.record_workloads(&branch::observed(&self.branched, &obs));
                    if i >= evaluated_from {
                        self.evaluate(obs.t_ms);
                    }
                }
                continue;
            }
            self.signals.record(&obs);
            if i >= evaluated_from {
                self.evaluate(obs.t_ms);
            }
        }
    }

    fn evaluate(&mut self, t_ms: i64) {
        self.rules.evaluate(&self.signals.store, t_ms);
        let now = Timestamp::from_millisecond(t_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let until = Timestamp::from_millisecond(t_ms + 4 * EVALUATION_INTERVAL_MS).unwrap_or(now);
        let mut firing = BTreeMap::new();
        for a in self.rules.alerts().filter(|a| a.state == AlertState::Firing) {
            let labels = label_map(&a.labels);
            firing.insert(
                labels.clone(),
                PostableAlert {
                    labels,
                    annotations: a.annotations.clone(),
                    starts_at: Timestamp::from_millisecond(a.active_at_ms).ok(),
                    ends_at: Some(until),
                    generator_url: None,
                },
            );
        }
        let mut send: Vec<PostableAlert> = firing.values().cloned().collect();
        for (labels, mut resolved) in std::mem::take(&mut self.firing) {
            if !firing.contains_key(&labels) {
                resolved.ends_at = Some(now);
                send.push(resolved);
            }
        }
        self.firing = firing;
        if !send.is_empty()
            && let Err(e) = self.alertmanager.receive(send, now)
        {
            tracing::warn!(error = ?e, "the drill's Alertmanager refused the rules' alerts");
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// The virtual time of the latest step.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.now_ms).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use warroom_recording::record::Series;

    use super::*;
    use crate::metrics::observe::PodObservation;

    const MINUTE: i64 = 60_000;
    const PODS: [&str; 2] = ["checkout-5d8-aaaaa", "checkout-5d8-bbbbb"];

    /// Checkout's requests at 10 rps a pod until `end`, half failing from ten minutes before
    /// `failing_until`, none after it.
    fn recorded(end: i64, failing_until: i64) -> RecordedSamples {
        let mut series = Vec::new();
        for pod in PODS {
            for code in ["200", "500"] {
                let (mut total, mut values) = (0.0, Vec::new());
                for t in (0..=end).step_by(15_000) {
                    let failing = if (failing_until - 10 * MINUTE..=failing_until).contains(&t) {
                        0.5
                    } else {
                        0.0
                    };
                    total += 150.0 * if code == "500" { failing } else { 1.0 - failing };
                    values.push((t, total));
                }
                let metric = [
                    ("__name__", "http_requests_total"),
                    ("namespace", "shop"),
                    ("service", "checkout"),
                    ("pod", pod),
                    ("code", code),
                ];
                series.push(Series {
                    metric: metric.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
                    values,
                });
            }
        }
        RecordedSamples::new(series)
    }

    fn observed(t_ms: i64, ready: bool) -> Observation {
        let pods = PODS
            .iter()
            .map(|name| PodObservation {
                namespace: Arc::from("shop"),
                name: Arc::from(*name),
                container: Arc::from("checkout"),
                workload: Some(Arc::from("shop/checkout")),
                node: Some(Arc::from("node-1")),
                running: true,
                ready,
                terminating: false,
                restarts: if ready { 0 } else { 3 },
                cpu: 0.1,
                memory: 1e8,
                cpu_request: None,
                cpu_limit: None,
                in_service: true,
                image_errors: 0.0,
                created_ms: None,
            })
            .collect();
        Observation {
            t_ms,
            pods,
            deployments: Vec::new(),
            nodes: Vec::new(),
            surges: Default::default(),
        }
    }

    fn burning(m: &Monitoring, now: i64) -> Vec<String> {
        let now = Timestamp::from_millisecond(now).expect("a time");
        m.alertmanager
            .alerts
            .values()
            .filter(|a| a.ends_at > now)
            .map(|a| {
                format!(
                    "{} {}",
                    a.labels["alertname"],
                    a.labels.get("service").map_or("", String::as_str)
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn a_branched_workloads_recorded_alert_goes_on_under_the_drills_rule_until_it_recovers() {
        let scenario: Scenario =
            serde_saphyr::from_str("name: replay\ntitle: \"Replay\"\ndescription: \"d\"\nnodes: []\n")
                .expect("a header");
        let branch_at = 120 * MINUTE;
        let mut m = Monitoring::empty(&scenario, 1).replaying(recorded(branch_at + 10 * MINUTE, branch_at));
        let alert = |name: &str, service: &str| {
            json!({"labels": {"alertname": name, "namespace": "shop", "service": service, "severity": "page"},
                   "startsAt": "1970-01-01T01:55:00Z"})
        };
        m.replayed(vec![Replayed::Alerts {
            at: branch_at - MINUTE,
            alerts: vec![alert("ErrorBudgetBurn", "checkout"), alert("ErrorBudgetBurn", "cart")],
        }]);
        m.replayed(vec![Replayed::Branched {
            workload: "shop/checkout".into(),
            pods: PODS.iter().map(|p| p.to_string()).collect(),
            at: branch_at,
        }]);
        // The players' checkout crashloops: its page goes on firing, no gap while `for:` runs.
        let steps = |from: i64, minutes: i64| (1..=minutes * 4).map(move |k| from + k * 15_000);
        for t in steps(branch_at, 2) {
            m.record(vec![observed(t, false)]);
            m.reveal(t);
            assert_eq!(
                burning(&m, t),
                ["ErrorBudgetBurn cart", "ErrorBudgetBurn checkout"],
                "at {t}"
            );
        }
        // The recording's later alerts leave the branch's alone (cart's is the recording's).
        m.replayed(vec![Replayed::Alerts {
            at: branch_at + 2 * MINUTE,
            alerts: vec![alert("ErrorBudgetBurn", "cart")],
        }]);
        assert_eq!(
            burning(&m, branch_at + 2 * MINUTE),
            ["ErrorBudgetBurn cart", "ErrorBudgetBurn checkout"]
        );
        // Recovered: its 5-minute error ratio drains, and the rule resolves it.
        let recovered_from = branch_at + 2 * MINUTE;
        for t in steps(recovered_from, 10) {
            m.record(vec![observed(t, true)]);
            m.reveal(t);
        }
        assert_eq!(burning(&m, recovered_from + 10 * MINUTE), ["ErrorBudgetBurn cart"]);
    }
}
