//! Follow-ups filed in the team's tracker: `incident follow-ups --post` sends each open one
//! without a ticket to a local HTTP server standing in for GitHub's (or Jira's) create-issue
//! API, with the token, and records the ticket each gets in its journal; a refusal is said, the
//! rest are still filed, and a second run files only what is left.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use warroom::incident::journal;
use warroom::incident::state::Incident;

#[derive(Default)]
struct Tracker {
    /// (Authorization header, body) of each create.
    received: Mutex<Vec<(String, serde_json::Value)>>,
    /// The status to answer each next create with (201 when none is left).
    script: Mutex<Vec<u16>>,
}

async fn create(
    State(t): State<Arc<Tracker>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut received = t.received.lock().expect("lock");
    received.push((auth, body));
    let n = received.len();
    let status = {
        let mut script = t.script.lock().expect("lock");
        if script.is_empty() { 201 } else { script.remove(0) }
    };
    let status = StatusCode::from_u16(status).expect("status");
    if status.is_success() {
        let url = format!("https://github.example/shop/checkout/issues/{n}");
        (status, axum::Json(serde_json::json!({"number": n, "html_url": url})))
    } else {
        (status, axum::Json(serde_json::json!({"message": "Validation Failed"})))
    }
}

fn warroom(data: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    crate::support::warroom(data)
        .args(args)
        .env("WARROOM_CONFIG", config)
        .env("WARROOM_ACTOR", "carol")
        .env("TEST_TRACKER_TOKEN", "ghp-test-token")
        .output()
        .expect("run warroom")
}

#[test]
fn open_follow_ups_are_filed_in_the_tracker_and_their_tickets_recorded() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let tracker = Arc::new(Tracker::default());
    // The second create is refused.
    tracker.script.lock().expect("lock").extend([201, 422]);
    let app = axum::Router::new()
        .route("/repos/shop/checkout/issues", post(create))
        .with_state(tracker.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let url = format!(
        "http://{}/repos/shop/checkout/issues",
        listener.local_addr().expect("addr")
    );
    runtime.spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let config = d.join("config.toml");
    let run = |args: &[&str]| warroom(d, &config, args);
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "{:?}: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // No tracker configured: said, nothing sent.
    let out = run(&["incident", "follow-ups", "--post"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("configure [tracker]"));

    std::fs::write(
        &config,
        format!("[tracker]\nkind = \"github\"\nurl = \"{url}\"\ntoken_env = \"TEST_TRACKER_TOKEN\"\n"),
    )
    .expect("config");
    let id = ok(&["incident", "new", "--title", "Checkout 500s", "--sev", "2"])
        .trim()
        .to_string();
    ok(&[
        "incident",
        "action-item",
        &id,
        "Add a canary stage",
        "--owner",
        "bob",
        "--priority",
        "high",
    ]);
    ok(&["incident", "action-item", &id, "Alert on pool exhaustion"]);
    ok(&["incident", "action-item", &id, "Already tracked", "--ticket", "OPS-1"]);

    let out = run(&["incident", "follow-ups", "--post"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "one was refused: {stdout}");
    assert!(
        stdout.contains("filed already (OPS-1)") && stdout.contains("1 filed, 1 failed."),
        "{stdout}"
    );
    assert!(
        stderr
            .contains("not filed: the tracker answered 422 Unprocessable Entity: {\"message\":\"Validation Failed\"}"),
        "{stderr}"
    );
    {
        let received = tracker.received.lock().expect("lock");
        assert_eq!(received.len(), 2, "only the two without a ticket are sent");
        assert!(received.iter().all(|(auth, _)| auth == "Bearer ghp-test-token"));
        assert_eq!(received[0].1["title"], "Add a canary stage");
        assert_eq!(received[0].1["assignees"], serde_json::json!(["bob"]));
        assert_eq!(received[1].1["title"], "Alert on pool exhaustion");
    }
    // The refused one is filed on the next run; the filed one is not sent again.
    let stdout = ok(&["incident", "follow-ups", "--post"]);
    assert!(stdout.contains("1 filed, 0 failed."), "{stdout}");
    assert_eq!(tracker.received.lock().expect("lock").len(), 3);

    let record = journal::read(&d.join("incidents").join(format!("{id}.jsonl"))).expect("journal");
    assert!(record.is_intact());
    let incident = Incident::from_entries(&record.entries).expect("incident");
    let tickets: Vec<Option<&str>> = incident.follow_ups.iter().map(|f| f.ticket.as_deref()).collect();
    assert_eq!(
        tickets,
        [
            Some("https://github.example/shop/checkout/issues/1"),
            Some("https://github.example/shop/checkout/issues/3"),
            Some("OPS-1"),
        ]
    );
    // Nothing is owed to the tracker any more.
    let stdout = ok(&["incident", "follow-ups", "--post"]);
    assert!(stdout.contains("0 filed, 0 failed."), "{stdout}");
    assert_eq!(tracker.received.lock().expect("lock").len(), 3);
}

#[test]
fn a_tracker_config_with_mistakes_names_each_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[tracker]\nkind = \"jira\"\nurl = \"jira.example/rest/api/2/issue\"\ntoken_env = \"T\"\ntoken_file = \"/t\"\n",
    )
    .expect("config");
    let out = crate::support::warroom(dir.path())
        .args(["check"])
        .arg(&config)
        .output()
        .expect("run warroom");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{said}");
    for want in [
        "config.toml:1:1: tracker.project",
        "config.toml:3:8: tracker.url",
        "config.toml:5:1: tracker.token_file",
    ] {
        assert!(said.contains(want), "{want:?} in:\n{said}");
    }
}
