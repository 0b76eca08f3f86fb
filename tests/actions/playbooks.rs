//! Playbooks: every shipped one loads and passes `warroom check`; a broken one fails with
//! file:line:column; bindings resolve to actions; checklist changes become journal events;
//! suggestions follow alerts and signals.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use warroom::actions::{Action, Workload, WorkloadKind};
use warroom::cluster::symptoms::SymptomKind;
use warroom::incident::model::{Event, StepState};
use warroom::playbook::load::{load_dir, load_file};
use warroom::playbook::suggest::{Situation, suggest};
use warroom::playbook::{Checklist, Selection, StepStatus};

fn shipped() -> Vec<warroom::playbook::Playbook> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_shipped_playbooks_load_and_pass_warroom_check() {
    let ids: Vec<String> = shipped().into_iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        [
            "autoscaler-at-max",
            "bad-canary",
            "bad-config",
            "bad-deploy",
            "crashloop",
            "dependency-failure",
            "node-failure",
            "noisy-neighbour",
            "pdb-blocked-drain",
            "zone-outage"
        ]
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("playbooks dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("check")
        .args(&files)
        .output()
        .expect("run warroom check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.matches(": ok (playbook").count(), ids.len(), "{stdout}");
}

#[test]
fn a_broken_playbook_fails_check_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.yaml");
    std::fs::write(
        &path,
        "id: broken\ntitle: Broken\nsteps:\n  - id: one\n    kind: action\n    text: do it\n    action: {verb: reboot}\n    timeBox: soon\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("check")
        .arg(&path)
        .output()
        .expect("run warroom check");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let at = format!("{}:4:5", path.display());
    assert!(
        stderr.contains(&format!("{at}: steps[0].timeBox: \"soon\" is not a duration")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{at}: steps[0].action.verb: \"reboot\" is not an action")),
        "{stderr}"
    );
    std::fs::write(
        &path,
        "id: broken\ntitle: Broken\nsteps:\n  - id: one\n    kind: check\n    txt: typo\n",
    )
    .expect("write");
    // Both problems, each at its own line: the misspelt key and the field it left missing.
    let e = load_file(&path).expect_err("unknown field");
    let shown = e.to_string();
    let p = path.display();
    assert!(
        shown.contains(&format!("{p}:6:5: steps[0].txt: unknown field `txt`")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("{p}:4:5: steps[0]: missing field `text`")),
        "{shown}"
    );
}

#[test]
fn bindings_resolve_from_the_selection() {
    let bad = shipped()
        .into_iter()
        .find(|p| p.id == "bad-deploy")
        .expect("bad-deploy");
    let step = bad
        .steps
        .iter()
        .find(|s| s.get().id == "roll-back")
        .expect("roll-back step");
    let binding = step.get().action.as_ref().expect("a binding");
    let none = binding.resolve(&Selection::default()).expect_err("nothing selected");
    assert!(none.contains("select"), "{none}");
    let sel = Selection {
        namespace: Some("shop".into()),
        deployment: Some("checkout".into()),
        ..Default::default()
    };
    assert_eq!(
        binding.resolve(&sel),
        Ok(Action::RolloutUndo {
            namespace: "shop".into(),
            workload: Workload::deployment("checkout"),
            revision: None
        })
    );
    let noisy = shipped()
        .into_iter()
        .find(|p| p.id == "noisy-neighbour")
        .expect("noisy");
    let scale = noisy
        .steps
        .iter()
        .find(|s| s.get().id == "scale-down")
        .expect("scale step");
    assert!(matches!(
        scale.get().action.as_ref().expect("binding").resolve(&sel),
        Ok(Action::Scale { replicas: 1, .. })
    ));
    // A StatefulSet selected: the same steps act on it, with its kind.
    let db = Workload::new(WorkloadKind::StatefulSet, "db");
    let sts = Selection {
        namespace: Some("data".into()),
        workload: Some(db.clone()),
        ..Default::default()
    };
    assert_eq!(
        binding.resolve(&sts),
        Ok(Action::RolloutUndo {
            namespace: "data".into(),
            workload: db,
            revision: None
        })
    );
    let surge = shipped()
        .into_iter()
        .find(|p| p.id == "autoscaler-at-max")
        .expect("autoscaler-at-max");
    let raise = surge
        .steps
        .iter()
        .find(|s| s.get().id == "raise-max")
        .expect("raise-max step");
    assert_eq!(
        raise.get().action.as_ref().expect("binding").resolve(&sel),
        Ok(Action::Autoscale {
            namespace: "shop".into(),
            workload: Workload::deployment("checkout"),
            min: None,
            max: 12
        }),
        "the min is kept"
    );
    let scaled = scale.get().action.as_ref().expect("binding").resolve(&sts);
    assert!(
        scaled.as_ref().is_ok_and(|a| a.target() == "statefulset/db -n data"),
        "{scaled:?}"
    );
}

#[test]
fn checklist_states_are_journaled_with_who_when_and_why() {
    let bad = shipped()
        .into_iter()
        .find(|p| p.id == "bad-deploy")
        .expect("bad-deploy");
    let total = bad.steps.len();
    let mut c = Checklist::new(bad);
    assert_eq!(c.title(), format!("Bad deploy 0/{total}"));
    let now = jiff::Timestamp::from_second(1_795_000_000).expect("time");
    let e = c.set(0, StepStatus::Done, "alice", now).expect("done");
    assert_eq!(
        e,
        Event::ChecklistStepChanged {
            checklist: "bad-deploy".into(),
            step: "confirm-rollout".into(),
            state: StepState::Done,
            reason: None
        }
    );
    assert!(
        c.set(1, StepStatus::Skipped { reason: " ".into() }, "alice", now)
            .is_err(),
        "a skip needs a reason"
    );
    // Done again records nothing twice.
    assert_eq!(
        c.set(0, StepStatus::Done, "bob", now).map_err(|e| e.to_string()),
        Err("step confirm-rollout is already done".to_string())
    );
    let e = c
        .set(
            1,
            StepStatus::Skipped {
                reason: "channel already told".into(),
            },
            "alice",
            now,
        )
        .expect("skipped");
    assert!(matches!(
        e,
        Event::ChecklistStepChanged {
            state: StepState::Skipped,
            reason: Some(_),
            ..
        }
    ));
    c.set(
        2,
        StepStatus::Failed {
            reason: "forbidden".into(),
        },
        "bob",
        now,
    )
    .expect("failed");
    assert_eq!(c.title(), format!("Bad deploy 2/{total} · 1 failed"));
    assert_eq!(c.steps[2].by.as_deref(), Some("bob"));
    assert_eq!(c.next(), Some(3));
    // The journal event round-trips through its serialized form.
    let v = serde_json::to_value(&e).expect("serialize");
    assert_eq!(Event::from_parts("checklist_step_changed", v["payload"].clone()), e);
}

#[test]
fn suggestions_follow_alerts_then_signals() {
    let all = shipped();
    let crash = suggest(
        &all,
        &Situation {
            symptoms: vec![SymptomKind::CrashLooping],
            ..Default::default()
        },
    );
    let ids: Vec<&str> = crash.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"crashloop") && ids.contains(&"bad-deploy"), "{ids:?}");
    let node = suggest(
        &all,
        &Situation {
            alerts: vec![("KubeNodeNotReady".into(), BTreeMap::new())],
            symptoms: vec![SymptomKind::CrashLooping],
            faults: vec![],
        },
    );
    assert_eq!(node[0].id, "node-failure", "{node:?}");
    assert!(node[0].why.iter().any(|w| w.contains("KubeNodeNotReady")));
    assert!(suggest(&all, &Situation::default()).is_empty());
}

#[test]
fn published_schema_matches_the_format() {
    let published: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/playbook.schema.json"))
            .expect("schema file"),
    )
    .expect("schema JSON");
    assert_eq!(
        published,
        warroom::playbook::load::json_schema(),
        "schemas/playbook.schema.json is stale: regenerate it with `warroom schema playbook`"
    );
}

#[test]
fn the_built_in_drill_suggests_the_bad_deploy_playbook() {
    let scenario = warroom_drill::scenario::builtin();
    let faults = warroom::playbook::suggest::fault_kinds(&scenario);
    assert_eq!(faults, ["rollout"]);
    let s = suggest(
        &shipped(),
        &Situation {
            faults,
            symptoms: vec![SymptomKind::StuckRollout],
            ..Default::default()
        },
    );
    assert_eq!(s[0].id, "bad-deploy", "{s:?}");
    // What the bad deploy looks like on screen: paging alerts, crashloops and the BackOff
    // warnings they raise. A bad canary fits in part (a rollout and a burning budget, without
    // the crashloops); a noisy neighbour or a failed node does not fit it.
    let on_screen = suggest(
        &shipped(),
        &Situation {
            alerts: [
                "ErrorBudgetBurn",
                "KubePodCrashLooping",
                "KubeDeploymentReplicasMismatch",
            ]
            .map(|a| (a.to_string(), BTreeMap::new()))
            .to_vec(),
            symptoms: vec![SymptomKind::CrashLooping, SymptomKind::WarningEvents],
            faults: vec!["rollout".into()],
        },
    );
    let ids: Vec<&str> = on_screen.iter().map(|s| s.id.as_str()).collect();
    // A failing dependency looks like this too from its alerts; the crashloop ranks it below.
    assert_eq!(
        ids,
        ["bad-deploy", "crashloop", "bad-canary", "dependency-failure"],
        "{on_screen:?}"
    );
    let bad = shipped()
        .into_iter()
        .find(|p| p.id == "bad-deploy")
        .expect("bad-deploy");
    let c = Checklist::new(bad);
    let sel = Selection {
        namespace: Some("shop".into()),
        deployment: Some("checkout".into()),
        ..Default::default()
    };
    let roll_back = c
        .playbook
        .steps
        .iter()
        .position(|s| s.get().id == "roll-back")
        .expect("step");
    assert!(matches!(c.action(roll_back, &sel), Ok(Action::RolloutUndo { .. })));
    assert!(c.action(0, &sel).is_err(), "a check step runs no action");
}

#[test]
fn a_fixed_target_names_a_statefulset_or_daemonset_but_only_one_workload() {
    let text = |target: &str| {
        format!(
            "id: db\ntitle: Database\nsteps:\n  - id: restart\n    kind: action\n    text: Restart the database.\n    action: {{verb: rollout_restart, target: {target}}}\n"
        )
    };
    let binding = |target: &str| {
        let p = warroom::playbook::load::parse("db.yaml", &text(target)).expect("the playbook loads");
        p.steps[0].get().action.clone().expect("a binding")
    };
    use warroom::actions::WorkloadKind;
    for (target, kind) in [
        ("{namespace: data, statefulSet: db}", WorkloadKind::StatefulSet),
        ("{namespace: data, daemonSet: db}", WorkloadKind::DaemonSet),
        ("{namespace: data, deployment: db}", WorkloadKind::Deployment),
    ] {
        assert_eq!(
            binding(target).resolve(&Selection::default()),
            Ok(Action::RolloutRestart {
                namespace: "data".into(),
                workload: Workload::new(kind, "db"),
            }),
            "{target}"
        );
    }
    let two = binding("{namespace: data, deployment: db, daemonSet: db}").resolve(&Selection::default());
    assert!(
        two.as_ref().is_err_and(|e| e.contains("more than one workload")),
        "{two:?}"
    );
    let unknown = warroom::playbook::load::parse("db.yaml", &text("{namespace: data, cronJob: db}"))
        .expect_err("an unknown target field");
    assert!(unknown.to_string().contains("db.yaml:7:"), "{unknown}");
}
