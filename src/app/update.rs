//! `update`: applies one message to the state. It does no I/O: data arrives already fetched,
//! and the state it leaves is all `ui` needs to draw.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{Action, action_for};
use super::message::Msg;
use super::state::{AppState, Mode, Overlay, Pane, TimelineEntry};
use crate::cluster::model::{Freshness, Update};
use crate::cluster::signals::{self, Thresholds};
use crate::text::CleanText;

/// How many timeline entries the console keeps in memory (the journal keeps everything).
const TIMELINE_LIMIT: usize = 5_000;

pub fn update(state: &mut AppState, msg: Msg) {
    match msg {
        Msg::Key(k) => key(state, k),
        Msg::Paste(text) => {
            if state.focus == Pane::Editor {
                state.editor.insert_str(CleanText::block(&text).as_str());
                state.dirty = true;
            }
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
        }
        Msg::Cluster(u) => cluster(state, u),
        Msg::Settled => refresh_signals(state),
        Msg::Clock(c) => {
            if let Mode::Drill { clock, .. } = &mut state.mode
                && clock.as_ref() != Some(&c)
            {
                *clock = Some(c);
                state.dirty = true;
            }
        }
        Msg::Tick(now) => {
            if now != state.now {
                state.now = now;
                refresh_signals(state);
                state.dirty = true;
            }
        }
        Msg::Quit => state.quit = true,
    }
}

fn push(state: &mut AppState, source: &'static str, text: String, severe: bool) {
    let at = match &state.mode {
        Mode::Drill { clock: Some(c), .. } => c.now,
        _ => state.now,
    };
    state.timeline.push(TimelineEntry {
        at,
        source,
        text: CleanText::line(&text),
        severe,
    });
    if state.timeline.len() > TIMELINE_LIMIT {
        state.timeline.drain(..TIMELINE_LIMIT / 10);
    }
    if state.timeline_scroll > 0 {
        state.timeline_scroll += 1;
    }
}

fn cluster(state: &mut AppState, u: Update) {
    if let Update::Freshness(source, f) = &u {
        let before = state.model.freshness.get(source).cloned();
        let text = match f {
            Freshness::Reconnecting { error, .. } if !matches!(before, Some(Freshness::Reconnecting { .. })) => {
                Some(format!("{} watch interrupted: {error}", source.name()))
            }
            Freshness::Forbidden { error } => Some(format!("{} cannot be listed cluster-wide: {error}", source.name())),
            Freshness::Live { .. } if matches!(before, Some(Freshness::Reconnecting { .. })) => {
                Some(format!("{} watch restored", source.name()))
            }
            _ => None,
        };
        if let Some(t) = text {
            push(state, "cluster", t, false);
        }
    }
    state.model.apply(u);
    state.dirty = true;
}

/// Recomputes the derived signals and notes on the timeline those that appear or clear.
fn refresh_signals(state: &mut AppState) {
    if !state.model.complete() {
        return;
    }
    let now = match &state.mode {
        Mode::Drill { clock: Some(c), .. } => c.now,
        _ => state.now,
    };
    let fresh = signals::signals(&state.model, now, Thresholds::default());
    if fresh == state.signals {
        return;
    }
    let (appeared, cleared) = signals::changes(&state.signals, &fresh);
    for s in appeared {
        push(state, signals::SOURCE, s.message.clone(), true);
    }
    for s in cleared {
        push(state, signals::SOURCE, format!("cleared: {}", s.message), false);
    }
    state.signals = fresh;
    state.dirty = true;
}

fn key(state: &mut AppState, k: KeyEvent) {
    state.dirty = true;
    if state.overlay.is_some() {
        if matches!(action_for(&k), Some(Action::Close | Action::Help | Action::Quit)) {
            state.overlay = None;
        }
        return;
    }
    if state.focus == Pane::Editor {
        // The editor takes every key but the ones that leave it.
        let leave = k.code == KeyCode::Esc
            || k.code == KeyCode::Tab
            || k.code == KeyCode::BackTab
            || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL));
        if !leave {
            state.editor.input(k);
            return;
        }
    }
    let Some(action) = action_for(&k) else {
        return;
    };
    let step = |p: Pane, d: isize| {
        let i = Pane::ALL.iter().position(|x| *x == p).unwrap_or(0) as isize;
        Pane::ALL[(i + d).rem_euclid(Pane::ALL.len() as isize) as usize]
    };
    match action {
        Action::Quit => state.quit = true,
        Action::FocusNext => state.focus = step(state.focus, 1),
        Action::FocusPrev => state.focus = step(state.focus, -1),
        Action::Zoom => state.zoom = !state.zoom,
        Action::Help => state.overlay = Some(Overlay::Help),
        Action::Close => {
            if state.zoom {
                state.zoom = false;
            } else if state.focus == Pane::Editor {
                state.focus = Pane::Health;
            }
        }
        Action::ScrollUp if state.focus == Pane::Timeline => {
            state.timeline_scroll = (state.timeline_scroll + 1).min(state.timeline.len().saturating_sub(1));
        }
        Action::ScrollDown if state.focus == Pane::Timeline => {
            state.timeline_scroll = state.timeline_scroll.saturating_sub(1);
        }
        Action::Top if state.focus == Pane::Timeline => state.timeline_scroll = state.timeline.len().saturating_sub(1),
        Action::Bottom if state.focus == Pane::Timeline => state.timeline_scroll = 0,
        _ => {}
    }
}
