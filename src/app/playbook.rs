//! Following a playbook in the console: choosing one (those that apply now first, then every
//! one on offer), the checklist's cursor, step states journaled, and the checklist rebuilt
//! from the journal, after a restart or when another console on the incident changes it.
//! Pure: journal writes leave as effects.

use super::effect::{Effect, IncidentChange};
use super::state::AppState;
use crate::actions::Stage;
use crate::incident::model::{Entry, Event};
use crate::playbook::checklist::ChecklistError;
use crate::playbook::suggest::{Situation, suggest};
use crate::playbook::{Checklist, StepStatus};

/// The playbooks to choose from, in the order the pane lists them: those that apply now, best
/// first, then the rest on offer.
pub fn choices(state: &AppState) -> Vec<&str> {
    let mut ids: Vec<&str> = state.suggested.iter().map(|s| s.id.as_str()).collect();
    for p in &state.playbooks {
        if !ids.contains(&p.id.as_str()) {
            ids.push(&p.id);
        }
    }
    ids
}

/// Starts following playbook `id` (journaled when an incident is open).
pub fn follow(state: &mut AppState, fx: &mut Vec<Effect>, id: &str) {
    let Some(p) = state.playbooks.iter().find(|p| p.id == id) else {
        let known = state
            .playbooks
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        state.tell(format!("no playbook {id:?} (on offer: {known})"), true);
        return;
    };
    if state.checklist.as_ref().is_some_and(|c| c.playbook.id == id) {
        state.tell(format!("already following {id}"), false);
        return;
    }
    state.checklist = Some(Checklist::new(p.clone()));
    state.dirty = true;
    if state.incident.is_some() {
        fx.push(Effect::Change(IncidentChange::Record(Event::ChecklistStarted {
            checklist: id.to_string(),
        })));
    }
}

/// Sets a checklist step's state and journals it.
pub fn set_step(state: &mut AppState, fx: &mut Vec<Effect>, step: usize, status: StepStatus) {
    let at = jiff::Timestamp::from_second(state.now).unwrap_or_else(|_| jiff::Timestamp::now());
    let you = state.you.clone();
    let Some(c) = &mut state.checklist else {
        state.tell("no playbook is being followed".into(), true);
        return;
    };
    match c.set(step, status, &you, at) {
        Ok(event) => {
            if state.incident.is_some() {
                fx.push(Effect::Change(IncidentChange::Record(event)));
            }
        }
        Err(e @ ChecklistError::Unchanged { .. }) => state.tell(e.to_string(), false),
        Err(e) => state.tell(e.to_string(), true),
    }
}

/// Enter in the playbook pane: follow the playbook under the cursor, or run the selected
/// step's action.
pub fn open(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(c) = &state.checklist else {
        match picked(state) {
            Some(id) => follow(state, fx, &id),
            None => state.tell("no playbook is on offer".into(), true),
        }
        return;
    };
    let step = c.selected;
    match c.action(step, &super::containment::selection(state)) {
        Ok(action) => {
            set_step(state, fx, step, StepStatus::InProgress);
            super::containment::trigger(state, fx, action);
        }
        Err(e) => state.tell(e, true),
    }
}

/// The playbook under the choosing cursor: the one picked, while it is on offer, else the
/// first choice. The cursor holds an id, so it stays on its playbook as suggestions reorder.
pub fn picked(state: &AppState) -> Option<String> {
    let choices = choices(state);
    state
        .playbook_pick
        .as_deref()
        .filter(|id| choices.contains(id))
        .or(choices.first().copied())
        .map(str::to_string)
}

/// Moves the cursor: over the checklist's steps, or over the playbooks to choose from.
pub fn move_cursor(state: &mut AppState, d: isize) {
    let step = |at: usize, len: usize| (at as isize + d).clamp(0, len.saturating_sub(1) as isize) as usize;
    if let Some(c) = &mut state.checklist {
        c.selected = step(c.selected, c.steps.len());
        return;
    }
    let at = picked(state);
    let choices = choices(state);
    let i = choices.iter().position(|c| Some(*c) == at.as_deref()).unwrap_or(0);
    state.playbook_pick = choices.get(step(i, choices.len())).map(|c| c.to_string());
}

/// A journal entry about the checklist: the playbook followed, a step's state. Entries this
/// console wrote come back here too, which changes nothing.
pub fn journaled(state: &mut AppState, entry: &Entry) {
    let (id, step) = match &entry.event {
        Event::ChecklistStarted { checklist } => (checklist, None),
        Event::ChecklistStepChanged {
            checklist,
            step,
            state,
            reason,
        } => (checklist, Some((step, *state, reason.clone()))),
        _ => return,
    };
    if state.checklist.as_ref().is_none_or(|c| &c.playbook.id != id) {
        let Some(p) = state.playbooks.iter().find(|p| &p.id == id) else {
            state.tell(
                format!("the journal follows playbook {id:?}, which is not on offer here"),
                true,
            );
            return;
        };
        state.checklist = Some(Checklist::new(p.clone()));
    }
    if let (Some(c), Some((step, s, reason))) = (&mut state.checklist, step)
        && !c.restore(step, s, reason, &entry.actor.name, entry.time)
    {
        state.tell(
            format!("the journal names step {step:?}, which playbook {id} does not have"),
            true,
        );
    }
    state.dirty = true;
}

/// Which playbooks apply now, from firing alerts and the cluster's symptoms.
pub fn refresh_suggestions(state: &mut AppState) {
    if state.playbooks.is_empty() {
        return;
    }
    let situation = Situation {
        alerts: state
            .observe
            .loud_alerts()
            .map(|a| {
                (
                    a.name.to_string(),
                    a.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                )
            })
            .collect(),
        symptoms: state.symptoms.iter().map(|s| s.kind).collect(),
        faults: Vec::new(),
    };
    let fresh = suggest(&state.playbooks, &situation);
    if fresh != state.suggested {
        state.suggested = fresh;
        state.dirty = true;
    }
}

/// A finished action's flow: the checklist step in progress that runs the same change is done,
/// or failed with the flow's error.
pub fn follow_flow(state: &mut AppState, fx: &mut Vec<Effect>, id: &str) {
    if let Some(flow) = state.flows.get(id) {
        // A step whose action would change nothing is done: what it asks for already holds.
        let done = matches!(flow.stage, Stage::Succeeded { .. } | Stage::Unchanged { .. });
        let failed = match &flow.stage {
            Stage::Failed { error } => Some(error.clone()),
            Stage::Denied { reason } => Some(reason.clone()),
            _ => None,
        };
        let action = flow.action.clone();
        if done || failed.is_some() {
            let selection = super::containment::selection(state);
            if let Some(c) = &state.checklist {
                let step = (0..c.steps.len()).find(|i| {
                    matches!(c.steps[*i].status, StepStatus::InProgress)
                        && c.action(*i, &selection).is_ok_and(|a| a.same_change(&action))
                });
                if let Some(i) = step {
                    let status = match failed {
                        None => StepStatus::Done,
                        Some(reason) => StepStatus::Failed { reason },
                    };
                    set_step(state, fx, i, status);
                }
            }
        }
    }
}
