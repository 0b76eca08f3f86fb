//! Alerts reach the journal: each time Alertmanager answers, the alerts it has firing that the
//! incident's journal does not have firing are journaled as firing, and those the journal has
//! firing that Alertmanager no longer holds as resolved. Alerts that always fire
//! (kube-prometheus-stack's `Watchdog` and `InfoInhibitor`), `info` and `none` alerts, and,
//! outside drills, alerts that began more than an hour before the incident opened are left
//! out: they would set the incident's "detected" before anything was wrong. (A drill's alerts
//! carry the drill's clock, which a replay sets in the past: all of them are the exercise.)
//! Pure: the writes leave as effects, and the journal link writes only what its journal does
//! not say already.

use std::collections::BTreeMap;

use super::effect::{Effect, IncidentChange};
use super::state::AppState;
use crate::incident::model::Event;
use crate::incident::state::alert_key;
use crate::observe::model::{AlertRow, AlertState};

/// Alerts that fire by design, to prove the pipeline works (kube-prometheus-stack).
const ALWAYS_FIRING: [&str; 2] = ["Watchdog", "InfoInhibitor"];
/// `severity` values that say nothing is wrong.
const QUIET_SEVERITIES: [&str; 2] = ["info", "none"];
/// How long before the incident opened an alert may have begun and still be part of it.
const BEFORE_OPENING_SECS: i64 = 3600;

/// The journal writes that bring the journal's alerts in line with what Alertmanager says is
/// firing now.
pub fn journal(state: &AppState, fx: &mut Vec<Effect>) {
    let Some(incident) = &state.incident else {
        return;
    };
    let since_at_least = (!incident.drill).then(|| incident.opened_at.as_second() - BEFORE_OPENING_SECS);
    let firing: BTreeMap<String, &AlertRow> = state
        .observe
        .alerts
        .iter()
        .filter(|a| a.in_alertmanager && a.state == AlertState::Firing && belongs(a, since_at_least))
        .map(|a| (alert_key(a.name.as_str(), &labels(a)), a))
        .collect();
    for (key, a) in &firing {
        if !incident.alert_firing(key) {
            fx.push(Effect::Change(IncidentChange::Alert(Event::AlertFiring {
                alert: a.name.to_string(),
                labels: labels(a),
                summary: a.summary.as_ref().map(ToString::to_string).unwrap_or_default(),
                starts_at: a.since.and_then(|s| jiff::Timestamp::from_second(s).ok()),
            })));
        }
    }
    for (key, journaled) in &incident.alerts {
        if journaled.firing && !firing.contains_key(key) {
            fx.push(Effect::Change(IncidentChange::Alert(Event::AlertResolved {
                alert: journaled.alert.clone(),
                labels: journaled.labels.clone(),
            })));
        }
    }
}

/// Whether an alert is part of the incident: not one that always fires or says nothing is
/// wrong, and begun no earlier than `since_at_least` when that is given.
fn belongs(a: &AlertRow, since_at_least: Option<i64>) -> bool {
    !ALWAYS_FIRING.contains(&a.name.as_str())
        && !a
            .severity_word()
            .is_some_and(|s| QUIET_SEVERITIES.contains(&s.as_str()))
        && a.since
            .zip(since_at_least)
            .is_none_or(|(since, earliest)| since >= earliest)
}

fn labels(a: &AlertRow) -> BTreeMap<String, String> {
    a.labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
