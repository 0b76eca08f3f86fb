//! `update`: applies one message to the state. It does no I/O: data arrives already fetched,
//! work for the outside world leaves as the effects it returns, and the state it leaves is all
//! `ui` needs. This file dispatches; keys are read in `keys`, the palette's lines carried out in
//! `commands`, and what arrives is told on the timeline by `narration`.

use super::attention;
use super::effect::Effect;
use super::message::Msg;
use super::narration;
use super::state::{AppState, Mode, Pane};
use super::status;
use crate::text::CleanText;

/// Applies `msg` to the state; returns the effects it wants carried out, in order.
#[must_use = "the effects update returns must be carried out"]
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    apply(state, &mut fx, msg);
    if state.read_only && fx.iter().any(|e| !e.read_only_may()) {
        fx.retain(Effect::read_only_may);
        state.tell(
            "warroom is read-only here (--read-only or the observer role): the incident's state is not \
             changed from this console; notes and decisions are recorded"
                .into(),
            true,
        );
    }
    fx
}

fn apply(state: &mut AppState, fx: &mut Vec<Effect>, msg: Msg) {
    match msg {
        Msg::Key(k) => {
            super::keys::key(state, fx, k);
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
        Msg::Cluster(u) => narration::cluster(state, u),
        Msg::Settled => settled(state, fx),
        Msg::Clock(c) => {
            let now = c.now;
            if let Mode::Drill { clock, .. } = &mut state.mode
                && clock.as_ref() != Some(&c)
            {
                *clock = Some(c);
                state.dirty = true;
            }
            // Also when the clock stands still: a console opened on a paused replay starts with
            // the clock it shows, and the real team's entries written by then are still due.
            super::original::follow_clock(state, now);
        }
        Msg::Observe(u) => {
            super::detection::observed(state, fx, &u);
            let alertmanager = matches!(u, crate::observe::model::Update::Alertmanager { .. });
            narration::observe(state, u);
            if alertmanager {
                super::alerts::journal(state, fx);
            }
            super::playbook::refresh_suggestions(state);
        }
        Msg::Learned(all) => super::detection::learned(state, all),
        Msg::Filed { title, result } => super::detection::filed(state, &title, result),
        Msg::KeysDenied { subject, denied } => {
            // A late answer about a row no longer selected greys nothing.
            if state.keys_checked.as_ref().is_some_and(|c| c.subject == subject) {
                state.denied = denied.into_iter().collect();
                state.dirty = true;
            }
        }
        Msg::Action { id, input } => {
            super::containment::answer(state, fx, &id, input);
            super::playbook::follow_flow(state, fx, &id);
            state.dirty = true;
        }
        Msg::Logs { request, event } => super::logs::arrived(state, &request, event),
        Msg::Inspected { target, view, result } => super::inspect::arrived(state, &target, view, result),
        Msg::Identity(who) => {
            state.cluster_identity = Some(CleanText::line(&who));
            state.dirty = true;
        }
        Msg::Journal(f) => narration::journal(state, f),
        Msg::Notice { text, error } => state.tell(text, error),
        Msg::TeamJournal { away } => state.team_journal_away = away,
        Msg::Theme(t) => {
            state.tell(format!("theme {} ({:?} colours)", t.name, t.depth), false);
            state.theme = *t;
        }
        Msg::ConfigVersions {
            namespace,
            config_map,
            versions,
        } => super::containment::config_back(state, fx, &namespace, &config_map, versions),
        Msg::Keymap(k) => {
            state.tell(format!("keymap {}", k.name), false);
            state.keymap = *k;
            state.pending.clear();
        }
        Msg::Tick(now) => {
            if now != state.now {
                state.now = now;
                narration::refresh_symptoms(state);
                super::signals::journal(state, fx);
                status::tick(state, fx);
                super::picture::tick(state, fx);
                super::lists::tick(state);
                state.dirty = true;
            }
        }
        Msg::Published {
            draft_id,
            channel,
            result,
        } => status::published(state, &draft_id, &channel, result),
    }
}

/// A burst of cluster updates has landed: recompute what is derived from the model.
fn settled(state: &mut AppState, fx: &mut Vec<Effect>) {
    super::detection::settled(state);
    narration::refresh_symptoms(state);
    super::signals::journal(state, fx);
    super::playbook::refresh_suggestions(state);
    state.attention = attention::attention(&state.model);
    state.cursor = state.cursor.min(state.visible_attention().len().saturating_sub(1));
    if let Some(d) = &state.detail {
        // The selection stays on its pod as pods come and go around it (Enter must open the
        // pod the responder picked, not whichever moved under the cursor).
        let picked = d.pods.get(d.cursor).and_then(|r| r.pod.clone());
        let mut fresh = attention::detail(&state.model, &d.subject);
        fresh.cursor = picked
            .and_then(|k| fresh.pods.iter().position(|r| r.pod.as_ref() == Some(&k)))
            .unwrap_or(d.cursor)
            .min(fresh.pods.len().saturating_sub(1));
        state.detail = Some(fresh);
    }
    super::lists::settled(state);
    // Last: the keys are checked against the selection as it now stands.
    super::containment::probe_keys(state, fx);
}
