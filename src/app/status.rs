//! The status editor's state machine: which template and channel are chosen, the draft being
//! written (its id, when it was last saved), the preview toggle, the publish confirmation and
//! the one publish in flight, plus the cadence countdown and overdue notes. Pure: it renders
//! templates from what it is given and leaves saves and publishes as effects.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use jiff::Timestamp;
use ratatui_textarea::TextArea;

use super::effect::Effect;
use super::state::AppState;
use crate::comms::cadence::{self, Cadence, Due};
use crate::comms::channel::{Channel, Target};
use crate::comms::drafts::{DraftText, SaveThrottle};
use crate::comms::publish::Message;
use crate::comms::template::Template;
use crate::comms::vars::{self, GoldenSignals};
use crate::incident::model::{Definitions, Entry, Event};

/// How often an edited draft is saved into the journal at most.
pub const SAVE_EVERY: Duration = Duration::from_secs(2);

/// The template name of a draft written without a template (it goes to the internal audience).
pub const FREE_TEXT: &str = "free-text";

const PLACEHOLDER: &str = "Write a status update, or pick a template to start from.";

/// What the console loads at start for the editor: templates, channels, cadence and wording.
#[derive(Debug, Clone, Default)]
pub struct StatusSetup {
    pub templates: Vec<Template>,
    /// The configured channels; `stdout` is dropped (it would write over the screen).
    pub channels: Vec<Channel>,
    pub cadence: Cadence,
    pub definitions: Definitions,
}

/// The status editor (the text itself is `AppState::editor`).
#[derive(Debug, Clone)]
pub struct StatusEditor {
    pub setup: StatusSetup,
    /// The chosen template (index into `setup.templates`), if any.
    pub template: Option<usize>,
    /// The chosen channel (index into `setup.channels`).
    pub channel: usize,
    /// The draft being written, once it has text.
    pub draft_id: Option<String>,
    /// Show the text as the chosen channel will, instead of editing it.
    pub preview: bool,
    /// The publish key was pressed once: the next press sends.
    pub confirming: bool,
    /// The draft id of the publish in flight.
    pub publishing: Option<String>,
    throttle: SaveThrottle,
    /// The text last handed to the journal.
    pub saved_text: String,
    /// The person has typed or chosen something in this session (no draft is restored over it).
    pub touched: bool,
    /// The draft restored from the journal, if one was.
    pub restored: Option<String>,
    /// The incident's entries (without draft saves), for the template variables.
    pub entries: Vec<Entry>,
    /// Overdue updates already asked to be noted, by audience and due time.
    noted: HashSet<(String, i64)>,
    /// The current golden-signal figures for the templates (`unknown` until someone sets them).
    pub signals: GoldenSignals,
}

impl Default for StatusEditor {
    fn default() -> Self {
        StatusEditor::new(StatusSetup::default())
    }
}

impl StatusEditor {
    pub fn new(mut setup: StatusSetup) -> StatusEditor {
        setup.channels.retain(|c| !matches!(c.target, Target::Stdout));
        StatusEditor {
            setup,
            template: None,
            channel: 0,
            draft_id: None,
            preview: false,
            confirming: false,
            publishing: None,
            throttle: SaveThrottle::new(SAVE_EVERY),
            saved_text: String::new(),
            touched: false,
            restored: None,
            entries: Vec::new(),
            noted: HashSet::new(),
            signals: GoldenSignals::default(),
        }
    }

    pub fn chosen_template(&self) -> Option<&Template> {
        self.template.and_then(|i| self.setup.templates.get(i))
    }

    pub fn chosen_channel(&self) -> Option<&Channel> {
        self.setup.channels.get(self.channel)
    }

    /// The chosen template's name and audience (free text goes to the internal audience).
    fn template_and_audience(&self) -> (String, String, bool) {
        match self.chosen_template() {
            Some(t) => (t.name.clone(), t.audience.clone(), t.external),
            None => (FREE_TEXT.into(), "internal".into(), false),
        }
    }
}

/// A fresh editor holding `text`.
pub fn editor_with(text: &str) -> TextArea<'static> {
    let mut e = if text.is_empty() {
        TextArea::default()
    } else {
        TextArea::new(text.lines().map(str::to_string).collect())
    };
    e.set_placeholder_text(PLACEHOLDER);
    e
}

fn since_start(state: &AppState) -> Duration {
    Duration::from_secs((state.now - state.started).max(0) as u64)
}

/// `secs` (the console's `now`) as a time.
pub fn timestamp(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Renders `t` for the open incident now; the next update time is the one this update sets.
pub fn render_template(state: &AppState, t: &Template) -> Result<String, String> {
    let Some(incident) = &state.incident else {
        return Err("no incident is open here: declare one first (:declare sev2 TITLE)".into());
    };
    let s = &state.status;
    let now = timestamp(state.now);
    let next = cadence::next_after_publishing(incident, &s.setup.cadence, &t.audience, now);
    let v = vars::build(incident, &s.entries, &s.setup.definitions, &s.signals, next, now);
    t.render(&v, &BTreeMap::new()).map_err(|e| e.to_string())
}

/// Saves the draft now if its text changed (the caller decides when: throttled, or forced).
fn save(state: &mut AppState, fx: &mut Vec<Effect>, force: bool) {
    if state.incident.is_none() {
        return;
    }
    let text = state.draft_text();
    if text.trim().is_empty() || text == state.status.saved_text {
        return;
    }
    let at = since_start(state);
    if !force && !state.status.throttle.should_save(at, &text) {
        return;
    }
    let (template, audience, _) = state.status.template_and_audience();
    let draft_id = state
        .status
        .draft_id
        .get_or_insert_with(crate::comms::drafts::new_draft_id)
        .clone();
    let channel = state.status.chosen_channel().map(|c| c.name.clone());
    state.status.throttle.saved(at, &text);
    state.status.saved_text = text.clone();
    fx.push(Effect::SaveDraft(DraftText {
        draft_id,
        template,
        audience,
        channel,
        text,
    }));
}

/// The editor's text changed by a key or a paste: cancel a pending confirmation, save if due.
pub fn edited(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.status.touched = true;
    state.status.confirming = false;
    save(state, fx, false);
}

/// Cycles to the next template and fills the draft with it (the old draft stays in the journal).
pub fn next_template(state: &mut AppState, fx: &mut Vec<Effect>) {
    let n = state.status.setup.templates.len();
    if n == 0 {
        state.tell("no templates are loaded".into(), true);
        return;
    }
    let i = state.status.template.map_or(0, |i| (i + 1) % n);
    let t = state.status.setup.templates[i].clone();
    match render_template(state, &t) {
        Ok(text) => {
            save(state, fx, true);
            let s = &mut state.status;
            s.template = Some(i);
            s.touched = true;
            s.confirming = false;
            s.draft_id = Some(crate::comms::drafts::new_draft_id());
            s.saved_text.clear();
            state.editor = editor_with(&text);
            // Prefer a channel that may carry it: external templates to external channels.
            if let Some(c) = state
                .status
                .setup
                .channels
                .iter()
                .position(|c| c.external == t.external)
            {
                state.status.channel = c;
            }
            state.tell(format!("template {} ({})", t.name, t.audience), false);
            save(state, fx, true);
        }
        Err(e) => state.tell(format!("template {}: {e}", t.name), true),
    }
}

/// Cycles among the configured channels.
pub fn next_channel(state: &mut AppState) {
    let n = state.status.setup.channels.len();
    if n == 0 {
        state.tell(
            "no channels are configured: add [[channels]] to the config file".into(),
            true,
        );
        return;
    }
    state.status.channel = (state.status.channel + 1) % n;
    state.status.confirming = false;
    state.dirty = true;
}

pub fn toggle_preview(state: &mut AppState) {
    state.status.preview = !state.status.preview;
    state.dirty = true;
}

/// The publish key: the first press asks, the second sends; nothing is sent twice.
pub fn publish(state: &mut AppState, fx: &mut Vec<Effect>) {
    if let Some(d) = &state.status.publishing {
        let text = format!("draft {d} is being published; wait for the result");
        state.tell(text, false);
        return;
    }
    if state.read_only {
        state.tell("warroom is read-only (--read-only or the observer role): nothing is published from here; the draft is kept".into(),
            true,
        );
        return;
    }
    let Some(incident) = &state.incident else {
        state.tell(
            "no incident is open here: declare one first (:declare sev2 TITLE)".into(),
            true,
        );
        return;
    };
    let id = incident.id.clone();
    let Some(channel) = state.status.chosen_channel().cloned() else {
        state.tell(
            "no channels are configured: add [[channels]] to the config file".into(),
            true,
        );
        return;
    };
    let text = state.draft_text();
    if text.trim().is_empty() {
        state.tell("the draft is empty".into(), true);
        return;
    }
    let (template, audience, external) = state.status.template_and_audience();
    if channel.external && !external {
        state.tell(
            format!(
                "{template} is internal and {} is external: pick a public template or another channel",
                channel.name
            ),
            true,
        );
        return;
    }
    if !state.status.confirming {
        state.status.confirming = true;
        state.dirty = true;
        return;
    }
    state.status.confirming = false;
    save(state, fx, true);
    let Some(draft_id) = state.status.draft_id.clone() else {
        return;
    };
    state.status.publishing = Some(draft_id.clone());
    fx.push(Effect::Publish {
        channel: Box::new(channel),
        message: Box::new(Message {
            incident: id,
            draft_id,
            template,
            audience,
            external,
            text,
        }),
    });
    state.dirty = true;
}

/// A key the keymap does not bind, in the editor: it types (not while previewing).
pub fn type_key(state: &mut AppState, fx: &mut Vec<Effect>, k: ratatui::crossterm::event::KeyEvent) {
    if state.status.preview {
        return;
    }
    if state.editor.input(k) {
        edited(state, fx);
    }
}

/// Text pasted into the editor.
pub fn paste(state: &mut AppState, fx: &mut Vec<Effect>, text: &str) {
    if state.status.preview {
        return;
    }
    state.editor.insert_str(text);
    edited(state, fx);
}

/// Esc in the editor: cancels a confirmation or leaves the preview; false when neither was open.
pub fn back(state: &mut AppState) -> bool {
    let s = &mut state.status;
    if s.confirming {
        s.confirming = false;
    } else if s.preview {
        s.preview = false;
    } else {
        return false;
    }
    state.dirty = true;
    true
}

/// A publish ended: the draft it sent is cleared (if still on screen), or the error is told and
/// the draft kept.
pub fn published(state: &mut AppState, draft_id: &str, channel: &str, result: Result<u32, String>) {
    if state.status.publishing.as_deref() == Some(draft_id) {
        state.status.publishing = None;
    }
    match result {
        Ok(attempts) => {
            // Only a draft still on screen is cleared; one typed over since is kept.
            if state.status.draft_id.as_deref() == Some(draft_id) {
                let s = &mut state.status;
                s.draft_id = None;
                s.saved_text.clear();
                s.preview = false;
                state.editor = editor_with("");
            }
            let tries = if attempts > 1 {
                format!(" after {attempts} attempts")
            } else {
                String::new()
            };
            state.tell(format!("published draft {draft_id} to {channel}{tries}"), false);
        }
        Err(e) => state.tell(e, true),
    }
}

/// A journal entry arrived (already folded into `state.incident`): keep it for the template
/// variables, and offer the latest unpublished draft again until the person starts writing.
pub fn journal_entry(state: &mut AppState, e: &Entry) {
    if !matches!(e.event, Event::StatusDraftSaved { .. }) {
        state.status.entries.push(e.clone());
    }
    let s = &state.status;
    if s.touched
        || !matches!(
            e.event,
            Event::StatusDraftSaved { .. } | Event::StatusDraftPublished { .. }
        )
    {
        return;
    }
    let Some(d) = state
        .incident
        .as_ref()
        .and_then(|i| i.latest_unpublished_draft())
        .cloned()
    else {
        if let Some(restored) = &state.status.restored
            && state.status.draft_id.as_deref() == Some(restored.as_str())
        {
            // The restored draft was published elsewhere.
            state.status.draft_id = None;
            state.status.restored = None;
            state.editor = editor_with("");
        }
        return;
    };
    if state.status.draft_id.as_deref() == Some(d.draft_id.as_str()) && state.status.saved_text == d.text {
        return;
    }
    let s = &mut state.status;
    s.template = s.setup.templates.iter().position(|t| t.name == d.template);
    if let Some(c) = d
        .channel
        .as_deref()
        .and_then(|name| s.setup.channels.iter().position(|c| c.name == name))
    {
        s.channel = c;
    }
    s.draft_id = Some(d.draft_id.clone());
    s.saved_text = d.text.clone();
    s.restored = Some(d.draft_id.clone());
    state.editor = editor_with(&d.text);
    state.tell(
        format!("unpublished draft {} restored into the status editor", d.draft_id),
        false,
    );
}

/// The next update due, for the header.
pub fn next_due(state: &AppState) -> Option<Due> {
    let incident = state.incident.as_ref()?;
    cadence::next_due(incident, &state.status.setup.cadence, timestamp(state.now))
}

/// The console is ending: save the draft now, whatever the throttle says.
pub fn before_quit(state: &mut AppState) -> Vec<Effect> {
    let mut fx = Vec::new();
    save(state, &mut fx, true);
    fx
}

/// Time passed: save a draft whose save was held back, and note newly overdue updates.
pub fn tick(state: &mut AppState, fx: &mut Vec<Effect>) {
    save(state, fx, false);
    let Some(incident) = &state.incident else { return };
    let events = cadence::overdue_events(incident, &state.status.setup.cadence, timestamp(state.now));
    for event in events {
        if let Event::StatusUpdateOverdue { audience, due_at } = &event
            && state.status.noted.insert((audience.clone(), due_at.as_second()))
        {
            fx.push(Effect::NoteOverdue(event));
        }
    }
}

/// The figures a status update quotes: the service in the worst state (highest burn level,
/// then highest error ratio) among those followed.
pub fn headline_signals(m: &crate::observe::model::ObserveModel, now: i64) -> GoldenSignals {
    let worst = m.services.values().max_by(|a, b| {
        let level = |s: &crate::observe::model::ServiceSignals| s.burn.as_ref().map(|b| b.level);
        let errors =
            |s: &crate::observe::model::ServiceSignals| s.signal("errors").and_then(|x| x.value).unwrap_or(0.0);
        level(a).cmp(&level(b)).then(errors(a).total_cmp(&errors(b)))
    });
    let Some(s) = worst else {
        return GoldenSignals::default();
    };
    let value = |panel: &str| s.signal(panel).and_then(|x| x.value).filter(|v| v.is_finite());
    GoldenSignals {
        error_rate: value("errors"),
        latency_p99_seconds: value("latency_p99"),
        traffic_rps: value("traffic"),
        saturation: value("saturation"),
        as_of: jiff::Timestamp::from_second(now).ok(),
    }
}
