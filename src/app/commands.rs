//! Carrying out what the palette's line asks (`:declare`, `:sev`, `:note`, `:pin`, actions,
//! playbooks, theme and keymap) and the filter line's new filter. Parsing the line is
//! `palette`'s. Pure: journal writes and file loads leave as effects.

use super::effect::{Effect, IncidentChange};
use super::facilitation::{Facilitation, Seek};
use super::palette::{self, Command};
use super::state::{AppState, InputKind, Mode, Pane};

pub fn submit(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(input) = state.input.take() else { return };
    let line = input.line.lines().join(" ");
    match input.kind {
        InputKind::Filter(pane) => {
            let filter = Some(line.trim().to_string()).filter(|f| !f.is_empty());
            set_filter(state, pane, filter);
        }
        InputKind::Palette => match palette::parse(&line) {
            Ok(c) => command(state, fx, c),
            Err(e) => state.tell(e, true),
        },
    }
}

/// The new filter (or search) of what `pane` shows on top (see `AppState::filter_of`).
fn set_filter(state: &mut AppState, pane: Pane, filter: Option<String>) {
    if pane == Pane::Health {
        if let Some(v) = &mut state.logs {
            v.search = filter;
            v.from_bottom = 0;
            return;
        }
        if let Some(v) = &mut state.inspect {
            v.search = filter;
            v.scroll = 0;
            return;
        }
        if state.list.is_some() {
            super::lists::filter(state, filter);
            return;
        }
    }
    match filter {
        Some(f) => state.filters.insert(pane, f),
        None => state.filters.remove(&pane),
    };
    state.timeline_scroll = 0;
    state.cursor = 0;
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

/// A seek to an entry of the real team's journal, as the moment it was written.
fn real_teams_moment(state: &AppState, f: Facilitation) -> Result<Facilitation, String> {
    let Facilitation::Seek(Seek::Entry(seq)) = f else {
        return Ok(f);
    };
    let original = state
        .original
        .as_ref()
        .ok_or("seek #N needs the real team's journal: replay a recording beside its journal, or with --original")?;
    let at = original.moment_of(seq)?;
    Ok(Facilitation::Seek(Seek::To(at.to_string())))
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
            // What the responder was looking at when they declared is the first evidence.
            if let Some(target) = super::keys::selected_target(state) {
                fx.push(Effect::Capture {
                    target,
                    why: "declared".into(),
                    signals: true,
                });
            }
        }
        Command::Sev(s) => change(state, fx, IncidentChange::Severity(s)),
        Command::Status(s) => {
            change(state, fx, IncidentChange::Status(s));
            // Resolved: how much it hurt is measured while Prometheus still holds it all.
            if s == crate::incident::model::Status::Resolved
                && let Some((from, to)) = super::mitigation::impact_span(state)
            {
                fx.push(Effect::MeasureImpact { from, to });
            }
            // A drill resolved here is debriefed at once.
            if s == crate::incident::model::Status::Resolved && state.incident.as_ref().is_some_and(|i| i.drill) {
                debrief(state, fx);
            }
        }
        Command::Role { role, person } => change(state, fx, IncidentChange::Role { role, person }),
        Command::Note(text) => change(state, fx, IncidentChange::Note { text, pinned: false }),
        Command::Decision(text) => change(state, fx, IncidentChange::Decision(text)),
        Command::Hypothesis(text) => change(state, fx, IncidentChange::Hypothesis(text)),
        Command::FollowUp(asked) => change(state, fx, IncidentChange::FollowUp(asked)),
        Command::MoveHypothesis { seq, state: to, reason } => {
            change(state, fx, IncidentChange::MoveHypothesis { seq, state: to, reason })
        }
        Command::Pin => pin(state, fx),
        Command::Measure => match super::mitigation::impact_span(state) {
            Some((from, to)) => {
                state.tell("measuring the incident's impact in Prometheus".into(), false);
                fx.push(Effect::MeasureImpact { from, to });
            }
            None => state.tell("no incident is open here".into(), true),
        },
        Command::Mitigated => match super::mitigation::confirm(state) {
            Ok(milestone) => {
                change(state, fx, IncidentChange::Record(milestone));
                if state
                    .incident
                    .as_ref()
                    .is_some_and(|i| i.status < crate::incident::model::Status::Monitoring)
                {
                    change(
                        state,
                        fx,
                        IncidentChange::Status(crate::incident::model::Status::Monitoring),
                    );
                }
            }
            Err(why) => state.tell(why, true),
        },
        Command::Capture => match (&state.incident, super::keys::selected_target(state)) {
            (None, _) => state.tell(
                "declare an incident first: evidence is kept beside its journal".into(),
                true,
            ),
            (_, None) => state.tell("select a node, workload or pod to capture first".into(), true),
            (Some(_), Some(target)) => {
                state.tell(format!("capturing {target} as evidence"), false);
                fx.push(Effect::Capture {
                    target,
                    why: "asked".into(),
                    signals: false,
                });
            }
        },
        Command::Accept => super::detection::accept(state, fx),
        Command::Debrief => debrief(state, fx),
        Command::Facilitate(f) => {
            if facilitating(state) {
                match real_teams_moment(state, f) {
                    Ok(f) => fx.push(Effect::Facilitate(f)),
                    Err(e) => state.tell(e, true),
                }
            }
        }
        Command::Aside(text) => {
            if facilitating(state) {
                change(state, fx, IncidentChange::Aside(text));
            }
        }
        Command::Dismiss(reason) => super::detection::dismiss(state, fx, reason),
        Command::Theme(name) => fx.push(Effect::LoadTheme(name)),
        Command::Keymap(name) => fx.push(Effect::LoadKeymap(name)),
        Command::Act(action) => super::containment::trigger(state, fx, action),
        Command::Playbook(id) => super::playbook::follow(state, fx, &id),
        Command::ConfigBack { namespace, config_map } => {
            state.tell(format!("looking up configmap/{config_map}'s earlier versions…"), false);
            fx.push(Effect::ConfigVersions { namespace, config_map });
        }
        Command::Skip(reason) => {
            let i = state.checklist.as_ref().map_or(0, |c| c.selected);
            super::playbook::set_step(state, fx, i, crate::playbook::StepStatus::Skipped { reason });
        }
        Command::Fail(reason) => {
            let i = state.checklist.as_ref().map_or(0, |c| c.selected);
            super::playbook::set_step(state, fx, i, crate::playbook::StepStatus::Failed { reason });
        }
        Command::LogsSince(since) => super::logs::since(state, fx, since),
        Command::List { kind, filter } => {
            state.focus = Pane::Health;
            super::lists::open(state, fx, kind, filter);
        }
        Command::Quit => state.quit = true,
    }
}

/// Pins the selected timeline entry: a console line (a signal) is written to the journal
/// pinned; a journal entry is marked pinned where it is (a `pinned` entry naming it).
/// Whether this console facilitates the drill; says why not when it does not.
fn facilitating(state: &mut AppState) -> bool {
    match state.mode {
        Mode::Live { .. } => state.tell("only a drill has a facilitator".into(), true),
        Mode::Drill { .. } if !state.facilitating => state.tell(
            "a player's console does not facilitate: the facilitator's console runs the drill, \
             or joins it with --facilitator"
                .into(),
            true,
        ),
        Mode::Drill { .. } => return true,
    }
    false
}

/// Asks for the open drill incident's debrief.
fn debrief(state: &mut AppState, fx: &mut Vec<Effect>) {
    match &state.incident {
        None => state.tell("no incident is open: a drill is debriefed once declared".into(), true),
        Some(i) if !i.drill => state.tell(
            format!(
                "{} is not a drill: it gets a postmortem (warroom incident postmortem {})",
                i.id, i.id
            ),
            true,
        ),
        Some(i) => {
            let since = match &state.mode {
                Mode::Drill { clock: Some(c), .. } => Some(c.start),
                _ => None,
            };
            fx.push(Effect::Debrief {
                id: i.id.clone(),
                since,
            });
        }
    }
}

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
