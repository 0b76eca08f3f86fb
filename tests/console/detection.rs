//! The detector in the console, through `update` as the loop drives it: the poller's readings
//! feed it, it asks for history once per service, what holds outside its band leaves as a
//! filing, and the incident it opened waits in the footer for a commander to accept it or
//! dismiss it as a false positive.

use crate::fixture::*;
use crate::support::{Console, keys, text, update};
use ratatui::crossterm::event::KeyCode;
use warroom::app::effect::{Effect, IncidentChange};
use warroom::app::message::Msg;
use warroom::detect::detector::Settings;
use warroom::detect::session::Session;
use warroom::incident::filing::{self, Filed};
use warroom::incident::follow::Followed;
use warroom::incident::model::{Declared, Entry, Event, MitigationRecord, Origin, Role, Severity, Status};
use warroom::observe::model::{Reading, Update as Observed};
use warroom::observe::panels::{Target, Unit};

/// A service with no workload in the fixture's cluster (whose checkout crashloops), so that
/// only its error ratio speaks.
fn index() -> Target {
    Target {
        namespace: "search".into(),
        service: "index".into(),
    }
}

fn errors_at(t: i64, v: f64) -> Msg {
    Msg::Observe(Observed::Readings(vec![Reading {
        target: index(),
        panel: "errors@1m".into(),
        unit: Unit::Ratio,
        at: t,
        result: Ok(Some(v)),
    }]))
}

/// A detector following `target` (objective 99.9%) that files after a minute.
fn with_detector(s: &mut Console, target: &Target) {
    let playbooks = warroom::playbook::load::available(std::path::Path::new("/nonexistent")).expect("shipped");
    let mut session = Session::new(
        Settings {
            hold: 60,
            ..Settings::default()
        },
        playbooks,
    );
    session.follow(target, Some(0.999));
    s.detection = Some(session);
}

/// The filings for search/index (the fixture's NotReady node is filed too, as it should be).
fn filings(s: &Console) -> Vec<&warroom::detect::session::Filing> {
    s.effects
        .iter()
        .filter_map(|e| match e {
            Effect::File { filing, .. } if filing.record.scope == "search/index" => Some(filing.as_ref()),
            _ => None,
        })
        .collect()
}

fn by_detector(seq: u64, event: Event) -> Entry {
    Entry {
        actor: filing::detector(),
        source: Origin::Automation,
        ..entry(seq, event, false)
    }
}

#[test]
fn what_holds_outside_its_band_is_filed_and_the_commander_accepts_or_dismisses_it() {
    let mut s = state();
    with_playbooks(&mut s);
    update(&mut s, Msg::Resize(200, 50));
    with_detector(&mut s, &index());
    let start = NOW - 3600;
    for i in 0..240 {
        update(&mut s, errors_at(start + i * 15, 0.0002 * (1.0 + 0.1 * (i % 3) as f64)));
    }
    let learn: Vec<&Effect> = s.effects.iter().filter(|e| matches!(e, Effect::Learn { .. })).collect();
    assert_eq!(learn.len(), 1, "history is asked for once: {learn:?}");
    assert!(matches!(learn[0], Effect::Learn { targets, .. } if targets == &[index()]));
    assert!(filings(&s).is_empty());

    // A blip shorter than the hold is not filed; errors that stay up are.
    update(&mut s, errors_at(NOW, 0.3));
    update(&mut s, errors_at(NOW + 15, 0.0002));
    update(&mut s, errors_at(NOW + 120, 0.0002));
    assert!(filings(&s).is_empty());
    for i in 0..8 {
        update(&mut s, errors_at(NOW + 300 + i * 15, 0.2));
        if i == 2 {
            // Holding: the health pane shows what the detector sees before it files it.
            let screen = text(&draw(&s, 200, 50));
            assert!(screen.contains("Detector"), "{screen}");
            assert!(
                screen.contains("◇ search/index: error ratio 20.00%, usual 0.02%")
                    && screen.contains("(out 30s, filed at 60s)"),
                "{screen}"
            );
        }
    }
    let screen = text(&draw(&s, 200, 50));
    assert!(screen.contains("(out 105s, filed)"), "{screen}");
    assert!(
        screen.contains("node/node-2: node not ready (out 66m, filed)"),
        "{screen}"
    );
    let filed = filings(&s);
    assert_eq!(filed.len(), 1, "{:?}", s.effects);
    assert_eq!(filed[0].record.scope, "search/index");
    assert_eq!(filed[0].title, "Error ratio 20.00% on search/index");
    assert_eq!(filed[0].severity, Severity::Sev2);
    let title = filed[0].title.clone();
    let filed_record = filed[0].record.clone();
    assert!(
        s.effects
            .iter()
            .any(|e| matches!(e, Effect::File { filing, drill: true } if filing.title == title))
    );

    // The journal link filed it and follows the new incident.
    let id: warroom::incident::model::IncidentId = "INC-20261124-001".parse().expect("id");
    update(
        &mut s,
        Msg::Filed {
            title,
            result: Ok(Filed::Opened(id.clone())),
        },
    );
    let opened = Event::IncidentOpened(Declared {
        services: vec!["search/index".into()],
        drill: true,
        ..Declared::new(id, "Error ratio 20.00% on search/index", Severity::Sev2)
    });
    update(&mut s, Msg::Journal(Followed::Entry(Box::new(by_detector(1, opened)))));
    let screen = text(&draw(&s, 200, 50));
    assert!(
        screen.contains("the detector opened INC-20261124-001: Error ratio 20.00% on search/index"),
        "{screen}"
    );
    // Once that notice has gone, the footer keeps asking.
    s.notice = None;
    let screen = text(&draw(&s, 200, 50));
    assert!(screen.contains("DETECTED: :accept to take command"), "{screen}");

    // What the detector journaled with it: the mitigation it suggests first.
    let mut record = filed_record.clone();
    record.mitigations = vec![MitigationRecord {
        playbook: Some("bad-deploy".into()),
        text: "roll back search/index to revision 2".into(),
        action: Some("rollout_undo".into()),
        target: Some("deployment/index -n search".into()),
        parameters: serde_json::json!({ "revision": 2 }),
    }];
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(by_detector(2, Event::Detected(record))))),
    );

    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "accept");
    key(&mut s, KeyCode::Enter);
    // Command taken, the suggested playbook followed, the deviating workload listed.
    let fx = journal_effects(&s);
    assert_eq!(
        fx[0],
        Effect::Change(IncidentChange::Role {
            role: Role::Commander,
            person: None
        })
    );
    assert!(
        fx.contains(&Effect::Change(IncidentChange::Record(Event::ChecklistStarted {
            checklist: "bad-deploy".into()
        }))),
        "{fx:?}"
    );
    assert_eq!(s.list.as_ref().and_then(|l| l.filter.clone()).as_deref(), Some("index"));
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("Enter to start: roll back search/index"))
    );
    // The rollback to the revision before the bad one waits in the palette: Enter starts its
    // checked flow (the access check first).
    let typed = s.input.as_ref().map(|i| i.line.lines().join("\n"));
    assert_eq!(typed.as_deref(), Some("undo search/index 2"));
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    assert!(
        s.effects.iter().any(|e| matches!(
            e,
            Effect::Action {
                action: warroom::actions::Action::RolloutUndo { revision: Some(2), .. },
                step: warroom::actions::Step::CheckPermission,
                ..
            }
        )),
        "{:?}",
        s.effects
    );
    // The overlay is hidden (the flow goes on); the detection is still there to dismiss.
    key(&mut s, KeyCode::Esc);
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "dismiss a load test nobody announced");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        [
            Effect::Change(IncidentChange::Record(Event::DetectionDismissed {
                reason: "a load test nobody announced".into()
            })),
            Effect::Change(IncidentChange::Status(Status::Resolved)),
        ]
    );

    // Once someone has taken command, the footer stops asking.
    let took = Event::RoleChanged {
        role: Role::Commander,
        from: None,
        to: Some("alice".into()),
    };
    update(&mut s, Msg::Journal(Followed::Entry(Box::new(entry(2, took, false)))));
    let screen = text(&draw(&s, 200, 50));
    assert!(!screen.contains("DETECTED"), "{screen}");
}

#[test]
fn only_a_detection_awaiting_its_commander_can_be_accepted_or_dismissed() {
    let mut s = state();
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "dismiss noise");
    key(&mut s, KeyCode::Enter);
    assert!(journal_effects(&s).is_empty(), "{:?}", s.effects);
    let notice = s.notice.as_ref().expect("a notice");
    assert!(
        notice.error && notice.text.contains("is not a detection awaiting a commander"),
        "{}",
        notice.text
    );
}

#[test]
fn the_cluster_speaks_too_a_crashlooping_workload_and_a_node_that_stopped_reporting() {
    // The fixture's cluster: one of checkout's two pods in CrashLoopBackOff, node-2 NotReady.
    let mut s = state();
    let checkout = Target {
        namespace: "shop".into(),
        service: "checkout".into(),
    };
    with_detector(&mut s, &checkout);
    update(&mut s, Msg::Settled);
    for i in 0..8 {
        update(
            &mut s,
            Msg::Observe(Observed::Readings(vec![Reading {
                target: checkout.clone(),
                panel: "traffic@1m".into(),
                unit: Unit::Rps,
                at: NOW + i * 15,
                result: Ok(Some(120.0)),
            }])),
        );
    }
    let filed: Vec<(String, Vec<String>)> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::File { filing, .. } => Some((
                filing.record.scope.clone(),
                filing.record.findings.iter().map(|f| f.measure.clone()).collect(),
            )),
            _ => None,
        })
        .collect();
    assert!(
        filed.contains(&("shop/checkout".into(), vec!["crashlooping".into()])),
        "{filed:?}"
    );
    assert!(
        filed.contains(&("node/node-2".into(), vec!["node_not_ready".into()])),
        "{filed:?}"
    );
    let node = s
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::File { filing, .. } if filing.record.scope == "node/node-2" => Some(filing.as_ref()),
            _ => None,
        })
        .expect("the node's filing");
    assert_eq!(node.title, "Node node-2 is not ready");
    assert_eq!(node.severity, Severity::Sev2);
    // The node-failure playbook is suggested for it.
    assert!(
        node.record
            .mitigations
            .iter()
            .any(|m| m.playbook.as_deref() == Some("node-failure")),
        "{:?}",
        node.record.mitigations
    );
}

#[test]
fn a_hostile_service_name_from_prometheus_is_cleaned_in_the_detector_section() {
    let mut s = state();
    let hostile = Target {
        namespace: "shop".into(),
        service: "pay\u{202e}ments\u{1b}[2J".into(),
    };
    with_detector(&mut s, &hostile);
    for i in 0..3 {
        update(
            &mut s,
            Msg::Observe(Observed::Readings(vec![Reading {
                target: hostile.clone(),
                panel: "errors@1m".into(),
                unit: Unit::Ratio,
                at: NOW + i * 15,
                result: Ok(Some(0.5)),
            }])),
        );
    }
    let screen = text(&draw(&s, 200, 50));
    assert!(screen.contains("Detector"), "{screen}");
    assert!(screen.contains("shop/payments"), "{screen}");
    // The whole escape sequence is gone, not only its ESC byte (which the terminal layer drops).
    assert!(!screen.contains("[2J"), "{screen:?}");
    assert!(!screen.contains('\u{202e}') && !screen.contains('\u{1b}'), "{screen:?}");
}
