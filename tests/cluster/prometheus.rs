//! The Prometheus client and the poller against the real Debian `prometheus`, scraping a
//! target this test serves: typed instant and range results with exact values, Prometheus's
//! own error text, alerts going pending then firing, rules, the golden-signal panels and burn
//! rates through `follow`, freshness when Prometheus goes away, and a timeout reported as one.

use std::time::Duration;

use tokio::sync::mpsc;
use warroom::freshness::Freshness;
use warroom::observe::follow::{Followed, Plan, follow};
use warroom::observe::http::{Auth, Http, ObserveError, Server};
use warroom::observe::model::{AlertState, ObserveModel};
use warroom::observe::panels::{self, BurnLevel};
use warroom::observe::prometheus::{AlertState as RuleState, Prometheus, QueryResult, RuleHealth, RuleKind};
use warroom_testkit::{Target, eventually, prometheus};

const RULES: &str = r#"groups:
  - name: checkout
    interval: 1s
    rules:
      - alert: CheckoutErrors
        expr: sum(rate(http_requests_total{service="checkout",code=~"5.."}[10s])) > 0
        for: 4s
        labels:
          severity: page
        annotations:
          summary: checkout is failing
      - record: service:http_requests:rate10s
        expr: sum by (service) (rate(http_requests_total[10s]))
"#;

fn client(url: &str) -> Prometheus {
    Prometheus::new(Http::new(Server::Prometheus, url, Auth::None, Duration::from_secs(10)).expect("client"))
}

fn target(service: &str) -> panels::Target {
    panels::Target {
        namespace: "shop".into(),
        service: service.into(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_alerts_rules_and_panels_against_real_prometheus() {
    let app = Target::default();
    let addr = app.serve().await;
    let mut server = prometheus(&addr, RULES).await;
    let prom = client(&server.url);

    // Instant query: one series with the target's labels and Prometheus's job/instance.
    let v = eventually(30, "the target scraped", || async {
        match prom.query("checkout_build_info", None).await.ok()? {
            QueryResult::Vector(v) if !v.is_empty() => Some(v),
            _ => None,
        }
    })
    .await;
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].point.v, 42.0);
    assert_eq!(v[0].metric.get("version").map(String::as_str), Some("1.2.3"));
    assert_eq!(v[0].metric.get("job").map(String::as_str), Some("app"));
    assert_eq!(v[0].metric.get("instance"), Some(&addr));

    // Scalar and string results.
    assert_eq!(
        prom.query("scalar(checkout_build_info) * 2", None)
            .await
            .expect("scalar")
            .single_value(),
        Some(84.0)
    );
    match prom.query("\"on call\"", None).await.expect("string") {
        QueryResult::String { value, .. } => assert_eq!(value, "on call"),
        other => panic!("expected a string, got {other:?}"),
    }

    // Prometheus's own error text, verbatim.
    let e = prom.query("sum(rate(", None).await.expect_err("a parse error");
    assert_eq!(
        e,
        ObserveError::Api {
            status: 400,
            error_type: "bad_data".into(),
            error: "invalid parameter \"query\": 1:10: parse error: unclosed left parenthesis".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "bad_data: invalid parameter \"query\": 1:10: parse error: unclosed left parenthesis"
    );
    let now = jiff::Timestamp::now();
    let e = prom
        .query_range(
            "up",
            now,
            now - jiff::SignedDuration::from_secs(5),
            Duration::from_secs(1),
        )
        .await
        .expect_err("end before start");
    assert_eq!(
        e.to_string(),
        "bad_data: invalid parameter \"end\": end timestamp must not be before start time"
    );
    let e = prom
        .query(
            r#"label_replace(http_requests_total{service="checkout"}, "code", "x", "", "")"#,
            None,
        )
        .await
        .expect_err("an execution error");
    match &e {
        ObserveError::Api {
            status,
            error_type,
            error,
        } => {
            assert_eq!((*status, error_type.as_str()), (422, "execution"), "{e}");
            assert!(error.contains("same labelset"), "{e}");
        }
        other => panic!("expected Prometheus's error, got {other:?}"),
    }

    // The alert goes pending, then firing.
    let pending = eventually(60, "CheckoutErrors pending", || async {
        prom.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "CheckoutErrors" && a.state == RuleState::Pending)
    })
    .await;
    assert_eq!(pending.labels.get("severity").map(String::as_str), Some("page"));
    assert_eq!(
        pending.annotations.get("summary").map(String::as_str),
        Some("checkout is failing")
    );
    let firing = eventually(60, "CheckoutErrors firing", || async {
        prom.alerts()
            .await
            .ok()?
            .into_iter()
            .find(|a| a.name() == "CheckoutErrors" && a.state == RuleState::Firing)
    })
    .await;
    assert_eq!(firing.active_at, pending.active_at);

    let groups = prom.rules().await.expect("rules");
    let group = groups
        .iter()
        .find(|g| g.name == "checkout")
        .expect("the checkout group");
    assert_eq!(group.interval, 1.0);
    let alerting = group
        .rules
        .iter()
        .find(|r| r.name == "CheckoutErrors")
        .expect("alert rule");
    assert_eq!(
        (alerting.kind, alerting.health, alerting.state, alerting.duration),
        (RuleKind::Alerting, RuleHealth::Ok, Some(RuleState::Firing), Some(4.0))
    );
    let recording = group
        .rules
        .iter()
        .find(|r| r.name == "service:http_requests:rate10s")
        .expect("recording rule");
    assert_eq!(
        (recording.kind, recording.health),
        (RuleKind::Recording, RuleHealth::Ok)
    );

    // Range query: whole seconds from start to end, after the first sample; every point of the
    // gauge is 42.
    let start = jiff::Timestamp::from_second(v[0].point.t.ceil() as i64 + 1).expect("ts");
    let end = start + jiff::SignedDuration::from_secs(4);
    while jiff::Timestamp::now() < end + jiff::SignedDuration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    match prom
        .query_range("checkout_build_info", start, end, Duration::from_secs(1))
        .await
        .expect("range")
    {
        QueryResult::Matrix(m) => {
            assert_eq!(m.len(), 1);
            let ts: Vec<f64> = m[0].values.iter().map(|p| p.t).collect();
            let first = start.as_second() as f64;
            assert_eq!(ts, (0..5).map(|i| first + i as f64).collect::<Vec<_>>());
            assert!(m[0].values.iter().all(|p| p.v == 42.0));
        }
        other => panic!("expected a matrix, got {other:?}"),
    }

    // The golden-signal panels through the poller, into the model.
    let plan = Plan {
        services: vec![
            Followed {
                target: target("checkout"),
                objective: Some(0.999),
            },
            Followed {
                target: target("cart"),
                objective: None,
            },
        ],
        interval: Duration::from_millis(500),
        backfill: Some(Duration::from_secs(5)),
        ..Plan::default()
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let following = follow(Some(prom.clone()), None, plan, warroom::sink::into_channel(tx, |u| u));
    let mut model = ObserveModel::new(&[Server::Prometheus]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let u = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the panels within 60s")
            .expect("the poller runs");
        model.apply(u);
        let checkout = model.services.get(&("shop".into(), "checkout".into()));
        let ready = checkout.is_some_and(|s| {
            s.signal("errors").is_some_and(|e| e.value.is_some())
                && s.signal("latency_p99").is_some_and(|e| e.value.is_some())
                && s.burn.as_ref().is_some_and(|b| b.rates.len() == 5)
        }) && model.services.contains_key(&("shop".into(), "cart".into()))
            && !model.alerts.is_empty();
        if ready {
            break;
        }
    }
    let checkout = &model.services[&("shop".into(), "checkout".into())];
    let errors = checkout.signal("errors").expect("errors");
    assert!(close(errors.value.expect("a value"), 0.25), "{errors:?}");
    assert!(!errors.history.is_empty());
    let p99 = checkout.signal("latency_p99").and_then(|s| s.value).expect("p99");
    assert!(close(p99, 0.496), "{p99}");
    assert!(
        checkout
            .signal("traffic")
            .and_then(|s| s.value)
            .is_some_and(|v| v > 0.0)
    );
    // No cAdvisor metrics here: saturation has no series, shown as no data (not zero).
    let saturation = checkout.signal("saturation").expect("saturation");
    assert_eq!((saturation.value, saturation.error.as_ref()), (None, None));
    let burn = checkout.burn.as_ref().expect("burn");
    assert!(close(burn.rates["5m"], 250.0), "{burn:?}");
    assert_eq!(burn.level, BurnLevel::Page);
    let cart = &model.services[&("shop".into(), "cart".into())];
    assert_eq!(cart.signal("errors").and_then(|s| s.value), Some(0.0));
    assert!(cart.burn.is_none());
    let alert = &model.alerts[0];
    assert_eq!(
        (alert.name.as_str(), alert.state, alert.silenced()),
        ("CheckoutErrors", AlertState::Firing, false)
    );
    let Some(Freshness::Live { since }) = model.freshness.get(&Server::Prometheus).cloned() else {
        panic!("prometheus should be live: {:?}", model.freshness);
    };

    // Prometheus goes away: the data stays, marked as reconnecting since it was last live.
    server.kill();
    let f = eventually(30, "prometheus reconnecting", || {
        while let Ok(u) = rx.try_recv() {
            model.apply(u);
        }
        let f = model.freshness.get(&Server::Prometheus).cloned();
        async move { f.filter(|f| matches!(f, Freshness::Reconnecting { .. })) }
    })
    .await;
    let Freshness::Reconnecting { since: last, error } = f else {
        unreachable!()
    };
    assert!(last >= since, "{last} {since}");
    assert!(error.contains("cannot connect"), "{error}");
    assert!(
        model.services[&("shop".into(), "checkout".into())]
            .signal("errors")
            .is_some()
    );
    following.stop();
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Accepts connections and holds them without a word.
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            open.push(s);
        }
    });
    let prom =
        Prometheus::new(Http::new(Server::Prometheus, &url, Auth::None, Duration::from_millis(300)).expect("client"));
    let e = prom.query("up", None).await.expect_err("no answer");
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.to_string().contains("(timeout)"), "{e}");
    let f = warroom::observe::follow::after_failure(&e, None);
    assert!(
        matches!(f, Freshness::Error { ref error } if error.contains("timeout")),
        "{f:?}"
    );
    held.abort();
}
