//! What the console knows about a cluster's metrics and alerts: golden signals per service
//! (current value, a short history for sparklines, SLO burn rates), firing and pending alerts
//! with their silenced state, silences, and each source's freshness. Plain data changed by
//! `apply`; no I/O, nothing drawn. Text from the servers is cleaned where it enters.

use std::collections::{BTreeMap, VecDeque};

use crate::text::CleanText;

use super::alertmanager;
use super::http::Server;
use super::panels::{BurnLevel, Target, Unit, burn_level};
use super::prometheus;
use crate::freshness::Freshness;

/// Points kept per signal for a sparkline.
pub const HISTORY: usize = 60;

/// One panel's state for one service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signal {
    pub unit: Unit,
    /// The latest value (`None`: no data, e.g. no series matched).
    pub value: Option<f64>,
    /// Oldest first, at most `HISTORY` points; NaN where there was no data.
    pub history: VecDeque<f64>,
    /// When the latest value was taken (seconds since the epoch).
    pub at: i64,
    /// The query's own error (a bad template or series), verbatim.
    pub error: Option<CleanText>,
}

impl Signal {
    fn push(&mut self, v: f64) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(v);
    }
}

/// The SLO state of a service: burn rate per window and the level they add up to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Burn {
    /// The objective, e.g. 0.999.
    pub objective: f64,
    /// Burn rate per window (`5m`, `1h`...).
    pub rates: BTreeMap<&'static str, f64>,
    pub level: BurnLevel,
}

/// Golden signals of one service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceSignals {
    pub namespace: CleanText,
    pub service: CleanText,
    /// By panel name, in configured order.
    pub signals: Vec<(CleanText, Signal)>,
    pub burn: Option<Burn>,
}

impl ServiceSignals {
    pub fn signal(&self, panel: &str) -> Option<&Signal> {
        self.signals.iter().find(|(n, _)| n.as_str() == panel).map(|(_, s)| s)
    }

    fn signal_mut(&mut self, panel: &str, unit: Unit) -> &mut Signal {
        let i = match self.signals.iter().position(|(n, _)| n.as_str() == panel) {
            Some(i) => i,
            None => {
                self.signals.push((
                    CleanText::line(panel),
                    Signal {
                        unit,
                        ..Signal::default()
                    },
                ));
                self.signals.len() - 1
            }
        };
        &mut self.signals[i].1
    }
}

/// Where an alert was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertState {
    Pending,
    Firing,
}

/// An alert as a responder sees it: from Prometheus (pending or firing) and/or Alertmanager
/// (which knows whether it is silenced or inhibited).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub name: CleanText,
    pub state: AlertState,
    pub labels: BTreeMap<CleanText, CleanText>,
    pub summary: Option<CleanText>,
    pub severity: Option<CleanText>,
    /// Seconds since the epoch.
    pub since: Option<i64>,
    /// Silence ids that mute it (empty: not silenced).
    pub silenced_by: Vec<CleanText>,
    pub inhibited_by: Vec<CleanText>,
    /// Seen in Prometheus's rules / in Alertmanager.
    pub in_prometheus: bool,
    pub in_alertmanager: bool,
}

/// The `severity` label values that mean an alert pages someone (kube-prometheus-stack's
/// `critical`, and `page` as many teams write it); `warning` and `info` do not.
pub const PAGING_SEVERITIES: [&str; 2] = ["critical", "page"];

impl AlertRow {
    /// Its severity, lower-cased: the `severity` it was given, else its `severity` label.
    pub fn severity_word(&self) -> Option<String> {
        let severity = self.severity.as_ref().or_else(|| {
            self.labels
                .iter()
                .find(|(k, _)| k.as_str() == "severity")
                .map(|(_, v)| v)
        });
        severity.map(|s| s.as_str().to_ascii_lowercase())
    }

    /// Whether its severity label says it pages.
    pub fn pages(&self) -> bool {
        self.severity_word()
            .is_some_and(|s| PAGING_SEVERITIES.contains(&s.as_str()))
    }

    pub fn silenced(&self) -> bool {
        !self.silenced_by.is_empty()
    }

    /// Its labels as `key=value` words, leaving out those named in `skip`.
    pub fn labels_text(&self, skip: &[&str]) -> String {
        self.labels
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A silence, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    pub id: CleanText,
    pub state: alertmanager::SilenceState,
    /// `name="value"`, `name=~"re"`, ... joined by commas.
    pub matchers: CleanText,
    pub created_by: CleanText,
    pub comment: CleanText,
    pub ends_at: i64,
}

/// One sample for a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub target: Target,
    pub panel: String,
    pub unit: Unit,
    pub at: i64,
    pub result: Result<Option<f64>, String>,
}

/// What the poller sends to the model's owner.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The latest values of panels.
    Readings(Vec<Reading>),
    /// History filled from a range query at start (oldest first).
    History {
        target: Target,
        panel: String,
        unit: Unit,
        points: Vec<f64>,
    },
    /// Burn rates of a service per window.
    Burn {
        target: Target,
        objective: f64,
        rates: Vec<(&'static str, f64)>,
    },
    /// Prometheus's pending and firing alerts.
    PrometheusAlerts(Vec<prometheus::Alert>),
    /// Alertmanager's alerts and silences.
    Alertmanager {
        alerts: Vec<alertmanager::Alert>,
        silences: Vec<alertmanager::Silence>,
    },
    Freshness(Server, Freshness),
}

#[derive(Debug, Default)]
pub struct ObserveModel {
    pub services: BTreeMap<(CleanText, CleanText), ServiceSignals>,
    /// Firing first, then pending; by name.
    pub alerts: Vec<AlertRow>,
    pub silences: Vec<SilenceRow>,
    pub freshness: BTreeMap<Server, Freshness>,
    prometheus_alerts: Vec<prometheus::Alert>,
    alertmanager_alerts: Vec<alertmanager::Alert>,
    pub applied: u64,
}

fn clean_labels(l: &BTreeMap<String, String>) -> BTreeMap<CleanText, CleanText> {
    l.iter()
        .map(|(k, v)| (CleanText::line(k), CleanText::line(v)))
        .collect()
}

fn key(t: &Target) -> (CleanText, CleanText) {
    (CleanText::line(&t.namespace), CleanText::line(&t.service))
}

fn matcher_text(m: &alertmanager::Matcher) -> String {
    let op = match (m.is_equal, m.is_regex) {
        (true, false) => "=",
        (false, false) => "!=",
        (true, true) => "=~",
        (false, true) => "!~",
    };
    format!("{}{op}{:?}", m.name, m.value)
}

impl ObserveModel {
    /// A model for these sources, each `Connecting`.
    pub fn new(sources: &[Server]) -> ObserveModel {
        let mut m = ObserveModel::default();
        for s in sources {
            m.freshness.insert(*s, Freshness::Connecting);
        }
        m
    }

    fn service(&mut self, t: &Target) -> &mut ServiceSignals {
        let k = key(t);
        self.services.entry(k.clone()).or_insert_with(|| ServiceSignals {
            namespace: k.0,
            service: k.1,
            ..ServiceSignals::default()
        })
    }

    pub fn apply(&mut self, update: Update) {
        self.applied += 1;
        match update {
            Update::Readings(readings) => {
                for r in readings {
                    let s = self.service(&r.target).signal_mut(&r.panel, r.unit);
                    s.unit = r.unit;
                    s.at = r.at;
                    match r.result {
                        Ok(v) => {
                            s.value = v;
                            s.error = None;
                            s.push(v.unwrap_or(f64::NAN));
                        }
                        Err(e) => {
                            s.error = Some(CleanText::block(&e));
                            s.push(f64::NAN);
                        }
                    }
                }
            }
            Update::History {
                target,
                panel,
                unit,
                points,
            } => {
                let s = self.service(&target).signal_mut(&panel, unit);
                let mut history: VecDeque<f64> = points.into_iter().collect();
                history.extend(s.history.drain(..));
                while history.len() > HISTORY {
                    history.pop_front();
                }
                s.history = history;
            }
            Update::Burn {
                target,
                objective,
                rates,
            } => {
                let rates: BTreeMap<&'static str, f64> = rates.into_iter().collect();
                let level = burn_level(|w| rates.get(w).copied());
                self.service(&target).burn = Some(Burn {
                    objective,
                    rates,
                    level,
                });
            }
            Update::PrometheusAlerts(a) => {
                self.prometheus_alerts = a;
                self.join_alerts();
            }
            Update::Alertmanager { alerts, silences } => {
                self.alertmanager_alerts = alerts;
                self.silences = silences
                    .iter()
                    .map(|s| SilenceRow {
                        id: CleanText::line(&s.id),
                        state: s.status.state,
                        matchers: CleanText::line(&s.matchers.iter().map(matcher_text).collect::<Vec<_>>().join(",")),
                        created_by: CleanText::line(&s.created_by),
                        comment: CleanText::line(&s.comment),
                        ends_at: s.ends_at.as_second(),
                    })
                    .collect();
                self.join_alerts();
            }
            Update::Freshness(source, f) => {
                self.freshness.insert(source, f);
            }
        }
    }

    /// One row per alert: Prometheus's rows take Alertmanager's silenced state when
    /// Alertmanager holds an alert with (at least) the same labels; alerts only Alertmanager
    /// holds (sent by other servers) are listed as firing.
    fn join_alerts(&mut self) {
        let mut rows = Vec::new();
        let mut matched = vec![false; self.alertmanager_alerts.len()];
        for a in &self.prometheus_alerts {
            let state = match a.state {
                prometheus::AlertState::Firing => AlertState::Firing,
                prometheus::AlertState::Pending => AlertState::Pending,
                prometheus::AlertState::Inactive => continue,
            };
            let am = self
                .alertmanager_alerts
                .iter()
                .position(|m| m.name() == a.name() && a.labels.iter().all(|(k, v)| m.labels.get(k) == Some(v)));
            let mut row = AlertRow {
                name: CleanText::line(a.name()),
                state,
                labels: clean_labels(&a.labels),
                summary: a.annotations.get("summary").map(|s| CleanText::line(s)),
                severity: a.labels.get("severity").map(|s| CleanText::line(s)),
                since: a.active_at.map(|t| t.as_second()),
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
                in_prometheus: true,
                in_alertmanager: false,
            };
            if let Some(i) = am {
                matched[i] = true;
                let m = &self.alertmanager_alerts[i];
                row.in_alertmanager = true;
                row.silenced_by = m.status.silenced_by.iter().map(|s| CleanText::line(s)).collect();
                row.inhibited_by = m.status.inhibited_by.iter().map(|s| CleanText::line(s)).collect();
            }
            rows.push(row);
        }
        for (m, _) in self
            .alertmanager_alerts
            .iter()
            .zip(&matched)
            .filter(|(_, seen)| !**seen)
        {
            rows.push(AlertRow {
                name: CleanText::line(m.name()),
                state: AlertState::Firing,
                labels: clean_labels(&m.labels),
                summary: m.annotations.get("summary").map(|s| CleanText::line(s)),
                severity: m.labels.get("severity").map(|s| CleanText::line(s)),
                since: m.starts_at.map(|t| t.as_second()),
                silenced_by: m.status.silenced_by.iter().map(|s| CleanText::line(s)).collect(),
                inhibited_by: m.status.inhibited_by.iter().map(|s| CleanText::line(s)).collect(),
                in_prometheus: false,
                in_alertmanager: true,
            });
        }
        rows.sort_by(|a, b| b.state.cmp(&a.state).then_with(|| a.name.cmp(&b.name)));
        self.alerts = rows;
    }

    /// Alerts firing and not silenced or inhibited: what is paging people now.
    pub fn loud_alerts(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts
            .iter()
            .filter(|a| a.state == AlertState::Firing && !a.silenced() && a.inhibited_by.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            namespace: "shop".into(),
            service: "checkout".into(),
        }
    }

    fn reading(v: Result<Option<f64>, String>) -> Update {
        Update::Readings(vec![Reading {
            target: target(),
            panel: "errors".into(),
            unit: Unit::Ratio,
            at: 100,
            result: v,
        }])
    }

    #[test]
    fn readings_keep_value_and_a_bounded_history() {
        let mut m = ObserveModel::new(&[Server::Prometheus]);
        m.apply(Update::History {
            target: target(),
            panel: "errors".into(),
            unit: Unit::Ratio,
            points: vec![0.1; HISTORY],
        });
        for i in 0..5 {
            m.apply(reading(Ok(Some(i as f64))));
        }
        m.apply(reading(Ok(None)));
        let s = &m.services[&(CleanText::line("shop"), CleanText::line("checkout"))];
        let e = s.signal("errors").expect("errors");
        assert_eq!(e.value, None);
        assert_eq!(e.history.len(), HISTORY);
        assert_eq!(e.history[HISTORY - 2], 4.0);
        assert!(e.history[HISTORY - 1].is_nan());
        m.apply(reading(Err("bad_data: \x1b[31mboom".into())));
        let e = m
            .services
            .values()
            .next()
            .and_then(|s| s.signal("errors"))
            .expect("errors");
        assert_eq!(e.error.as_deref(), Some("bad_data: boom"));
    }

    #[test]
    fn burn_rates_add_up_to_a_level() {
        let mut m = ObserveModel::default();
        m.apply(Update::Burn {
            target: target(),
            objective: 0.999,
            rates: vec![("5m", 20.0), ("1h", 15.0), ("30m", 1.0), ("6h", 1.0), ("3d", 0.5)],
        });
        let b = m.services.values().next().and_then(|s| s.burn.clone()).expect("burn");
        assert_eq!(b.level, BurnLevel::Page);
    }

    #[test]
    fn alerts_join_prometheus_state_with_silences() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let prom = |name: &str, state| prometheus::Alert {
            labels: labels(&[("alertname", name), ("severity", "page")]),
            annotations: labels(&[("summary", "s")]),
            state,
            active_at: None,
            value: "1".into(),
        };
        let am = |name: &str, silenced: &[&str]| alertmanager::Alert {
            labels: labels(&[("alertname", name), ("severity", "page"), ("cluster", "prod")]),
            annotations: BTreeMap::new(),
            starts_at: None,
            ends_at: None,
            fingerprint: String::new(),
            receivers: vec![],
            status: alertmanager::AlertStatus {
                state: if silenced.is_empty() {
                    alertmanager::AlertState::Active
                } else {
                    alertmanager::AlertState::Suppressed
                },
                silenced_by: silenced.iter().map(|s| s.to_string()).collect(),
                inhibited_by: vec![],
            },
        };
        let mut m = ObserveModel::default();
        m.apply(Update::PrometheusAlerts(vec![
            prom("Slow", prometheus::AlertState::Pending),
            prom("Errors", prometheus::AlertState::Firing),
        ]));
        m.apply(Update::Alertmanager {
            alerts: vec![am("Errors", &["s-1"]), am("Injected", &[])],
            silences: vec![],
        });
        let names: Vec<_> = m
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.state, a.silenced()))
            .collect();
        assert_eq!(
            names,
            [
                ("Errors", AlertState::Firing, true),
                ("Injected", AlertState::Firing, false),
                ("Slow", AlertState::Pending, false)
            ]
        );
        assert_eq!(
            m.loud_alerts().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["Injected"]
        );
    }
}
