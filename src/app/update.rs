//! `update`: applies one message to the state. It does no I/O: data arrives already fetched,
//! work for the outside world leaves as effects, and the state it leaves is all `ui` needs.

use ratatui::crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::attention;
use super::effect::{Effect, IncidentChange};
use super::keymap::{Context, KeyAction, KeyPress, Lookup};
use super::message::Msg;
use super::palette::{self, Command};
use super::state::{AppState, InputKind, InputLine, Mode, Notice, Overlay, Pane, Subject, TimelineEntry};
use super::status;
use crate::cluster::model::Update;
use crate::cluster::symptoms::{self, Thresholds};
use crate::freshness::Freshness;
use crate::incident::follow::Followed;
use crate::incident::state::Incident;
use crate::incident::timeline::describe;
use crate::text::CleanText;

/// How many timeline entries the console keeps in memory (the journal keeps everything).
const TIMELINE_LIMIT: usize = 5_000;
/// Rows moved by page up / page down.
const PAGE: usize = 10;

/// Applies `msg` to the state; returns the effects it wants carried out, in order.
#[must_use = "the effects update returns must be carried out"]
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    apply(state, &mut fx, msg);
    fx
}

fn apply(state: &mut AppState, fx: &mut Vec<Effect>, msg: Msg) {
    match msg {
        Msg::Key(k) => {
            key(state, fx, k);
            super::containment::probe_keys(state, fx);
        }
        Msg::Paste(text) => {
            let clean = CleanText::block(&text);
            if let Some(input) = &mut state.input {
                input.line.insert_str(clean.as_str().replace('\n', " "));
                state.dirty = true;
            } else if state.focus == Pane::Editor {
                status::paste(state, fx, clean.as_str());
                state.dirty = true;
            }
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
        }
        Msg::Cluster(u) => cluster(state, u),
        Msg::Settled => settled(state, fx),
        Msg::Clock(c) => {
            if let Mode::Drill { clock, .. } = &mut state.mode
                && clock.as_ref() != Some(&c)
            {
                *clock = Some(c);
                state.dirty = true;
            }
        }
        Msg::Observe(u) => {
            observe(state, u);
            super::playbook::refresh_suggestions(state);
        }
        Msg::KeysDenied { subject, denied } => {
            // A late answer about a row no longer selected greys nothing.
            if state.keys_checked.as_ref().is_some_and(|c| c.subject == subject) {
                state.denied = denied.into_iter().collect();
                state.dirty = true;
            }
        }
        Msg::Action { id, input } => {
            super::containment::answer(state, fx, &id, input);
            state.dirty = true;
        }
        Msg::Identity(who) => {
            state.cluster_identity = Some(CleanText::line(&who));
            state.dirty = true;
        }
        Msg::Journal(f) => journal(state, f),
        Msg::Notice { text, error } => notice(state, text, error),
        Msg::Theme(t) => {
            notice(state, format!("theme {} ({:?} colours)", t.name, t.depth), false);
            state.theme = *t;
        }
        Msg::Keymap(k) => {
            notice(state, format!("keymap {}", k.name), false);
            state.keymap = *k;
            state.pending.clear();
        }
        Msg::Tick(now) => {
            if now != state.now {
                state.now = now;
                refresh_symptoms(state);
                status::tick(state, fx);
                state.dirty = true;
            }
        }
        Msg::Published {
            draft_id,
            channel,
            result,
        } => status::published(state, &draft_id, &channel, result),
        Msg::Quit => state.quit = true,
    }
}

pub(super) fn notice(state: &mut AppState, text: String, error: bool) {
    state.notice = Some(Notice {
        text: CleanText::line(&text),
        error,
        at: state.now,
    });
    state.dirty = true;
}

/// A timeline entry seen now. Stamped with the wall clock, like the journal's entries, so the
/// timeline stays in order in a drill whose clock runs fast (the header shows drill time).
fn push(state: &mut AppState, source: &str, kind: &str, text: String, severe: bool) {
    let at = state.now;
    add_entry(
        state,
        TimelineEntry {
            at,
            source: CleanText::line(source),
            kind: kind.to_string(),
            text: CleanText::line(&text),
            severe,
            pinned: false,
            seq: None,
            arrived: state.now,
            undo: None,
        },
    );
}

fn add_entry(state: &mut AppState, entry: TimelineEntry) {
    state.timeline.push(entry);
    if state.timeline.len() > TIMELINE_LIMIT {
        state.timeline.drain(..TIMELINE_LIMIT / 10);
    }
    if state.timeline_scroll > 0 {
        state.timeline_scroll += 1;
    }
    state.dirty = true;
}

/// The undo an action's success recorded (`response.undo`), if it has one this warroom can run.
fn recorded_undo(event: &crate::incident::model::Event) -> Option<crate::actions::Action> {
    match event {
        crate::incident::model::Event::ActionSucceeded(a) => {
            serde_json::from_value(a.response.get("undo")?.clone()).ok()
        }
        _ => None,
    }
}

fn journal(state: &mut AppState, f: Followed) {
    match f {
        Followed::Entry(e) => {
            match &mut state.incident {
                Some(i) => i.apply(&e),
                None => match Incident::from_entries(std::slice::from_ref(&e)) {
                    Ok(i) => state.incident = Some(i),
                    Err(err) => notice(state, format!("the journal is not an incident's: {err}"), true),
                },
            }
            status::journal_entry(state, &e);
            super::playbook::journaled(state, &e);
            // Draft saves are noise on the timeline (the journal keeps them).
            if matches!(e.event, crate::incident::model::Event::StatusDraftSaved { .. }) {
                return;
            }
            let source = match e.source {
                crate::incident::model::Origin::Human => e.actor.name.clone(),
                other => format!("{other:?}").to_lowercase(),
            };
            let severe = matches!(
                e.event,
                crate::incident::model::Event::AlertFiring { .. }
                    | crate::incident::model::Event::ActionFailed(_)
                    | crate::incident::model::Event::SeverityChanged { .. }
            );
            let entry = TimelineEntry {
                at: e.time.as_second(),
                source: CleanText::line(&source),
                kind: e.event.kind().to_string(),
                text: CleanText::line(&describe(&e.event)),
                severe,
                pinned: e.pinned,
                seq: Some(e.seq),
                arrived: state.now,
                undo: recorded_undo(&e.event),
            };
            add_entry(state, entry);
        }
        Followed::Damaged { path, problem } => notice(
            state,
            format!(
                "{}:{}: a damaged journal line was skipped: {}",
                path.display(),
                problem.line,
                problem.problem
            ),
            true,
        ),
        Followed::Failed(why) => notice(state, format!("the journal can no longer be followed: {why}"), true),
    }
}

/// Applies what the poller read, and notes on the timeline alerts that start or stop paging
/// and sources that stop or resume answering.
fn observe(state: &mut AppState, u: crate::observe::model::Update) {
    use crate::freshness::Freshness as F;
    let loud = |s: &AppState| -> Vec<(String, String)> {
        s.observe
            .loud_alerts()
            .map(|a| (a.name.to_string(), a.labels_text(&["alertname", "severity"])))
            .collect()
    };
    let before = loud(state);
    let was: Vec<(crate::observe::http::Server, F)> =
        state.observe.freshness.iter().map(|(s, f)| (*s, f.clone())).collect();
    state.observe.apply(u);
    for a in loud(state).into_iter().filter(|a| !before.contains(a)) {
        push(state, "alerts", "alert", format!("firing: {} {}", a.0, a.1), true);
    }
    let after = loud(state);
    for a in before.into_iter().filter(|a| !after.contains(a)) {
        push(
            state,
            "alerts",
            "alert",
            format!("no longer paging: {} {}", a.0, a.1),
            false,
        );
    }
    let changes: Vec<String> = state
        .observe
        .freshness
        .iter()
        .filter_map(|(s, f)| {
            let before = was.iter().find(|(w, _)| w == s).map(|(_, b)| b);
            match (before, f) {
                (Some(F::Live { .. }), F::Reconnecting { error, .. } | F::Error { error })
                | (Some(F::Live { .. }), F::Unauthorized { error } | F::Forbidden { error }) => {
                    Some(format!("{} stopped answering: {error}", s.name()))
                }
                // The first answer after starting is no news; one after a failure is.
                (Some(F::Live { .. } | F::Connecting) | None, F::Live { .. }) => None,
                (Some(_), F::Live { .. }) => Some(format!("{} answering again", s.name())),
                _ => None,
            }
        })
        .collect();
    for c in changes {
        push(state, "metrics", "watch", c, false);
    }
    state.status.signals = super::status::headline_signals(&state.observe, state.now);
    state.dirty = true;
}

fn cluster(state: &mut AppState, u: Update) {
    if let Update::Freshness(source, f) = &u {
        let before = state.model.freshness.get(source).cloned();
        let text = match f {
            Freshness::Reconnecting { error, .. } if !matches!(before, Some(Freshness::Reconnecting { .. })) => {
                Some(format!("{} watch interrupted: {error}", source.name()))
            }
            Freshness::Forbidden { error } => Some(format!("{} cannot be listed cluster-wide: {error}", source.name())),
            // Never listed: once, not on every retry.
            Freshness::Error { error } if !matches!(before, Some(Freshness::Error { .. })) => {
                Some(format!("{} cannot be listed: {error}", source.name()))
            }
            Freshness::Live { .. } if matches!(before, Some(Freshness::Reconnecting { .. })) => {
                Some(format!("{} watch restored", source.name()))
            }
            _ => None,
        };
        if let Some(t) = text {
            push(state, "cluster", "watch", t, false);
        }
    }
    state.model.apply(u);
    state.dirty = true;
}

/// A burst of cluster updates has landed: recompute what is derived from the model.
fn settled(state: &mut AppState, fx: &mut Vec<Effect>) {
    super::containment::probe_keys(state, fx);
    refresh_symptoms(state);
    super::playbook::refresh_suggestions(state);
    state.attention = attention::attention(&state.model);
    state.cursor = state.cursor.min(state.visible_attention().len().saturating_sub(1));
    if let Some(d) = &state.detail {
        state.detail = Some(attention::detail(&state.model, &d.subject));
    }
}

/// Recomputes the cluster's symptoms and notes on the timeline those that appear or clear.
fn refresh_symptoms(state: &mut AppState) {
    if !state.model.complete() {
        return;
    }
    let now = state.event_time();
    let fresh = symptoms::symptoms(&state.model, now, Thresholds::default());
    if fresh == state.symptoms {
        return;
    }
    let (appeared, cleared) = symptoms::changes(&state.symptoms, &fresh);
    for s in appeared {
        push(state, symptoms::SOURCE, "signal", s.message.clone(), true);
    }
    for s in cleared {
        push(
            state,
            symptoms::SOURCE,
            "signal",
            format!("cleared: {}", s.message),
            false,
        );
    }
    state.symptoms = fresh;
    state.dirty = true;
}

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

fn key(state: &mut AppState, fx: &mut Vec<Effect>, k: KeyEvent) {
    state.dirty = true;
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
            act(state, fx, ctx, a);
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

fn step_focus(p: Pane, d: isize) -> Pane {
    let i = Pane::ALL.iter().position(|x| *x == p).unwrap_or(0) as isize;
    Pane::ALL[(i + d).rem_euclid(Pane::ALL.len() as isize) as usize]
}

fn open_input(state: &mut AppState, kind: InputKind, text: &str) {
    let mut line = TextArea::default();
    line.insert_str(text);
    state.input = Some(InputLine { kind, line });
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
        Pane::Health if state.detail.is_none() => {
            let len = state.visible_attention().len();
            let c = state.cursor as isize + d;
            state.cursor = c.clamp(0, len.saturating_sub(1) as isize) as usize;
        }
        _ => {}
    }
}

fn act(state: &mut AppState, fx: &mut Vec<Effect>, ctx: Context, a: KeyAction) {
    if ctx == Context::Help {
        match a {
            KeyAction::Close | KeyAction::Help => state.overlay = None,
            KeyAction::Up => state.help_scroll = state.help_scroll.saturating_sub(1),
            KeyAction::Down => state.help_scroll += 1,
            KeyAction::PageUp => state.help_scroll = state.help_scroll.saturating_sub(PAGE),
            KeyAction::PageDown => state.help_scroll += PAGE,
            KeyAction::Top => state.help_scroll = 0,
            _ => {}
        }
        return;
    }
    match a {
        KeyAction::Quit => state.quit = true,
        KeyAction::FocusNext => state.focus = step_focus(state.focus, 1),
        KeyAction::FocusPrev => state.focus = step_focus(state.focus, -1),
        KeyAction::FocusHealth => state.focus = Pane::Health,
        KeyAction::FocusTimeline => state.focus = Pane::Timeline,
        KeyAction::FocusPlaybook => state.focus = Pane::Playbook,
        KeyAction::FocusEditor => state.focus = Pane::Editor,
        KeyAction::Zoom => state.zoom = !state.zoom,
        KeyAction::Help => {
            state.overlay = Some(Overlay::Help);
            state.help_scroll = 0;
        }
        KeyAction::Close => close(state),
        KeyAction::Palette => open_input(state, InputKind::Palette, ""),
        KeyAction::Note => open_input(state, InputKind::Palette, "note "),
        KeyAction::Filter => {
            let current = state.filters.get(&state.focus).cloned().unwrap_or_default();
            open_input(state, InputKind::Filter(state.focus), &current);
        }
        KeyAction::Submit => submit(state, fx),
        KeyAction::Up => move_cursor(state, -1),
        KeyAction::Down => move_cursor(state, 1),
        KeyAction::PageUp => move_cursor(state, -(PAGE as isize)),
        KeyAction::PageDown => move_cursor(state, PAGE as isize),
        KeyAction::Top => move_cursor(state, isize::MIN / 2),
        KeyAction::Bottom => move_cursor(state, isize::MAX / 2),
        KeyAction::Open if state.focus == Pane::Playbook => super::playbook::open(state, fx),
        KeyAction::Open => {
            if let Some(item) = state.visible_attention().get(state.cursor) {
                let subject = item.subject.clone();
                state.detail = Some(attention::detail(&state.model, &subject));
            }
        }
        KeyAction::Pin => pin(state, fx),
        KeyAction::UndoEntry => match state.selected_entry().map(|e| e.undo.clone()) {
            Some(Some(undo)) => super::containment::trigger(state, fx, undo),
            _ => notice(state, "the selected entry is not an action with an undo".into(), true),
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
        | KeyAction::Recycle => match super::containment::for_key(state, a) {
            Ok(action) => super::containment::trigger(state, fx, action),
            Err(e) => notice(state, e, true),
        },
        KeyAction::Scale => {
            use crate::actions::WorkloadKind as K;
            use crate::cluster::rows::OwnerKind as Row;
            let s = super::containment::selection(state);
            let (Some(ns), Some(w)) = (s.namespace, s.workload) else {
                notice(state, "select a deployment or statefulset first".into(), true);
                return;
            };
            // The action's own refusal: a DaemonSet has no replica count.
            let probe = crate::actions::Action::Scale {
                namespace: ns.clone(),
                workload: w.clone(),
                replicas: 0,
            };
            if let Some(why) = probe.refusal() {
                notice(state, why, true);
                return;
            }
            let (row, word) = match w.kind {
                K::StatefulSet => (Row::StatefulSet, "sts/"),
                _ => (Row::Deployment, ""),
            };
            let current = state
                .model
                .workloads
                .iter()
                .find(|((wns, k, name), _)| wns.as_str() == ns && *k == row && name.as_str() == w.name)
                .map_or(0, |(_, r)| r.desired);
            open_input(
                state,
                InputKind::Palette,
                &format!("scale {ns}/{word}{} {current}", w.name),
            );
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
                Some(line) => open_input(state, InputKind::Palette, &line),
                None => notice(state, "no alert is paging".into(), false),
            }
        }
        KeyAction::StepSkip => open_input(state, InputKind::Palette, "skip "),
        KeyAction::StepFailed => open_input(state, InputKind::Palette, "fail "),
    }
}

/// Esc: the innermost thing open closes first (input, zoom, drill-down, filter, the editor).
fn close(state: &mut AppState) {
    if state.input.take().is_some() {
        return;
    }
    if state.focus == Pane::Editor && status::back(state) {
        return;
    }
    if state.zoom {
        state.zoom = false;
    } else if state.focus == Pane::Health && state.detail.is_some() {
        state.detail = None;
    } else if state.filters.remove(&state.focus).is_some() {
        state.timeline_scroll = 0;
    } else if state.focus == Pane::Editor {
        state.focus = Pane::Health;
    } else if state.notice.is_some() {
        state.notice = None;
    }
}

fn submit(state: &mut AppState, fx: &mut Vec<Effect>) {
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
            Err(e) => notice(state, e, true),
        },
    }
}

fn change(state: &mut AppState, fx: &mut Vec<Effect>, c: IncidentChange) {
    if state.incident.is_none() {
        notice(
            state,
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
                notice(state, text, true);
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
/// pinned; a journal entry that is not pinned is restated as a pinned note.
fn pin(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(e) = state.selected_entry() else {
        notice(state, "nothing to pin".into(), true);
        return;
    };
    if e.pinned {
        notice(state, "that entry is already pinned".into(), false);
        return;
    }
    let c = match e.seq {
        None => IncidentChange::PinCluster {
            text: e.text.to_string(),
            object: e.source.to_string(),
        },
        Some(seq) => IncidentChange::Note {
            text: format!("Pinned #{seq}: {}", e.text),
            pinned: true,
        },
    };
    change(state, fx, c);
}

/// The subject of the selected health row (for actions and tests).
pub fn selected_subject(state: &AppState) -> Option<Subject> {
    state.visible_attention().get(state.cursor).map(|i| i.subject.clone())
}
