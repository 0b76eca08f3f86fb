//! `warroom watch` against `warroom sim` running the bad deploy, each a process of its own, the
//! watch through the kubeconfig the sim writes (Prometheus found in the cluster, reached through the API server): it opens the
//! incident by itself with the rollout named as the likely cause and the rollback suggested;
//! when the service recovers and the same fault comes back, the open incident is extended and
//! no second one is opened; the first notice goes to the internal channel and not the external
//! one; SIGTERM stops it cleanly.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;

use crate::support::line_with;
use warroom::incident::journal;
use warroom::incident::model::Event;
use warroom_testkit::drill::{Served, Setup};

/// `warroom watch` on the cluster of `kubeconfig`, polling every half second, with its journals
/// and config in `data`; its stdout, line by line.
fn watch(data: &Path, kubeconfig: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = crate::support::warroom(data)
        .args(["watch", "--interval", "500ms", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warroom watch");
    let lines = crate::support::lines_of(&mut child);
    (child, lines)
}

/// SIGTERM: the watch says it stopped and exits cleanly.
fn stop(child: &mut Child, lines: &mpsc::Receiver<String>, seen: &mut Vec<String>) {
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    line_with(lines, seen, "stopped", 60);
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
}

#[test]
fn watch_opens_the_bad_deploy_incident_itself_and_extends_it_when_the_fault_returns() {
    let drill = crate::support::SimProcess::start(None, &["--speed", "30"]);
    let data = tempfile::tempdir().expect("tempdir");
    let (internal, external) = (data.path().join("internal.log"), data.path().join("status-page.log"));
    std::fs::write(
        data.path().join("config.toml"),
        format!(
            "[[channels]]\nname = \"incident-channel\"\nkind = \"file\"\npath = \"{}\"\n\n\
             [[channels]]\nname = \"status-page\"\nkind = \"file\"\nexternal = true\npath = \"{}\"\n",
            internal.display(),
            external.display()
        ),
    )
    .expect("config");
    let (mut child, lines) = watch(data.path(), &drill.kubeconfig);
    let mut seen = Vec::new();
    line_with(&lines, &mut seen, "Prometheus found: monitoring/prometheus-k8s:web", 60);
    // The rollout to 2.0.0 goes out two drill minutes in; the crashlooping pods and the error
    // ratio leave their bands and stay out for the hold (three drill minutes).
    let opened = line_with(&lines, &mut seen, "opened INC-", 240);
    assert!(
        opened.contains("on shop/checkout after the rollout of registry.example.com/shop/checkout:2.0.0"),
        "{opened}"
    );

    line_with(&lines, &mut seen, "first notice sent to incident-channel", 60);
    let notice = std::fs::read_to_string(&internal).expect("the internal channel's file");
    assert!(notice.contains("detected by warroom: "), "{notice}");
    assert!(
        notice.contains("Suggested: roll back shop/checkout to revision 2"),
        "{notice}"
    );
    assert!(!external.exists(), "nothing goes to the public page by itself");

    let incidents = data.path().join("incidents");
    let files = || -> Vec<std::path::PathBuf> {
        let mut f: Vec<_> = std::fs::read_dir(&incidents)
            .expect("incidents")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        f.sort();
        f
    };
    let first = files();
    assert_eq!(first.len(), 1, "{first:?}");
    let entries = journal::read(&first[0]).expect("journal").entries;
    let Event::IncidentOpened(declared) = &entries[0].event else {
        panic!("{:?}", entries[0])
    };
    assert_eq!(declared.services, ["shop/checkout"]);
    assert_eq!(entries[0].actor.name, "warroom detector");
    assert!(
        entries
            .iter()
            .any(|e| matches!(&e.event, Event::StatusUpdatePublished { channel, .. } if channel == "incident-channel")),
        "the notice is journaled: {entries:#?}"
    );
    // The detection follows the opening (the flight recorder's seals may come in between).
    let Some(detected) = entries.iter().find(|e| matches!(e.event, Event::Detected(_))) else {
        panic!("{entries:#?}")
    };
    let Event::Detected(d) = &detected.event else {
        unreachable!()
    };
    assert!(detected.pinned);
    assert_eq!(d.scope, "shop/checkout");
    assert!(
        d.causes[0]
            .why
            .starts_with("the rollout to registry.example.com/shop/checkout:2.0.0 (revision 3) began"),
        "{:?}",
        d.causes
    );
    let rollback = &d.mitigations[0];
    assert_eq!(rollback.playbook.as_deref(), Some("bad-deploy"));
    assert_eq!(rollback.action.as_deref(), Some("rollout_undo"));
    assert_eq!(rollback.target.as_deref(), Some("deployment/checkout -n shop"));
    assert_eq!(rollback.parameters, serde_json::json!({ "revision": 2 }));
    assert!(
        rollback
            .text
            .starts_with("roll back shop/checkout to revision 2, image registry.example.com/shop/checkout:1.9.3;"),
        "{}",
        rollback.text
    );

    // The team rolls back; the service settles and stays calm for the calm spell.
    drill.ok(&["rollout", "undo", "deployment/checkout", "-n", "shop"]);
    line_with(&lines, &mut seen, "shop/checkout is back within its baseline", 300);
    // Someone rolls the bad revision out again: the open incident takes it.
    drill.ok(&[
        "rollout",
        "undo",
        "deployment/checkout",
        "-n",
        "shop",
        "--to-revision=3",
    ]);
    let again = line_with(&lines, &mut seen, "added to ", 240);
    assert!(again.contains(declared.id.as_str()), "{again}");
    // No second incident about checkout. Another scope may deviate on its own under a loaded
    // machine's scrapes, and is filed as its own (named here when it is).
    for other in files().iter().filter(|f| !first.contains(f)) {
        let opened = journal::read(other).expect("journal").entries;
        let Event::IncidentOpened(d) = &opened[0].event else {
            panic!("{other:?}: {:?}", opened[0])
        };
        eprintln!("also opened: {} about {:?}: {}", d.id, d.services, d.title);
        assert!(!d.services.contains(&"shop/checkout".to_string()), "{seen:#?}\n{d:?}");
    }
    let entries = journal::read(&first[0]).expect("journal").entries;
    assert!(entries.iter().filter(|e| matches!(e.event, Event::Detected(_))).count() >= 2);
    assert!(journal::read(&first[0]).expect("journal").is_intact());

    stop(&mut child, &lines, &mut seen);
    // The watch kept the flight recorder: the incident's recording verifies against its seals.
    let verified = crate::support::warroom(data.path())
        .args(["journal", "verify", declared.id.as_str()])
        .output()
        .expect("warroom journal verify");
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{said}");
    assert!(said.contains("seal(s) verified against"), "{said}");
}

#[test]
fn watch_says_it_is_blind_when_the_cluster_and_prometheus_go_away_and_keeps_running() {
    let drill = Served::start(None, Setup::default());
    let data = tempfile::tempdir().expect("tempdir");
    let (mut child, lines) = watch(data.path(), &drill.kubeconfig);
    let mut seen = Vec::new();
    line_with(&lines, &mut seen, "Prometheus answers: detecting", 60);
    // Prometheus is reached through the API server: with the drill gone, both are.
    drop(drill);
    line_with(&lines, &mut seen, "blind: Prometheus does not answer", 120);
    line_with(
        &lines,
        &mut seen,
        "blind to the cluster: the API server does not answer",
        120,
    );
    assert!(child.try_wait().expect("wait").is_none(), "it keeps running: {seen:?}");
    stop(&mut child, &lines, &mut seen);
}

#[test]
fn watch_refuses_bad_settings_before_it_connects() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = crate::support::warroom(data.path())
        .args(["watch", "--sensitivity=-1", "--kubeconfig", "/nonexistent"])
        .output()
        .expect("warroom watch");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--sensitivity must be a positive number, not -1"), "{err}");
    let out = crate::support::warroom(data.path())
        .args(["watch", "--hold", "soon"])
        .output()
        .expect("warroom watch");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'soon'") && err.contains("--hold"), "{err}");
}

/// With the team's journal set, `warroom watch` files in PostgreSQL: the incident it opens,
/// its detection and its first notice are in the database, and another machine reads them.
#[test]
fn watch_files_its_incident_in_the_teams_postgres() {
    let pg = warroom_testkit::Postgres::start();
    let drill = crate::support::SimProcess::start(None, &["--speed", "30"]);
    let data = tempfile::tempdir().expect("tempdir");
    let internal = data.path().join("internal.log");
    std::fs::write(
        data.path().join("config.toml"),
        format!(
            "[[channels]]\nname = \"incident-channel\"\nkind = \"file\"\npath = \"{}\"\n",
            internal.display()
        ),
    )
    .expect("config");
    let mut child = crate::support::warroom(data.path())
        .args(["watch", "--interval", "500ms", "--journal", &pg.url(), "--kubeconfig"])
        .arg(&drill.kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warroom watch");
    let lines = crate::support::lines_of(&mut child);
    let mut seen = Vec::new();
    let started = line_with(&lines, &mut seen, "watching ", 60);
    assert!(
        started.contains("journals in postgres://warroom@127.0.0.1"),
        "{started}"
    );
    let opened = line_with(&lines, &mut seen, "opened INC-", 240);
    let id = opened.split_whitespace().nth(1).expect("the incident's id").to_string();
    line_with(&lines, &mut seen, "first notice sent to incident-channel", 60);
    let kinds = pg.psql(&format!(
        "SELECT line::json->>'kind' FROM entries WHERE incident = '{id}' ORDER BY seq"
    ));
    for kind in ["incident_opened", "detected", "status_update_published"] {
        assert!(kinds.lines().any(|k| k == kind), "{kind} not in the database: {kinds}");
    }
    stop(&mut child, &lines, &mut seen);
    // Another machine reads it from the database, whole.
    let other = tempfile::tempdir().expect("tempdir");
    let out = crate::support::warroom(other.path())
        .args(["journal", "verify", &id, "--journal", &pg.url()])
        .output()
        .expect("verify");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("every hash and link verified"), "{said}");
}
