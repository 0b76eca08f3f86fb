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
use super::observe::Observation;
use super::replayed::{self, RecordedSamples, Replayed};
use super::rules::{AlertState, EVALUATION_INTERVAL_MS, RuleGroup, scenario_rules};
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

fn label_map(l: &super::labels::Labels) -> BTreeMap<String, String> {
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
                Replayed::Alerts { at, alerts } => replayed::apply_alerts(&mut self.alertmanager, &alerts, at),
                Replayed::Silences { at, silences } => {
                    replayed::apply_silences(&mut self.alertmanager, &silences, at);
                }
                Replayed::Seek { to } => {
                    if let Some(r) = self.recorded.as_mut() {
                        self.signals.start_over();
                        r.rewind();
                    }
                    self.branched.clear();
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
        recorded.withhold(at, |labels| {
            b.owns(labels.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        });
        let from = recorded.first_ms().unwrap_or(at);
        match b.model(&self.signals.store, from) {
            Some(model) => self.signals.services.push(model),
            None => tracing::info!(workload, "a branched workload's recording has no requests to model"),
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
