//! The console state the render and key tests start from: a drill with nodes, workloads and
//! pods in every condition, drawn into ratatui's TestBackend, and the helpers they share.

use crate::support::text;
use crate::support::{Console, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::effect::Effect;
use warroom::app::message::{DrillClock, Msg};
use warroom::app::state::{AppState, Mode};
use warroom::cluster::model::{Change, Resource, Update};
use warroom::cluster::rows::{NodeRow, Owner, OwnerKind, Phase, PodRow, Trouble, WorkloadRow};
use warroom::freshness::Freshness;
use warroom::incident::follow::Followed;
use warroom::incident::model::{Actor, Declared, Entry, Event, Origin, Severity};
use warroom::text::CleanText;

pub const NOW: i64 = 1_795_615_200; // 2026-11-24T14:00:00Z

pub fn state() -> Console {
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
            trouble: Trouble {
                waiting: crash.then(|| "CrashLoopBackOff".into()),
                last_termination: crash.then(|| "Error".into()),
                last_message: crash.then(|| "panic: config key CHECKOUT_CURRENCY_TABLE not set".into()),
                reason: None,
            }
            .boxed(),
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

pub fn draw(s: &Console, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| warroom::ui::render(s, f)).expect("draw");
    terminal.backend().buffer().clone()
}

pub fn key(s: &mut Console, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The cell at the first occurrence of `needle` on screen.
pub fn cell<'a>(b: &'a ratatui::buffer::Buffer, needle: &str) -> &'a ratatui::buffer::Cell {
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
pub fn journal_effects(s: &Console) -> Vec<Effect> {
    s.effects
        .iter()
        .filter(|e| !matches!(e, Effect::CheckKeys { .. }))
        .cloned()
        .collect()
}

pub fn declared(s: &mut Console, sev: Severity) {
    let event = Event::IncidentOpened(Declared {
        drill: true,
        ..Declared::new("INC-20261124-001".parse().unwrap(), "Checkout errors", sev)
    });
    update(s, Msg::Journal(Followed::Entry(Box::new(entry(1, event, false)))));
}

/// What the journal records of rolling shop/checkout back (action `a1`), before an answer.
pub fn rollback_record() -> warroom::incident::model::ActionRecord {
    warroom::incident::model::ActionRecord {
        action_id: "a1".into(),
        action: "rollout_undo".into(),
        target: "deployment/checkout -n shop".into(),
        parameters: serde_json::json!({"verb": "rollout_undo", "namespace": "shop", "workload": {"kind": "Deployment", "name": "checkout"}}),
        response: serde_json::Value::Null,
        error: None,
        identity: None,
    }
}

pub fn entry(seq: u64, event: Event, pinned: bool) -> Entry {
    Entry {
        seq,
        time: jiff::Timestamp::from_second(NOW + seq as i64).unwrap(),
        drill_time: None,
        actor: Actor::named("alice"),
        source: Origin::Human,
        pinned,
        event,
        prev: "0".repeat(64),
        hash: "0".repeat(64),
    }
}

/// The selection the keys were last asked about.
pub fn last_asked(s: &Console) -> Option<warroom::app::state::Subject> {
    s.effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::CheckKeys { subject, .. } => Some(subject.clone()),
            _ => None,
        })
        .expect("the keys were asked about")
}

pub fn with_playbooks(s: &mut Console) {
    s.playbooks = warroom::playbook::load::available(std::path::Path::new("/nonexistent")).expect("shipped playbooks");
    update(s, Msg::Settled);
}

pub fn followed(s: &Console) -> Option<String> {
    s.checklist.as_ref().map(|c| c.playbook.id.clone())
}

/// Golden signals for three services, checkout burning its budget fast enough to page.
pub fn with_signals(mut s: Console) -> Console {
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
