//! Benchmark of the metrics poller against the real Debian `prometheus` on 127.0.0.1: prints the
//! wall time of one refresh of the 4 golden-signal panels for 20 services (80 instant queries),
//! at 1 and at 8 queries in flight, and of the SLO burn-rate windows' queries for the same
//! services. Prometheus scrapes a target this benchmark serves, every second.
//!
//! Run: `cargo bench --bench observe_poll`. It prints figures; it asserts nothing about speed.

use std::time::{Duration, Instant};

use warroom::observe::follow::{Followed, Plan, refresh};
use warroom::observe::http::{Auth, Http, Server};
use warroom::observe::panels::{self, SLO_WINDOWS, Target};
use warroom::observe::prometheus::Prometheus;

const SERVICES: usize = 20;
const RUNS: usize = 20;

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    format!(
        "min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        at(0.0),
        at(0.5),
        at(0.9),
        at(1.0)
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let app = warroom_testkit::Target {
            extra: (0..SERVICES).map(|i| format!("svc-{i:02}")).collect(),
            ..Default::default()
        };
        let addr = app.serve().await;
        let server = warroom_testkit::prometheus(&addr, "groups: []\n").await;
        let prom = Prometheus::new(
            Http::new(Server::Prometheus, &server.url, Auth::None, Duration::from_secs(10)).expect("client"),
        );
        let services: Vec<Followed> = app
            .extra
            .iter()
            .map(|s| Followed {
                target: Target {
                    namespace: "bench".into(),
                    service: s.clone(),
                },
                objective: Some(0.999),
            })
            .collect();
        let mut plan = Plan {
            services: services.clone(),
            ..Plan::default()
        };
        // Wait until every service has a rate (a few scrapes).
        warroom_testkit::eventually(60, "rates for every service", || {
            let (prom, plan) = (prom.clone(), plan.clone());
            async move {
                let readings = refresh(&prom, &plan).await;
                let with_values = readings
                    .iter()
                    .filter(|r| r.panel == "errors" && matches!(r.result, Ok(Some(_))))
                    .count();
                (with_values == SERVICES).then_some(())
            }
        })
        .await;
        println!(
            "observe_poll: {} services x {} panels = {} instant queries per refresh, against prometheus 127.0.0.1",
            SERVICES,
            plan.panels.len(),
            SERVICES * plan.panels.len()
        );
        for concurrency in [1, 8] {
            plan.concurrency = concurrency;
            let mut ms = Vec::new();
            for _ in 0..RUNS {
                let t = Instant::now();
                let readings = refresh(&prom, &plan).await;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(readings.len(), SERVICES * plan.panels.len());
            }
            println!("  refresh, {concurrency} in flight ({RUNS} runs): {}", summary(ms));
        }
        // Burn rates: one query per service and SLO window.
        let mut ms = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            for s in &services {
                for w in SLO_WINDOWS {
                    let q = panels::render(panels::SLO_ERROR_RATIO, &s.target, Some(w)).expect("render");
                    prom.query(&q, None).await.expect("burn query");
                }
            }
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "  burn-rate windows, {} queries one at a time ({RUNS} runs): {}",
            SERVICES * SLO_WINDOWS.len(),
            summary(ms)
        );
        drop(server);
    });
}
