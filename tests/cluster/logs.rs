//! A pod's log read from the drill as the console reads it: the last lines, or since a time
//! ago, asked of the API server the way kubectl asks.

use warroom::cluster::connect::Cluster;
use warroom::cluster::logs::{LogEvent, LogRequest, TAIL, stream};
use warroom::text::CleanText;
use warroom_testkit::drill::{Served, Setup};

#[test]
fn a_log_is_read_by_its_last_lines_or_since_a_time_ago() {
    let drill = Served::start(
        None,
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let pods = drill.ok(&["get", "pods", "-n", "shop", "-o", "name"]);
    let pod = pods
        .lines()
        .find_map(|l| l.strip_prefix("pod/"))
        .expect("a pod in shop")
        .to_string();
    let rt = crate::support::runtime();
    for since in [None, Some(600)] {
        drill.clear_requests();
        let lines = rt.block_on(async {
            let cluster = Cluster::drill(&drill.url).expect("a client for the drill");
            let asked = LogRequest {
                pod: (CleanText::line("shop"), CleanText::line(&pod)),
                // The previous run's log ends by itself (the current one is followed).
                previous: false,
                since,
            };
            let got = std::sync::Mutex::new(Vec::new());
            let read = stream(cluster.client, &asked, |e| {
                let more = matches!(e, LogEvent::Lines(_));
                got.lock().expect("lines").push(e);
                // One batch is enough: the stream is followed and would not end.
                !more
            });
            tokio::time::timeout(std::time::Duration::from_secs(30), read)
                .await
                .expect("the log within 30 s");
            got.into_inner().expect("lines")
        });
        assert!(
            matches!(lines.first(), Some(LogEvent::Lines(l)) if !l.is_empty()),
            "{lines:?}"
        );
        let query = drill
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with(&format!("/pods/{pod}/log")))
            .map(|r| r.query)
            .expect("the log request");
        assert!(query.contains("follow=true"), "{query}");
        match since {
            None => assert!(
                query.contains(&format!("tailLines={TAIL}")) && !query.contains("sinceSeconds"),
                "{query}"
            ),
            Some(s) => assert!(
                query.contains(&format!("sinceSeconds={s}")) && !query.contains("tailLines"),
                "{query}"
            ),
        }
    }
}
