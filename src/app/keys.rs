//! Reading keys: the keymap context a key is read in, sequences, and what each bound key does
//! to the state (focus, zoom, cursors, help, drill-down, the input line, the editor, actions).
//! Pure: what must happen outside leaves as effects.

use ratatui::crossterm::event::KeyEvent;

use super::attention;
use super::effect::Effect;
use super::keymap::{Context, KeyAction, KeyPress, Lookup};
use super::state::{AppState, InputKind, Overlay, Pane, Subject};
use super::status;
use crate::cluster::inspect::{Kind, Target, View};

/// Rows moved by page up / page down.
const PAGE: usize = 10;

/// The keymap context the next key is read in.
fn context(state: &AppState) -> Context {
    if state.overlay.is_some() {
        Context::Help
    } else if state.input.is_some() {
        Context::Input
    } else {
        Context::of(state.focus)
    }
}

pub fn key(state: &mut AppState, fx: &mut Vec<Effect>, k: KeyEvent) {
    state.dirty = true;
    // A quit that asked is confirmed by the quit key only; any other key keeps the console.
    let quit_asked = std::mem::take(&mut state.quit_asked);
    // An action's overlay (confirm by typing, cancel, undo) takes its keys first.
    if state.overlay.is_none() && state.input.is_none() && super::containment::overlay_key(state, fx, &k) {
        return;
    }
    let ctx = context(state);
    let press = KeyPress::from(&k);
    state.pending.push(press);
    let mut found = state.keymap.lookup(ctx, &state.pending);
    if found == Lookup::None && state.pending.len() > 1 {
        // A sequence that went nowhere: the last key starts afresh.
        state.pending = vec![press];
        found = state.keymap.lookup(ctx, &state.pending);
    }
    match found {
        Lookup::Pending => {}
        Lookup::Action(a) => {
            state.pending.clear();
            if a == KeyAction::Quit {
                quit(state, quit_asked);
            } else {
                act(state, fx, ctx, a);
            }
        }
        Lookup::None => {
            state.pending.clear();
            // Unbound keys are text where text is typed.
            if let Some(input) = &mut state.input {
                input.line.input(k);
            } else if ctx == Context::Editor {
                status::type_key(state, fx, k);
            }
        }
    }
}

/// The quit key: leaves, unless an open SEV1/SEV2 incident or an unsent draft makes it ask
/// first (`asked`: this is the second press).
fn quit(state: &mut AppState, asked: bool) {
    match state.reason_to_stay() {
        Some(why) if !asked => {
            state.quit_asked = true;
            state.tell(format!("{why}: press the quit key again to leave"), true);
        }
        _ => state.quit = true,
    }
}

fn step_focus(p: Pane, d: isize) -> Pane {
    let i = Pane::ALL.iter().position(|x| *x == p).unwrap_or(0) as isize;
    Pane::ALL[(i + d).rem_euclid(Pane::ALL.len() as isize) as usize]
}

/// Moves the focused pane's cursor by `d` rows (negative: up, towards older / higher rows).
fn move_cursor(state: &mut AppState, d: isize) {
    match state.focus {
        Pane::Timeline => {
            let len = state.visible_timeline().len();
            let s = state.timeline_scroll as isize - d;
            state.timeline_scroll = s.clamp(0, len.saturating_sub(1) as isize) as usize;
        }
        Pane::Playbook => super::playbook::move_cursor(state, d.clamp(-1000, 1000)),
        Pane::Health if state.logs.is_some() => super::logs::scroll(state, d),
        Pane::Health => {
            if let Some(v) = &mut state.inspect {
                super::inspect::scroll(v, d);
            } else if let Some(detail) = &mut state.detail {
                let c = detail.cursor as isize + d;
                detail.cursor = c.clamp(0, detail.pods.len().saturating_sub(1) as isize) as usize;
            } else if let Some(list) = &mut state.list {
                super::lists::move_cursor(list, d);
            } else {
                let len = state.visible_attention().len();
                let c = state.cursor as isize + d;
                state.cursor = c.clamp(0, len.saturating_sub(1) as isize) as usize;
            }
        }
        _ => {}
    }
}

fn act(state: &mut AppState, fx: &mut Vec<Effect>, ctx: Context, a: KeyAction) {
    if ctx == Context::Help {
        match a {
            KeyAction::Close | KeyAction::Help => state.overlay = None,
            KeyAction::Up => state.overlay_scroll = state.overlay_scroll.saturating_sub(1),
            KeyAction::Down => state.overlay_scroll += 1,
            KeyAction::PageUp => state.overlay_scroll = state.overlay_scroll.saturating_sub(PAGE),
            KeyAction::PageDown => state.overlay_scroll += PAGE,
            KeyAction::Top => state.overlay_scroll = 0,
            _ => {}
        }
        return;
    }
    match a {
        // Read in `key`, which knows whether the last press asked.
        KeyAction::Quit => {}
        KeyAction::FocusNext => state.focus = step_focus(state.focus, 1),
        KeyAction::FocusPrev => state.focus = step_focus(state.focus, -1),
        KeyAction::FocusHealth => state.focus = Pane::Health,
        KeyAction::FocusTimeline => state.focus = Pane::Timeline,
        KeyAction::FocusPlaybook => state.focus = Pane::Playbook,
        KeyAction::FocusEditor => state.focus = Pane::Editor,
        KeyAction::Zoom => state.zoom = !state.zoom,
        KeyAction::Help => {
            state.overlay = Some(Overlay::Help);
            state.overlay_scroll = 0;
        }
        KeyAction::CatchUp if state.incident.is_some() => {
            state.overlay = Some(Overlay::CatchUp);
            state.overlay_scroll = 0;
        }
        KeyAction::CatchUp => state.tell("no incident is open: nothing to catch up on".into(), false),
        KeyAction::Close => close(state, fx),
        KeyAction::Palette => state.open_input(InputKind::Palette, ""),
        KeyAction::Note => state.open_input(InputKind::Palette, "note "),
        KeyAction::Filter
            if state.focus == Pane::Health
                && state.logs.is_none()
                && state.inspect.is_none()
                && state.detail.is_some() =>
        {
            state.tell(
                "a drill-down has no filter: esc goes back to the list it came from".into(),
                false,
            );
        }
        KeyAction::Filter => {
            let current = state.filter_of(state.focus).unwrap_or_default();
            state.open_input(InputKind::Filter(state.focus), &current);
        }
        KeyAction::Submit => super::commands::submit(state, fx),
        KeyAction::Up => move_cursor(state, -1),
        KeyAction::Down => move_cursor(state, 1),
        KeyAction::PageUp => move_cursor(state, -(PAGE as isize)),
        KeyAction::PageDown => move_cursor(state, PAGE as isize),
        KeyAction::Top => move_cursor(state, isize::MIN / 2),
        KeyAction::Bottom => move_cursor(state, isize::MAX / 2),
        KeyAction::Open if state.focus == Pane::Playbook => super::playbook::open(state, fx),
        KeyAction::Open if state.focus == Pane::Timeline => super::inspect::open_evidence(state, fx),
        // In a log view: the other run; on a drill-down's pod: its log.
        KeyAction::Open if state.logs.is_some() => super::logs::toggle_previous(state, fx),
        KeyAction::Open if state.inspect.is_some() => {}
        KeyAction::Open if state.detail.is_some() => {
            let pod = state
                .detail
                .as_ref()
                .and_then(|d| d.pods.get(d.cursor))
                .and_then(|r| r.pod.clone());
            match pod {
                Some(pod) => super::logs::open(state, fx, pod, false),
                None => state.tell("no pod to read the log of".into(), true),
            }
        }
        // On a list's row: a pod's log, a node's or workload's drill-down, an event's object.
        KeyAction::Open if state.list.is_some() => {
            let row = state.list.as_ref().and_then(|l| l.rows.get(l.cursor)).cloned();
            match row {
                Some(super::lists::RowKey::Pod(pod)) => super::logs::open(state, fx, pod, false),
                Some(row @ super::lists::RowKey::Event(_)) => match super::lists::target(&row, &state.model) {
                    Some(t) => super::inspect::open(state, fx, t, View::Describe),
                    None => state.tell("the event's object cannot be described here".into(), true),
                },
                Some(row) => {
                    if let Some(subject) = super::lists::target(&row, &state.model).and_then(|t| Subject::of_target(&t))
                    {
                        state.detail = Some(attention::detail(&state.model, &subject));
                    }
                }
                None => {}
            }
        }
        KeyAction::Open => {
            if let Some(item) = state.visible_attention().get(state.cursor) {
                let subject = item.subject.clone();
                state.detail = Some(attention::detail(&state.model, &subject));
            }
        }
        KeyAction::Describe => inspect_selected(state, fx, View::Describe),
        KeyAction::Yaml => inspect_selected(state, fx, View::Yaml),
        KeyAction::Events => inspect_selected(state, fx, View::Events),
        KeyAction::Logs => logs_of_selected(state, fx),
        KeyAction::Lists => super::lists::next(state, fx),
        // As the footer says: a list in view, not one under a log, a description or a drill-down.
        KeyAction::Sort | KeyAction::SortReverse if !applies(state, a) => {
            let why = if state.list.is_none() {
                "sort applies to a list: open one first (lists key, or :pods)"
            } else {
                "sort applies to the list in view: close what is open over it first"
            };
            state.tell(why.into(), false);
        }
        KeyAction::Sort => super::lists::sort(state),
        KeyAction::SortReverse => super::lists::reverse(state),
        KeyAction::Pin => super::commands::pin(state, fx),
        KeyAction::UndoEntry => match state.selected_entry().map(|e| e.undo.clone()) {
            Some(Some(undo)) => super::containment::trigger(state, fx, undo),
            _ => state.tell("the selected entry is not an action with an undo".into(), true),
        },
        KeyAction::StatusTemplate => status::next_template(state, fx),
        KeyAction::StatusChannel => status::next_channel(state),
        KeyAction::StatusPreview => status::toggle_preview(state),
        KeyAction::StatusPublish => status::publish(state, fx),
        KeyAction::Cordon
        | KeyAction::Uncordon
        | KeyAction::Drain
        | KeyAction::Restart
        | KeyAction::Undo
        | KeyAction::Pause
        | KeyAction::Resume
        | KeyAction::Recycle
        | KeyAction::TakeOutOfService
        | KeyAction::ReturnToService => match super::containment::for_key(state, a) {
            Ok(action) => super::containment::trigger(state, fx, action),
            Err(e) => state.tell(e, true),
        },
        KeyAction::Scale | KeyAction::SetImage | KeyAction::Autoscale | KeyAction::EditConfig => {
            super::containment::prompt(state, a)
        }
        KeyAction::StepDone => {
            if let Some(i) = state.checklist.as_ref().map(|c| c.selected) {
                super::playbook::set_step(state, fx, i, crate::playbook::StepStatus::Done);
            }
        }
        KeyAction::Silence => {
            let loudest = state
                .observe
                .loud_alerts()
                .next()
                .map(|a| format!("silence {} {} 2h", a.name, a.labels_text(&["alertname", "severity"])));
            match loudest {
                Some(line) => state.open_input(InputKind::Palette, &line),
                None => state.tell("no alert is firing".into(), false),
            }
        }
        KeyAction::StepSkip => state.open_input(InputKind::Palette, "skip "),
        KeyAction::StepFailed => state.open_input(InputKind::Palette, "fail "),
    }
}

/// The object the health pane has selected, for describe, YAML and events: the open inspect
/// view's or log's own object, the drill-down's pod under the cursor (else its subject), the
/// list's row, else the needs-attention row.
pub(super) fn selected_target(state: &AppState) -> Option<Target> {
    if let Some(v) = &state.inspect {
        return Some(v.target.clone());
    }
    if let Some(v) = &state.logs {
        return Subject::Pod(v.pod.clone()).target();
    }
    if let Some(d) = &state.detail {
        return match d.pods.get(d.cursor).and_then(|r| r.pod.clone()) {
            Some(pod) => Subject::Pod(pod).target(),
            None => d.subject.target(),
        };
    }
    if let Some(l) = &state.list {
        return super::lists::selected(l, &state.model);
    }
    state.selected_subject()?.target()
}

/// Whether key action `a` can do something with what is open and selected now (the footer
/// shows only those): sort needs a list in view, describe a selection, the log a pod or a
/// workload, an action key an object it acts on.
pub fn applies(state: &AppState, a: KeyAction) -> bool {
    match a {
        KeyAction::Sort | KeyAction::SortReverse => {
            state.list.is_some() && state.logs.is_none() && state.inspect.is_none() && state.detail.is_none()
        }
        KeyAction::Describe | KeyAction::Yaml | KeyAction::Events => selected_target(state).is_some(),
        KeyAction::Logs => state.logs.is_none() && selected_target(state).is_some_and(|t| t.kind != Kind::Node),
        a if super::containment::KEYS.contains(&a) => state.keys_checked.as_ref().is_none_or(|c| c.apply.contains(&a)),
        _ => true,
    }
}

fn inspect_selected(state: &mut AppState, fx: &mut Vec<Effect>, view: View) {
    match selected_target(state) {
        Some(t) => {
            super::logs::close(state, fx);
            super::inspect::open(state, fx, t, view);
        }
        None => state.tell("select a node, workload, pod or event first".into(), false),
    }
}

/// The log of the selected pod; for a workload, of its worst pod, and of the run before when
/// that pod has crashed (a crashing container's last words are in the previous run).
fn logs_of_selected(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.logs.is_some() {
        return;
    }
    let pod = match selected_target(state) {
        Some(Target {
            kind: Kind::Pod,
            namespace,
            name,
        }) => Some((namespace, name)),
        Some(Target { kind: Kind::Node, .. }) | None => None,
        Some(t) => {
            let workload = match Subject::of_target(&t) {
                Some(Subject::Workload(w)) => w,
                _ => return,
            };
            state
                .model
                .worst_pod(&workload)
                .map(|pod| (workload.0.clone(), pod.clone()))
        }
    };
    let Some(pod) = pod else {
        state.tell("select a pod or a workload with pods first".into(), false);
        return;
    };
    let crashed = state.model.pods.get(&pod).is_some_and(|p| p.restarts > 0 && !p.ready);
    state.inspect = None;
    super::logs::open(state, fx, pod, crashed);
}

/// Esc: the innermost thing open closes first (input, zoom, drill-down, filter, the editor).
fn close(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.input.take().is_some() {
        return;
    }
    if state.focus == Pane::Editor && status::back(state) {
        return;
    }
    let health = state.focus == Pane::Health;
    if state.zoom {
        state.zoom = false;
    } else if health && state.logs.is_some() {
        super::logs::close(state, fx);
    } else if health && state.inspect.is_some() {
        state.inspect = None;
    } else if health && state.detail.is_some() {
        state.detail = None;
    } else if health && state.list.as_ref().is_some_and(|l| l.filter.is_some()) {
        super::lists::filter(state, None);
    } else if health && state.list.is_some() {
        state.list = None;
    } else if state.filters.remove(&state.focus).is_some() {
        state.timeline_scroll = 0;
    } else if state.focus == Pane::Editor {
        state.focus = Pane::Health;
    } else if state.notice.is_some() {
        state.notice = None;
    }
}
