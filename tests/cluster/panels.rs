//! The console's golden-signal panels read against the drill's own Prometheus: the queries
//! the console sends give the numbers the drill's models mean.

use warroom::observe::panels::{SATURATION, Target, render};
use warroom_testkit::drill::{Served, Setup};

/// The single value of an instant query at the drill's now, from its Prometheus API.
fn value(drill: &Served, query: &str) -> f64 {
    let rt = crate::support::runtime();
    let body: serde_json::Value = rt.block_on(async {
        warroom_testkit::http_client()
            .get(format!("{}/api/v1/query", drill.prometheus))
            .query(&[("query", query)])
            .send()
            .await
            .expect("query")
            .json()
            .await
            .expect("JSON")
    });
    let result = &body["data"]["result"];
    match result.as_array().map(Vec::as_slice) {
        Some([one]) => one["value"][1].as_str().and_then(|v| v.parse().ok()).expect("a number"),
        _ => panic!("{query}: expected one sample, got {body}"),
    }
}

/// The saturation panel's value for one service.
fn saturation(drill: &Served, namespace: &str, service: &str) -> f64 {
    let target = Target {
        namespace: namespace.into(),
        service: service.into(),
    };
    value(drill, &render(SATURATION, &target, None).expect("the panel renders"))
}

#[test]
fn the_saturation_panel_reads_cpu_over_the_request_when_no_limit_is_set() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/noisy-neighbour.yaml")).expect("shipped drill");
    let yaml = format!("start: \"2026-11-24T14:00:00Z\"\n{yaml}");
    let drill = Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    drill.control("POST", "/drill/v1/clock?advance=85s");
    // The sim's pods set CPU requests, not limits. api requests 500m and uses about 400m,
    // report-builder 250m and 200m (more with traffic and jitter).
    for (namespace, service) in [("web", "api"), ("batch", "report-builder")] {
        let v = saturation(&drill, namespace, service);
        assert!((0.5..1.5).contains(&v), "{service} saturation {v}");
    }
}

#[test]
fn a_healthy_drill_service_uses_about_half_its_cpu_request() {
    // The bad deploy's checkout before its rollout (at 2m): healthy, no usage set by the scenario.
    // Pinned to an afternoon: the daily cycle takes traffic (and CPU) well below its mean at
    // night, and the drill otherwise starts at the wall clock's hour.
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill")
        + "\nstart: \"2026-11-24T14:00:00Z\"\n";
    let drill = Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    drill.control("POST", "/drill/v1/clock?advance=90s");
    for (namespace, service) in [("shop", "checkout"), ("shop", "cart")] {
        let v = saturation(&drill, namespace, service);
        // Half the request, with the daily cycle and ±15% jitter on the busiest pod.
        assert!((0.3..0.8).contains(&v), "{service} reads {v} of its CPU request");
    }
}
