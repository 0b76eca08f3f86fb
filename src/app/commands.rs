//! Carrying out what the palette's line asks (`:declare`, `:sev`, `:note`, `:pin`, actions,
//! playbooks, theme and keymap) and the filter line's new filter. Parsing the line is
//! `palette`'s. Pure: journal writes and file loads leave as effects.

use super::effect::{Effect, IncidentChange};
use super::palette::{self, Command};
use super::state::{AppState, InputKind, Mode};

pub fn submit(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(input) = state.input.take() else { return };
    let line = input.line.lines().join(" ");
    match input.kind {
        InputKind::Filter(pane) => {
            if line.trim().is_empty() {
                state.filters.remove(&pane);
            } else {
                state.filters.insert(pane, line.trim().to_string());
            }
            state.timeline_scroll = 0;
            state.cursor = 0;
        }
        InputKind::Palette => match palette::parse(&line) {
            Ok(c) => command(state, fx, c),
            Err(e) => state.tell(e, true),
        },
    }
}

fn change(state: &mut AppState, fx: &mut Vec<Effect>, c: IncidentChange) {
    if state.incident.is_none() {
        state.tell(
            "no incident is open here: declare one first (:declare sev2 TITLE)".into(),
            true,
        );
        return;
    }
    fx.push(Effect::Change(c));
}

fn command(state: &mut AppState, fx: &mut Vec<Effect>, c: Command) {
    match c {
        Command::Declare { severity, title } => {
            if let Some(i) = &state.incident {
                let text = format!("{} is already open here", i.id);
                state.tell(text, true);
                return;
            }
            let drill = matches!(state.mode, Mode::Drill { .. });
            fx.push(Effect::Declare { title, severity, drill });
        }
        Command::Sev(s) => change(state, fx, IncidentChange::Severity(s)),
        Command::Status(s) => change(state, fx, IncidentChange::Status(s)),
        Command::Role { role, person } => change(state, fx, IncidentChange::Role { role, person }),
        Command::Note(text) => change(state, fx, IncidentChange::Note { text, pinned: false }),
        Command::Decision(text) => change(state, fx, IncidentChange::Decision(text)),
        Command::Pin => pin(state, fx),
        Command::Theme(name) => fx.push(Effect::LoadTheme(name)),
        Command::Keymap(name) => fx.push(Effect::LoadKeymap(name)),
        Command::Act(action) => super::containment::trigger(state, fx, action),
        Command::Playbook(id) => super::playbook::follow(state, fx, &id),
        Command::Skip(reason) => {
            let i = state.checklist.as_ref().map_or(0, |c| c.selected);
            super::playbook::set_step(state, fx, i, crate::playbook::StepStatus::Skipped { reason });
        }
        Command::Fail(reason) => {
            let i = state.checklist.as_ref().map_or(0, |c| c.selected);
            super::playbook::set_step(state, fx, i, crate::playbook::StepStatus::Failed { reason });
        }
        Command::Quit => state.quit = true,
    }
}

/// Pins the selected timeline entry: a console line (a signal) is written to the journal
/// pinned; a journal entry is marked pinned where it is (a `pinned` entry naming it).
pub fn pin(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(e) = state.selected_entry() else {
        state.tell("nothing to pin".into(), true);
        return;
    };
    if e.pinned {
        state.tell("that entry is already pinned".into(), false);
        return;
    }
    let c = match e.seq {
        None => IncidentChange::PinCluster {
            text: e.text.to_string(),
            object: e.source.to_string(),
        },
        Some(seq) => IncidentChange::Pin(seq),
    };
    change(state, fx, c);
}
