//! The console drawn into ratatui's TestBackend at 80×24 (tabs) and 200×50 (all four panes),
//! from a fixed state: snapshots of the text, and the severity styles.

use crate::support::{Console, update};
use crate::support::{keys, text};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use warroom::app::effect::{Effect, IncidentChange};
use warroom::app::message::{DrillClock, Msg};
use warroom::app::state::{AppState, Mode};
use warroom::cluster::model::{Change, Resource, Update};
use warroom::cluster::rows::{NodeRow, Owner, OwnerKind, Phase, PodRow, WorkloadRow};
use warroom::freshness::Freshness;
use warroom::incident::follow::Followed;
use warroom::incident::model::{Actor, Declared, Entry, Event, Origin, Severity, Status};
use warroom::text::CleanText;
use warroom::theme::{self, ColorDepth};

const NOW: i64 = 1_795_615_200; // 2026-11-24T14:00:00Z

fn state() -> Console {
    let clock = DrillClock {
        now: NOW + 250,
        start: NOW,
        speed: 1.0,
        paused: false,
    };
    let mut s = Console::new(AppState::new(
        Mode::Drill {
            title: CleanText::line("Bad deploy: checkout 2.0.0 crashloops on start"),
            clock: Some(clock),
        },
        NOW,
    ));
    for (i, ready) in [true, true, false].iter().enumerate() {
        let row = NodeRow {
            ready: *ready,
            unknown: !ready,
            memory_pressure: false,
            disk_pressure: false,
            pid_pressure: false,
            unschedulable: false,
            pod_capacity: 110,
            zone: None,
        };
        update(
            &mut s,
            Msg::Cluster(Update::Node(Change::Apply(
                ("".into(), format!("node-{i}").as_str().into()),
                row,
            ))),
        );
    }
    for (name, crash) in [("checkout-a", true), ("checkout-b", false)] {
        let row = PodRow {
            phase: Phase::Running,
            ready: !crash,
            restarts: if crash { 4 } else { 0 },
            waiting: crash.then(|| "CrashLoopBackOff".into()),
            last_termination: crash.then(|| "Error".into()),
            last_message: crash.then(|| "panic: config key CHECKOUT_CURRENCY_TABLE not set".into()),
            reason: None,
            node: Some("node-0".into()),
            owner: Some(Owner {
                kind: OwnerKind::Deployment,
                name: "checkout".into(),
            }),
            created: NOW,
            terminating: false,
        };
        update(
            &mut s,
            Msg::Cluster(Update::Pod(Change::Apply(("shop".into(), name.into()), row))),
        );
    }
    let w = WorkloadRow {
        desired: 4,
        ready: 3,
        updated: 2,
        available: 3,
        paused: false,
        revision: Some("3".into()),
        image: Some("registry.example.com/shop/checkout:2.0.0".into()),
        rolling: true,
        deadline_exceeded: false,
    };
    update(
        &mut s,
        Msg::Cluster(Update::Workload(
            OwnerKind::Deployment,
            Change::Apply(("shop".into(), "checkout".into()), w),
        )),
    );
    for source in Resource::ALL {
        update(
            &mut s,
            Msg::Cluster(Update::Freshness(source, Freshness::Live { since: NOW })),
        );
    }
    update(&mut s, Msg::Settled);
    update(&mut s, Msg::Tick(NOW + 1));
    s
}

fn draw(s: &Console, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| warroom::ui::render(s, f)).expect("draw");
    terminal.backend().buffer().clone()
}

fn key(s: &mut Console, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn wide_terminal_shows_all_four_panes() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    let b = draw(&s, 200, 50);
    let t = text(&b);
    for want in [
        "DRILL",
        "Cluster health",
        "Timeline",
        "Playbook",
        "Status update",
        "2 ready",
        "1 not ready",
        "deploy shop/checkout",
        "1 crashlooping",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    insta::assert_snapshot!("wide_200x50", t);
}

#[test]
fn small_terminal_uses_tabs_and_keys_move_focus() {
    let mut s = state();
    update(&mut s, Msg::Resize(80, 24));
    let t = text(&draw(&s, 80, 24));
    assert!(
        t.contains("Cluster health │ Timeline │ Playbook │ Status update"),
        "{t}"
    );
    insta::assert_snapshot!("small_80x24_health", t);
    key(&mut s, KeyCode::Tab);
    let t = text(&draw(&s, 80, 24));
    assert!(t.contains("┌ Timeline"), "{t}");
    assert!(
        t.contains("deployment shop/checkout are in CrashLoop"),
        "the signal reached the timeline:\n{t}"
    );
    key(&mut s, KeyCode::Char('?'));
    let t = text(&draw(&s, 80, 24));
    assert!(t.contains("Help (esc to close)") && t.contains("zoom the pane"), "{t}");
    insta::assert_snapshot!("small_80x24_help", t);
    key(&mut s, KeyCode::Esc);
    assert!(!text(&draw(&s, 80, 24)).contains("Help (esc to close)"));
}

/// The cell at the first occurrence of `needle` on screen.
fn cell<'a>(b: &'a ratatui::buffer::Buffer, needle: &str) -> &'a ratatui::buffer::Cell {
    let t = text(b);
    let row = t
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{t}"));
    let line = t.lines().nth(row).expect("line");
    let col = line.chars().count() - line[line.find(needle).expect("found")..].chars().count();
    &b[(col as u16, row as u16)]
}

/// The effects asking for journal writes (not the permission probes of action keys).
fn journal_effects(s: &Console) -> Vec<Effect> {
    s.effects
        .iter()
        .filter(|e| !matches!(e, Effect::CheckKeys { .. }))
        .cloned()
        .collect()
}

fn declared(s: &mut Console, sev: Severity) {
    let event = Event::IncidentOpened(Declared {
        id: "INC-20261124-001".parse().unwrap(),
        title: "Checkout errors".into(),
        severity: sev,
        status: Status::Investigating,
        impact: String::new(),
        services: vec![],
        components: vec![],
        drill: true,
    });
    update(s, Msg::Journal(Followed::Entry(Box::new(entry(1, event, false)))));
}

fn entry(seq: u64, event: Event, pinned: bool) -> Entry {
    Entry {
        seq,
        time: jiff::Timestamp::from_second(NOW + seq as i64).unwrap(),
        actor: Actor::named("alice"),
        source: Origin::Human,
        pinned,
        event,
        prev: "0".repeat(64),
        hash: "0".repeat(64),
    }
}

#[test]
fn severities_carry_colour_and_a_symbol_in_every_theme() {
    for (name, _) in theme::SHIPPED {
        for depth in [ColorDepth::Truecolor, ColorDepth::Ansi16] {
            let mut s = state();
            s.theme = theme::load(name, None, depth).unwrap();
            update(&mut s, Msg::Resize(200, 50));
            declared(&mut s, Severity::Sev1);
            let b = draw(&s, 200, 50);
            let failure = s.theme.get("health.failure");
            let c = cell(&b, "✖ 1 not ready");
            assert_eq!(
                c.style().fg,
                failure.fg.or(Some(Color::Reset)),
                "{name} {depth:?}: not-ready nodes use health.failure"
            );
            let sev = cell(&b, "‼ SEV1");
            assert_eq!(
                sev.style().bg,
                s.theme.severity(1).bg.or(Some(Color::Reset)),
                "{name} {depth:?}: SEV1 badge"
            );
            if *name != "mono" {
                assert_ne!(c.fg, Color::Reset, "{name} {depth:?}: failure has a colour");
            }
        }
    }
    // Without colour, the symbols and modifiers still tell severities apart.
    let mut s = state();
    s.theme = theme::load("default", None, ColorDepth::Mono).unwrap();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let b = draw(&s, 200, 50);
    let coloured: Vec<_> = b
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .collect();
    assert!(coloured.is_empty(), "NO_COLOR means no colour: {:?}", coloured.first());
    assert!(
        cell(&b, "! SEV2").modifier.contains(Modifier::REVERSED),
        "the badge is reversed instead of coloured"
    );
}

#[test]
fn palette_declares_and_the_journal_feeds_header_and_timeline() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "declare sev1 Checkout errors");
    let wide = text(&draw(&s, 200, 50));
    assert!(wide.contains(":declare sev1 Checkout errors"), "{wide}");
    insta::assert_snapshot!("wide_200x50_palette", wide);
    update(&mut s, Msg::Resize(80, 24));
    let small = text(&draw(&s, 80, 24));
    assert!(small.contains(":declare sev1 Checkout errors"), "{small}");
    insta::assert_snapshot!("small_80x24_palette", small);
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Declare {
            title: "Checkout errors".into(),
            severity: Severity::Sev1,
            drill: true
        }]
    );
    s.effects.clear();
    declared(&mut s, Severity::Sev1);
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(entry(
            2,
            Event::Note {
                text: "rolled back checkout".into(),
            },
            false,
        )))),
    );
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("‼ SEV1  INC-20261124-001 investigating"), "{t}");
    assert!(t.contains("alice    rolled back checkout"), "{t}");
    insta::assert_snapshot!("wide_200x50_incident", t);
    // A note from the palette becomes an effect, not a write.
    key(&mut s, KeyCode::Char('n'));
    keys(&mut s, "paging payments");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Change(IncidentChange::Note {
            text: "paging payments".into(),
            pinned: false
        })]
    );
    // A typo is explained, and nothing is asked of the journal.
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "sev 9");
    key(&mut s, KeyCode::Enter);
    assert!(journal_effects(&s).is_empty());
    assert!(s.notice.as_ref().is_some_and(|n| n.error), "{:?}", s.notice);
}

#[test]
fn pinning_a_signal_asks_the_journal_and_pinned_entries_stay_on_top() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    key(&mut s, KeyCode::Char('2'));
    // Scroll up to the crashloop signal and pin it.
    while !s
        .selected_entry()
        .is_some_and(|e| e.text.as_str().contains("CrashLoopBackOff"))
    {
        key(&mut s, KeyCode::Char('k'));
    }
    key(&mut s, KeyCode::Char('p'));
    match journal_effects(&s).as_slice() {
        [Effect::Change(IncidentChange::PinCluster { text, .. })] => assert!(text.contains("CrashLoopBackOff")),
        other => panic!("{other:?}"),
    }
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(entry(
            2,
            Event::Decision {
                text: "roll back checkout".into(),
            },
            true,
        )))),
    );
    for i in 0..40 {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(
                3 + i,
                Event::Note {
                    text: format!("note {i}"),
                },
                false,
            )))),
        );
    }
    key(&mut s, KeyCode::Char('G'));
    let t = text(&draw(&s, 200, 50));
    assert!(
        t.contains("▶ alice    Decision: roll back checkout"),
        "the pinned entry stays visible:\n{t}"
    );
    assert!(t.contains("note 39"), "{t}");
}

#[test]
fn filter_and_drill_down() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    // Timeline: only the cluster's signals about checkout.
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "source:cluster node");
    key(&mut s, KeyCode::Enter);
    let shown: Vec<String> = s.visible_timeline().iter().map(|e| e.text.to_string()).collect();
    assert!(
        !shown.is_empty() && shown.iter().all(|t| t.contains("node")),
        "{shown:?}"
    );
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("filter: source:cluster node"), "{t}");
    key(&mut s, KeyCode::Esc);
    assert!(s.filters.is_empty());
    // Health: the crashlooping deployment is first; enter shows its pods and the last words.
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Enter);
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("deploy shop/checkout  (esc: back)"), "{t}");
    assert!(
        t.contains("✖ checkout-a  CrashLoopBackOff  restarts 4  on node-0"),
        "{t}"
    );
    assert!(t.contains("panic: config key CHECKOUT_CURRENCY_TABLE not set"), "{t}");
    assert!(t.contains("● checkout-b  Running"), "{t}");
    insta::assert_snapshot!("wide_200x50_drilldown", t);
    key(&mut s, KeyCode::Esc);
    // Down to the node, then its pods.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("node node-2  (esc: back)"), "{t}");
}

#[test]
fn keymaps_change_the_keys_and_help_follows() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    update(
        &mut s,
        Msg::Keymap(Box::new(warroom::app::keymap::load("vim", None).unwrap())),
    );
    declared(&mut s, Severity::Sev3);
    for i in 0..5 {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(
                2 + i,
                Event::Note {
                    text: format!("note {i}"),
                },
                false,
            )))),
        );
    }
    key(&mut s, KeyCode::Char('2'));
    for _ in 0..2 {
        key(&mut s, KeyCode::Char('k'));
    }
    assert_eq!(s.timeline_scroll, 2);
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.timeline_scroll, 2, "g alone waits for the second g");
    assert!(text(&draw(&s, 200, 50)).contains(" g … "), "the pending key is shown");
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.timeline_scroll, s.visible_timeline().len() - 1);
    key(&mut s, KeyCode::Char('?'));
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("Keys (keymap vim)") && t.contains("g g  top"), "{t}");
    update(
        &mut s,
        Msg::Keymap(Box::new(warroom::app::keymap::load("emacs", None).unwrap())),
    );
    key(&mut s, KeyCode::Esc);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL)),
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(s.quit, "ctrl-x ctrl-c quits in emacs");
}

#[test]
fn the_editor_takes_text_and_pastes_are_cleaned() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    keys(&mut s, "Rolling back");
    update(&mut s, Msg::Paste(" checkout\u{1b}]52;c;cHduZWQ=\u{7} now".into()));
    assert_eq!(s.editor.lines().join("\n"), "Rolling back checkout now");
    // q types in the editor instead of quitting.
    key(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
}

/// The selection the keys were last asked about.
fn last_asked(s: &Console) -> Option<warroom::app::state::Subject> {
    s.effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::CheckKeys { subject, .. } => Some(subject.clone()),
            _ => None,
        })
        .expect("the keys were asked about")
}

#[test]
fn a_late_answer_about_another_row_greys_no_key() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('j'));
    let first = last_asked(&s);
    key(&mut s, KeyCode::Char('k'));
    let second = last_asked(&s);
    assert_ne!(first, second, "each row is asked about");
    let restart = warroom::app::keymap::KeyAction::Restart;
    // The answer about the row the cursor has left arrives last.
    update(
        &mut s,
        Msg::KeysDenied {
            subject: first,
            denied: vec![(restart, "forbidden on the first row".into())],
        },
    );
    assert!(!s.denied.contains_key(&restart), "{:?}", s.denied);
    update(
        &mut s,
        Msg::KeysDenied {
            subject: second,
            denied: vec![(restart, "forbidden on the second row".into())],
        },
    );
    assert_eq!(
        s.denied.get(&restart).map(String::as_str),
        Some("forbidden on the second row")
    );
}

#[test]
fn keys_the_user_may_not_use_are_greyed_with_the_reason() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    // Moving the cursor asks (once per selection) which action keys are allowed.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('k'));
    let asked: Vec<_> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::CheckKeys { probes, .. } => Some(probes.iter().map(|(k, _)| *k).collect::<Vec<_>>()),
            _ => None,
        })
        .collect();
    assert!(
        asked
            .iter()
            .any(|keys| keys.contains(&warroom::app::keymap::KeyAction::Restart)),
        "{asked:?}"
    );
    let subject = last_asked(&s);
    update(
        &mut s,
        Msg::KeysDenied {
            subject,
            denied: vec![(
                warroom::app::keymap::KeyAction::Restart,
                "you may not patch apps/deployments checkout in shop: forbidden by the drill".into(),
            )],
        },
    );
    let b = draw(&s, 250, 50);
    let t = text(&b);
    let footer = t.lines().last().expect("footer");
    assert!(footer.contains("r rollout restart (you may not patch"), "{footer}");
    assert!(cell(&b, "r rollout restart").modifier.contains(Modifier::CROSSED_OUT));
    key(&mut s, KeyCode::Char('?'));
    let help: Vec<String> = warroom::ui::help_lines(&s).iter().map(|l| l.to_string()).collect();
    assert!(
        help.iter()
            .any(|l| l.contains("rollout restart — not allowed here: you may not patch")),
        "{help:?}"
    );
}

#[test]
fn a_read_only_console_greys_the_timelines_undo_key() {
    for read_only in [false, true] {
        let mut s = state();
        s.read_only = read_only;
        update(&mut s, Msg::Resize(250, 50));
        key(&mut s, KeyCode::Char('2'));
        let b = draw(&s, 250, 50);
        let footer = text(&b).lines().last().expect("footer").to_string();
        assert!(footer.contains("u undo the selected action"), "{footer}");
        let greyed = cell(&b, "u undo the selected action")
            .modifier
            .contains(Modifier::CROSSED_OUT);
        assert_eq!(greyed, read_only, "{footer}");
        assert_eq!(
            footer.contains("(warroom is read-only: no change can be sent)"),
            read_only,
            "{footer}"
        );
    }
}

fn with_playbooks(s: &mut Console) {
    s.playbooks = warroom::playbook::load::available(std::path::Path::new("/nonexistent")).expect("shipped playbooks");
    update(s, Msg::Settled);
}

fn followed(s: &Console) -> Option<String> {
    s.checklist.as_ref().map(|c| c.playbook.id.clone())
}

#[test]
fn any_playbook_on_offer_is_chosen_with_the_cursor_or_the_palette_and_journaled() {
    let mut s = state();
    with_playbooks(&mut s);
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('3'));
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("Choose a playbook (enter follows the one under ›)"), "{t}");
    // The crashlooping pod raises a signal, so the playbooks it matches come first, with why.
    assert!(
        t.contains("› bad-deploy  Bad deploy  applies: signal crash_looping"),
        "{t}"
    );
    assert!(t.contains("  noisy-neighbour  Noisy neighbour  on offer"), "{t}");
    // Without an incident nothing is journaled; the cursor moves over the choices.
    key(&mut s, KeyCode::Char('j'));
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("› crashloop  Crashloop"), "{t}");
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    assert_eq!(followed(&s).as_deref(), Some("crashloop"));
    assert_eq!(
        journal_effects(&s),
        [Effect::Change(IncidentChange::Record(Event::ChecklistStarted {
            checklist: "crashloop".into()
        }))]
    );
    // The palette switches to another playbook, journaled too; an unknown one is refused.
    s.effects.clear();
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)));
    keys(&mut s, "playbook nope");
    key(&mut s, KeyCode::Enter);
    assert_eq!(followed(&s).as_deref(), Some("crashloop"));
    let notice = s.notice.as_ref().expect("a notice");
    assert!(
        notice.error && notice.text.contains("no playbook \"nope\""),
        "{:?}",
        notice.text
    );
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "playbook bad-deploy");
    key(&mut s, KeyCode::Enter);
    assert_eq!(followed(&s).as_deref(), Some("bad-deploy"));
    assert_eq!(
        journal_effects(&s),
        [Effect::Change(IncidentChange::Record(Event::ChecklistStarted {
            checklist: "bad-deploy".into()
        }))]
    );
}

#[test]
fn the_checklist_is_rebuilt_from_the_journal_with_who_changed_each_step() {
    let mut s = state();
    with_playbooks(&mut s);
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev1);
    s.effects.clear();
    let mut seq = 1;
    let mut from_bob = |s: &mut Console, event: Event| {
        seq += 1;
        let mut e = entry(seq, event, false);
        e.actor = Actor::named("bob");
        update(s, Msg::Journal(Followed::Entry(Box::new(e))));
    };
    // Another console (or this one before a restart) followed bad-deploy and worked on it.
    from_bob(
        &mut s,
        Event::ChecklistStarted {
            checklist: "bad-deploy".into(),
        },
    );
    let step = |id: &str, state, reason: Option<&str>| Event::ChecklistStepChanged {
        checklist: "bad-deploy".into(),
        step: id.into(),
        state,
        reason: reason.map(str::to_string),
    };
    use warroom::incident::model::StepState;
    from_bob(&mut s, step("confirm-rollout", StepState::Done, None));
    from_bob(
        &mut s,
        step("announce", StepState::Skipped, Some("comms lead is on it")),
    );
    from_bob(&mut s, step("roll-back", StepState::Doing, None));
    let c = s.checklist.as_ref().expect("the checklist is followed again");
    assert_eq!(c.playbook.id, "bad-deploy");
    assert_eq!(c.progress(), (2, 7));
    let rollback = c.playbook.steps.iter().position(|p| p.get().id == "roll-back").unwrap();
    assert_eq!(c.steps[rollback].status, warroom::playbook::StepStatus::InProgress);
    assert_eq!(c.steps[rollback].by.as_deref(), Some("bob"));
    assert!(journal_effects(&s).is_empty(), "replaying writes nothing back");
    // A step the playbook does not have (another version of it) is reported, nothing is lost.
    from_bob(&mut s, step("reboot-the-world", StepState::Done, None));
    let notice = s.notice.as_ref().expect("a notice");
    assert!(notice.text.contains("\"reboot-the-world\""), "{:?}", notice.text);
    assert_eq!(s.checklist.as_ref().unwrap().progress(), (2, 7));
    // A playbook that is not on offer here is reported and the one followed stays.
    from_bob(
        &mut s,
        Event::ChecklistStarted {
            checklist: "moon-landing".into(),
        },
    );
    assert!(s.notice.as_ref().unwrap().text.contains("\"moon-landing\""));
    assert_eq!(followed(&s).as_deref(), Some("bad-deploy"));
    key(&mut s, KeyCode::Char('3'));
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("Bad deploy 2/7"), "{t}");
}

#[test]
fn a_daemonset_row_gets_its_own_actions_and_pause_and_scale_are_refused_with_why() {
    use warroom::actions::{Action, WorkloadKind as Kind};
    use warroom::app::keymap::KeyAction as K;
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    let ds = WorkloadRow {
        desired: 3,
        ready: 1,
        updated: 1,
        available: 1,
        paused: false,
        revision: None,
        image: Some("registry.example.com/agent:2".into()),
        rolling: true,
        deadline_exceeded: false,
    };
    update(
        &mut s,
        Msg::Cluster(Update::Workload(
            OwnerKind::DaemonSet,
            Change::Apply(("kube-system".into(), "agent".into()), ds),
        )),
    );
    update(&mut s, Msg::Settled);
    // Walk the health pane to the DaemonSet's row.
    let mut found = false;
    for _ in 0..20 {
        let sel = warroom::app::containment::selection(&s);
        if sel.workload.as_ref().is_some_and(|w| w.kind == Kind::DaemonSet) {
            found = true;
            break;
        }
        key(&mut s, KeyCode::Char('j'));
    }
    assert!(found, "the daemonset row is in the health pane");
    let sel = warroom::app::containment::selection(&s);
    assert_eq!(sel.deployment, None, "a daemonset is not a deployment");
    let restart = warroom::app::containment::for_key(&s, K::Restart).expect("restart applies");
    assert_eq!(restart.target(), "daemonset/agent -n kube-system");
    let undo = warroom::app::containment::for_key(&s, K::Undo).expect("undo applies");
    assert!(matches!(undo, Action::RolloutUndo { revision: None, .. }));
    // Pause is built for the key check, which greys it with the reason.
    let pause = warroom::app::containment::for_key(&s, K::Pause).expect("pause is probed");
    let why = pause.refusal().expect("pause is refused on a daemonset");
    assert!(why.contains("deployments only"), "{why}");
    let probed = s.effects.iter().any(|e| match e {
        Effect::CheckKeys { probes, .. } => probes.iter().any(|(k, a)| *k == K::Pause && a.refusal().is_some()),
        _ => false,
    });
    assert!(probed, "the pause key is checked, so the footer greys it");
    // Pressing P or S says why and starts nothing.
    for (k, said) in [('P', "deployments only"), ('S', "one pod per node")] {
        s.effects.clear();
        key(&mut s, KeyCode::Char(k));
        let notice = s.notice.as_ref().expect("a notice").text.to_string();
        assert!(notice.contains(said), "{k}: {notice}");
        assert!(
            !s.effects.iter().any(|e| matches!(e, Effect::Action { .. })),
            "{k}: no action started"
        );
    }
}

#[test]
fn scale_on_a_statefulset_row_prompts_with_its_kind_and_count() {
    use warroom::actions::WorkloadKind as Kind;
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    let sts = WorkloadRow {
        desired: 3,
        ready: 2,
        updated: 3,
        available: 2,
        paused: false,
        revision: None,
        image: Some("registry.example.com/db:16".into()),
        rolling: false,
        deadline_exceeded: false,
    };
    update(
        &mut s,
        Msg::Cluster(Update::Workload(
            OwnerKind::StatefulSet,
            Change::Apply(("data".into(), "db".into()), sts),
        )),
    );
    update(&mut s, Msg::Settled);
    for _ in 0..20 {
        let sel = warroom::app::containment::selection(&s);
        if sel.workload.as_ref().is_some_and(|w| w.kind == Kind::StatefulSet) {
            break;
        }
        key(&mut s, KeyCode::Char('j'));
    }
    key(&mut s, KeyCode::Char('S'));
    let line = s.input.as_ref().expect("the palette opens").line.lines().join("");
    assert_eq!(line, "scale data/sts/db 3");
    match warroom::app::palette::parse(&line) {
        Ok(warroom::app::palette::Command::Act(a)) => assert_eq!(a.to_string(), "scale statefulset/db -n data to 3"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_timeline_notes_a_metrics_source_that_stops_and_resumes_but_not_its_first_answer() {
    use warroom::freshness::Freshness as F;
    use warroom::observe::http::Server as S;
    use warroom::observe::model::{ObserveModel, Update as O};
    let mut s = state();
    s.observe = ObserveModel::new(&[S::Prometheus]);
    let notes = |s: &Console| -> Vec<String> {
        s.timeline
            .iter()
            .filter(|e| e.source.as_str() == "metrics")
            .map(|e| e.text.as_str().to_string())
            .collect()
    };
    update(
        &mut s,
        Msg::Observe(O::Freshness(S::Prometheus, F::Live { since: NOW })),
    );
    assert_eq!(notes(&s), Vec::<String>::new(), "the first answer is no news");
    let error = CleanText::line("connection refused");
    update(
        &mut s,
        Msg::Observe(O::Freshness(S::Prometheus, F::Reconnecting { since: NOW, error })),
    );
    update(
        &mut s,
        Msg::Observe(O::Freshness(S::Prometheus, F::Live { since: NOW + 30 })),
    );
    assert_eq!(
        notes(&s),
        [
            "prometheus stopped answering: connection refused",
            "prometheus answering again"
        ]
    );
}

/// Golden signals for three services, checkout burning its budget fast enough to page.
fn with_signals(mut s: Console) -> Console {
    use warroom::observe::model::{Reading, Update as O};
    use warroom::observe::panels::{Target, Unit};
    let target = |ns: &str, svc: &str| Target {
        namespace: ns.into(),
        service: svc.into(),
    };
    let mut readings = Vec::new();
    for (ns, svc, rps, errors) in [
        ("shop", "checkout", 85.0, 0.31),
        ("shop", "cart", 143.0, 0.0002),
        ("payments", "payments-api", 43.0, 0.0002),
    ] {
        for (panel, unit, v) in [
            ("traffic", Unit::Rps, rps),
            ("errors", Unit::Ratio, errors),
            ("latency_p99", Unit::Seconds, 0.206),
            ("saturation", Unit::Ratio, 0.73),
        ] {
            readings.push(Reading {
                target: target(ns, svc),
                panel: panel.into(),
                unit,
                at: NOW,
                result: Ok(Some(v)),
            });
        }
    }
    update(&mut s, Msg::Observe(O::Readings(readings)));
    update(
        &mut s,
        Msg::Observe(O::Burn {
            target: target("shop", "checkout"),
            objective: 0.999,
            rates: vec![("1h", 310.0), ("5m", 320.0)],
        }),
    );
    s
}

#[test]
fn golden_signals_keep_the_errors_and_the_burn_when_the_pane_is_narrow() {
    let header = |t: &str| -> String {
        t.lines()
            .find(|l| l.contains("Golden signals"))
            .expect("golden signals")
            .to_string()
    };
    // A service's row: below the table's header.
    let row = |t: &str, name: &str| -> String {
        t.lines()
            .skip_while(|l| !l.contains("Golden signals"))
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    // Four panes at 120 columns: the health pane is about 58 wide.
    let mut s = with_signals(state());
    update(&mut s, Msg::Resize(120, 36));
    let t = text(&draw(&s, 120, 36));
    let h = header(&t);
    for (want, shown) in [
        ("errors", true),
        ("p99", true),
        ("burn", true),
        ("traffic", false),
        ("sat", false),
    ] {
        assert_eq!(h.contains(want), shown, "{want} in {h:?}");
    }
    let checkout = row(&t, "shop/checkout");
    assert!(checkout.contains("310.0× page"), "{checkout}");
    assert!(checkout.contains("31.00%"), "{checkout}");
    assert!(row(&t, "payments/payments-api ").contains("0.02%"), "{t}");
    assert!(row(&t, "shop/cart").contains("–"), "no burn known: {t}");
    // The worst burn comes first.
    let order: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.contains("Golden signals"))
        .filter_map(|l| ["shop/checkout", "shop/cart"].into_iter().find(|n| l.contains(n)))
        .collect();
    assert_eq!(order.first(), Some(&"shop/checkout"), "{t}");

    // Wide: every column, with the error trend.
    let mut s = with_signals(state());
    update(&mut s, Msg::Resize(200, 50));
    let t = text(&draw(&s, 200, 50));
    let h = header(&t);
    for want in ["traffic", "errors", "p99", "sat", "burn"] {
        assert!(h.contains(want), "{want} in {h:?}");
    }
    assert_eq!(h.matches("errors").count(), 2, "the ratio and its trend: {h:?}");
    // Over budget pace with no alert's windows agreeing yet reads as burning, not ok.
    update(
        &mut s,
        Msg::Observe(warroom::observe::model::Update::Burn {
            target: warroom::observe::panels::Target {
                namespace: "shop".into(),
                service: "checkout".into(),
            },
            objective: 0.999,
            rates: vec![("1h", 11.5), ("5m", 12.0), ("6h", 2.0), ("30m", 9.0)],
        }),
    );
    let t = text(&draw(&s, 200, 50));
    assert!(row(&t, "shop/checkout").contains("11.5× burning"), "{t}");
    assert!(row(&t, "shop/checkout").contains("85/s"), "{t}");
}

#[test]
fn a_cluster_that_cannot_be_read_says_why_once_on_the_timeline_and_in_the_health_pane() {
    let mut s = Console::new(AppState::new(
        Mode::Live {
            context: CleanText::line("prod"),
        },
        NOW,
    ));
    let error = "failed to perform initial object list: ServiceError: client error (Connect): tcp connect error: Connection refused (os error 111)";
    for _ in 0..3 {
        update(
            &mut s,
            Msg::Cluster(Update::Freshness(
                Resource::Nodes,
                Freshness::Error { error: error.into() },
            )),
        );
    }
    let noted: Vec<&str> = s
        .timeline
        .iter()
        .filter(|e| e.text.as_str().starts_with("nodes cannot be listed"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(noted.len(), 1, "once, not on every retry: {noted:?}");
    assert!(noted[0].ends_with("Connection refused (os error 111)"), "{noted:?}");
    update(&mut s, Msg::Resize(100, 30));
    let t = text(&draw(&s, 100, 30));
    assert!(
        t.contains("cannot read nodes: failed to perform initial object list"),
        "{t}"
    );
    assert!(
        t.contains("Connection refused (os error 111) (retrying)"),
        "wrapped, not cut: {t}"
    );
    assert!(!t.contains("loading…"), "{t}");
}

#[test]
fn an_action_on_the_timeline_is_undone_with_its_key_long_after_its_overlay() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let succeeded = |undo: serde_json::Value| {
        Event::ActionSucceeded(warroom::incident::model::ActionRecord {
            action_id: "act-1".into(),
            action: "cordon".into(),
            target: "node/node-1".into(),
            parameters: serde_json::json!({"verb": "cordon", "node": "node-1"}),
            response: serde_json::json!({"summary": "node/node-1 cordoned", "undo": undo}),
            error: None,
            identity: None,
        })
    };
    // As the journal holds it, also after a restart: the undo is read from the entry.
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(entry(
            2,
            succeeded(serde_json::json!({"verb": "uncordon", "node": "node-1"})),
            false,
        )))),
    );
    key(&mut s, KeyCode::Char('2'));
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("Action succeeded: cordon node/node-1"), "{t}");
    assert!(
        t.contains(" u: uncordon node/node-1 "),
        "the key and the undo are named:\n{t}"
    );
    s.effects.clear();
    key(&mut s, KeyCode::Char('u'));
    let started: Vec<_> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Action { action, step, .. } => Some((action.clone(), step.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [(
            warroom::actions::Action::Uncordon { node: "node-1".into() },
            warroom::actions::Step::CheckPermission
        )],
        "the undo starts its own flow, from the permission check"
    );
    // Esc hides the overlay while the permission is checked.
    key(&mut s, KeyCode::Esc);
    // A note has nothing to undo; an action whose undo is null neither.
    for (seq, event) in [
        (3, Event::Note { text: "looking".into() }),
        (4, succeeded(serde_json::Value::Null)),
    ] {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(seq, event, false)))),
        );
        s.effects.clear();
        key(&mut s, KeyCode::Char('u'));
        assert!(
            !s.effects.iter().any(|e| matches!(e, Effect::Action { .. })),
            "{:?}",
            s.effects
        );
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.as_str().contains("not an action with an undo")),
            "{:?}",
            s.notice
        );
    }
}

#[test]
fn key_strings_read_as_helix_writes_them() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = |c, m| KeyEvent::new(c, m);
    assert_eq!(
        crate::support::keys::parse(":q<enter>"),
        vec![
            k(KeyCode::Char(':'), KeyModifiers::NONE),
            k(KeyCode::Char('q'), KeyModifiers::NONE),
            k(KeyCode::Enter, KeyModifiers::NONE)
        ]
    );
    assert_eq!(
        crate::support::keys::parse("<C-c>"),
        vec![k(KeyCode::Char('c'), KeyModifiers::CONTROL)]
    );
    assert_eq!(
        crate::support::keys::parse("<A-S-x>"),
        vec![k(KeyCode::Char('x'), KeyModifiers::ALT | KeyModifiers::SHIFT)]
    );
    assert_eq!(
        crate::support::keys::parse("a<lt>b"),
        crate::support::keys::parse("a<b"),
        "a lone < is typed as it is"
    );
    assert_eq!(crate::support::keys::parse("<>").len(), 2, "<> is two characters");
}
