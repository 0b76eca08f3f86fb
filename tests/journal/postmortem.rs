//! Golden test of the postmortem: the fixture journal `tests/fixtures/journal/` (a SEV1 bad
//! deploy, every kind of event) rendered by the real `warroom postmortem` must equal
//! `tests/fixtures/postmortem/INC-20261124-001.md` byte for byte. The fixture journal is itself
//! checked against the line encoder, so a change to the line format shows up here too.
//!
//! After an intended change, regenerate both with `UPDATE_GOLDEN=1 cargo test --test journal
//! postmortem` and review the diff.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::json;
use warroom::incident::line::{self, GENESIS};
use warroom::incident::model::{
    ActionRecord, Actor, ClusterChangeKind, Declared, Draft, Event, HowItWent, Milestone, Origin, Role, Severity,
    Status, StepState,
};

const ID: &str = "INC-20261124-001";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

fn person(name: &str) -> Actor {
    Actor {
        name: name.into(),
        k8s: Some(format!("{name}@example.com")),
    }
}

fn bot() -> Actor {
    Actor::named("warroom-automation")
}

fn action(id: &str, what: &str, parameters: serde_json::Value) -> ActionRecord {
    ActionRecord {
        action_id: id.into(),
        action: what.into(),
        target: "deployment/checkout -n shop".into(),
        parameters,
        response: serde_json::Value::Null,
        error: None,
        identity: None,
    }
}

/// The fixture incident, event by event, at fixed times.
fn story() -> Vec<(&'static str, Draft)> {
    use Origin::{Automation, Cluster, Human, Prometheus};
    let at = |s: &str| s.parse::<Timestamp>().expect("time");
    let d = |actor: Actor, source: Origin, event: Event| Draft::new(actor, source, event);
    vec![
        (
            "21:31:10.000",
            d(
                person("alice"),
                Human,
                Event::IncidentOpened(Declared {
                    id: ID.parse().expect("id"),
                    title: "Checkout returns 500s after the v42 rollout".into(),
                    severity: Severity::Sev2,
                    status: Status::Investigating,
                    impact: "Customers cannot complete checkout".into(),
                    services: vec!["checkout".into()],
                    components: vec![],
                    drill: false,
                    played: None,
                }),
            ),
        ),
        (
            "21:31:12.500",
            d(
                Actor::named("prometheus"),
                Prometheus,
                Event::AlertFiring {
                    alert: "CheckoutHighErrorRate".into(),
                    labels: [("namespace", "shop"), ("severity", "page")]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    summary: "5xx ratio 12% over 5m".into(),
                    starts_at: Some(at("2026-11-24T21:30:00Z")),
                },
            ),
        ),
        (
            "21:31:20.000",
            d(
                person("alice"),
                Human,
                Event::RoleChanged {
                    role: Role::Commander,
                    from: None,
                    to: Some("alice".into()),
                },
            ),
        ),
        (
            "21:32:05.120",
            d(
                bot(),
                Cluster,
                Event::ClusterChange {
                    change: ClusterChangeKind::Rollout,
                    object: "deployment/checkout -n shop".into(),
                    summary: "v41 → v42, 3/6 replicas updated".into(),
                    details: json!({"revision": 42, "updated": 3, "replicas": 6}),
                },
            ),
        ),
        (
            "21:33:40.000",
            d(
                bot(),
                Cluster,
                Event::ClusterChange {
                    change: ClusterChangeKind::Crashloop,
                    object: "pod/checkout-7d9f8c6b5-x2k4q -n shop".into(),
                    summary: "CrashLoopBackOff: exit code 1, 4 restarts".into(),
                    details: serde_json::Value::Null,
                },
            ),
        ),
        (
            "21:34:00.000",
            d(
                person("bob"),
                Human,
                Event::RoleChanged {
                    role: Role::OpsLead,
                    from: None,
                    to: Some("bob".into()),
                },
            ),
        ),
        (
            "21:35:12.000",
            d(
                person("alice"),
                Human,
                Event::SeverityChanged {
                    from: Severity::Sev2,
                    to: Severity::Sev1,
                    reason: Some("checkout failing in all regions".into()),
                },
            ),
        ),
        (
            "21:36:30.000",
            d(
                person("alice"),
                Human,
                Event::Decision {
                    text: "Roll back checkout to v41".into(),
                },
            )
            .pinned(true),
        ),
        (
            "21:36:45.300",
            d(
                person("bob"),
                Human,
                Event::ActionRequested(action("act-1", "rollout_undo", json!({"toRevision": 41}))),
            ),
        ),
        (
            "21:36:46.010",
            d(
                bot(),
                Automation,
                Event::ActionDryRun(ActionRecord {
                    response: json!({"kind": "Deployment", "dryRun": ["All"]}),
                    ..action("act-1", "rollout_undo", json!({"toRevision": 41}))
                }),
            ),
        ),
        (
            "21:36:52.700",
            d(
                bot(),
                Automation,
                Event::ActionSucceeded(ActionRecord {
                    response: json!({"kind": "Deployment", "metadata": {"generation": 88}}),
                    ..action("act-1", "rollout_undo", json!({"toRevision": 41}))
                }),
            ),
        ),
        (
            "21:37:30.000",
            d(
                person("bob"),
                Human,
                Event::ActionRequested(action("act-2", "scale", json!({"replicas": 12}))),
            ),
        ),
        (
            "21:37:31.250",
            d(
                bot(),
                Automation,
                Event::ActionFailed(ActionRecord {
                    response: json!({"kind": "Status", "code": 403, "reason": "Forbidden"}),
                    error: Some(
                        "deployments.apps \"checkout\" is forbidden: User \"bob@example.com\" \
                         cannot patch resource \"deployments/scale\" in namespace \"shop\""
                            .into(),
                    ),
                    ..action("act-2", "scale", json!({"replicas": 12}))
                }),
            ),
        ),
        (
            "21:37:55.000",
            d(
                person("carol"),
                Human,
                Event::RoleChanged {
                    role: Role::CommsLead,
                    from: None,
                    to: Some("carol".into()),
                },
            ),
        ),
        (
            "21:38:00.000",
            d(
                person("carol"),
                Human,
                Event::StatusUpdatePublished {
                    channel: "statuspage".into(),
                    external: true,
                    text: "We are investigating elevated errors at checkout.".into(),
                },
            ),
        ),
        (
            "21:38:10.000",
            d(
                person("alice"),
                Human,
                Event::StatusChanged {
                    from: Status::Investigating,
                    to: Status::Identified,
                    reason: Some("v42 reads a config key renamed in the same release".into()),
                },
            ),
        ),
        (
            "21:40:02.000",
            d(
                person("bob"),
                Human,
                Event::ChecklistStepChanged {
                    checklist: "bad-deploy".into(),
                    step: "Roll back the deployment".into(),
                    state: StepState::Done,
                    reason: None,
                },
            ),
        ),
        (
            "21:41:30.000",
            d(
                bot(),
                Cluster,
                Event::ClusterChange {
                    change: ClusterChangeKind::Rollout,
                    object: "deployment/checkout -n shop".into(),
                    summary: "rollout complete: 6/6 replicas at v41".into(),
                    details: serde_json::Value::Null,
                },
            ),
        ),
        (
            "21:42:00.000",
            d(
                person("alice"),
                Human,
                Event::StatusChanged {
                    from: Status::Identified,
                    to: Status::Monitoring,
                    reason: None,
                },
            ),
        ),
        (
            "21:42:05.000",
            d(
                Actor::named("prometheus"),
                Prometheus,
                Event::AlertResolved {
                    alert: "CheckoutHighErrorRate".into(),
                    labels: Default::default(),
                },
            ),
        ),
        (
            "21:44:00.000",
            d(
                person("alice"),
                Human,
                Event::Note {
                    text: "Error rate back to baseline for 2 minutes.\nKeeping v42 blocked.".into(),
                },
            )
            .pinned(true),
        ),
        (
            "21:50:00.000",
            d(
                person("carol"),
                Human,
                Event::StatusUpdatePublished {
                    channel: "#inc-checkout".into(),
                    external: false,
                    text: "Mitigated by rolling back to v41; monitoring.".into(),
                },
            ),
        ),
        (
            "22:05:00.000",
            d(
                person("alice"),
                Human,
                Event::RoleChanged {
                    role: Role::Commander,
                    from: Some("alice".into()),
                    to: Some("dave".into()),
                },
            ),
        ),
        (
            "22:15:00.000",
            d(
                person("dave"),
                Human,
                Event::StatusChanged {
                    from: Status::Monitoring,
                    to: Status::Resolved,
                    reason: Some("stable for 30 minutes".into()),
                },
            ),
        ),
        (
            "22:20:00.000",
            d(
                person("dave"),
                Human,
                Event::ImpactUpdated {
                    impact: "About 12% of checkout requests failed for 12 minutes; \
                             ~3,400 orders affected."
                        .into(),
                    services: vec!["checkout".into(), "payments-api".into()],
                    components: vec!["deployment/checkout -n shop".into()],
                },
            ),
        ),
        (
            "22:20:30.000",
            d(
                person("dave"),
                Human,
                Event::MilestoneSet {
                    milestone: Milestone::Started,
                    at: at("2026-11-24T21:29:40Z"),
                },
            ),
        ),
        (
            "22:21:00.000",
            d(
                person("dave"),
                Human,
                Event::ContributingFactor {
                    text: "v42 reads a config key that the same release renamed".into(),
                },
            ),
        ),
        (
            "22:21:30.000",
            d(
                person("dave"),
                Human,
                Event::ContributingFactor {
                    text: "checkout has no canary stage | all pods updated at once".into(),
                },
            ),
        ),
        (
            "22:22:00.000",
            d(
                person("dave"),
                Human,
                Event::Retrospective {
                    went: HowItWent::Well,
                    text: "The rollback took 7 seconds from the decision".into(),
                },
            ),
        ),
        (
            "22:22:30.000",
            d(
                person("dave"),
                Human,
                Event::Retrospective {
                    went: HowItWent::Badly,
                    text: "The ops lead could not scale up: RBAC forbade it".into(),
                },
            ),
        ),
        (
            "22:23:00.000",
            d(
                person("dave"),
                Human,
                Event::ActionItem {
                    title: "Add a canary stage to the checkout pipeline".into(),
                    owner: Some("bob".into()),
                    due: Some("2026-12-08".parse().expect("date")),
                    ticket: Some("OPS-1423".into()),
                    priority: None,
                },
            ),
        ),
        (
            "22:23:30.000",
            d(
                person("dave"),
                Human,
                Event::ActionItem {
                    title: "Let ops leads scale deployments in shop".into(),
                    owner: None,
                    due: None,
                    ticket: None,
                    priority: None,
                },
            ),
        ),
    ]
}

/// The fixture journal's bytes, as the encoder writes them.
fn encoded_journal() -> String {
    let mut out = String::new();
    let mut prev = GENESIS.to_string();
    for (seq, (time, draft)) in story().into_iter().enumerate() {
        let t: Timestamp = format!("2026-11-24T{time}Z").parse().expect("time");
        let (text, entry) = line::encode(seq as u64 + 1, t, &draft, &prev).expect("encode");
        out.push_str(&text);
        prev = entry.hash;
    }
    out
}

pub fn compare_or_update(path: &Path, actual: &str) {
    if updating() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("fixture dir");
        std::fs::write(path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; create it with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from what is generated now, first at line {}:\n  expected: {:?}\n  \
             actual:   {:?}\n(after an intended change: UPDATE_GOLDEN=1 and review the diff)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn the_fixture_journal_is_what_the_encoder_writes() {
    compare_or_update(
        &fixtures().join("journal").join(format!("{ID}.jsonl")),
        &encoded_journal(),
    );
}

#[test]
fn the_postmortem_matches_the_golden_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let incidents = dir.path().join("incidents");
    std::fs::create_dir_all(&incidents).expect("incidents dir");
    let fixture = fixtures().join("journal").join(format!("{ID}.jsonl"));
    let journal = if updating() {
        encoded_journal()
    } else {
        std::fs::read_to_string(&fixture).expect("fixture journal")
    };
    std::fs::write(incidents.join(format!("{ID}.jsonl")), journal).expect("copy fixture");
    let out_file = dir.path().join("postmortem.md");
    let run = |args: &[&str]| {
        crate::support::warroom(dir.path())
            .args(args)
            .output()
            .expect("run warroom")
    };
    let verify = run(&["journal", "verify", ID]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let out = run(&["postmortem", ID, "-o", out_file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let markdown = std::fs::read_to_string(&out_file).expect("postmortem written");
    // The same document on stdout.
    let stdout = run(&["postmortem", ID]);
    assert_eq!(String::from_utf8_lossy(&stdout.stdout), markdown);
    compare_or_update(&fixtures().join("postmortem").join(format!("{ID}.md")), &markdown);
}

/// The postmortem of the shipped recorded incident reads What Changed from the flight recording
/// beside its journal: the bad rollout and the rollback, with the images before and after.
#[test]
fn what_changed_comes_from_the_flight_recording_beside_the_journal() {
    let dir = tempfile::tempdir().expect("tmp");
    let incidents = dir.path().join("incidents");
    std::fs::create_dir_all(&incidents).expect("incidents");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("drills/recordings");
    let journal = std::fs::read_to_string(shipped.join("bad-deploy.jsonl")).expect("shipped journal");
    let id: String = serde_json::from_str::<serde_json::Value>(journal.lines().next().expect("first line"))
        .expect("JSON")["payload"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    std::fs::write(incidents.join(format!("{id}.jsonl")), &journal).expect("journal");
    let md = |with_recording: bool| {
        let recording = incidents.join(format!("{id}.recording"));
        if with_recording {
            std::fs::copy(shipped.join("bad-deploy.recording"), &recording).expect("recording");
        } else {
            let _ = std::fs::remove_file(&recording);
        }
        let out = crate::support::warroom(dir.path())
            .args(["postmortem", &id])
            .output()
            .expect("run warroom");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let md = String::from_utf8_lossy(&out.stdout).into_owned();
        md.split("## What Changed")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("the section")
            .to_string()
    };
    let recorded = md(true);
    assert!(
        recorded.contains("From the flight recording beside the journal"),
        "{recorded}"
    );
    let rows: Vec<&str> = recorded
        .lines()
        .filter(|l| l.contains("Deployment shop/checkout"))
        .collect();
    assert_eq!(rows.len(), 2, "{recorded}");
    assert!(
        rows[0]
            .ends_with("| image registry.example.com/shop/checkout:1.9.3 → registry.example.com/shop/checkout:2.0.0 |"),
        "{recorded}"
    );
    assert!(
        rows[1]
            .ends_with("| image registry.example.com/shop/checkout:2.0.0 → registry.example.com/shop/checkout:1.9.3 |"),
        "{recorded}"
    );
    // `record changes` lists the same.
    let out = crate::support::warroom(dir.path())
        .args(["record", "changes", &id, "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run warroom");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.contains("Deployment shop/checkout  image "))
            .count(),
        2,
        "{listed}"
    );
    // Without it, the journal is all there is.
    let journaled = md(false);
    assert!(
        journaled.contains("there is no flight recording beside it"),
        "{journaled}"
    );
}
