//! Read-only mode in the Alertmanager client itself: a read-only client refuses to create or
//! expire a silence before anything is sent (a recording server sees no POST or DELETE; the
//! drill's Alertmanager keeps its silences), while reads still work. The runner and the
//! console's observing set-up hand out read-only clients when warroom is read-only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use warroom::actions::{Action, Input, Runner};
use warroom::cluster::connect::Cluster;
use warroom::incident::model::Actor;
use warroom::observe::alertmanager::{Alertmanager, NewSilence, SilenceState};
use warroom::observe::http::{Auth, Http, ObserveError, Server};

/// A server on 127.0.0.1 that records each request line and answers like Alertmanager would.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // The head is enough: the line is what is recorded.
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let line = head.lines().next().unwrap_or("").to_string();
                    let body = if line.starts_with("POST") {
                        r#"{"silenceID":"recorded"}"#
                    } else {
                        "[]"
                    };
                    log.lock().expect("log").push(line);
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(answer.as_bytes()).await;
                });
            }
        });
        Recorder { url, seen, task }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("log").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn client(url: &str) -> Alertmanager {
    Alertmanager::new(Http::new(Server::Alertmanager, url, Auth::None, Duration::from_secs(10)).expect("client"))
}

fn silence() -> NewSilence {
    let labels = [("alertname".to_string(), "DrillInjected".to_string())]
        .into_iter()
        .collect();
    NewSilence::for_alert(
        &labels,
        jiff::Timestamp::now(),
        jiff::SignedDuration::from_hours(1),
        "tester",
        "read-only test",
    )
}

fn assert_read_only<T: std::fmt::Debug>(r: Result<T, ObserveError>, method: &str) {
    match r {
        Err(e @ ObserveError::ReadOnly { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with("warroom is read-only: "), "{text}");
            assert!(text.contains(method), "{text}");
        }
        other => panic!("a read-only client sent {method}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_client_sends_no_post_or_delete() {
    let server = Recorder::start().await;
    let am = client(&server.url).read_only();
    assert_read_only(am.create_silence(&silence(), false).await, "POST");
    assert_read_only(am.expire_silence("abc").await, "DELETE");
    // Reads still go out.
    assert!(am.silences().await.expect("silences").is_empty());
    assert_eq!(server.seen(), ["GET /api/v2/silences HTTP/1.1"]);
    // The same server records a write from a client that is not read-only.
    let id = client(&server.url)
        .create_silence(&silence(), false)
        .await
        .expect("create");
    assert_eq!(id, "recorded");
    assert_eq!(
        server.seen().last().map(String::as_str),
        Some("POST /api/v2/silences HTTP/1.1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drill_alertmanager_keeps_its_silences_against_a_read_only_client() {
    let s = tokio::task::block_in_place(|| crate::support::SimProcess::start(None, &[]));
    let writer = client(&s.alertmanager);
    let id = writer
        .create_silence(&silence(), false)
        .await
        .expect("a writable client creates");
    let reader = client(&s.alertmanager).with_read_only(true);
    assert_read_only(reader.expire_silence(&id).await, "DELETE");
    assert_read_only(reader.create_silence(&silence(), false).await, "POST");
    let silences = reader.silences().await.expect("a read-only client reads");
    assert_eq!(silences.len(), 1, "{silences:?}");
    // (Active, or pending where the drill's virtual clock is behind the wall clock.)
    assert_eq!(silences[0].id, id);
    assert_ne!(silences[0].status.state, SilenceState::Expired);

    // A read-only runner hands its Alertmanager a read-only client: even a run that skipped the
    // permission check is refused in the client.
    let cluster = Cluster::drill(&s.url)
        .expect("cluster")
        .with_read_only(true)
        .expect("read-only");
    let runner = Runner::new(
        &cluster,
        Arc::new(warroom::actions::record::Nowhere),
        Actor::named("observer"),
    )
    .expect("runner")
    .with_alertmanager(Some(client(&s.alertmanager)));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let token = tokio_util::sync::CancellationToken::new();
    let answer = runner
        .run(
            "x1",
            &Action::ExpireSilence { id: id.clone() },
            &warroom::sink::into_channel(tx, |p| p),
            &token,
        )
        .await;
    match answer {
        Input::Failed(message) => assert!(message.contains("warroom is read-only"), "{message}"),
        other => panic!("a read-only runner expired a silence: {other:?}"),
    }
    // Still there and not expired (it may have turned from pending to active as the clock moved).
    let silences = reader.silences().await.expect("silences");
    assert_eq!(silences.len(), 1, "{silences:?}");
    assert_eq!(silences[0].id, id);
    assert_ne!(silences[0].status.state, SilenceState::Expired);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_follows_alertmanager_read_only_when_asked() {
    let scenario = warroom_drill::scenario::builtin();
    let running = warroom_drill::Drill::start(
        scenario,
        "127.0.0.1:0".parse().expect("addr"),
        &warroom_drill::Options::default(),
    )
    .await
    .expect("drill cluster");
    for read_only in [true, false] {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let observing = warroom::console::observing::drill(&running, None, read_only, false, tx).expect("observing");
        let am = observing.alertmanager.expect("the drill's Alertmanager is followed");
        assert_eq!(am.http().is_read_only(), read_only);
        observing.following.stop();
    }
    running.stop();
}
