//! Publishing status updates through the binary to a webhook receiver on 127.0.0.1 started by
//! the test: the Slack-compatible and generic bodies, the HMAC header (recomputed here), a 500
//! retried, a timeout reported, a 404 not retried, an internal template refused on an external
//! channel, and the journal recording every attempt with the exact text. Secrets never appear
//! in the output or the log.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{KeyInit, Mac};
use warroom::incident::journal;
use warroom::incident::model::Event;
use warroom::incident::state::Incident;

#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Default)]
struct Receiver {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer with, in order; 200 once they run out.
    script: Mutex<VecDeque<u16>>,
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.received.lock().expect("lock").push(Received { headers, body });
    let code = r.script.lock().expect("lock").pop_front().unwrap_or(200);
    StatusCode::from_u16(code).expect("status")
}

async fn slow(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.received.lock().expect("lock").push(Received { headers, body });
    tokio::time::sleep(Duration::from_secs(30)).await;
    StatusCode::OK
}

/// A server that answers 500 with the URL it was called at, as some webhook servers do.
async fn echo(uri: axum::http::Uri) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("no route for {uri}"))
}

/// A receiver on loopback; stopped when the returned runtime is dropped.
struct Server {
    _runtime: tokio::runtime::Runtime,
    base: String,
    closed: std::net::SocketAddr,
    state: Arc<Receiver>,
}

impl Server {
    fn start(script: &[u16]) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let state = Arc::new(Receiver::default());
        state.script.lock().expect("lock").extend(script.iter().copied());
        let app = axum::Router::new()
            .route("/hook", post(hook))
            .route("/slow", post(slow))
            .route("/echo", post(echo))
            .with_state(state.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        // A loopback port nobody listens on (bound, then closed).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            _runtime: runtime,
            base,
            closed,
            state,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }
}

struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    server: Server,
    id: String,
}

const HMAC_KEY: &str = "s3cret-signing-key";
const TITLE: &str = "Checkout <!channel> errors & timeouts";

impl Setup {
    fn new(script: &[u16]) -> Setup {
        let server = Server::start(script);
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("hmac.key"), format!("{HMAC_KEY}\n")).expect("key");
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[[channels]]\nname = \"ops-slack\"\nkind = \"slack\"\nurl_env = \"TEST_SLACK_URL\"\n\
                 retries = 2\nbackoff = \"50ms\"\n\n\
                 [[channels]]\nname = \"statuspage\"\nkind = \"webhook\"\nexternal = true\n\
                 url_env = \"TEST_HOOK_URL\"\nhmac_key_file = \"{}\"\nsignature_header = \"X-Hub-Signature-256\"\n\n\
                 [[channels]]\nname = \"slow\"\nkind = \"webhook\"\nurl_env = \"TEST_SLOW_URL\"\n\
                 timeout = \"300ms\"\nretries = 1\nbackoff = \"50ms\"\n\n\
                 [[channels]]\nname = \"refused\"\nkind = \"slack\"\nurl_env = \"TEST_REFUSED_URL\"\n\
                 retries = 1\nbackoff = \"50ms\"\n\n\
                 [[channels]]\nname = \"echo\"\nkind = \"slack\"\nurl_env = \"TEST_ECHO_URL\"\n\
                 retries = 0\n",
                dir.path().join("hmac.key").display()
            ),
        )
        .expect("config");
        let mut s = Setup {
            dir,
            config,
            server,
            id: String::new(),
        };
        let out = s.warroom(&[
            "incident",
            "new",
            "--title",
            TITLE,
            "--sev",
            "1",
            "--impact",
            "1 in 5 checkouts fail",
            "--component",
            "checkout",
            "--commander",
            "alice",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        s.id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        s
    }

    fn data(&self) -> &Path {
        self.dir.path()
    }

    fn warroom(&self, args: &[&str]) -> Output {
        self.warroom_with(args, &[])
    }

    fn warroom_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        crate::support::warroom(self.data())
            .args(args)
            .envs(env.iter().copied())
            .env("WARROOM_CONFIG", &self.config)
            .env("WARROOM_ACTOR", "comms-test")
            .env(
                "TEST_SLACK_URL",
                format!("{}/hook?token=slack-secret-token", self.server.base),
            )
            .env(
                "TEST_HOOK_URL",
                format!("{}/hook?token=hook-secret-token", self.server.base),
            )
            .env(
                "TEST_SLOW_URL",
                format!("{}/slow?token=slow-secret-token", self.server.base),
            )
            .env(
                "TEST_ECHO_URL",
                format!(
                    "{}/echo?token=echo-secret-token&sig=echo-secret-token",
                    self.server.base
                ),
            )
            .env(
                "TEST_REFUSED_URL",
                format!("http://{}/hook?token=refused-secret-token", self.server.closed),
            )
            .env_remove("WARROOM_TEMPLATES")
            .output()
            .expect("run warroom")
    }

    fn publish(&self, template: &str, channel: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "status",
            "publish",
            &self.id,
            "--template",
            template,
            "--channel",
            channel,
        ];
        args.extend_from_slice(extra);
        self.warroom(&args)
    }

    fn events(&self) -> Vec<Event> {
        let path = self.data().join("incidents").join(format!("{}.jsonl", self.id));
        let record = journal::read(&path).expect("journal");
        assert!(record.is_intact(), "{:?}", record.problems);
        record.entries.into_iter().map(|e| e.event).collect()
    }

    fn incident(&self) -> Incident {
        let path = self.data().join("incidents").join(format!("{}.jsonl", self.id));
        Incident::from_entries(&journal::read(&path).expect("journal").entries).expect("incident")
    }

    /// Nothing the program printed or logged holds a secret.
    fn assert_no_secrets(&self, out: &Output) {
        let mut shown = String::from_utf8_lossy(&out.stdout).to_string();
        shown.push_str(&String::from_utf8_lossy(&out.stderr));
        for entry in walk(&self.data().join("state")) {
            shown.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
        }
        shown.push_str(&self.events().iter().map(|e| format!("{e:?}")).collect::<String>());
        for secret in ["secret-token", HMAC_KEY] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(read) = std::fs::read_dir(dir) {
        for e in read.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("JSON body")
}

#[test]
fn slack_body_is_text_only_and_escapes_mentions() {
    let s = Setup::new(&[]);
    let out = s.publish("internal-update", "ops-slack", &["--var", "needs=a database expert"]);
    assert!(out.status.success(), "{}", stderr(&out));
    s.assert_no_secrets(&out);
    let got = s.server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].headers["content-type"], "application/json");
    let body = json(&got[0].body);
    let fields: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(fields, ["text"]);
    let sent = body["text"].as_str().expect("text");
    assert!(
        sent.contains("Checkout &lt;!channel&gt; errors &amp; timeouts"),
        "{sent}"
    );
    assert!(sent.contains("Needs: a database expert"), "{sent}");
    assert!(sent.starts_with("[SEV1] "), "{sent}");
    // The journal keeps the exact text as written, the draft it came from, and marks it published.
    let events = s.events();
    let published: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::StatusUpdatePublished { .. }))
        .collect();
    assert_eq!(published.len(), 1);
    let Event::StatusUpdatePublished {
        channel,
        external,
        text,
    } = published[0]
    else {
        unreachable!()
    };
    assert_eq!((channel.as_str(), *external), ("ops-slack", false));
    assert!(text.contains(TITLE), "{text}");
    assert_eq!(warroom::comms::publish::slack_escape(text), sent);
    let incident = s.incident();
    assert!(incident.latest_unpublished_draft().is_none());
    assert_eq!(incident.status_updates[0].audience.as_deref(), Some("internal"));
}

#[test]
fn generic_webhook_body_and_hmac_signature_verify() {
    let s = Setup::new(&[]);
    let out = s.publish("public-status", "statuspage", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    s.assert_no_secrets(&out);
    let got = s.server.received();
    assert_eq!(got.len(), 1);
    let body = json(&got[0].body);
    for key in [
        "incident", "channel", "template", "audience", "external", "draft_id", "sent_at", "text",
    ] {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    assert_eq!(body["incident"], s.id.as_str());
    assert_eq!(body["channel"], "statuspage");
    assert_eq!(body["template"], "public-status");
    assert_eq!(body["audience"], "public");
    assert_eq!(body["external"], true);
    let text = body["text"].as_str().expect("text");
    assert!(text.starts_with("Investigating - Problems with checkout\n"), "{text}");
    // The status page hears nothing internal: not the title, the commander or golden signals.
    assert!(
        !text.contains("<!channel>") && !text.contains("alice") && !text.contains("p99"),
        "{text}"
    );

    let header = got[0].headers["x-hub-signature-256"].to_str().expect("ascii");
    let hex = header.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(HMAC_KEY.as_bytes()).expect("key");
    mac.update(&got[0].body);
    mac.verify_slice(&hex::decode(hex).expect("hex"))
        .expect("the signature verifies");
    // ... and would not verify with another key.
    let mut other = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"another key").expect("key");
    other.update(&got[0].body);
    assert!(other.verify_slice(&hex::decode(hex).expect("hex")).is_err());
}

#[test]
fn a_500_is_retried_and_every_attempt_is_in_the_journal() {
    let s = Setup::new(&[500]);
    let out = s.publish("internal-update", "ops-slack", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = s.server.received();
    assert_eq!(got.len(), 2, "one failure, one retry");
    assert_eq!(got[0].body, got[1].body, "the retry sends the same update");
    let events = s.events();
    let attempts: Vec<&Event> = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::StatusUpdateFailed { .. }
                    | Event::StatusUpdatePublished { .. }
                    | Event::StatusDraftPublished { .. }
            )
        })
        .collect();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    let Event::StatusUpdateFailed {
        channel,
        attempt,
        error,
        text,
        ..
    } = attempts[0]
    else {
        panic!("first attempt should have failed: {:?}", attempts[0])
    };
    assert_eq!((channel.as_str(), *attempt), ("ops-slack", 1));
    assert!(error.contains("500"), "{error}");
    assert!(text.contains(TITLE));
    assert!(matches!(attempts[1], Event::StatusUpdatePublished { text: t, .. } if t == text));
    assert!(matches!(attempts[2], Event::StatusDraftPublished { audience, .. } if audience == "internal"));
}

#[test]
fn a_server_that_echoes_its_secret_url_does_not_put_it_in_the_journal_or_the_log() {
    let s = Setup::new(&[]);
    let out = s.publish("internal-update", "echo", &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("HTTP 500"), "{}", stderr(&out));
    let failed = s
        .events()
        .into_iter()
        .find_map(|e| match e {
            Event::StatusUpdateFailed { error, .. } => Some(error),
            _ => None,
        })
        .expect("the attempt is journaled");
    assert!(failed.contains("token=REDACTED"), "{failed}");
    s.assert_no_secrets(&out);
}

#[test]
fn a_404_is_not_retried_and_the_draft_is_kept() {
    let s = Setup::new(&[404]);
    let out = s.publish("internal-update", "ops-slack", &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("HTTP 404"), "{}", stderr(&out));
    assert_eq!(s.server.received().len(), 1);
    assert!(s.incident().latest_unpublished_draft().is_some());
}

#[test]
fn a_timeout_is_reported_recorded_and_the_draft_can_be_sent_later() {
    let s = Setup::new(&[]);
    let out = s.publish("internal-update", "slow", &["--var", "needs=more hands"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("publishing to slow failed after 2 attempt(s): timed out"),
        "{err}"
    );
    assert!(err.contains("the draft is kept"), "{err}");
    s.assert_no_secrets(&out);
    assert_eq!(s.server.received().len(), 2);
    let events = s.events();
    let failures: Vec<(u32, &String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::StatusUpdateFailed { attempt, error, .. } => Some((*attempt, error)),
            _ => None,
        })
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|(_, e)| e.starts_with("timed out")), "{failures:?}");
    assert_eq!(failures.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2]);
    assert!(!events.iter().any(|e| matches!(e, Event::StatusUpdatePublished { .. })));

    // The failed draft is what a console would offer again; publishing it elsewhere works.
    let draft = s.incident().latest_unpublished_draft().cloned().expect("kept");
    assert!(draft.text.contains("Needs: more hands"), "{}", draft.text);
    let out = s.warroom(&[
        "status",
        "publish",
        &s.id,
        "--draft",
        "latest",
        "--channel",
        "ops-slack",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = s.server.received();
    assert_eq!(
        json(&sent[2].body)["text"].as_str().map(str::to_string),
        Some(warroom::comms::publish::slack_escape(&draft.text))
    );
    assert!(s.incident().latest_unpublished_draft().is_none());
}

#[test]
fn an_internal_template_is_refused_on_an_external_channel() {
    let s = Setup::new(&[]);
    let out = s.publish("internal-update", "statuspage", &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("template internal-update is internal and channel statuspage is external"),
        "{}",
        stderr(&out)
    );
    assert!(s.server.received().is_empty());
    assert!(
        !s.events()
            .iter()
            .any(|e| matches!(e, Event::StatusUpdatePublished { .. }))
    );
}

#[test]
fn a_refused_connection_is_retried_then_reported() {
    let s = Setup::new(&[]);
    let out = s.publish("internal-update", "refused", &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("publishing to refused failed after 2 attempt(s): cannot connect"),
        "{err}"
    );
    s.assert_no_secrets(&out);
    let failures = s
        .events()
        .iter()
        .filter(|e| matches!(e, Event::StatusUpdateFailed { error, .. } if error.starts_with("cannot connect")))
        .count();
    assert_eq!(failures, 2);
}

#[test]
fn plain_http_works_on_a_machine_without_ca_certificates() {
    // The system's CA store is empty (an empty SSL_CERT_FILE, no SSL_CERT_DIR): HTTPS could
    // verify nothing, but a plain-HTTP webhook is still delivered.
    let s = Setup::new(&[]);
    let empty = s.data().join("no-certificates.pem");
    std::fs::write(&empty, "").expect("write");
    let out = s.warroom_with(
        &[
            "status",
            "publish",
            &s.id,
            "--template",
            "internal-update",
            "--channel",
            "ops-slack",
        ],
        &[
            ("SSL_CERT_FILE", &empty),
            ("SSL_CERT_DIR", &s.data().join("no-such-dir")),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.server.received().len(), 1);
}
