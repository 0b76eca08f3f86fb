//! The console drawn into ratatui's TestBackend at 80×24 (tabs) and 200×50 (all four panes),
//! from a fixed state: snapshots of the text, and the severity styles.

use crate::support::{Console, update};
use crate::support::{keys, text};
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use warroom::app::effect::{Effect, IncidentChange};
use warroom::app::message::Msg;
use warroom::app::state::{AppState, Mode};
use warroom::cluster::model::{Resource, Update};
use warroom::freshness::Freshness;
use warroom::incident::follow::Followed;
use warroom::incident::follow_ups::Asked;
use warroom::incident::model::{Event, Severity};
use warroom::text::CleanText;
use warroom::theme::{self, ColorDepth};

use crate::fixture::*;

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
        // This fixture follows no Prometheus or Alertmanager, and says so.
        "No Prometheus or Alertmanager is configured for this cluster",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    insta::assert_snapshot!("wide_200x50", t);
    let mut with = with_signals(state());
    update(&mut with, Msg::Resize(200, 50));
    let t = text(&draw(&with, 200, 50));
    assert!(!t.contains("No Prometheus or Alertmanager"), "{t}");
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
    // Declared, and what was selected kept as the first evidence.
    assert_eq!(
        journal_effects(&s),
        vec![
            Effect::Declare {
                title: "Checkout errors".into(),
                severity: Severity::Sev1,
                drill: true
            },
            Effect::Capture {
                target: warroom::cluster::inspect::Target {
                    kind: warroom::cluster::inspect::Kind::Deployment,
                    namespace: CleanText::line("shop"),
                    name: CleanText::line("checkout"),
                },
                why: "declared".into(),
                signals: true,
            }
        ]
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
    assert!(
        t.contains("deploy shop/checkout  (enter: the pod's log, esc: back)"),
        "{t}"
    );
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
    assert!(t.contains("node node-2  (enter: the pod's log, esc: back)"), "{t}");
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
        ("cpu/req", false),
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
    for want in ["traffic", "errors", "p99", "cpu/req", "burn 1h", "errors, 0 to"] {
        assert!(h.contains(want), "{want} in {h:?}");
    }
    // The trend's scale: the peak when over the budget, else the budget or the 1% floor.
    assert!(row(&t, "shop/checkout").contains(" 31%"), "{t}");
    assert!(row(&t, "shop/cart").contains("▁ 1%"), "no objective: the floor, {t}");
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
fn attention_ranks_by_how_much_is_down_and_failed_pods_are_not_called_healthy() {
    use warroom::cluster::model::Change;
    use warroom::cluster::rows::{OwnerKind, WorkloadRow};
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    for (kind, name, desired, available) in [
        (OwnerKind::DaemonSet, "agent", 5, 4),
        (OwnerKind::StatefulSet, "db", 3, 1),
    ] {
        let w = WorkloadRow {
            desired,
            ready: available,
            updated: desired,
            available,
            paused: false,
            revision: Some("1".into()),
            image: None,
            rolling: false,
            deadline_exceeded: false,
        };
        update(
            &mut s,
            Msg::Cluster(Update::Workload(kind, Change::Apply(("infra".into(), name.into()), w))),
        );
    }
    update(&mut s, Msg::Settled);
    let order: Vec<&str> = s
        .attention
        .iter()
        .map(|i| i.label.as_str())
        .filter(|l| l.contains("infra/"))
        .collect();
    assert!(
        order[0].contains("infra/db") && order[1].contains("infra/agent"),
        "{order:?}"
    );

    // Every workload at its replicas, yet pods failed (evicted): not "healthy".
    let mut s = Console::new(AppState::new(
        Mode::Drill {
            title: CleanText::line("quiet"),
            clock: None,
        },
        NOW,
    ));
    update(&mut s, Msg::Resize(200, 50));
    let evicted = warroom::cluster::rows::PodRow {
        phase: warroom::cluster::rows::Phase::Failed,
        ready: false,
        restarts: 0,
        trouble: warroom::cluster::rows::Trouble {
            waiting: None,
            last_termination: None,
            last_message: None,
            reason: Some("Evicted".into()),
        }
        .boxed(),
        node: Some("node-0".into()),
        owner: None,
        created: NOW,
        terminating: false,
    };
    update(
        &mut s,
        Msg::Cluster(Update::Pod(Change::Apply(("batch".into(), "report-1".into()), evicted))),
    );
    for source in Resource::ALL {
        update(
            &mut s,
            Msg::Cluster(Update::Freshness(source, Freshness::Live { since: NOW })),
        );
    }
    update(&mut s, Msg::Settled);
    let t = text(&draw(&s, 200, 50));
    assert!(!t.contains("all workloads and nodes healthy"), "{t}");
    assert!(t.contains("but 1 failed and 0 pending pods"), "{t}");
}

#[test]
fn alerts_count_as_paging_only_by_their_severity_label() {
    use warroom::observe::model::Update as O;
    use warroom::observe::prometheus::{Alert, AlertState};
    let alert = |name: &str, severity: &str| Alert {
        labels: [("alertname", name), ("severity", severity)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Default::default(),
        state: AlertState::Firing,
        active_at: None,
        value: String::new(),
    };
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    update(
        &mut s,
        Msg::Observe(O::PrometheusAlerts(vec![
            alert("DiskFilling", "warning"),
            alert("SlowQueries", "warning"),
            alert("CheckoutDown", "critical"),
        ])),
    );
    let t = text(&draw(&s, 200, 50));
    assert!(t.contains("Alerts (3 firing, 1 paging: severity=critical|page)"), "{t}");
}

#[test]
fn a_read_only_console_says_so_and_greys_every_action_key_at_once() {
    use warroom::app::keymap::KeyAction;
    let mut s = state();
    s.read_only = true;
    update(&mut s, Msg::Resize(80, 24));
    declared(&mut s, Severity::Sev2);
    let t = text(&draw(&s, 80, 24));
    let header = t.lines().next().unwrap_or_default();
    assert!(header.contains("READ-ONLY"), "{header}");
    assert!(
        header.contains("INC-20261124-001"),
        "the id stays at 80 columns: {header}"
    );
    // Before any access check has answered, whatever is selected.
    for a in [
        KeyAction::Drain,
        KeyAction::Cordon,
        KeyAction::Undo,
        KeyAction::Scale,
        KeyAction::Silence,
        KeyAction::UndoEntry,
        KeyAction::StepDone,
        KeyAction::StatusPublish,
    ] {
        assert!(
            s.why_not(a).is_some_and(|why| why.contains("read-only")),
            "{a:?}: {:?}",
            s.why_not(a)
        );
    }
    assert_eq!(s.why_not(KeyAction::Note), None, "notes are still allowed");
}

#[test]
fn the_footer_shows_whole_keys_that_apply_and_how_to_declare() {
    // The bottom line, or on a tall terminal the two the footer may take (the second last is a
    // pane's border when it takes one).
    let footer = |s: &Console, w: u16, h: u16| -> String {
        let screen = text(&draw(s, w, h));
        let lines: Vec<&str> = screen.lines().collect();
        let rows = if h >= 30 { 2 } else { 1 };
        lines[lines.len() - rows..]
            .iter()
            .map(|l| l.trim_end())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // No incident yet: how to open one comes first; at 80 columns the rest is counted, not cut.
    let mut s = state();
    update(&mut s, Msg::Resize(80, 24));
    let f = footer(&s, 80, 24);
    assert!(f.starts_with(" no incident: :declare TITLE"), "{f:?}");
    let more = f.rsplit_once(" +").map(|(_, m)| m.to_string()).unwrap_or_default();
    let counted = more.trim_end_matches(" more (? shows all)");
    assert!(counted != more && counted.parse::<u32>().is_ok(), "{f:?}");
    // 24 rows keep one footer line.
    let screen = text(&draw(&s, 80, 24));
    let above = screen.lines().rev().nth(1).unwrap_or_default();
    assert!(!above.contains(":declare"), "{screen}");

    // A taller terminal wraps the keys onto a second line, whole, and counts fewer left out.
    update(&mut s, Msg::Resize(80, 40));
    let screen = text(&draw(&s, 80, 40));
    let lines: Vec<&str> = screen.lines().collect();
    let (first, second) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(first.starts_with(" no incident: :declare TITLE"), "{screen}");
    assert!(!second.trim().is_empty() && !second.contains(":declare"), "{screen}");
    let left = |line: &str| {
        line.rsplit_once(" +")
            .and_then(|(_, m)| m.trim_end().strip_suffix(" more (? shows all)")?.parse::<u32>().ok())
            .unwrap_or(0)
    };
    assert!(left(second) < counted.parse::<u32>().unwrap_or(0), "{screen}");
    // Every key on the two lines is whole: each starts a group the one-line footer also has or
    // counted, and the help key is among them.
    assert!(format!("{first}{second}").contains(" ? "), "{screen}");
    update(&mut s, Msg::Resize(80, 24));

    // On the deployment row: its rollout keys, not the node's.
    update(&mut s, Msg::Resize(240, 50));
    declared(&mut s, Severity::Sev2);
    let f = footer(&s, 240, 50);
    assert!(!f.contains("no incident"), "{f}");
    assert!(f.contains("rollout restart") && !f.contains("drain the node"), "{f}");
    // On a node row: the node's keys, not the rollout's.
    while s
        .selected_subject()
        .is_none_or(|sub| !matches!(sub, warroom::app::state::Subject::Node(_)))
    {
        key(&mut s, KeyCode::Char('j'));
    }
    let f = footer(&s, 240, 50);
    assert!(f.contains("drain the node") && !f.contains("rollout restart"), "{f}");
}

#[test]
fn hypotheses_still_open_stay_on_top_of_the_timeline_and_move_from_the_palette() {
    use warroom::incident::model::HypothesisState;
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let journal = |s: &mut Console, seq: u64, event: Event| {
        update(s, Msg::Journal(Followed::Entry(Box::new(entry(seq, event, false)))));
    };
    journal(
        &mut s,
        2,
        Event::HypothesisOpened {
            text: "checkout 2.0.0 fails its config check".into(),
        },
    );
    journal(
        &mut s,
        3,
        Event::HypothesisOpened {
            text: "node-3 drops packets".into(),
        },
    );
    journal(
        &mut s,
        4,
        Event::HypothesisChanged {
            hypothesis: 2,
            state: HypothesisState::Testing,
            text: "checkout 2.0.0 fails its config check".into(),
            reason: None,
        },
    );
    journal(
        &mut s,
        5,
        Event::HypothesisChanged {
            hypothesis: 3,
            state: HypothesisState::Refuted,
            text: "node-3 drops packets".into(),
            reason: Some("its error rate is flat".into()),
        },
    );
    let t = text(&draw(&s, 200, 50));
    assert!(
        t.contains("? #2 testing  alice checkout 2.0.0 fails its config check"),
        "the one being tested is on the board:\n{t}"
    );
    assert!(!t.contains("? #3"), "a refuted one leaves the board:\n{t}");
    assert!(
        t.contains("Hypothesis #3 refuted: \"node-3 drops packets\" (its error rate is flat)"),
        "{t}"
    );
    // Settled from the palette: an effect the journal link checks and writes.
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "hypothesis #2 confirmed rolling back fixed it");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Change(IncidentChange::MoveHypothesis {
            seq: 2,
            state: HypothesisState::Confirmed,
            reason: Some("rolling back fixed it".into()),
        })]
    );
}

#[test]
fn a_follow_up_from_the_palette_is_an_action_item_for_the_journal() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    // No incident: explained, nothing asked.
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "followup Add a canary stage owner=bob");
    key(&mut s, KeyCode::Enter);
    assert!(journal_effects(&s).is_empty());
    assert!(s.notice.as_ref().is_some_and(|n| n.error), "{:?}", s.notice);
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "followup Add a canary stage owner=bob due=2026-12-08");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Change(IncidentChange::FollowUp(Asked::Record {
            title: "Add a canary stage".into(),
            owner: Some("bob".into()),
            due: Some(jiff::civil::date(2026, 12, 8)),
            priority: None,
            ticket: None,
        }))]
    );
}

/// An action is one timeline row: its dry run and outcome join the row of its request, which
/// lists the steps and takes the outcome's words and undo; a pin of any step marks that row. A
/// flapping alert is one row too, moved to the newest place on each flip and counting them.
#[test]
fn an_actions_steps_and_an_alerts_flips_fold_into_one_row_each() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let undo = rollback_record();
    let firing = Event::AlertFiring {
        alert: "CheckoutErrors".into(),
        labels: [("severity".to_string(), "page".to_string())].into(),
        summary: "5xx above 5%".into(),
        starts_at: None,
    };
    let resolved = Event::AlertResolved {
        alert: "CheckoutErrors".into(),
        labels: [("severity".to_string(), "page".to_string())].into(),
    };
    let note = |text: &str| Event::Note { text: text.into() };
    for (seq, event) in [
        (2, firing.clone()),
        (3, Event::ActionRequested(undo.clone())),
        (4, note("watching the rollback")),
        (5, Event::ActionDryRun(undo.clone())),
        (6, resolved.clone()),
        (7, Event::ActionSucceeded(undo.clone())),
        (8, firing.clone()),
        (9, note("it flaps")),
        (10, resolved.clone()),
        (11, Event::Pinned { seq: 5 }),
    ] {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(seq, event, false)))),
        );
    }
    // The journal's rows (the fixture's cluster has signals of its own on the timeline).
    let journaled: Vec<&warroom::app::state::TimelineEntry> = s.timeline.iter().filter(|r| r.seq.is_some()).collect();
    let rows: Vec<(Option<u64>, String, bool)> = journaled
        .iter()
        .map(|r| (r.seq, r.text.to_string(), r.pinned))
        .collect();
    let texts: Vec<&str> = rows.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(rows.len(), 5, "{texts:#?}");
    assert_eq!(rows[0].0, Some(1));
    // The action stays where it was asked, with its outcome and every step; the pin of its dry
    // run marks it.
    assert_eq!(rows[1].0, Some(3));
    assert!(
        rows[1]
            .1
            .starts_with("Action succeeded: rolled back deployment shop/checkout")
            && rows[1]
                .1
                .ends_with("[rollout undo deployment/checkout -n shop: requested → dry run passed → succeeded]"),
        "{}",
        rows[1].1
    );
    assert!(rows[1].2, "the pinned dry run's row");
    assert_eq!(journaled[1].kind, "action_succeeded");
    assert_eq!(texts[2], "watching the rollback");
    assert_eq!(texts[3], "it flaps");
    // The alert's row moved after the last note, on its last flip.
    assert_eq!(rows[4].0, Some(2));
    assert_eq!(texts[4], "Alert resolved: CheckoutErrors (fired twice, resolved twice)");
    assert!(!journaled[4].severe, "resolved last");
    assert!(journaled[4].tells(10) && journaled[1].tells(7) && !journaled[1].tells(6));
    // The filter finds the action by its verb and by its outcome.
    for words in ["rollout undo", "rolled back"] {
        s.filters.insert(warroom::app::state::Pane::Timeline, words.to_string());
        let shown: Vec<String> = s.visible_timeline().iter().map(|e| e.text.to_string()).collect();
        assert_eq!(shown.len(), 1, "{words}: {shown:?}");
    }
}

/// `:capture` keeps the selected object as evidence, once an incident is open; an action asked
/// for captures the object it acts on before anything changes.
#[test]
fn capture_keeps_the_selection_and_an_action_captures_its_object_first() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "capture");
    key(&mut s, KeyCode::Enter);
    assert!(!s.effects.iter().any(|e| matches!(e, Effect::Capture { .. })));
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("declare an incident first")),
        "{:?}",
        s.notice
    );
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "capture");
    key(&mut s, KeyCode::Enter);
    let captured: Vec<(String, String)> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Capture { target, why, .. } => Some((target.to_string(), why.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(captured.len(), 1, "{:?}", s.effects);
    assert_eq!(captured[0].1, "asked");
    // The rollback key on the selected deployment: its capture comes before the action.
    s.effects.clear();
    key(&mut s, KeyCode::Char('U'));
    let order: Vec<&str> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Capture { why, .. } if why == "before rollout undo" => Some("capture"),
            Effect::Action { .. } => Some("action"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["capture", "action"], "{:?}", s.effects);
}

/// A rollback that succeeded while checkout was over its SLO is proposed as the moment the
/// incident was mitigated once checkout has been back under the SLO for two readings in a row,
/// once; `:mitigated` records the milestone at the rollback's time and moves to monitoring.
#[test]
fn the_action_after_which_the_slo_recovered_is_proposed_as_mitigation() {
    use warroom::incident::model::{Milestone, Status};
    use warroom::observe::model::{Reading, Update as O};
    use warroom::observe::panels::{Target, Unit};
    let mut s = with_signals(state());
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    let undo = rollback_record();
    let rolled_back = entry(2, Event::ActionSucceeded(undo), false);
    let at = rolled_back.time;
    update(&mut s, Msg::Journal(Followed::Entry(Box::new(rolled_back))));
    let errors = |s: &mut Console, v: f64| {
        update(
            s,
            Msg::Observe(O::Readings(vec![Reading {
                target: Target {
                    namespace: "shop".into(),
                    service: "checkout".into(),
                },
                panel: "errors".into(),
                unit: Unit::Ratio,
                at: NOW,
                result: Ok(Some(v)),
            }])),
        )
    };
    let proposals = |s: &Console| s.timeline.iter().filter(|r| r.kind == "proposal").count();
    errors(&mut s, 0.0005);
    assert_eq!(proposals(&s), 0, "one reading under the SLO is not yet a recovery");
    errors(&mut s, 0.0004);
    assert_eq!(proposals(&s), 1);
    let row = s.timeline.iter().find(|r| r.kind == "proposal").expect("the proposal");
    assert!(
        row.text
            .contains("shop/checkout back under the SLO since rolled back deployment shop/checkout")
            && row.text.contains(":mitigated marks the incident mitigated then"),
        "{}",
        row.text
    );
    errors(&mut s, 0.0003);
    assert_eq!(proposals(&s), 1, "proposed once");
    s.effects.clear();
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "mitigated");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        journal_effects(&s),
        vec![
            Effect::Change(IncidentChange::Record(Event::MilestoneSet {
                milestone: Milestone::Mitigated,
                at,
            })),
            Effect::Change(IncidentChange::Status(Status::Monitoring)),
        ]
    );
}

/// With an incident open, the cluster's signals reach its journal: one the console sees that
/// the journal lacks is asked for as appeared, one the journal has standing that the console no
/// longer sees as cleared; once journaled, nothing more is asked, and a flapping signal is one
/// timeline row.
#[test]
fn the_clusters_signals_are_journaled_once_and_cleared_when_gone() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    s.effects.clear();
    let next = s.now + 1;
    update(&mut s, Msg::Tick(next));
    let asked = |s: &Console| -> Vec<Event> {
        s.effects
            .iter()
            .filter_map(|e| match e {
                Effect::Change(IncidentChange::Signal(ev)) => Some(ev.clone()),
                _ => None,
            })
            .collect()
    };
    let appeared = asked(&s);
    let crashloop = appeared
        .iter()
        .find(|e| matches!(e, Event::SignalAppeared { signal, .. } if signal == "crashlooping"))
        .unwrap_or_else(|| panic!("the crashloop signal: {appeared:?}"))
        .clone();
    // Journaled (by this console or another), it is not asked again; one the console does not
    // see is asked to clear.
    let gone = Event::SignalAppeared {
        signal: "node_not_ready".into(),
        subject: "node node-9".into(),
        message: "node node-9 stopped reporting".into(),
    };
    for (seq, e) in appeared.iter().cloned().chain([gone]).enumerate() {
        update(
            &mut s,
            Msg::Journal(Followed::Entry(Box::new(entry(seq as u64 + 2, e, false)))),
        );
    }
    s.effects.clear();
    let next = s.now + 1;
    update(&mut s, Msg::Tick(next));
    assert_eq!(
        asked(&s),
        vec![Event::SignalCleared {
            signal: "node_not_ready".into(),
            subject: "node node-9".into(),
            message: "node node-9 stopped reporting".into(),
        }]
    );
    // It flaps: one row, counted.
    let seq = appeared.len() as u64 + 3;
    let Event::SignalAppeared {
        signal,
        subject,
        message,
    } = crashloop
    else {
        unreachable!()
    };
    let cleared = Event::SignalCleared {
        signal,
        subject,
        message: message.clone(),
    };
    update(
        &mut s,
        Msg::Journal(Followed::Entry(Box::new(entry(seq, cleared, false)))),
    );
    let rows: Vec<String> = s
        .timeline
        .iter()
        .filter(|r| r.seq.is_some() && r.text.contains(&message))
        .map(|r| r.text.to_string())
        .collect();
    assert_eq!(rows, [format!("Signal cleared: {message} (seen once, cleared once)")]);
}
