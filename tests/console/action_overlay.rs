//! The checklist pane and the action overlay drawn into ratatui's TestBackend at 80×24:
//! snapshots of the text for a checklist in progress, each stage of a drain and a rollback's
//! history to pick from, and a pod name full of escape sequences drawn harmless.

use std::path::Path;

use crate::support::text;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::{Block, Borders};
use warroom::actions::preview::PodPlan;
use warroom::actions::{Action, Flow, Input, Outcome, PodState, Preview, Progress};
use warroom::playbook::{Checklist, StepStatus};

fn draw(f: impl Fn(&mut ratatui::Frame)) -> String {
    draw_at(80, 24, f)
}

fn draw_at(w: u16, h: u16, f: impl Fn(&mut ratatui::Frame)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|frame| f(frame)).expect("draw");
    text(terminal.backend().buffer())
}

fn checklist() -> Checklist {
    let p =
        warroom::playbook::load::load_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/node-failure.yaml"))
            .expect("node-failure loads");
    let mut c = Checklist::new(p);
    let at = "2026-11-24T14:03:10Z".parse().expect("time");
    c.set(0, StepStatus::Done, "alice", at).expect("set");
    c.set(1, StepStatus::Done, "alice", at).expect("set");
    c.set(2, StepStatus::InProgress, "alice", at).expect("set");
    c.set(
        3,
        StepStatus::Skipped {
            reason: "platform already paged".into(),
        },
        "bob",
        at,
    )
    .expect("set");
    c.selected = 2;
    c
}

#[test]
fn checklist_with_progress_in_the_title() {
    let c = checklist();
    let t = draw(|f| {
        let area = f.area();
        warroom::ui::playbook::render(
            &warroom::theme::Theme::default(),
            &c,
            "enter",
            f,
            area,
            Block::default().borders(Borders::ALL),
        );
    });
    assert!(t.contains("Node failure 3/5"), "{t}");
    insta::assert_snapshot!("checklist_80x24", t);
}

fn drain_preview() -> Preview {
    Preview {
        summary: "node-7: unschedulable false→true; 4 pods will be evicted, 1 held by a PDB".into(),
        changes: vec![warroom::actions::preview::Change {
            object: "node/node-7".into(),
            field: "unschedulable".into(),
            from: "false".into(),
            to: "true".into(),
        }],
        pods: vec![
            PodPlan {
                namespace: "shop".into(),
                name: "checkout-7d9f-x1".into(),
                held: Some("The disruption budget checkout needs 3 healthy pods and has 3 currently".into()),
            },
            PodPlan {
                namespace: "shop".into(),
                name: "cart-55c-a".into(),
                held: None,
            },
        ],
        skipped: vec!["monitoring/node-exporter-abc (DaemonSet)".into()],
        warnings: vec!["1 pod with emptyDir volumes: that data is lost".into()],
        objects: 5,
        undo: Some(Action::Uncordon { node: "node-7".into() }),
        history: None,
    }
}

fn drain_flow() -> Flow {
    let (mut f, _) = Flow::start("act-1", Action::Drain { node: "node-7".into() });
    f.update(Input::Allowed);
    f.update(Input::Previewed(drain_preview()));
    for c in "node".chars() {
        f.update(Input::Typed(c));
    }
    f
}

fn overlay(flow: &Flow) -> String {
    draw(|f| {
        let area = f.area();
        warroom::ui::action::render(
            &warroom::theme::Theme::default(),
            flow,
            Some("drill-commander (system:authenticated)"),
            f,
            area,
        );
    })
}

#[test]
fn drain_preview_asks_for_the_node_name() {
    let t = overlay(&drain_flow());
    assert!(t.contains("Type node-7 and Enter"), "{t}");
    assert!(t.contains("> node"), "{t}");
    insta::assert_snapshot!("drain_confirm_80x24", t);
}

#[test]
fn drain_progress_then_result_with_undo() {
    let mut f = drain_flow();
    f.update(Input::Typed('-'));
    f.update(Input::Typed('7'));
    f.update(Input::Submit);
    for (pod, state) in [
        (
            "shop/checkout-7d9f-x1",
            PodState::Held {
                why: "The disruption budget checkout needs 3".into(),
                tries: 7,
                for_secs: 35,
            },
        ),
        ("shop/cart-55c-a", PodState::Gone),
        ("shop/frontend-9-b", PodState::Evicted),
    ] {
        f.update(Input::Progress(Progress {
            object: pod.into(),
            state,
        }));
    }
    let running = overlay(&f);
    assert!(running.contains("held 35s (7 tries)"), "{running}");
    insta::assert_snapshot!("drain_running_80x24", running);
    f.update(Input::Finished(Outcome {
        summary: "node/node-7 drained: 4 pods evicted".into(),
        undo: Some(Action::Uncordon { node: "node-7".into() }),
        cancelled: false,
        api: serde_json::Value::Null,
        duration_ms: 41_250,
    }));
    let t = overlay(&f);
    assert!(t.contains("Undo (u): uncordon node/node-7"), "{t}");
    insta::assert_snapshot!("drain_done_80x24", t);
}

/// A rollback of checkout from revision 4 to 3, with revisions 1 to 4 in its history (revision
/// 2's change cause is hostile).
fn rollback_flow() -> Flow {
    rollback_flow_with(|number| format!("checkout=registry.example.com/shop/checkout:1.9.{number}"))
}

fn rollback_flow_with(image: impl Fn(i64) -> String) -> Flow {
    use warroom::actions::preview::{History, PastRevision};
    use warroom::actions::{Preview, Workload};
    let revisions = (1..=4)
        .map(|number| PastRevision {
            number,
            images: vec![image(number)],
            change_cause: Some(if number == 2 {
                "deploy\u{1b}[2J 1.9.2\u{202e}".to_string()
            } else {
                format!("deploy 1.9.{number}")
            }),
        })
        .collect();
    let preview = Preview {
        history: Some(History {
            current: 4,
            target: 3,
            revisions,
        }),
        ..Preview::of(
            "deployment/checkout: back to revision 3 from 4".into(),
            Vec::new(),
            3,
            None,
        )
    };
    let (mut f, _) = Flow::start(
        "act-4",
        Action::RolloutUndo {
            namespace: "shop".into(),
            workload: Workload::deployment("checkout"),
            revision: None,
        },
    );
    f.update(Input::Allowed);
    f.update(Input::Previewed(preview));
    f
}

#[test]
fn a_rollback_lists_its_history_newest_first_with_the_chosen_revision_marked() {
    let t = overlay(&rollback_flow());
    let line = |needle: &str| {
        t.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{t}"))
            .to_string()
    };
    assert!(t.contains("history (↑/↓ picks another revision)"), "{t}");
    assert!(line("checkout:1.9.4").contains("(running)"), "{t}");
    assert!(line("checkout:1.9.3").contains("▸"), "{t}");
    assert!(!line("checkout:1.9.1").contains("▸"), "{t}");
    let order: Vec<usize> = ["1.9.4", "1.9.3", "1.9.2", "1.9.1"]
        .iter()
        .map(|v| t.find(&format!("checkout:{v}")).expect("every revision"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest first:\n{t}");
    assert!(!t.contains('\u{1b}') && !t.contains('\u{202e}'), "{t:?}");
    insta::assert_snapshot!("rollback_history_80x24", t);
}

#[test]
fn a_drain_of_many_pods_keeps_its_prompt_in_view() {
    let mut f = drain_flow();
    f.update(Input::Typed('-'));
    f.update(Input::Typed('7'));
    f.update(Input::Submit);
    for i in 0..30 {
        f.update(Input::Progress(Progress {
            object: format!("shop/web-{i}"),
            state: if i < 20 { PodState::Gone } else { PodState::Evicting },
        }));
    }
    f.update(Input::Progress(Progress {
        object: "shop/checkout-1".into(),
        state: PodState::Held {
            why: "The disruption budget checkout needs 3".into(),
            tries: 1,
            for_secs: 0,
        },
    }));
    let t = overlay(&f);
    assert!(t.contains("Esc: cancel"), "{t}");
    assert!(t.contains("20/31 pods gone"), "{t}");
    // Held first, then those still going; gone pods are the ones cut.
    assert!(t.contains("shop/checkout-1 held"), "{t}");
    assert!(
        t.contains("shop/web-20 evicting") && t.contains("shop/web-29 evicting"),
        "{t}"
    );
    assert!(t.contains("more lines (a taller window shows them)"), "{t}");
    assert!(!t.contains("shop/web-19 gone"), "{t}");
}

#[test]
fn denied_and_hostile_names_are_drawn_harmless() {
    let (mut f, _) = Flow::start("act-2", Action::Cordon { node: "node-1".into() });
    f.update(Input::Denied(
        "you may not patch nodes: the drill scenario denies patch on nodes".into(),
    ));
    insta::assert_snapshot!("denied_80x24", overlay(&f));
    let (mut f, _) = Flow::start(
        "act-3",
        Action::DeletePod {
            namespace: "shop".into(),
            pod: "evil\u{1b}]0;owned\u{7}\u{202e}pod".into(),
        },
    );
    f.update(Input::Allowed);
    f.update(Input::Previewed(Preview {
        summary: "pod/evil\u{1b}[31mred -n shop will be deleted".into(),
        changes: Vec::new(),
        pods: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        objects: 1,
        undo: None,
        history: None,
    }));
    let t = overlay(&f);
    assert!(
        !t.contains('\u{1b}') && !t.contains('\u{202e}') && !t.contains('\u{7}'),
        "{t:?}"
    );
    assert!(t.contains("[y/N]"), "{t}");
}

#[test]
fn on_a_wide_terminal_the_overlay_takes_the_width_its_lines_need() {
    // An image reference longer than the 76-column overlay of a small terminal.
    let long = "registry.internal.example.com/platform/shop/checkout-service:1.9.3-build.20261204.1";
    let flow = rollback_flow_with(|n| {
        if n == 3 {
            format!("checkout={long}")
        } else {
            format!("checkout=checkout:1.9.{n}")
        }
    });
    let t = draw_at(200, 50, |f| {
        let area = f.area();
        warroom::ui::action::render(&warroom::theme::Theme::default(), &flow, None, f, area);
    });
    assert!(t.lines().any(|l| l.contains(long)), "the image is on one line:\n{t}");
    let narrow = draw_at(80, 24, |f| {
        let area = f.area();
        warroom::ui::action::render(&warroom::theme::Theme::default(), &flow, None, f, area);
    });
    assert!(
        !narrow.lines().any(|l| l.contains(long)),
        "80 columns wrap it:\n{narrow}"
    );
}
