//! The timeline as the console tells it: journal entries as they arrive, alerts that start or
//! stop paging, sources that stop or resume answering, watches interrupted and restored, and the
//! cluster's symptoms as they appear or clear. Pure: it changes the state only.

use super::state::{AppState, TimelineEntry};
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
            folded: None,
            evidence: None,
        },
    );
}

pub(super) fn add_entry(state: &mut AppState, entry: TimelineEntry) {
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
pub(super) fn recorded_undo(event: &crate::incident::model::Event) -> Option<crate::actions::Action> {
    match event {
        crate::incident::model::Event::ActionSucceeded(a) | crate::incident::model::Event::ActionCancelled(a) => {
            serde_json::from_value(a.response.get("undo")?.clone()).ok()
        }
        _ => None,
    }
}

pub fn journal(state: &mut AppState, f: Followed) {
    match f {
        Followed::Entry(e) => {
            match &mut state.incident {
                Some(i) => i.apply(&e),
                None => match Incident::from_entries(std::slice::from_ref(&e)) {
                    Ok(i) => state.incident = Some(i),
                    Err(err) => state.tell(format!("the journal is not an incident's: {err}"), true),
                },
            }
            status::journal_entry(state, &e);
            super::playbook::journaled(state, &e);
            super::mitigation::journaled(state, &e);
            if let crate::incident::model::Event::Detected(d) = &e.event {
                state.detected = Some(d.clone());
            }
            // Draft saves and recording seals are noise on the timeline (the journal keeps them);
            // a facilitator's asides are not for players.
            if matches!(
                e.event,
                crate::incident::model::Event::StatusDraftSaved { .. }
                    | crate::incident::model::Event::RecordingSealed { .. }
            ) || (matches!(e.event, crate::incident::model::Event::Aside { .. }) && !state.facilitating)
            {
                return;
            }
            // A pin marks the entry it names, where it is.
            if let crate::incident::model::Event::Pinned { seq } = e.event {
                for row in state.timeline.iter_mut().filter(|row| row.tells(seq)) {
                    row.pinned = true;
                }
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
                    | crate::incident::model::Event::ActionRefused(_)
                    | crate::incident::model::Event::SeverityChanged { .. }
            );
            // An action's later steps and an alert's flips join the row already telling them.
            if super::folding::fold(state, &e) {
                return;
            }
            let entry = TimelineEntry {
                // On the incident's clock (a drill's, as the header shows it).
                at: e.incident_time().as_second(),
                source: CleanText::line(&source),
                kind: e.event.kind().to_string(),
                text: CleanText::line(&describe(&e.event)),
                severe,
                pinned: e.pinned,
                seq: Some(e.seq),
                arrived: state.now,
                undo: recorded_undo(&e.event),
                folded: super::folding::Folded::of(&e),
                evidence: super::state::EvidenceFile::of(&e.event),
            };
            add_entry(state, entry);
        }
        Followed::Damaged { path, problem } => state.tell(
            format!(
                "{}:{}: a damaged journal line was skipped: {}",
                path.display(),
                problem.line,
                problem.problem
            ),
            true,
        ),
        Followed::Failed(why) => state.tell(format!("the journal can no longer be followed: {why}"), true),
    }
}

/// Applies what the poller read, and notes on the timeline alerts that start or stop paging
/// and sources that stop or resume answering.
pub fn observe(state: &mut AppState, u: crate::observe::model::Update) {
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
            format!("no longer firing: {} {}", a.0, a.1),
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
    super::mitigation::readings(state);
    state.dirty = true;
}

/// A proposal the console makes (the incident mitigated), on the timeline and said.
pub(super) fn proposal(state: &mut AppState, text: String) {
    push(state, "warroom", "proposal", text.clone(), false);
    state.tell(text, false);
}

pub fn cluster(state: &mut AppState, u: Update) {
    if let Update::ApiServer(silent) = &u {
        let text = match (silent, &state.model.server_silent) {
            (Some((_, error)), None) => Some(error.to_string()),
            (None, Some(_)) => Some("the API server answers again".to_string()),
            _ => None,
        };
        if let Some(t) = text {
            push(state, "cluster", "watch", t, silent.is_some());
        }
    }
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

/// Recomputes the cluster's symptoms and notes on the timeline those that appear or clear (with
/// an incident open, its journal tells them: `signals::journal`).
pub fn refresh_symptoms(state: &mut AppState) {
    if !state.model.complete() {
        return;
    }
    let now = state.event_time();
    let fresh = symptoms::symptoms(&state.model, now, Thresholds::default());
    if fresh == state.symptoms {
        return;
    }
    if state.incident.is_none() {
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
    }
    state.symptoms = fresh;
    state.dirty = true;
}
