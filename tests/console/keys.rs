//! What keys and messages do to the console, through `update` as the loop drives it: the
//! palette, pins, filters, keymaps, greyed keys, playbooks, actions on each kind of row, the
//! timeline's narration and undo.

use crate::support::{Console, update};
use crate::support::{keys, text};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Modifier;
use warroom::app::effect::{Effect, IncidentChange};
use warroom::app::message::Msg;
use warroom::cluster::model::{Change, Update};
use warroom::cluster::rows::{OwnerKind, WorkloadRow};
use warroom::incident::follow::Followed;
use warroom::incident::model::{Actor, Event, Severity};
use warroom::text::CleanText;

use crate::fixture::*;

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
fn pinning_a_journal_entry_marks_it_where_it_is_instead_of_copying_it() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    for (seq, text) in [(2, "db failover started"), (3, "paging the db team")] {
        let note = Event::Note { text: text.into() };
        update(&mut s, Msg::Journal(Followed::Entry(Box::new(entry(seq, note, false)))));
    }
    key(&mut s, KeyCode::Char('2'));
    for _ in 0..50 {
        if s.selected_entry().is_some_and(|e| e.seq == Some(2)) {
            break;
        }
        key(&mut s, KeyCode::Char('k'));
    }
    assert_eq!(s.selected_entry().and_then(|e| e.seq), Some(2));
    key(&mut s, KeyCode::Char('p'));
    assert_eq!(journal_effects(&s), [Effect::Change(IncidentChange::Pin(2))]);
    let rows = s.timeline.len();
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(entry(4, Event::Pinned { seq: 2 }, false)))),
    );
    assert_eq!(s.timeline.len(), rows, "no copy of the entry is added");
    let pinned: Vec<Option<u64>> = s.timeline.iter().filter(|e| e.pinned).map(|e| e.seq).collect();
    assert_eq!(pinned, [Some(2)]);
    s.effects.clear();
    key(&mut s, KeyCode::Char('p'));
    assert!(journal_effects(&s).is_empty(), "{:?}", s.effects);
    assert!(text(&draw(&s, 200, 50)).contains("already pinned"));
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
    // The draft is not sent: the first q outside the editor asks, the second leaves.
    key(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    key(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
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
    let footer = footer_of(&t);
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
        let footer = footer_of(&text(&b));
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
    // The mitigation keys ask in the palette too, with what the row shows filled in.
    for (k, want) in [
        ('i', "image data/sts/db registry.example.com/db:16"),
        ('H', "autoscale data/sts/db "),
        ('C', "config data/"),
    ] {
        key(&mut s, KeyCode::Esc);
        key(&mut s, KeyCode::Char(k));
        let line = s.input.as_ref().expect("the palette opens").line.lines().join("");
        assert_eq!(line, want, "{k}");
    }
    key(&mut s, KeyCode::Esc);
    let image = "image data/sts/db registry.example.com/db:16";
    match warroom::app::palette::parse(image) {
        Ok(warroom::app::palette::Command::Act(warroom::actions::Action::SetImage { workload, image, .. })) => {
            assert_eq!(
                (workload.kind, image.as_str()),
                (Kind::StatefulSet, "registry.example.com/db:16")
            )
        }
        other => panic!("{other:?}"),
    }
    // Taking a pod out needs one: the row has none yet.
    key(&mut s, KeyCode::Char('T'));
    let notice = s.notice.as_ref().expect("a notice").text.to_string();
    assert!(notice.contains("no pod to take out"), "{notice}");
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
    assert!(t.contains("Action succeeded: cordoned node node-1"), "{t}");
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

#[test]
fn quitting_with_a_sev1_open_or_a_draft_unsent_asks_first() {
    let notice = |s: &Console| s.notice.as_ref().map(|n| n.text.to_string()).unwrap_or_default();
    // Nothing to stay for: q leaves.
    let mut s = state();
    keys(&mut s, "q");
    assert!(s.quit);
    // A SEV1 open: q asks; another key keeps the console and the question is asked again.
    let mut s = state();
    declared(&mut s, Severity::Sev1);
    keys(&mut s, "q");
    assert!(!s.quit);
    assert!(notice(&s).contains("SEV1 INC-20261124-001 is open"), "{}", notice(&s));
    assert!(notice(&s).contains("press the quit key again"), "{}", notice(&s));
    keys(&mut s, "jq");
    assert!(!s.quit, "another key between the two presses keeps the console");
    keys(&mut s, "q");
    assert!(s.quit);
    // A SEV3 open with a draft written and not sent: the editor's quit key asks too.
    let mut s = state();
    declared(&mut s, Severity::Sev3);
    keys(&mut s, "4checkout is recovering");
    keys(&mut s, "<C-c>");
    assert!(!s.quit);
    assert!(notice(&s).contains("the status draft is not sent"), "{}", notice(&s));
    keys(&mut s, "<C-c>");
    assert!(s.quit);
}

#[test]
fn a_read_only_console_writes_notes_but_not_the_incidents_state() {
    let mut s = state();
    s.read_only = true;
    declared(&mut s, Severity::Sev2);
    for typed in [
        ":sev 1<enter>",
        ":status identified<enter>",
        ":role commander<enter>",
        ":declare sev1 Other<enter>",
    ] {
        s.effects.clear();
        keys(&mut s, typed);
        assert!(
            !s.effects
                .iter()
                .any(|e| matches!(e, Effect::Change(_) | Effect::Declare { .. })),
            "{typed}: {:?}",
            s.effects
        );
        let told = s.notice.as_ref().map(|n| n.text.to_string()).unwrap_or_default();
        assert!(
            told.contains("read-only") || told.contains("already open"),
            "{typed}: {told}"
        );
    }
    s.effects.clear();
    keys(&mut s, ":note watching from the bridge<enter>");
    assert_eq!(
        s.effects,
        vec![Effect::Change(IncidentChange::Note {
            text: "watching from the bridge".into(),
            pinned: false
        })]
    );
}

#[test]
fn the_drill_downs_selection_stays_on_its_pod_when_a_pod_arrives_before_it() {
    use warroom::cluster::logs::LogRequest;
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    // A new pod of the rollout sorts before the one picked.
    let row = s.model.pods[&(CleanText::line("shop"), CleanText::line("checkout-b"))].clone();
    update(
        &mut s,
        Msg::Cluster(Update::Pod(Change::Apply(("shop".into(), "checkout-0".into()), row))),
    );
    update(&mut s, Msg::Settled);
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        [Effect::FollowLogs(LogRequest {
            pod: (CleanText::line("shop"), CleanText::line("checkout-b")),
            previous: false,
            since: None
        })]
    );
}

#[test]
fn a_drill_down_pod_opens_its_log_which_follows_scrolls_searches_and_closes() {
    use warroom::cluster::logs::{LogEvent, LogRequest};
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Enter);
    assert!(s.detail.is_some(), "the checkout row drills down");
    key(&mut s, KeyCode::Char('j'));
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    let pod = (CleanText::line("shop"), CleanText::line("checkout-b"));
    assert_eq!(
        journal_effects(&s),
        [Effect::FollowLogs(LogRequest {
            pod: pod.clone(),
            previous: false,
            since: None
        })]
    );
    let lines = (0..100).map(|i| CleanText::line(&format!("request {i} ok"))).collect();
    update(
        &mut s,
        Msg::Logs {
            request: LogRequest {
                pod: pod.clone(),
                previous: false,
                since: None,
            },
            event: LogEvent::Lines(lines),
        },
    );
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("log shop/checkout-b (current container, following)"), "{t}");
    assert!(
        t.contains("request 99 ok") && !t.contains("request 10 ok"),
        "the newest lines: {t}"
    );
    key(&mut s, KeyCode::PageUp);
    let t = text(&draw(&s, 200, 50));
    assert!(!t.contains("request 99 ok") && t.contains("below"), "{t}");
    // `/` searches the log.
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "request 42 ");
    key(&mut s, KeyCode::Enter);
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("request 42 ok") && !t.contains("request 43 ok"), "{t}");
    // Enter: the previous run; Esc: back to the drill-down, the stream stopped.
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        [Effect::FollowLogs(LogRequest {
            pod: pod.clone(),
            previous: true,
            since: None
        })]
    );
    // `:since 10m`: the same run from ten minutes ago; a batch of the stream before is not shown.
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "since 10m");
    key(&mut s, KeyCode::Enter);
    let since = LogRequest {
        pod: pod.clone(),
        previous: true,
        since: Some(600),
    };
    assert_eq!(journal_effects(&s), [Effect::FollowLogs(since.clone())]);
    let late = LogRequest {
        since: None,
        ..since.clone()
    };
    update(
        &mut s,
        Msg::Logs {
            request: late,
            event: LogEvent::Lines(vec![CleanText::line("from the stream before")]),
        },
    );
    update(
        &mut s,
        Msg::Logs {
            request: since,
            event: LogEvent::Lines(vec![CleanText::line("panic: config key not set")]),
        },
    );
    let t = text(&draw(&s, 200, 50));
    assert!(
        t.contains("log shop/checkout-b (previous container, since 10m ago)"),
        "{t}"
    );
    assert!(
        t.contains("panic: config key not set") && !t.contains("from the stream before"),
        "{t}"
    );
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "since soon");
    key(&mut s, KeyCode::Enter);
    assert!(text(&draw(&s, 200, 50)).contains("\"soon\" is not a time such as 10m, 2h or 90s (or all)"));
    s.effects.clear();
    key(&mut s, KeyCode::Esc);
    assert_eq!(journal_effects(&s), [Effect::StopLogs]);
    assert!(s.logs.is_none() && s.detail.is_some());
    assert!(
        !s.filters.contains_key(&warroom::app::state::Pane::Health),
        "the search went with the log"
    );
}

#[test]
fn a_declined_confirmation_closes_at_once_and_the_next_key_does_its_own_work() {
    use warroom::actions::{Action, Input, Preview, Step};
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let cordon = Action::Cordon { node: "node-1".into() };
    warroom::app::containment::trigger(&mut s, &mut Vec::new(), cordon.clone());
    let id = s.action_shown.clone().expect("the overlay opens");
    let preview = Preview::of(
        "node-1: unschedulable false→true".into(),
        Vec::new(),
        1,
        Some(Action::Uncordon { node: "node-1".into() }),
    );
    for input in [Input::Allowed, Input::Previewed(preview)] {
        update(&mut s, Msg::Action { id: id.clone(), input });
    }
    s.effects.clear();
    // Default No: `n` declines, the overlay closes and says so.
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.action_shown, None, "the declined overlay is closed");
    let notice = s.notice.as_ref().expect("a notice").text.to_string();
    assert!(notice.contains("declined, nothing was changed"), "{notice}");
    assert!(
        s.effects.iter().any(|e| matches!(
            e,
            Effect::Action {
                step: Step::Decline,
                ..
            }
        )),
        "the decline is journaled: {:?}",
        s.effects
    );
    // The next key is the pane's: `2` moves to the timeline.
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(s.focus, warroom::app::state::Pane::Timeline);
}

#[test]
fn config_with_no_keys_sets_the_map_back_to_the_recorded_version_before_its_change() {
    use warroom::actions::Action;
    use warroom::flight::versions::ConfigVersion;
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "config shop/checkout-config");
    key(&mut s, KeyCode::Enter);
    assert!(
        s.effects.contains(&Effect::ConfigVersions {
            namespace: "shop".into(),
            config_map: "checkout-config".into()
        }),
        "{:?}",
        s.effects
    );
    let version = |at: i64, table: &str| ConfigVersion {
        at,
        data: [("CURRENCY_TABLE".to_string(), table.to_string())].into(),
    };
    let arrive = |s: &mut Console, versions| {
        s.effects.clear();
        update(
            s,
            Msg::ConfigVersions {
                namespace: "shop".into(),
                config_map: "checkout-config".into(),
                versions,
            },
        );
    };
    // One version only, or none readable: said, nothing started.
    arrive(&mut s, Ok(vec![version(1_764_000_000_000, "eur-v3")]));
    let notice = s.notice.as_ref().expect("a notice").text.to_string();
    assert!(
        notice.contains("no earlier version of configmap/checkout-config"),
        "{notice}"
    );
    arrive(&mut s, Err("no window".into()));
    let notice = s.notice.as_ref().expect("a notice").text.to_string();
    assert!(
        notice.contains("cannot read the recorded versions") && notice.contains("no window"),
        "{notice}"
    );
    assert!(!s.effects.iter().any(|e| matches!(e, Effect::Action { .. })));
    // Two: the edit back to the earlier one starts, through the usual flow.
    arrive(
        &mut s,
        Ok(vec![
            version(1_764_000_000_000, "eur-v3"),
            version(1_764_000_120_000, "eur-v4"),
        ]),
    );
    let started: Vec<&Action> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Action { action, .. } => Some(action),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [&Action::EditConfig {
            namespace: "shop".into(),
            config_map: "checkout-config".into(),
            set: [("CURRENCY_TABLE".to_string(), Some("eur-v3".to_string()))].into(),
        }]
    );
    let notice = s.notice.as_ref().expect("a notice").text.to_string();
    assert!(notice.contains("before its change at 16:02:00 UTC"), "{notice}");
}

/// The footer of a 50-row screen: its last two lines, joined.
fn footer_of(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len().saturating_sub(2)..].join(" ")
}

/// `W` catches someone joining up on the open incident, from its journal: where it stands, the
/// roles, the hypotheses, what was tried and how it ended, the last update; `esc` closes it.
/// With no incident open it says there is nothing to catch up on.
#[test]
fn the_catch_up_key_shows_what_someone_joining_needs_first() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('W'));
    assert!(s.overlay.is_none());
    assert!(text(&draw(&s, 200, 50)).contains("no incident is open: nothing to catch up on"));
    declared(&mut s, Severity::Sev2);
    let rollback = rollback_record();
    for (seq, event) in [
        (
            2,
            Event::RoleChanged {
                role: warroom::incident::model::Role::Commander,
                from: None,
                to: Some("alice".into()),
            },
        ),
        (
            3,
            Event::HypothesisOpened {
                text: "the 2.0.0 rollout".into(),
            },
        ),
        (4, Event::ActionRequested(rollback.clone())),
        (5, Event::ActionSucceeded(rollback)),
    ] {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(seq, event, false)))),
        );
    }
    key(&mut s, KeyCode::Char('W'));
    let t = text(&draw(&s, 200, 50));
    for line in [
        "Catch me up (esc to close)",
        "INC-20261124-001 SEV2 investigating: Checkout errors",
        "Incident commander: alice",
        "#3 open (alice): the 2.0.0 rollout",
        "rollout undo deployment/checkout -n shop: succeeded (alice)",
        "Last update: none has gone out yet.",
        "│next update 5m00s (internal)",
    ] {
        assert!(t.contains(line), "{line:?} missing:\n{t}");
    }
    key(&mut s, KeyCode::Esc);
    assert!(!text(&draw(&s, 200, 50)).contains("Catch me up"));
}
