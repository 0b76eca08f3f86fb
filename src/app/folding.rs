//! Journal entries that fold into a row already on the timeline, so the timeline reads one line
//! per thing that happened: an action's dry run and outcome join the row of its request (its
//! steps listed inside), and an alert's or a signal's flips join the row of its first, which
//! moves to the newest place and counts them (a flapping alert is one row, not fifty). The
//! journal keeps every entry; only the view folds. Pure.

use super::state::AppState;
use crate::incident::model::{Entry, Event};
use crate::incident::timeline::describe;
use crate::text::CleanText;

/// What a row gathers, and the journal entries it tells, oldest first, each with its step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// `action a1`, `alert CheckoutErrors{severity=page}`.
    pub key: String,
    pub steps: Vec<(u64, &'static str)>,
}

impl Folded {
    /// The fold a row for `e` (journal entry `seq`) begins, if `e` is a step of something.
    pub fn of(e: &Entry) -> Option<Folded> {
        Some(Folded {
            key: key(&e.event)?,
            steps: vec![(e.seq, step(&e.event)?)],
        })
    }
}

/// What `event` is a step of: an action (by its id), an alert (by its name and labels) or a
/// signal (by its kind and subject).
fn key(event: &Event) -> Option<String> {
    if let Some((a, _)) = crate::incident::actions_taken::step(event) {
        return Some(format!("action {}", a.action_id));
    }
    match event {
        Event::AlertFiring { alert, labels, .. } | Event::AlertResolved { alert, labels } => {
            Some(format!("alert {}", crate::incident::state::alert_key(alert, labels)))
        }
        Event::SignalAppeared { signal, subject, .. } | Event::SignalCleared { signal, subject, .. } => Some(format!(
            "signal {}",
            crate::incident::state::signal_key(signal, subject)
        )),
        _ => None,
    }
}

/// The step `event` is, in a word or two.
fn step(event: &Event) -> Option<&'static str> {
    if let Some((_, step)) = crate::incident::actions_taken::step(event) {
        return Some(step);
    }
    Some(match event {
        Event::AlertFiring { .. } | Event::SignalAppeared { .. } => "fired",
        Event::AlertResolved { .. } | Event::SignalCleared { .. } => "resolved",
        _ => return None,
    })
}

/// Folds `e` into the row already telling what it is a step of; false when there is none (the
/// caller adds a row of its own).
pub fn fold(state: &mut AppState, e: &Entry) -> bool {
    let (Some(key), Some(step)) = (key(&e.event), step(&e.event)) else {
        return false;
    };
    let Some(i) = state
        .timeline
        .iter()
        .rposition(|r| r.folded.as_ref().is_some_and(|f| f.key == key))
    else {
        return false;
    };
    // Alerts and signals flip; their row moves to the newest place, on the flip's time.
    let flip = matches!(
        e.event,
        Event::AlertFiring { .. }
            | Event::AlertResolved { .. }
            | Event::SignalAppeared { .. }
            | Event::SignalCleared { .. }
    );
    let mut row = if flip {
        let mut row = state.timeline.remove(i);
        row.at = e.incident_time().as_second();
        row
    } else {
        state.timeline[i].clone()
    };
    let folded = row.folded.get_or_insert_with(|| Folded {
        key: key.clone(),
        steps: Vec::new(),
    });
    folded.steps.push((e.seq, step));
    let steps: Vec<&str> = folded.steps.iter().map(|(_, s)| *s).collect();
    let text = match &e.event {
        Event::AlertFiring { .. } | Event::AlertResolved { .. } => flips(&e.event, &steps, "fired", "resolved"),
        Event::SignalAppeared { .. } | Event::SignalCleared { .. } => flips(&e.event, &steps, "seen", "cleared"),
        _ => crate::incident::actions_taken::folded_line(&e.event, &steps),
    };
    row.text = CleanText::line(&text);
    row.kind = e.event.kind().to_string();
    row.severe = if flip {
        matches!(e.event, Event::AlertFiring { .. } | Event::SignalAppeared { .. })
    } else {
        row.severe || matches!(step, "dry run failed" | "failed" | "refused")
    };
    row.pinned |= e.pinned;
    row.arrived = state.now;
    if let Some(undo) = super::narration::recorded_undo(&e.event) {
        row.undo = Some(undo);
    }
    if flip {
        state.timeline.push(row);
    } else {
        state.timeline[i] = row;
    }
    state.dirty = true;
    true
}

/// `Alert resolved: X (fired twice, resolved twice)`: the latest flip, and how often it came
/// (`came`) and went (`went`).
fn flips(event: &Event, steps: &[&str], came: &str, went: &str) -> String {
    let up = steps.iter().filter(|s| **s == "fired").count();
    let down = steps.len() - up;
    format!("{} ({came} {}, {went} {})", describe(event), times(up), times(down))
}

fn times(n: usize) -> String {
    match n {
        0 => "never".into(),
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}
