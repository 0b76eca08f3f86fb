//! End-to-end status updates in the real console in tmux: in a drill with a generic webhook
//! channel pointing at a receiver on 127.0.0.1, declare an incident, watch the update go
//! overdue, fill a draft from a template, preview it, publish it; the receiver gets the text,
//! the timeline shows the publish, the header countdown resets. And a draft typed into the
//! editor survives `kill -9` of the console and is offered again on restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use warroom_testkit::Tmux;

fn warroom() -> &'static str {
    crate::support::warroom_bin()
}

type Received = Arc<Mutex<Vec<Bytes>>>;

async fn hook(State(r): State<Received>, body: Bytes) -> StatusCode {
    r.lock().expect("lock").push(body);
    StatusCode::OK
}

/// A webhook receiver on loopback; stopped when the runtime is dropped.
struct Receiver {
    _runtime: tokio::runtime::Runtime,
    url: String,
    received: Received,
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let received = Received::default();
        let app = axum::Router::new()
            .route("/hook", post(hook))
            .with_state(received.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            _runtime: runtime,
            url,
            received,
        }
    }

    fn bodies(&self) -> Vec<serde_json::Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|b| serde_json::from_slice(b).expect("a JSON body"))
            .collect()
    }
}

/// The first update is due 5 s after declaring (so it goes overdue during the test), then every
/// 20 minutes; only the internal audience is owed updates at SEV1 here.
fn write_config(home: &Path, url: &str) {
    // A loopback port nobody listens on (bound, then closed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[[channels]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{url}\"\nretries = 0\n\n\
             [[channels]]\nname = \"refused\"\nkind = \"webhook\"\nurl = \"http://{closed}/hook\"\nretries = 0\n\n\
             [[channels]]\nname = \"console-out\"\nkind = \"stdout\"\n\n\
             [cadence.sev1.internal]\nfirst = \"5s\"\nscoping = \"20m\"\nevery = \"20m\"\n\n\
             [cadence.sev1.public]\nevery = \"off\"\n\n\
             [cadence.sev1.executive]\nevery = \"off\"\n"
        ),
    )
    .expect("config");
}

fn journals(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("data").join("incidents"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default()
}

fn declare(t: &Tmux) {
    t.wait_for("the console and live data", 60, |s| {
        s.contains("DRILL") && s.contains("Status update") && s.contains("data live")
    });
    t.keys(&[":"]);
    t.type_text("declare sev1 Checkout failing");
    t.keys(&["Enter"]);
    t.wait_for("the declared incident", 20, |s| {
        s.contains("‼ SEV1") && s.contains("Checkout failing")
    });
}

#[test]
fn compose_preview_and_publish_an_update_from_the_console() {
    let receiver = Receiver::start();
    let home = tempfile::tempdir().expect("tmp");
    write_config(home.path(), &receiver.url);
    let t = Tmux::start(home.path(), &format!("{} drill --speed 30", warroom()), 200, 50);
    declare(&t);
    t.wait_for("the countdown to the first update", 10, |s| {
        s.contains("next update 0m0") && s.contains("(internal)")
    });
    // Due 5 s after declaring: it goes overdue, and the journal notes it on the timeline.
    let s = t.wait_for("the overdue update", 20, |s| {
        s.contains("UPDATE OVERDUE") && s.contains("Status update overdue: internal was due at")
    });
    assert!(s.contains("✖ UPDATE OVERDUE"), "{s}");
    // The editor: a template fills the draft.
    t.keys(&["4"]);
    t.keys(&["C-t"]);
    let s = t.wait_for("the draft from the internal template", 10, |s| {
        s.contains("internal-update (internal) → ops-hook (webhook)") && s.contains("[SEV1] INC-")
    });
    assert!(
        !s.contains("console-out"),
        "stdout is never offered in the console:\n{s}"
    );
    // Add a line of our own, then preview it as the webhook will carry it.
    t.keys(&["C-e"]);
    t.keys(&["Enter"]);
    t.type_text("Rolled back to 1.9.3 at 14:20.");
    t.keys(&["C-r"]);
    t.wait_for("the webhook preview", 10, |s| {
        s.contains("→ ops-hook (webhook) internal") && s.contains("POST application/json, unsigned")
    });
    t.keys(&["C-r"]);
    // A channel that refuses: the error is shown, the attempt is on the timeline, the draft stays.
    t.keys(&["C-o"]);
    t.wait_for("the refusing channel chosen", 10, |s| s.contains("→ refused (webhook)"));
    t.keys(&["C-s"]);
    t.keys(&["C-s"]);
    let s = t.wait_for("the failed publish", 20, |s| {
        s.contains("publishing to refused failed after 1 attempt(s)")
            && s.contains("Status update to refused failed (attempt 1)")
    });
    assert!(s.contains("Rolled back to 1.9.3 at 14:20."), "the draft is kept:\n{s}");
    t.keys(&["C-o"]);
    t.wait_for("back on ops-hook", 10, |s| s.contains("→ ops-hook (webhook)"));
    t.keys(&["C-s"]);
    t.wait_for("the confirmation", 10, |s| {
        s.contains("Publish to ops-hook? ctrl-s again sends it, esc cancels")
    });
    t.keys(&["C-s"]);
    let s = t.wait_for("the publish on the timeline", 20, |s| {
        s.contains("Status update (internal, ops-hook): [SEV1] INC-")
    });
    assert!(
        s.contains("next update 19m") || s.contains("next update 20m0"),
        "the countdown resets:\n{s}"
    );
    assert!(!s.contains("UPDATE OVERDUE"), "{s}");
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0]["text"].as_str().expect("text");
    assert!(text.starts_with("[SEV1] INC-"), "{text}");
    assert!(text.contains("Checkout failing (DRILL)"), "{text}");
    assert!(text.contains("Rolled back to 1.9.3 at 14:20."), "{text}");
    assert_eq!(bodies[0]["template"], "internal-update");
    assert_eq!(bodies[0]["channel"], "ops-hook");
    // The journal has the exact text, and the draft is marked published.
    let written = std::fs::read_to_string(&journals(home.path())[0]).expect("journal");
    assert!(written.contains("\"status_update_published\"") && written.contains("\"status_draft_published\""));
    assert!(written.contains("\"status_update_overdue\""), "{written}");
    assert!(written.contains("\"status_update_failed\""), "{written}");
    // A press after publishing does not send again (the draft left the editor).
    t.keys(&["C-s"]);
    t.keys(&["C-s"]);
    t.wait_for("the empty draft refused", 10, |s| s.contains("the draft is empty"));
    assert_eq!(receiver.bodies().len(), 1);
}

#[test]
fn a_draft_survives_kill_9_and_is_offered_again() {
    let home = tempfile::tempdir().expect("tmp");
    write_config(home.path(), "http://127.0.0.1:9/unused");
    let t = Tmux::start(home.path(), &format!("{} drill --speed 30", warroom()), 200, 50);
    declare(&t);
    t.keys(&["4"]);
    t.type_text("Checkout is failing for all users; rolling back to 1.9.3");
    t.wait_for("the draft saved", 20, |s| {
        s.contains(" saved") && s.contains("rolling back to 1.9.3")
    });
    let journal = journals(home.path()).pop().expect("a journal");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&journal)
        .expect("journal")
        .contains("Checkout is failing for all users; rolling back to 1.9.3\"")
    {
        assert!(Instant::now() < deadline, "the whole draft reaches the journal");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = t.pane_pid();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.dead() {
        assert!(Instant::now() < deadline, "the console died");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(t);
    let id = journal.file_stem().and_then(|s| s.to_str()).expect("id").to_string();
    let t = Tmux::start(
        home.path(),
        &format!("{} drill --speed 30 --incident {id}", warroom()),
        200,
        50,
    );
    let s = t.wait_for("the draft offered again", 30, |s| {
        s.contains("Checkout is failing for all users; rolling back to 1.9.3")
    });
    assert!(s.contains(&id), "{s}");
    assert!(s.contains("no template (ctrl-t picks one) → ops-hook"), "{s}");
    assert!(
        !s.contains("Status draft d-"),
        "draft saves are kept off the timeline:\n{s}"
    );
}

#[test]
fn a_draft_typed_just_before_quitting_is_saved() {
    let home = tempfile::tempdir().expect("tmp");
    write_config(home.path(), "http://127.0.0.1:9/unused");
    let t = Tmux::start(home.path(), &format!("{} drill --speed 30", warroom()), 200, 50);
    declare(&t);
    t.keys(&["4"]);
    // Typed and quit in one burst: well inside the save throttle, so only the save on the way
    // out can keep the whole text.
    t.keys(&["-l", "Paging the payments team now"]);
    // The draft is not sent: the first ctrl-c asks, the second leaves.
    t.keys(&["C-c", "C-c"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.dead() {
        assert!(Instant::now() < deadline, "ctrl-c quits from the editor");
        std::thread::sleep(Duration::from_millis(100));
    }
    let written = std::fs::read_to_string(journals(home.path()).pop().expect("a journal")).expect("journal");
    assert!(
        written.contains("\"text\":\"Paging the payments team now\""),
        "{written}"
    );
}
