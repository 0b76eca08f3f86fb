//! The mitigated milestone, proposed: when actions succeeded while services of the open
//! incident were over their SLO, and every one of them is back under it in the readings since,
//! the console proposes the latest of them as the moment the incident was mitigated, once;
//! `:mitigated` confirms it (the milestone at the action's time; the status moves to
//! monitoring). Also when the incident was opened, which its impact is measured from. Pure.

use super::state::AppState;
use crate::incident::model::{Entry, Event, Milestone, Status};

/// How many readings in a row a service must be under its SLO.
const HELD: usize = 2;
/// How close to now an action's success must be journaled to be watched (seconds).
const LIVE: i64 = 120;

/// What the console watches for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watch {
    /// Succeeded actions whose recovery is awaited.
    pub awaiting: Vec<Awaited>,
    /// The proposal made, if one was.
    pub proposed: Option<Awaited>,
    /// When the incident was opened, on the cluster's clock (seconds): its impact is measured
    /// from a while before.
    pub opened: Option<i64>,
}

/// A succeeded action: its entry, when it was journaled, and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Awaited {
    pub seq: u64,
    pub at: jiff::Timestamp,
    pub what: String,
    /// The services over their SLO when it succeeded; `None` until there was a reading to tell
    /// (an action taken as the console starts, before Prometheus first answered).
    pub services: Option<Vec<String>>,
}

/// A journal entry: a succeeded action while services are over their SLO is awaited; a
/// mitigated milestone or a status of monitoring or later ends the watch.
pub fn journaled(state: &mut AppState, e: &Entry) {
    match &e.event {
        // Another incident followed here starts the watch over.
        Event::IncidentOpened(_) => {
            state.mitigation = Watch {
                opened: Some(e.incident_time().as_second()),
                ..Watch::default()
            }
        }
        Event::ActionSucceeded(a) => {
            // Only an action succeeding now: one read back from an older journal was long ago.
            let now = (state.now - e.time.as_second()).abs() <= LIVE;
            let services = over_slo(state);
            if now && state.mitigation.proposed.is_none() && services.as_ref().is_none_or(|s| !s.is_empty()) {
                state.mitigation.awaiting.push(Awaited {
                    seq: e.seq,
                    // On the incident's clock, as milestones are.
                    at: e.incident_time(),
                    what: crate::incident::action_words::done(a),
                    services,
                });
            }
        }
        Event::MilestoneSet {
            milestone: Milestone::Mitigated,
            ..
        } => state.mitigation.awaiting.clear(),
        Event::StatusChanged { to, .. } if *to >= Status::Monitoring => state.mitigation.awaiting.clear(),
        _ => {}
    }
}

/// The services (`namespace/service`) whose error ratio is over their SLO now; `None` while
/// no service's error ratio has been read.
fn over_slo(state: &AppState) -> Option<Vec<String>> {
    let mut read = false;
    let over = state
        .observe
        .services
        .values()
        .filter(|s| {
            let (Some(burn), Some(errors)) = (&s.burn, s.signal("errors").and_then(|e| e.value)) else {
                return false;
            };
            read = true;
            errors > 1.0 - burn.objective
        })
        .map(|s| format!("{}/{}", s.namespace, s.service))
        .collect();
    read.then_some(over)
}

/// Whether `service` has been under its SLO for the last readings.
fn recovered(state: &AppState, service: &str) -> bool {
    let Some(s) = state
        .observe
        .services
        .values()
        .find(|s| format!("{}/{}", s.namespace, s.service) == service)
    else {
        return false;
    };
    let (Some(burn), Some(errors)) = (&s.burn, s.signal("errors")) else {
        return false;
    };
    let limit = 1.0 - burn.objective;
    errors.history.len() >= HELD
        && errors
            .history
            .iter()
            .rev()
            .take(HELD)
            .all(|v| v.is_finite() && *v <= limit)
}

/// What `:mitigated` records: the milestone at the proposed action's time, else now.
pub fn confirm(state: &AppState) -> Result<Event, String> {
    if state.incident.is_none() {
        return Err("no incident is open here".into());
    }
    let at = match &state.mitigation.proposed {
        Some(p) => p.at,
        None => jiff::Timestamp::from_second(state.event_time()).map_err(|e| e.to_string())?,
    };
    Ok(Event::MilestoneSet {
        milestone: Milestone::Mitigated,
        at,
    })
}

/// How long before the opening the impact is measured from (an incident's onset usually is).
const IMPACT_LEAD: i64 = 15 * 60;

/// The span the open incident's impact is measured over, on the cluster's clock: from a while
/// before it was opened to now.
pub fn impact_span(state: &AppState) -> Option<(i64, i64)> {
    let opened = state.mitigation.opened?;
    Some((opened - IMPACT_LEAD, state.event_time().max(opened + 1)))
}

/// After each reading: the latest awaited action whose services all recovered is proposed.
pub fn readings(state: &mut AppState) {
    if state.mitigation.proposed.is_some() || state.incident.as_ref().is_none_or(|i| i.status >= Status::Monitoring) {
        return;
    }
    // An action whose moment had no reading yet takes the first one after it; one that hurt
    // no service is not a mitigation.
    if state.mitigation.awaiting.iter().any(|a| a.services.is_none()) {
        let now = over_slo(state);
        for a in state.mitigation.awaiting.iter_mut().filter(|a| a.services.is_none()) {
            a.services.clone_from(&now);
        }
        state
            .mitigation
            .awaiting
            .retain(|a| a.services.as_ref().is_none_or(|s| !s.is_empty()));
        return;
    }
    // The latest action before the recovery is the one proposed (a pause before a rollback
    // did not mitigate it).
    let Some(i) = state.mitigation.awaiting.iter().rposition(|a| {
        a.services
            .as_ref()
            .is_some_and(|services| services.iter().all(|s| recovered(state, s)))
    }) else {
        return;
    };
    let a = state.mitigation.awaiting.remove(i);
    let text = format!(
        "{} back under the SLO since {} ({} UTC): :mitigated marks the incident mitigated then",
        a.services.as_deref().unwrap_or_default().join(", "),
        a.what,
        crate::incident::timeline::utc(a.at)
    );
    super::narration::proposal(state, text);
    state.mitigation.proposed = Some(a);
}
