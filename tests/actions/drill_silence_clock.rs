//! A silence started from the console in a drill starts by the drill's clock: in a paused drill
//! whose clock is far behind the wall clock, it is active at once and lasts its 30 minutes of the
//! drill. One started by the wall clock (as amtool does) is moved onto the drill's clock by the
//! drill: active at once too, for as long.

use std::sync::Arc;
use std::time::Duration;

use warroom::actions::{Action, Input, Runner};
use warroom::cluster::connect::Cluster;
use warroom::incident::model::Actor;
use warroom::observe::alertmanager::{Alertmanager, SilenceState};
use warroom::observe::http::{Auth, Http, Server};

async fn silence_by(runner: Runner) -> String {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let action = Action::Silence {
        matchers: [("alertname".to_string(), "CheckoutErrorBudgetBurn".to_string())].into(),
        minutes: 30,
    };
    let token = tokio_util::sync::CancellationToken::new();
    match runner
        .run("s1", &action, &warroom::sink::into_channel(tx, |p| p), &token)
        .await
    {
        Input::Finished(outcome) => outcome.api["silenceID"].as_str().expect("silence id").to_string(),
        other => panic!("silencing failed: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_silence_starts_by_the_drill_clock() {
    let options = warroom_drill::Options {
        paused: true,
        start: Some("2026-01-05T09:00:00Z".parse().expect("start")),
        ..Default::default()
    };
    let running = warroom_drill::Drill::start(
        warroom_drill::scenario::builtin(),
        "127.0.0.1:0".parse().expect("addr"),
        &options,
    )
    .await
    .expect("drill cluster");
    let am_url = running.alertmanager_url();
    let am = || {
        Alertmanager::new(
            Http::new(Server::Alertmanager, &am_url, Auth::None, Duration::from_secs(10)).expect("client"),
        )
    };
    let cluster = Cluster::drill(&running.url()).expect("cluster");
    let runner = || {
        Runner::new(
            &cluster,
            Arc::new(warroom::actions::record::Nowhere),
            Actor::named("ic"),
        )
        .expect("runner")
        .with_alertmanager(Some(am()))
    };

    let by_drill = silence_by(runner().with_clock(Arc::new(running.virtual_now()))).await;
    let by_wall = silence_by(runner()).await;

    let silences = am().silences().await.expect("silences");
    let drill_now: jiff::Timestamp = "2026-01-05T09:00:00Z".parse().expect("start");
    for id in [&by_drill, &by_wall] {
        let s = silences.iter().find(|s| s.id == *id).expect("the silence");
        assert_eq!(s.status.state, SilenceState::Active, "{silences:?}");
        // The wall clock is months ahead of this drill; both last 30 minutes of it from now.
        let ends = s.ends_at.duration_since(drill_now);
        assert!(
            ends > jiff::SignedDuration::from_mins(29) && ends <= jiff::SignedDuration::from_mins(30),
            "{s:?}"
        );
    }
}
