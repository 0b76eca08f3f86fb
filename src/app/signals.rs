//! The cluster's signals in the open incident's journal: each signal the console sees that the
//! journal does not have standing is journaled as appeared, each the journal has standing that
//! the console no longer sees as cleared. The journal link writes one only when the journal
//! does not say so already, so consoles sharing an incident journal each change once. Pure.

use super::effect::{Effect, IncidentChange};
use super::state::AppState;
use crate::incident::model::Event;
use crate::incident::state::signal_key;

/// Asks for the journal entries that bring the incident's signals to what the console sees.
pub fn journal(state: &AppState, fx: &mut Vec<Effect>) {
    let Some(incident) = &state.incident else {
        return;
    };
    if !state.model.complete() {
        return;
    }
    let seen: std::collections::BTreeMap<String, &crate::cluster::symptoms::Symptom> = state
        .symptoms
        .iter()
        .map(|s| (signal_key(s.kind.as_str(), &s.subject), s))
        .collect();
    for (key, s) in &seen {
        if !incident.signals.contains_key(key) {
            fx.push(Effect::Change(IncidentChange::Signal(Event::SignalAppeared {
                signal: s.kind.as_str().to_string(),
                subject: s.subject.clone(),
                message: s.message.clone(),
            })));
        }
    }
    for (key, (signal, subject, message)) in &incident.signals {
        if !seen.contains_key(key) {
            fx.push(Effect::Change(IncidentChange::Signal(Event::SignalCleared {
                signal: signal.clone(),
                subject: subject.clone(),
                message: message.clone(),
            })));
        }
    }
}
