//! The health pane's full lists and the inspect view, driven by keys: every node, workload
//! and pod listed with their columns, sorted and filtered; describe, YAML and events asked
//! of the server for the selected row and drawn when they arrive; logs and actions on the row.

use crate::fixture::{NOW, declared, draw, key, state};
use crate::support::{Console, keys, text, update};
use ratatui::crossterm::event::KeyCode;
use warroom::actions::Action;
use warroom::app::effect::Effect;
use warroom::app::message::Msg;
use warroom::cluster::inspect::{Kind, Target, View};
use warroom::incident::model::Severity;
use warroom::text::CleanText;

fn screen(s: &Console) -> String {
    text(&draw(s, 200, 50))
}

/// The list rows on screen (the health pane's side): the lines under the column headings.
fn rows(t: &str) -> Vec<String> {
    t.lines()
        .map(|l| l.trim_start_matches('│').split('│').next().unwrap_or("").to_string())
        .skip_while(|l| !l.starts_with("  NAME"))
        .skip(1)
        .take_while(|l| l.starts_with("› ") || l.starts_with("  ") && !l.trim().is_empty() && !l.contains(" of "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn inspected(s: &Console) -> Vec<(Target, View)> {
    s.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Inspect { target, view, .. } => Some((target.clone(), *view)),
            _ => None,
        })
        .collect()
}

fn pod(name: &str) -> Target {
    Target {
        kind: Kind::Pod,
        namespace: CleanText::line("shop"),
        name: CleanText::line(name),
    }
}

#[test]
fn every_node_workload_and_pod_is_listed_sorted_and_filtered() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Char('v'));
    // Beside the timeline at 120 columns the pane hides the columns needed least; zoomed, it
    // shows them all.
    update(&mut s, Msg::Resize(120, 40));
    let t = text(&draw(&s, 120, 40));
    assert!(
        t.contains("NAME↑") && t.contains("STATUS") && !t.contains("ZONE"),
        "{t}"
    );
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('z'));
    assert!(screen(&s).contains("ZONE"));
    let t = screen(&s);
    assert!(
        t.contains("Nodes (3; by NAME↑)") || t.contains("Nodes (3; by NAME ↑)"),
        "{t}"
    );
    assert_eq!(
        rows(&t),
        [
            "› node-0 Ready 2/110 - -",
            "node-1 Ready 0/110 - -",
            "node-2 Unknown 0/110 - -"
        ],
        "{t}"
    );
    key(&mut s, KeyCode::Char('v'));
    let t = screen(&s);
    assert_eq!(
        rows(&t),
        ["› shop Deployment checkout 3/4 2 3 rolling out registry.example.com/shop/checkout:2.0.0"],
        "{t}"
    );
    key(&mut s, KeyCode::Char('v'));
    let t = screen(&s);
    assert_eq!(
        rows(&t),
        [
            "› shop checkout-a no CrashLoopBackOff 4 4m10s node-0",
            "shop checkout-b yes Running 0 4m10s node-0"
        ],
        "{t}"
    );
    // Sorted by restarts (the fifth column), most first.
    for _ in 0..4 {
        key(&mut s, KeyCode::Char('s'));
    }
    key(&mut s, KeyCode::Char('o'));
    let t = screen(&s);
    assert!(t.contains("by RESTARTS ↓") && t.contains("RESTARTS↓"), "{t}");
    assert!(rows(&t)[0].contains("checkout-a"), "{t}");
    key(&mut s, KeyCode::Char('o'));
    assert!(rows(&screen(&s))[0].contains("checkout-b"));
    // Filtered on any column.
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "RUNNING");
    key(&mut s, KeyCode::Enter);
    let t = screen(&s);
    assert!(t.contains("Pods (2, 1 hold \"RUNNING\""), "{t}");
    assert_eq!(rows(&t), ["› shop checkout-b yes Running 0 4m10s node-0"], "{t}");
    insta::assert_snapshot!("wide_200x50_pods_list", t);
    // esc: the zoom first, then the filter, then the list.
    key(&mut s, KeyCode::Esc);
    assert!(!s.zoom);
    key(&mut s, KeyCode::Esc);
    assert_eq!(rows(&screen(&s)).len(), 2);
    key(&mut s, KeyCode::Esc);
    assert!(s.list.is_none());
    assert!(screen(&s).contains("Needs attention"));
    // The palette opens a list filtered; beside the timeline the status stays whole and the
    // namespace, age and node give way.
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "pods checkout-a");
    key(&mut s, KeyCode::Enter);
    assert_eq!(rows(&screen(&s)), ["› checkout-a no CrashLoopBackOff 4"]);
}

#[test]
fn describe_yaml_and_events_of_the_selected_row_come_from_the_server() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "pods checkout-b");
    key(&mut s, KeyCode::Enter);
    s.effects.clear();
    key(&mut s, KeyCode::Char('d'));
    assert_eq!(inspected(&s), [(pod("checkout-b"), View::Describe)]);
    assert!(screen(&s).contains("reading from the API server…"));
    // A late answer about another object is not shown.
    let answer = |lines: &[&str]| Ok(lines.iter().map(|l| CleanText::line(l)).collect());
    update(
        &mut s,
        Msg::Inspected {
            target: pod("checkout-a"),
            view: View::Describe,
            result: answer(&["Name: checkout-a"]),
        },
    );
    assert!(screen(&s).contains("reading from the API server…"));
    update(
        &mut s,
        Msg::Inspected {
            target: pod("checkout-b"),
            view: View::Describe,
            result: answer(&["Name:  checkout-b", "Node:  node-0", "Image: checkout:2.0.0\x1b[2J"]),
        },
    );
    let t = screen(&s);
    assert!(t.contains("describe pod shop/checkout-b"), "{t}");
    assert!(t.contains("Node:  node-0") && t.contains("— 3 lines"), "{t}");
    // `/` searches the lines.
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "image");
    key(&mut s, KeyCode::Enter);
    let t = screen(&s);
    assert!(
        t.contains("Image: checkout:2.0.0") && !t.contains("Node:  node-0"),
        "{t}"
    );
    // y and e ask for the same object's other views; an error is said.
    s.effects.clear();
    key(&mut s, KeyCode::Char('y'));
    key(&mut s, KeyCode::Char('e'));
    assert_eq!(
        inspected(&s),
        [(pod("checkout-b"), View::Yaml), (pod("checkout-b"), View::Events)]
    );
    update(
        &mut s,
        Msg::Inspected {
            target: pod("checkout-b"),
            view: View::Events,
            result: Err(CleanText::line(
                "cannot read pod shop/checkout-b: pods \"checkout-b\" not found",
            )),
        },
    );
    assert!(screen(&s).contains("not found"));
    // esc goes back to the list, still filtered.
    key(&mut s, KeyCode::Esc);
    assert!(s.inspect.is_none());
    assert!(screen(&s).contains("1 hold"));
    // On the needs-attention row of a workload: describe the workload itself.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    s.effects.clear();
    key(&mut s, KeyCode::Char('d'));
    let workload = Target {
        kind: Kind::Deployment,
        namespace: CleanText::line("shop"),
        name: CleanText::line("checkout"),
    };
    assert_eq!(inspected(&s), [(workload, View::Describe)]);
}

#[test]
fn logs_and_actions_act_on_the_row_under_the_cursor() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    declared(&mut s, Severity::Sev2);
    key(&mut s, KeyCode::Char('1'));
    // `l` on a crashlooping workload: its worst pod's previous run, where the crash is.
    s.effects.clear();
    key(&mut s, KeyCode::Char('l'));
    let follows: Vec<_> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::FollowLogs(asked) => Some((asked.pod.1.to_string(), asked.previous)),
            _ => None,
        })
        .collect();
    assert_eq!(follows, [("checkout-a".to_string(), true)]);
    key(&mut s, KeyCode::Esc);
    // In the pods list, enter on a healthy pod follows its current log.
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "pods");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    s.effects.clear();
    key(&mut s, KeyCode::Enter);
    assert!(
        s.effects
            .iter()
            .any(|e| matches!(e, Effect::FollowLogs(asked) if !asked.previous && asked.pod.1.as_str() == "checkout-b")),
        "{:?}",
        s.effects
    );
    key(&mut s, KeyCode::Esc);
    // Recycle takes the pod under the cursor, restart its workload.
    s.effects.clear();
    key(&mut s, KeyCode::Char('X'));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('r'));
    let actions: Vec<String> = s
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Action { action, .. } => Some(action.to_string()),
            _ => None,
        })
        .collect();
    let recycle = Action::DeletePod {
        namespace: "shop".into(),
        pod: "checkout-b".into(),
    };
    assert_eq!(actions.first(), Some(&recycle.to_string()), "{actions:?}");
    assert!(
        actions.iter().any(|a| a.contains("restart") && a.contains("checkout")),
        "{actions:?}"
    );
    // The age column reads the drill's clock, not the wall clock.
    assert!(s.event_time() > NOW);
}

#[test]
fn sort_acts_only_on_the_list_in_view_as_the_footer_says() {
    let mut s = state();
    update(&mut s, Msg::Resize(200, 50));
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Char('v'));
    let sorted_by = |s: &Console| s.list.as_ref().map(|l| l.sort);
    let before = sorted_by(&s);
    // A description opened over the list: the sort key leaves the list alone and says why.
    key(&mut s, KeyCode::Char('d'));
    assert!(s.inspect.is_some());
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(sorted_by(&s), before);
    let notice = s.notice.as_ref().expect("a notice");
    assert!(
        notice.text.contains("close what is open over it first"),
        "{}",
        notice.text
    );
    // Closed again, it sorts.
    key(&mut s, KeyCode::Esc);
    assert!(s.inspect.is_none());
    key(&mut s, KeyCode::Char('s'));
    assert_ne!(sorted_by(&s), before);
}
