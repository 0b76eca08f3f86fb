//! The console drawn into ratatui's TestBackend at 80×24 (tabs) and 200×50 (all four panes),
//! from a fixed state: snapshots of the text, and the severity styles.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use warroom::app::message::{DrillClock, Msg};
use warroom::app::state::{AppState, Mode};
use warroom::app::update::update;
use warroom::cluster::model::{Change, Freshness, Source, Update};
use warroom::cluster::rows::{NodeRow, Owner, Phase, PodRow, WorkloadKind, WorkloadRow};
use warroom::text::CleanText;

const NOW: i64 = 1_795_615_200; // 2026-11-24T14:00:00Z

fn state() -> AppState {
    let clock = DrillClock {
        now: NOW + 250,
        start: NOW,
        speed: 1.0,
        paused: false,
    };
    let mut s = AppState::new(
        Mode::Drill {
            title: CleanText::line("Bad deploy: checkout 2.0.0 crashloops on start"),
            clock: Some(clock),
        },
        NOW,
    );
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
                kind: WorkloadKind::Deployment,
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
            WorkloadKind::Deployment,
            Change::Apply(("shop".into(), "checkout".into()), w),
        )),
    );
    for source in Source::ALL {
        update(
            &mut s,
            Msg::Cluster(Update::Freshness(source, Freshness::Live { since: NOW })),
        );
    }
    update(&mut s, Msg::Tick(NOW + 1));
    s
}

fn draw(s: &AppState, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| warroom::ui::render(s, f)).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(b: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn key(s: &mut AppState, code: KeyCode) {
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

#[test]
fn severities_carry_colour_and_a_symbol() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    let b = draw(&s, 200, 50);
    let t = text(&b);
    let row = t
        .lines()
        .position(|l| l.contains("✖ 1 not ready"))
        .expect("node summary");
    let line = t.lines().nth(row).expect("line");
    let col = line.chars().position(|c| c == '✖').expect("symbol") as u16;
    assert_eq!(
        b[(col, row as u16)].fg,
        Color::Red,
        "not-ready nodes are red as well as marked ✖"
    );
}

#[test]
fn the_editor_takes_text_and_pastes_are_cleaned() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    for c in "Rolling back".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    update(&mut s, Msg::Paste(" checkout\u{1b}]52;c;cHduZWQ=\u{7} now".into()));
    assert_eq!(s.editor.lines().join("\n"), "Rolling back checkout now");
    // q types in the editor instead of quitting.
    key(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
}
