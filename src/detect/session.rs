//! One running detection: the detector, the change log, the services followed, and what the
//! poller said about burn rates and alerts. It turns the poller's updates and the health
//! model into filings (a detection's record with causes and mitigations, its title and
//! severity) and into scopes back to normal. Pure: whoever runs it files and learns.

use std::collections::BTreeMap;

use super::cause::ChangeLog;
use super::detector::{Detection, Detector, Outcome, Settings, Subject};
use super::measure::Measure;
use super::{feed, mitigate, report};
use crate::cluster::model::ClusterModel;
use crate::cluster::symptoms::{Thresholds, symptoms};
use crate::incident::model::{DetectionRecord, Severity};
use crate::observe::learn::Learned;
use crate::observe::model::Update as Observed;
use crate::observe::panels::Target;
use crate::observe::prometheus::AlertState;
use crate::playbook::Playbook;
use crate::playbook::suggest::Situation;

/// A detection ready for the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Filing {
    pub record: DetectionRecord,
    pub title: String,
    pub severity: Severity,
    /// The detector's time when it was reported (seconds since the epoch).
    pub at: i64,
}

impl Filing {
    /// When it was reported, as a time (now, should the detector's clock be out of range).
    pub fn when(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.at).unwrap_or_else(|_| jiff::Timestamp::now())
    }
}

/// What the session has to say after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// File this: open an incident, or add it to the open one that covers its scope.
    File(Filing),
    /// This scope is back within its baseline.
    Ended(String),
}

#[derive(Debug)]
pub struct Session {
    pub detector: Detector,
    changes: ChangeLog,
    playbooks: Vec<Playbook>,
    /// Services followed, as (namespace, name), and whether their history was asked for.
    scopes: BTreeMap<(String, String), bool>,
    burn_1h: BTreeMap<String, f64>,
    alerts: Vec<(String, BTreeMap<String, String>)>,
}

impl Session {
    pub fn new(settings: Settings, playbooks: Vec<Playbook>) -> Session {
        Session {
            detector: Detector::new(settings),
            changes: ChangeLog::default(),
            playbooks,
            scopes: BTreeMap::new(),
            burn_1h: BTreeMap::new(),
            alerts: Vec::new(),
        }
    }

    /// Follows the services a poller's plan follows.
    pub fn following(mut self, services: &[crate::observe::follow::Followed]) -> Session {
        for s in services {
            self.follow(&s.target, s.objective);
        }
        self
    }

    /// Follows a service (its objective sets its error ratio's floor).
    pub fn follow(&mut self, target: &Target, objective: Option<f64>) {
        if let Some(o) = objective {
            self.detector
                .set_objective(&format!("{}/{}", target.namespace, target.service), o);
        }
        self.scopes
            .entry((target.namespace.clone(), target.service.clone()))
            .or_insert(false);
    }

    /// The services whose history has not been asked for yet; asking is up to the caller,
    /// and they are not offered again.
    pub fn to_learn(&mut self) -> Vec<Target> {
        let mut out = Vec::new();
        for ((namespace, service), asked) in self.scopes.iter_mut().filter(|(_, asked)| !**asked) {
            *asked = true;
            out.push(Target {
                namespace: namespace.clone(),
                service: service.clone(),
            });
        }
        out
    }

    /// The panels whose history the detector learns from.
    pub fn history_panels() -> Vec<&'static str> {
        Measure::ALL.iter().filter_map(|m| m.panel()).collect()
    }

    /// How far back the trailing history goes.
    pub fn trailing(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.detector.settings.trailing.max(0) as u64)
    }

    /// History read from Prometheus.
    pub fn learned(&mut self, all: Vec<Learned>) {
        for l in all {
            let Some(measure) = Measure::of_panel(&l.panel) else {
                continue;
            };
            let subject = Subject::service(&l.target.namespace, &l.target.service);
            self.detector.learn(subject, measure, &l.points, l.seasonal);
        }
    }

    /// The health model has changed: what changed (rollouts, scaling, nodes, warnings) is noted
    /// at `now`, on the clock the readings are stamped with. Called as the model settles, so
    /// that a rollout is seen as one even when it came before the first reading.
    pub fn cluster_changed(&mut self, model: &ClusterModel, now: i64) {
        feed::changes(&mut self.changes, model, now);
    }

    /// Takes in what the poller read, with the health model as it is now.
    pub fn observed(&mut self, u: &Observed, model: &ClusterModel) -> Vec<Said> {
        match u {
            Observed::Readings(readings) => {
                for r in readings {
                    self.follow(&r.target, None);
                }
                let Some(t) = readings.iter().map(|r| r.at).max() else {
                    return Vec::new();
                };
                feed::changes(&mut self.changes, model, t);
                let mut samples = feed::readings(readings);
                samples.extend(feed::cluster(
                    model,
                    &self.detector,
                    self.scopes.keys().map(|(ns, name)| (ns.as_str(), name.as_str())),
                    t,
                ));
                let outcomes = self.detector.observe(samples);
                outcomes.into_iter().map(|o| self.say(o, model)).collect()
            }
            Observed::Burn { target, rates, .. } => {
                if let Some((_, r)) = rates.iter().find(|(w, _)| *w == "1h") {
                    self.burn_1h
                        .insert(format!("{}/{}", target.namespace, target.service), *r);
                }
                Vec::new()
            }
            Observed::PrometheusAlerts(alerts) => {
                self.alerts = alerts
                    .iter()
                    .filter(|a| a.state == AlertState::Firing)
                    .map(|a| (a.name().to_string(), a.labels.clone()))
                    .collect();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn say(&self, o: Outcome, model: &ClusterModel) -> Said {
        match o {
            Outcome::Detected(d) | Outcome::Grew(d) => Said::File(self.filing(&d, model)),
            Outcome::Ended { scope, .. } => Said::Ended(scope),
        }
    }

    fn filing(&self, d: &Detection, model: &ClusterModel) -> Filing {
        let signal = d
            .findings
            .first()
            .map_or("it".to_string(), |f| format!("the {}", f.measure.words()));
        let causes = self.changes.causes(&d.scope, d.onset, &signal);
        let deviating = self.detector.deviating();
        let also: Vec<String> = deviating.iter().filter(|s| **s != d.scope).cloned().collect();
        let mut record = report::record(d, &causes, also);
        let situation = Situation {
            alerts: self.alerts.clone(),
            symptoms: symptoms(model, self.detector.now(), Thresholds::default())
                .iter()
                .map(|s| s.kind)
                .collect(),
            faults: Vec::new(),
        };
        record.mitigations = mitigate::mitigations(&self.playbooks, &d.scope, &causes, &situation);
        Filing {
            title: report::title(d, &causes),
            severity: report::severity(d, deviating.len(), self.burn_1h.get(&d.scope).copied()),
            record,
            at: d.at,
        }
    }
}
