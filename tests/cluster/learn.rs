//! The history the detector learns from at start, read from the drill's own Prometheus API and
//! from the real Debian Prometheus holding the same samples (exported by the drill as
//! OpenMetrics, made into blocks by promtool): the same points, so the same bands.

use std::time::Duration;

use warroom::detect::detector::{Settings, Subject};
use warroom::detect::measure::Measure;
use warroom::detect::session::Session;
use warroom::observe::follow::{Followed, Plan};
use warroom::observe::http::Endpoint;
use warroom::observe::learn::{Learned, learn_until, server_now};
use warroom::observe::panels::{self, Target};
use warroom::observe::prometheus::Prometheus;
use warroom_testkit::drill::{Served, Setup};

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn baselines_learned_from_a_real_prometheus_holding_the_drills_history_equal_the_drills_own() {
    let drill = Served::start(
        None,
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let rt = crate::support::runtime();
    rt.block_on(async {
        let own = Prometheus::from_endpoint(&Endpoint::plain(drill.prometheus.clone())).expect("client");
        let end = server_now(&own).await.expect("the drill's now");
        // The families the golden-signal panels read.
        let url = format!(
            "{}/drill/v1/history?end={}&families=http_requests,http_request_duration_seconds,\
             container_cpu_usage_seconds,kube_pod_container_resource_requests",
            drill.url,
            end.as_second()
        );
        let om = warroom_testkit::http_client()
            .get(url)
            .send()
            .await
            .expect("history")
            .bytes()
            .await
            .expect("body");
        let real = warroom_testkit::prometheus_holding(&om).await;
        let real_prom = Prometheus::from_endpoint(&Endpoint::plain(real.url.clone())).expect("client");

        let targets: Vec<Target> = ["checkout", "cart"]
            .iter()
            .map(|s| Target {
                namespace: "shop".into(),
                service: s.to_string(),
            })
            .collect();
        let mut plan = Plan {
            services: targets
                .iter()
                .map(|t| Followed {
                    target: t.clone(),
                    objective: Some(0.999),
                })
                .collect(),
            interval: Duration::from_secs(15),
            ..Plan::default()
        };
        let extra = panels::for_detection(&plan.panels);
        plan.panels.extend(extra);
        let names = Session::history_panels();
        let trailing = Duration::from_secs(3600);
        let key = |l: &Learned| (l.target.clone(), l.panel.clone(), l.seasonal);
        let mut a = learn_until(&own, &plan, &targets, &names, trailing, end).await;
        let mut b = learn_until(&real_prom, &plan, &targets, &names, trailing, end).await;
        a.sort_by_key(key);
        b.sort_by_key(key);
        // Two services, five panels, the trailing window and the seasonal days each.
        assert_eq!(a.len(), 20, "{:?}", a.iter().map(key).collect::<Vec<_>>());
        assert_eq!(
            a.iter().map(key).collect::<Vec<_>>(),
            b.iter().map(key).collect::<Vec<_>>()
        );
        for (x, y) in a.iter().zip(&b) {
            assert!(x.points.len() > 100, "{:?}: {} points", key(x), x.points.len());
            assert_eq!(x.points.len(), y.points.len(), "{:?}", key(x));
            for (p, q) in x.points.iter().zip(&y.points) {
                assert!(
                    p.0 == q.0 && close(p.1, q.1),
                    "{:?}: drill {p:?}, prometheus {q:?}",
                    key(x)
                );
            }
        }

        let bands = |learned: Vec<Learned>| {
            let mut s = Session::new(Settings::default(), Vec::new());
            s.learned(learned);
            let mut out = Vec::new();
            for t in &targets {
                for m in Measure::ALL.into_iter().filter(|m| m.is_golden()) {
                    out.push(s.detector.bands(&Subject::service(&t.namespace, &t.service), m));
                }
            }
            out
        };
        let (x, y) = (bands(a), bands(b));
        assert!(x.iter().all(|b| !b.is_empty()), "every measure has a band: {x:?}");
        for (p, q) in x.iter().flatten().zip(y.iter().flatten()) {
            assert_eq!((p.basis, p.samples), (q.basis, q.samples));
            assert!(
                close(p.median, q.median) && close(p.low, q.low) && close(p.high, q.high),
                "{p:?} {q:?}"
            );
        }
        assert_eq!(x.iter().flatten().count(), y.iter().flatten().count());
    });
}
