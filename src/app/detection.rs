//! The detector in the console: the poller's readings and the health model feed it, what it
//! files leaves as an effect, and a detector-opened incident waits for a commander to accept
//! it (`:accept`, taking command) or dismiss it as a false positive (`:dismiss [why]`, which
//! resolves it and journals the dismissal so detection quality can be measured).

use super::effect::{Effect, IncidentChange};
use super::state::{AppState, Mode};
use crate::detect::session::Said;
use crate::incident::filing::Filed;
use crate::incident::model::{Event, Role, Status};
use crate::observe::learn::Learned;
use crate::observe::model::Update;

/// Feeds one poller update to the detector: filings and history requests leave as effects.
pub fn observed(state: &mut AppState, fx: &mut Vec<Effect>, u: &Update) {
    let drill = matches!(state.mode, Mode::Drill { .. });
    let Some(session) = state.detection.as_mut() else {
        return;
    };
    let said = session.observed(u, &state.model);
    let targets = session.to_learn();
    if !targets.is_empty() {
        fx.push(Effect::Learn {
            targets,
            trailing: session.trailing(),
        });
    }
    for s in said {
        match s {
            Said::File(filing) => fx.push(Effect::File {
                filing: Box::new(filing),
                drill,
            }),
            Said::Ended(scope) => state.tell(format!("the detector: {scope} is back within its baseline"), false),
        }
    }
}

/// The health model settled: the detector notes what changed in it.
pub fn settled(state: &mut AppState) {
    let now = state.event_time();
    if let Some(session) = state.detection.as_mut() {
        session.cluster_changed(&state.model, now);
    }
}

pub fn learned(state: &mut AppState, all: Vec<Learned>) {
    if let Some(session) = state.detection.as_mut() {
        session.learned(all);
    }
}

/// Tells what became of a detection; the incident itself arrives through the journal.
pub fn filed(state: &mut AppState, title: &str, result: Result<Filed, String>) {
    match result {
        Ok(Filed::Opened(id)) => state.tell(
            format!(
                "the detector opened {id}: {title} — :accept to take command, :dismiss WHY if it is a false positive"
            ),
            true,
        ),
        Ok(Filed::Extended(id, raised)) => {
            let raised = raised.map(|s| format!(", severity raised to {s}")).unwrap_or_default();
            state.tell(format!("the detector added to {id}{raised}: {title}"), false)
        }
        Ok(Filed::Known(_)) => {}
        Err(e) => state.tell(format!("the detector could not file \"{title}\": {e}"), true),
    }
}

/// `:accept`: the detector's incident is taken in hand; whoever accepts becomes commander,
/// follows the playbook of the mitigation it suggested first, and has the deviating workload
/// selected in the workloads list, so the playbook's action steps act on it; the suggested
/// action, when there is one, is typed into the palette for them.
pub fn accept(state: &mut AppState, fx: &mut Vec<Effect>) {
    if !awaiting(state) {
        return;
    }
    fx.push(Effect::Change(IncidentChange::Role {
        role: Role::Commander,
        person: None,
    }));
    let Some(d) = state.detected.clone() else { return };
    let Some(m) = d.mitigations.first() else { return };
    if let Some(id) = &m.playbook
        && state.checklist.is_none()
    {
        super::playbook::follow(state, fx, id);
    }
    if let Some((ns, name)) = d.scope.split_once('/') {
        let kind = if ns == "node" {
            super::lists::ListKind::Nodes
        } else {
            super::lists::ListKind::Workloads
        };
        state.focus = super::state::Pane::Health;
        super::lists::open(state, fx, kind, Some(name.to_string()));
    }
    // The suggested action waits in the palette: Enter runs it through the checked flow
    // (access, dry run, preview, confirmation); Esc leaves it.
    match super::palette::suggested_line(m) {
        Some(line) => {
            state.open_input(super::state::InputKind::Palette, &line);
            state.tell(format!("you have command; Enter to start: {}", m.text), false);
        }
        None => state.tell(format!("you have command; suggested: {}", m.text), false),
    }
}

/// `:dismiss [WHY]`: the detection was a false positive; journaled, and the incident resolved.
pub fn dismiss(state: &mut AppState, fx: &mut Vec<Effect>, reason: String) {
    if !awaiting(state) {
        return;
    }
    fx.push(Effect::Change(IncidentChange::Record(Event::DetectionDismissed {
        reason,
    })));
    fx.push(Effect::Change(IncidentChange::Status(Status::Resolved)));
}

/// Whether the incident followed here is a detection awaiting its commander; says why not.
fn awaiting(state: &mut AppState) -> bool {
    match &state.incident {
        Some(i) if i.awaits_a_commander() => true,
        Some(i) => {
            let text = format!("{} is not a detection awaiting a commander", i.id);
            state.tell(text, true);
            false
        }
        None => {
            state.tell("no incident is open here".into(), true);
            false
        }
    }
}
