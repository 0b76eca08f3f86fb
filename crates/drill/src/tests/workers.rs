//! The drill's servers never park a runtime worker on the monitoring stack's lock: with the
//! lock held (as the clock holds it through a long catch-up), requests wait on the blocking
//! pool and the runtime's timers, I/O and signals go on, which a console in the same process
//! needs to draw and to hear SIGTERM; and a query whose timeout passes while it waits there is
//! answered as timed out, not run.

use std::sync::mpsc;
use std::time::Duration;

use crate::server::{Drill, Options};

/// The built-in drill on a runtime of two workers, its monitoring stack held by a thread until
/// told through the sender; join the thread once told.
fn held_drill() -> (
    tokio::runtime::Runtime,
    Drill,
    mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let drill = runtime
        .block_on(Drill::start(
            crate::scenario::builtin(),
            "127.0.0.1:0".parse().expect("addr"),
            &Options::default(),
        ))
        .expect("drill");
    let (release, released) = mpsc::channel::<()>();
    let (held_tx, held) = mpsc::channel::<()>();
    let shared = drill.shared().clone();
    let holder = std::thread::spawn(move || {
        let (_guard, _) = shared.monitoring();
        held_tx.send(()).expect("told");
        let _ = released.recv();
    });
    held.recv().expect("held");
    (runtime, drill, release, holder)
}

#[test]
fn requests_waiting_on_a_busy_monitoring_stack_leave_the_runtime_running() {
    let (runtime, drill, release, holder) = held_drill();
    // More waiting requests than workers: Prometheus and Alertmanager both.
    let client = warroom_testkit::http_client();
    let urls = [
        format!("{}/api/v1/query?query=up", drill.prometheus_url()),
        format!("{}/api/v1/alerts", drill.prometheus_url()),
        format!("{}/api/v2/alerts", drill.alertmanager_url()),
        format!("{}/api/v2/silences", drill.alertmanager_url()),
    ];
    let waiting: Vec<_> = urls.iter().map(|u| runtime.spawn(client.get(u).send())).collect();
    // A timer on the same runtime, watched from outside it: parked workers never fire it.
    let (fired_tx, fired) = mpsc::channel::<()>();
    runtime.spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = fired_tx.send(());
    });
    let timer = fired.recv_timeout(Duration::from_secs(60));
    release.send(()).expect("release");
    holder.join().expect("holder");
    assert!(
        timer.is_ok(),
        "the runtime's timer did not fire while the monitoring stack was held"
    );
    for (url, w) in urls.iter().zip(waiting) {
        let answer = runtime.block_on(w).expect("joined").expect("answered");
        assert!(answer.status().is_success(), "{url}: {}", answer.status());
    }
}

/// A query whose timeout passes while it waits for the monitoring stack is answered as
/// Prometheus answers it (503, `timeout`, "query timed out in query queue") and not run; one
/// with time left, or none given (Prometheus' 2 minutes), is run.
#[test]
fn a_query_that_timed_out_waiting_is_not_run() {
    let (runtime, drill, release, holder) = held_drill();
    let client = warroom_testkit::http_client();
    let base = drill.prometheus_url();
    let now = jiff::Timestamp::now().as_second();
    let range = format!("query_range?query=up&start={}&end={now}&step=15", now - 600);
    let asked = [
        ("query?query=up&timeout=100ms", 503),
        (&format!("{range}&timeout=0.1") as &str, 503),
        ("query?query=up&timeout=1m", 200),
        ("query?query=up", 200),
    ]
    .map(|(path, status)| {
        let url = format!("{base}/api/v1/{path}");
        (runtime.spawn(client.get(&url).send()), url, status)
    });
    // The held stack makes each wait well past 100 ms.
    std::thread::sleep(Duration::from_millis(1500));
    release.send(()).expect("release");
    holder.join().expect("holder");
    for (waiting, url, status) in asked {
        let answer = runtime.block_on(waiting).expect("joined").expect("answered");
        assert_eq!(answer.status().as_u16(), status, "{url}");
        let body: serde_json::Value = runtime.block_on(answer.json()).expect("json");
        if status == 503 {
            assert_eq!(body["status"], "error", "{url}: {body}");
            assert_eq!(body["errorType"], "timeout", "{url}: {body}");
            assert_eq!(body["error"], "query timed out in query queue", "{url}: {body}");
        } else {
            assert_eq!(body["status"], "success", "{url}: {body}");
        }
    }
}
