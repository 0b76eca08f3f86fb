//! The Alertmanager client against the real Debian `prometheus-alertmanager`: an alert posted
//! by the test shows active, a silence created through the client silences it (and the poller's
//! model shows it silenced), expiring the silence makes it active again (and a poked poller
//! shows it at once); Alertmanager's validation message comes back verbatim.

use std::time::Duration;

use tokio::sync::mpsc;
use warroom::observe::alertmanager::{AlertState, Alertmanager, Matcher, NewSilence, SilenceState};
use warroom::observe::follow::{Plan, follow};
use warroom::observe::http::{Auth, Http, ObserveError, Server};
use warroom::observe::model::ObserveModel;
use warroom_testkit::{alertmanager, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_round_trip_against_real_alertmanager() {
    let server = alertmanager().await;
    let am = Alertmanager::new(
        Http::new(Server::Alertmanager, &server.url, Auth::None, Duration::from_secs(10)).expect("client"),
    );

    // The test plays Prometheus: it posts an alert.
    let now = jiff::Timestamp::now();
    let posted = warroom::http::plain_client()
        .post(format!("{}/api/v2/alerts", server.url))
        .json(&serde_json::json!([{
            "labels": {"alertname": "DrillInjected", "severity": "page", "service": "checkout"},
            "annotations": {"summary": "checkout is failing"},
            "startsAt": now.to_string(),
        }]))
        .send()
        .await
        .expect("post an alert");
    assert!(posted.status().is_success(), "{}", posted.status());

    let alert = eventually(30, "the alert active", || async {
        am.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "DrillInjected" && a.status.state == AlertState::Active)
    })
    .await;
    assert!(!alert.silenced() && !alert.inhibited());
    assert_eq!(
        alert.annotations.get("summary").map(String::as_str),
        Some("checkout is failing")
    );

    // Silence it through the client.
    let id = am
        .create_silence(
            &NewSilence {
                id: None,
                matchers: vec![
                    Matcher::equal("alertname", "DrillInjected"),
                    Matcher::equal("service", "checkout"),
                ],
                starts_at: now,
                ends_at: now + jiff::SignedDuration::from_hours(1),
                created_by: "warroom-test".into(),
                comment: "drill: silencing the injected alert".into(),
            },
            false,
        )
        .await
        .expect("create a silence");
    assert!(!id.is_empty());
    let silenced = eventually(30, "the alert silenced", || async {
        am.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "DrillInjected" && a.status.state == AlertState::Suppressed)
    })
    .await;
    assert_eq!(silenced.status.silenced_by, vec![id.clone()]);
    let silences = am.silences().await.expect("silences");
    let s = silences.iter().find(|s| s.id == id).expect("our silence listed");
    assert_eq!(s.status.state, SilenceState::Active);
    assert_eq!(s.created_by, "warroom-test");
    assert_eq!(s.comment, "drill: silencing the injected alert");
    assert!(s.matchers.contains(&Matcher::equal("service", "checkout")));

    // The poller's model shows it silenced. It polls once a minute; `poke` polls now.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let following = follow(
        None,
        Some(am.clone()),
        Plan {
            interval: Duration::from_secs(60),
            ..Plan::default()
        },
        warroom::sink::into_channel(tx, |u| u),
    );
    let mut model = ObserveModel::new(&[Server::Alertmanager]);
    while !model.alerts.iter().any(|a| a.name.as_str() == "DrillInjected") {
        let u = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("an update within 30s")
            .expect("the poller runs");
        model.apply(u);
    }
    let row = &model.alerts[0];
    assert_eq!(
        row.silenced_by.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    assert!(row.in_alertmanager && !row.in_prometheus);
    assert_eq!(model.loud_alerts().count(), 0);
    assert!(model.freshness[&Server::Alertmanager].is_live());
    assert!(
        model
            .silences
            .iter()
            .any(|s| s.id.as_str() == id && s.matchers.contains(r#"service="checkout""#)),
        "{:?}",
        model.silences
    );

    // Expire it: the alert is active again and the silence is listed as expired.
    am.expire_silence(&id).await.expect("expire the silence");
    let active = eventually(30, "the alert active again", || async {
        am.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "DrillInjected" && a.status.state == AlertState::Active)
    })
    .await;
    assert!(active.status.silenced_by.is_empty());
    let silences = am.silences().await.expect("silences");
    assert_eq!(
        silences.iter().find(|s| s.id == id).map(|s| s.status.state),
        Some(SilenceState::Expired)
    );

    // Poked, the poller's model sees it loud again well before its next tick.
    following.poke();
    while model.loud_alerts().count() == 0 {
        let u = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("a poked poll within 30s (the interval is 60s)")
            .expect("the poller runs");
        model.apply(u);
    }
    assert!(
        model
            .silences
            .iter()
            .any(|s| s.id.as_str() == id && s.state == SilenceState::Expired)
    );
    following.stop();

    // Alertmanager's own validation message, verbatim.
    let e = am
        .create_silence(
            &NewSilence {
                id: None,
                matchers: vec![],
                starts_at: now,
                ends_at: now + jiff::SignedDuration::from_hours(1),
                created_by: "warroom-test".into(),
                comment: "no matchers".into(),
            },
            false,
        )
        .await
        .expect_err("a silence without matchers");
    match e {
        ObserveError::Status { status, body, .. } => {
            assert_eq!(status, 422);
            assert_eq!(body, "matchers in body should have at least 1 items");
        }
        other => panic!("expected Alertmanager's message, got {other:?}"),
    }
}
