//! Every shipped template loads, renders against a fixture incident (golden snapshots), and the
//! public ones carry nothing internal; a template with an unknown variable is refused by
//! `warroom check` with its file, line and name; config problems in channels and cadence name
//! the key; `warroom status due` counts down and notes an overdue update once.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use jiff::Timestamp;
use warroom::comms::cadence::{self, Cadence};
use warroom::comms::template::{BUILTIN, Template, Templates};
use warroom::comms::vars::{self, GoldenSignals};
use warroom::incident::model::{
    ActionRecord, Actor, Declared, Definitions, Entry, Event, Origin, Role, Severity, Status,
};
use warroom::incident::state::Incident;

fn at(minute: i64) -> Timestamp {
    "2026-11-24T21:40:00Z".parse::<Timestamp>().expect("t") + jiff::SignedDuration::from_mins(minute)
}

fn fixture() -> Vec<Entry> {
    let events = vec![
        (
            0,
            Event::IncidentOpened(Declared {
                id: "INC-20261124-001".parse().expect("id"),
                title: "Checkout errors after the 21:30 deploy".into(),
                severity: Severity::Sev1,
                status: Status::Investigating,
                impact: "About 1 in 5 checkouts fail with an error".into(),
                services: vec!["checkout".into()],
                components: vec!["Checkout".into(), "Payments API".into()],
                drill: false,
                played: None,
            }),
        ),
        (
            1,
            Event::RoleChanged {
                role: Role::Commander,
                from: None,
                to: Some("alice".into()),
            },
        ),
        (
            6,
            Event::Decision {
                text: "Roll back checkout to the previous release".into(),
            },
        ),
        (
            9,
            Event::ActionSucceeded(ActionRecord {
                action_id: "a1".into(),
                action: "rollout_undo".into(),
                target: "deployment/checkout -n shop".into(),
                parameters: serde_json::Value::Null,
                response: serde_json::Value::Null,
                error: None,
                identity: None,
            }),
        ),
        (
            10,
            Event::StatusChanged {
                from: Status::Investigating,
                to: Status::Identified,
                reason: None,
            },
        ),
    ];
    events
        .into_iter()
        .enumerate()
        .map(|(i, (minute, event))| Entry {
            seq: i as u64 + 1,
            time: at(minute),
            drill_time: None,
            actor: Actor::named("alice"),
            source: Origin::Human,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        })
        .collect()
}

/// The variables of the fixture incident for a template of `audience`.
fn fixture_vars(audience: &str) -> vars::Vars {
    let entries = fixture();
    let incident = Incident::from_entries(&entries).expect("incident");
    let signals = GoldenSignals {
        error_rate: Some(0.2134),
        latency_p99_seconds: Some(2.5),
        traffic_rps: Some(412.0),
        saturation: Some(0.71),
        as_of: Some(at(12)),
    };
    let now = at(12);
    let next = cadence::next_after_publishing(&incident, &Cadence::default(), audience, now);
    vars::build(&incident, &entries, &Definitions::default(), &signals, next, now)
}

fn render_all() -> BTreeMap<String, String> {
    let templates = Templates::builtin().expect("shipped templates load");
    assert_eq!(templates.all.len(), BUILTIN.len());
    let mut out = BTreeMap::new();
    for t in &templates.all {
        let v = fixture_vars(&t.audience);
        let inputs: BTreeMap<String, String> = t
            .inputs
            .iter()
            .filter(|i| *i == "needs")
            .map(|i| (i.clone(), "a payments engineer".to_string()))
            .collect();
        out.insert(t.name.clone(), t.render(&v, &inputs).expect("renders"));
    }
    out
}

#[test]
fn a_template_over_its_budget_is_an_error_naming_the_file_not_a_hang() {
    let looping = Template::parse(
        "templates/loop.j2",
        "---\naudience: internal\nexternal: false\n---\n{{ title }}\n{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}\n",
    )
    .expect("it parses: only rendering shows the cost");
    let e = looping
        .render(&fixture_vars("internal"), &BTreeMap::new())
        .expect_err("over budget");
    assert_eq!((e.file.as_str(), e.line), ("templates/loop.j2", 6), "{e}");
    assert!(e.message.contains("does too much to render"), "{e}");
    let huge = Template::parse(
        "templates/huge.j2",
        "---\naudience: internal\nexternal: false\n---\n{% for i in range(5000) %}{{ title }}{% endfor %}\n",
    )
    .expect("parses");
    let e = huge
        .render(&fixture_vars("internal"), &BTreeMap::new())
        .expect_err("too big");
    assert!(e.message.contains("more than a status update may be"), "{e}");
}

#[test]
fn every_shipped_template_renders_against_the_fixture() {
    let rendered = render_all();
    assert_eq!(
        rendered.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "executive-briefing",
            "internal-update",
            "public-status",
            "resolution-notice"
        ]
    );
    for (name, text) in &rendered {
        insta::assert_snapshot!(format!("status_template_{name}"), text);
    }
    // Public messages say nothing internal.
    for name in ["public-status", "resolution-notice"] {
        let text = &rendered[name];
        for internal in [
            "alice",
            "rollout_undo",
            "21.34%",
            "Roll back",
            "SEV1",
            "deployment/",
            "21:30 deploy",
        ] {
            assert!(!text.contains(internal), "{name} leaks {internal:?}:\n{text}");
        }
    }
    let internal = &rendered["internal-update"];
    assert!(
        internal.contains("- 21:49 UTC Action succeeded: rollout undo deployment/checkout -n shop"),
        "{internal}"
    );
    assert!(internal.contains("Next update by 21:57 UTC."), "{internal}");
}

fn warroom(args: &[&str], config: &Path, data: &Path) -> Output {
    crate::support::warroom(data)
        .args(args)
        .env("WARROOM_CONFIG", config)
        .env("WARROOM_ACTOR", "comms-test")
        .output()
        .expect("run warroom")
}

#[test]
fn check_accepts_the_shipped_templates_and_names_an_unknown_variable() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("none.toml");
    let shipped: Vec<String> = BUILTIN
        .iter()
        .map(|(f, _)| format!("{}/templates/{f}", env!("CARGO_MANIFEST_DIR")))
        .collect();
    let mut args = vec!["check"];
    args.extend(shipped.iter().map(String::as_str));
    let out = warroom(&args, &config, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches(": ok (template").count(),
        4
    );

    let bad = dir.path().join("bad-update.j2");
    std::fs::write(
        &bad,
        "---\naudience: internal\nexternal: false\n---\n{{ title }}\n{% for a in actions %}\n  {{ a.text }} ({{ sevrity }})\n{% endfor %}\n",
    )
    .expect("write");
    let out = warroom(&["check", bad.to_str().expect("path")], &config, dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:7:20: template bad-update: unknown variable `sevrity`",
            bad.display()
        )),
        "{err}"
    );

    // A directory of templates with a bad one refuses to render anything.
    let out = warroom(
        &["status", "templates", "--templates", dir.path().to_str().expect("path")],
        &config,
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad-update.j2:7:"));
}

#[test]
fn config_problems_in_channels_and_cadence_name_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    for (text, line, key) in [
        (
            "[[channels]]\nname = \"ops\"\nkind = \"webhook\"\nurl_env = \"X\"\ntimeout = \"soon\"\n",
            5,
            "channels[0].timeout",
        ),
        (
            "[[channels]]\nname = \"ops\"\nkind = \"pager\"\n",
            3,
            "channels[0].kind",
        ),
        (
            "[[channels]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"X\"\nsecret = \"y\"\n",
            5,
            "channels[0].secret",
        ),
        (
            "[cadence.sev1.internal]\nfirst = \"5m\"\nevery = \"often\"\n",
            3,
            "cadence.sev1.internal.every",
        ),
    ] {
        std::fs::write(&config, text).expect("write");
        let out = warroom(&["check", config.to_str().expect("path")], &config, dir.path());
        assert!(!out.status.success(), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}:{line}:", config.display())) && err.contains(key),
            "{text} -> {err}"
        );
    }
}

#[test]
fn due_counts_down_and_an_overdue_update_is_noted_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[cadence.sev2.internal]\nfirst = \"1ms\"\nevery = \"20m\"\n").expect("write");
    let out = warroom(
        &["incident", "new", "--title", "Slow search", "--sev", "2"],
        &config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let out = warroom(&["status", "due", &id, "--note"], &config, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("internal") && text.contains("OVERDUE by"), "{text}");
    assert!(text.contains("public") && text.contains("in 4m"), "{text}");
    assert_eq!(
        text.matches("noted: Status update overdue: internal").count(),
        1,
        "{text}"
    );
    let again = warroom(&["status", "due", &id, "--note"], &config, dir.path());
    assert!(!String::from_utf8_lossy(&again.stdout).contains("noted"));
    // Noted by warroom itself, not by whoever ran the command.
    let path = dir.path().join("incidents").join(format!("{id}.jsonl"));
    let record = warroom::incident::journal::read(&path).expect("journal");
    let overdue = record
        .entries
        .iter()
        .find(|e| matches!(e.event, Event::StatusUpdateOverdue { .. }))
        .expect("the overdue entry");
    assert_eq!(
        (overdue.actor.name.as_str(), overdue.source),
        ("warroom", Origin::Automation)
    );

    let out = warroom(
        &[
            "status",
            "publish",
            &id,
            "--template",
            "internal-update",
            "--channel",
            "stdout",
        ],
        &config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("[SEV2] {id} Slow search")));
    let out = warroom(&["status", "due", &id], &config, dir.path());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let internal = text.lines().find(|l| l.contains(" internal ")).expect("internal line");
    assert!(
        internal.contains("in 19m") && internal.contains("(1 published)"),
        "{text}"
    );
}
