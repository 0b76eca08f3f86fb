//! The status editor driven through `update` and drawn into ratatui's TestBackend: a template
//! fills the draft, the preview shows it as the channel will, drafts are saved as effects
//! (throttled) and offered again from the journal, publishing asks once and sends once, a
//! failure keeps the draft, and the header counts down to the next update and flags it overdue.

use std::time::Duration;

use crate::support::{Console, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::effect::Effect;
use warroom::app::message::Msg;
use warroom::app::state::{AppState, Mode, Pane};
use warroom::app::status::{StatusEditor, StatusSetup};
use warroom::comms::cadence::Cadence;
use warroom::comms::channel::{Channel, Target};
use warroom::comms::template::Templates;
use warroom::incident::follow::Followed;
use warroom::incident::model::{Actor, Declared, Definitions, Entry, Event, Origin, Severity};
use warroom::secret::SecretSource;
use warroom::text::CleanText;

const NOW: i64 = 1_795_615_200; // 2026-11-24T14:00:00Z

fn channel(name: &str, target: Target, external: bool) -> Channel {
    Channel {
        name: name.into(),
        external,
        target,
        timeout: Duration::from_secs(1),
        retries: 0,
        backoff: Duration::from_secs(1),
    }
}

fn state() -> Console {
    let mut s = Console::new(AppState::new(
        Mode::Live {
            context: CleanText::line("prod-eu"),
        },
        NOW,
    ));
    s.status = StatusEditor::new(StatusSetup {
        templates: Templates::builtin().expect("shipped templates").all,
        channels: vec![
            channel("stdout", Target::Stdout, false),
            channel(
                "ops-hook",
                Target::Webhook {
                    url: SecretSource::Env("OPS_HOOK_URL".into()),
                    signing: None,
                },
                false,
            ),
            channel(
                "statuspage",
                Target::Webhook {
                    url: SecretSource::Env("STATUSPAGE_URL".into()),
                    signing: None,
                },
                true,
            ),
        ],
        cadence: Cadence::default(),
        definitions: Definitions::default(),
    });
    update(&mut s, Msg::Resize(200, 50));
    s
}

fn entry(seq: u64, at: i64, event: Event) -> Entry {
    Entry {
        seq,
        time: jiff::Timestamp::from_second(at).unwrap(),
        drill_time: None,
        actor: Actor::named("alice"),
        source: Origin::Human,
        pinned: false,
        event,
        prev: "0".repeat(64),
        hash: "0".repeat(64),
    }
}

fn journal(s: &mut Console, e: Entry) {
    update(s, Msg::Journal(Followed::Entry(Box::new(e))));
}

fn declare(s: &mut Console) {
    journal(
        s,
        entry(
            1,
            NOW,
            Event::IncidentOpened(Declared::new(
                "INC-20261124-001".parse().unwrap(),
                "Checkout failing",
                Severity::Sev1,
            )),
        ),
    );
}

fn press(s: &mut Console, code: KeyCode, mods: KeyModifiers) {
    update(s, Msg::Key(KeyEvent::new(code, mods)));
}

fn ctrl(s: &mut Console, c: char) {
    press(s, KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn type_text(s: &mut Console, text: &str) {
    for c in text.chars() {
        press(s, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn screen(s: &Console) -> String {
    let (w, h) = s.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| warroom::ui::render(s, f)).expect("draw");
    let out = crate::support::text(terminal.backend().buffer());
    // Draft ids are random.
    regex::Regex::new("d-[0-9a-f]{8}")
        .expect("regex")
        .replace_all(&out, "d-XXXXXXXX")
        .into_owned()
}

fn saves(s: &Console) -> Vec<String> {
    s.effects
        .iter()
        .filter_map(|e| match e {
            Effect::SaveDraft(d) => Some(d.text.clone()),
            _ => None,
        })
        .collect()
}

fn publishes(s: &Console) -> usize {
    s.effects.iter().filter(|e| matches!(e, Effect::Publish { .. })).count()
}

#[test]
fn a_template_fills_the_draft_and_the_preview_shows_the_channel() {
    let mut s = state();
    declare(&mut s);
    press(&mut s, KeyCode::Char('4'), KeyModifiers::NONE);
    assert_eq!(s.focus, Pane::Editor);
    ctrl(&mut s, 't');
    let text = s.editor.lines().join("\n");
    assert!(
        text.starts_with("[SEV1] INC-20261124-001 Checkout failing\nStatus: investigating"),
        "{text}"
    );
    assert!(text.contains("Next update by 14:05 UTC."), "{text}");
    assert_eq!(
        s.status.chosen_channel().map(|c| c.name.as_str()),
        Some("ops-hook"),
        "stdout is never offered in the console"
    );
    // The prefilled draft is saved at once, with its template and channel.
    let saved: Vec<_> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::SaveDraft(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(
        (
            saved[0].template.as_str(),
            saved[0].audience.as_str(),
            saved[0].channel.as_deref()
        ),
        ("internal-update", "internal", Some("ops-hook"))
    );
    assert_eq!(saved[0].text, text);
    let t = screen(&s);
    assert!(t.contains("internal-update (internal) → ops-hook (webhook)"), "{t}");
    assert!(t.contains("next update 5m00s (internal)"), "{t}");
    insta::assert_snapshot!("editor_200x50_template", t);
    ctrl(&mut s, 'r');
    let t = screen(&s);
    assert!(t.contains("→ ops-hook (webhook) internal"), "{t}");
    assert!(t.contains("POST application/json, unsigned"), "{t}");
    assert!(t.contains("  [SEV1] INC-20261124-001 Checkout failing"), "{t}");
    insta::assert_snapshot!("editor_200x50_preview", t);
    // Typing does nothing while previewing; esc goes back to editing.
    type_text(&mut s, "xyz");
    assert_eq!(s.editor.lines().join("\n"), text);
    press(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!s.status.preview && s.focus == Pane::Editor);
    // The next template is the public one, which moves the draft to the external channel; the
    // one after is for executives, back on an internal channel.
    ctrl(&mut s, 't');
    let t = s.status.chosen_template().expect("template");
    assert_eq!((t.name.as_str(), t.external), ("public-status", true));
    assert_eq!(s.status.chosen_channel().map(|c| c.name.as_str()), Some("statuspage"));
    let page = s.editor.lines().join("\n");
    assert!(
        !page.contains("INC-20261124-001"),
        "no internals on the status page: {page}"
    );
    ctrl(&mut s, 't');
    assert!(
        s.status
            .chosen_template()
            .is_some_and(|t| t.name == "executive-briefing")
    );
    assert_eq!(s.status.chosen_channel().map(|c| c.name.as_str()), Some("ops-hook"));
}

#[test]
fn publishing_asks_once_sends_once_and_a_failure_keeps_the_draft() {
    let mut s = state();
    declare(&mut s);
    s.focus = Pane::Editor;
    ctrl(&mut s, 't');
    s.effects.clear();
    ctrl(&mut s, 's');
    assert_eq!(publishes(&s), 0, "the first press only asks");
    assert!(screen(&s).contains("Publish to ops-hook? ctrl-s again sends it, esc cancels"));
    press(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert!(
        !s.status.confirming && s.focus == Pane::Editor,
        "esc cancels, the pane stays"
    );
    ctrl(&mut s, 's');
    ctrl(&mut s, 's');
    assert_eq!(publishes(&s), 1);
    let Some(Effect::Publish { channel, message }) = s.effects.iter().find(|e| matches!(e, Effect::Publish { .. }))
    else {
        unreachable!()
    };
    assert_eq!(channel.name, "ops-hook");
    assert_eq!(message.text, s.editor.lines().join("\n"));
    assert_eq!(message.incident.as_str(), "INC-20261124-001");
    assert_eq!(Some(&message.draft_id), s.status.draft_id.as_ref());
    let draft_id = message.draft_id.clone();
    // Pressing again while it is in flight sends nothing more.
    ctrl(&mut s, 's');
    ctrl(&mut s, 's');
    assert_eq!(publishes(&s), 1);
    assert!(screen(&s).contains("publishing draft"));
    update(
        &mut s,
        Msg::Published {
            draft_id: draft_id.clone(),
            channel: "ops-hook".into(),
            result: Err("publishing to ops-hook failed after 4 attempt(s): HTTP 500; the draft is kept".into()),
        },
    );
    let t = screen(&s);
    assert!(t.contains("HTTP 500; the draft is kept"), "{t}");
    assert_eq!(s.status.draft_id.as_ref(), Some(&draft_id));
    assert!(s.editor.lines()[0].starts_with("[SEV1]"));
    s.effects.clear();
    ctrl(&mut s, 's');
    ctrl(&mut s, 's');
    assert_eq!(publishes(&s), 1, "after a failure it can be sent again");
    update(
        &mut s,
        Msg::Published {
            draft_id: draft_id.clone(),
            channel: "ops-hook".into(),
            result: Ok(1),
        },
    );
    assert!(screen(&s).contains("published draft d-XXXXXXXX to ops-hook"));
    assert_eq!(s.editor.lines().join(""), "", "a published draft leaves the editor");
    assert_eq!(s.status.draft_id, None);
}

#[test]
fn a_read_only_console_publishes_nothing_and_keeps_the_draft() {
    let mut s = state();
    declare(&mut s);
    s.read_only = true;
    s.focus = Pane::Editor;
    ctrl(&mut s, 't');
    let draft = s.editor.lines().join("\n");
    for _ in 0..3 {
        ctrl(&mut s, 's');
    }
    assert_eq!(publishes(&s), 0);
    assert!(!s.status.confirming, "nothing to confirm");
    let t = screen(&s);
    assert!(t.contains("warroom is read-only"), "{t}");
    assert_eq!(s.editor.lines().join("\n"), draft);
    assert_eq!(
        saves(&s).last(),
        Some(&draft),
        "the draft is still saved to the journal"
    );
}

#[test]
fn an_internal_template_is_not_offered_to_an_external_channel() {
    let mut s = state();
    declare(&mut s);
    s.focus = Pane::Editor;
    ctrl(&mut s, 't');
    ctrl(&mut s, 'o');
    assert_eq!(s.status.chosen_channel().map(|c| c.name.as_str()), Some("statuspage"));
    ctrl(&mut s, 's');
    ctrl(&mut s, 's');
    assert_eq!(publishes(&s), 0);
    assert!(screen(&s).contains("internal-update is internal and statuspage is external"));
}

#[test]
fn drafts_are_saved_as_typed_throttled_and_on_tick() {
    let mut s = state();
    s.focus = Pane::Editor;
    type_text(&mut s, "no incident yet");
    assert!(saves(&s).is_empty(), "no journal to save into before an incident");
    s.editor = warroom::app::status::editor_with("");
    declare(&mut s);
    type_text(&mut s, "Rolling back");
    assert_eq!(saves(&s), vec!["R"], "the first change is saved at once");
    s.effects.clear();
    update(&mut s, Msg::Tick(NOW + 1));
    assert!(saves(&s).is_empty(), "held back within the throttle");
    update(&mut s, Msg::Tick(NOW + 2));
    assert_eq!(saves(&s), vec!["Rolling back"]);
    s.effects.clear();
    update(&mut s, Msg::Tick(NOW + 5));
    assert!(saves(&s).is_empty(), "an unchanged draft is not saved again");
    update(&mut s, Msg::Paste("\ncheckout 1.9.3".into()));
    update(&mut s, Msg::Tick(NOW + 6));
    assert_eq!(saves(&s), vec!["Rolling back\ncheckout 1.9.3"]);
}

#[test]
fn the_latest_unpublished_draft_is_offered_again_and_saves_stay_off_the_timeline() {
    let mut s = state();
    declare(&mut s);
    let saved = |seq, id: &str, text: &str| {
        entry(
            seq,
            NOW + seq as i64,
            Event::StatusDraftSaved {
                draft_id: id.into(),
                template: "internal-update".into(),
                audience: "internal".into(),
                channel: Some("ops-hook".into()),
                text: text.into(),
            },
        )
    };
    journal(&mut s, saved(2, "d-1", "first"));
    journal(&mut s, saved(3, "d-2", "second, half writ"));
    journal(&mut s, saved(4, "d-2", "second, half written"));
    assert_eq!(s.editor.lines().join("\n"), "second, half written");
    assert_eq!(s.status.draft_id.as_deref(), Some("d-2"));
    assert!(s.status.chosen_template().is_some_and(|t| t.name == "internal-update"));
    let t = screen(&s);
    assert!(
        t.contains("unpublished draft d-2 restored into the status editor"),
        "{t}"
    );
    assert!(
        s.timeline.iter().all(|e| e.kind != "status_draft_saved"),
        "{:?}",
        s.timeline
    );
    // Published elsewhere: the next unpublished one is offered.
    journal(
        &mut s,
        entry(
            5,
            NOW + 5,
            Event::StatusUpdatePublished {
                channel: "ops-hook".into(),
                external: false,
                text: "second, half written".into(),
            },
        ),
    );
    journal(
        &mut s,
        entry(
            6,
            NOW + 5,
            Event::StatusDraftPublished {
                draft_id: "d-2".into(),
                audience: "internal".into(),
                channel: "ops-hook".into(),
            },
        ),
    );
    assert_eq!(s.editor.lines().join("\n"), "first");
    assert!(s.timeline.iter().any(|e| e.kind == "status_update_published"));
    // Once the person writes, nothing is put over their text.
    s.focus = Pane::Editor;
    type_text(&mut s, "!");
    journal(&mut s, saved(7, "d-3", "someone else's"));
    assert_eq!(s.editor.lines().join("\n"), "!first");
}

#[test]
fn the_header_counts_down_and_an_overdue_update_is_noted_once() {
    let mut s = state();
    declare(&mut s);
    update(&mut s, Msg::Tick(NOW + 61));
    assert!(screen(&s).contains("next update 3m59s (internal)"));
    update(&mut s, Msg::Tick(NOW + 302));
    let t = screen(&s);
    assert!(t.contains("✖ UPDATE OVERDUE 0m02s (internal)"), "{t}");
    let overdue = warroom::ui::editor::countdown(&s).expect("due");
    assert_eq!(overdue.style, s.theme.get("health.failure"), "overdue is highlighted");
    let noted: Vec<_> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::NoteOverdue(Event::StatusUpdateOverdue { audience, .. }) => Some(audience.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(noted, vec!["internal", "public"]);
    s.effects.clear();
    update(&mut s, Msg::Tick(NOW + 303));
    assert!(s.effects.is_empty(), "noted once: {:?}", s.effects);
    // A publish to the internal audience (folded from the journal) resets its countdown.
    for (seq, event) in [
        Event::StatusUpdatePublished {
            channel: "ops-hook".into(),
            external: false,
            text: "update".into(),
        },
        Event::StatusDraftPublished {
            draft_id: "d-1".into(),
            audience: "internal".into(),
            channel: "ops-hook".into(),
        },
        Event::StatusUpdatePublished {
            channel: "statuspage".into(),
            external: true,
            text: "update".into(),
        },
        Event::StatusDraftPublished {
            draft_id: "d-2".into(),
            audience: "public".into(),
            channel: "statuspage".into(),
        },
    ]
    .into_iter()
    .enumerate()
    {
        journal(&mut s, entry(seq as u64 + 2, NOW + 303, event));
    }
    let t = screen(&s);
    assert!(t.contains("next update 5m00s (internal)"), "{t}");
    assert!(!t.contains("OVERDUE"), "{t}");
}

#[test]
fn the_golden_signals_given_to_the_editor_fill_the_template() {
    let mut s = state();
    declare(&mut s);
    s.status.signals = warroom::comms::vars::GoldenSignals {
        error_rate: Some(0.125),
        latency_p99_seconds: Some(2.5),
        ..Default::default()
    };
    s.focus = Pane::Editor;
    ctrl(&mut s, 't');
    let text = s.editor.lines().join("\n");
    assert!(text.contains("Signals: errors 12.50%, p99 latency 2.50 s"), "{text}");
}

#[test]
fn the_editor_tab_at_80x24() {
    let mut s = state();
    update(&mut s, Msg::Resize(80, 24));
    declare(&mut s);
    press(&mut s, KeyCode::Char('4'), KeyModifiers::NONE);
    ctrl(&mut s, 't');
    let t = screen(&s);
    assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
    assert!(t.contains("internal-update (internal) → ops-hook"), "{t}");
    assert!(t.contains("[SEV1] INC-20261124-001 Checkout failing"), "{t}");
    insta::assert_snapshot!("editor_80x24_template", t);
}
