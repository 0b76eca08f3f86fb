//! A canary behind its stable release's Service, seen through kubectl and the drill's
//! Prometheus: the shipped `bad-canary` drill's Service selects both tracks, the canary's bad
//! image fails its share of checkout's requests while every pod is ready, and scaling the canary
//! to zero brings the error ratio back under the SLO.

use crate::jsonpath;
use warroom_testkit::drill::{Served, promql};

/// checkout's error ratio over the last `window`, across both tracks.
fn error_ratio(s: &Served, window: &str) -> f64 {
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    promql(
        &s.prometheus,
        &format!(
            r#"sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[{window}])) / sum(rate(http_requests_total{{service="checkout"}}[{window}]))"#
        ),
        Some(now),
    )
    .expect("checkout's error ratio")
}

#[test]
fn a_bad_canary_fails_its_share_of_the_service_until_it_is_scaled_to_zero() {
    let s = crate::paused_drill("bad-canary");
    let svc = ["get", "svc", "checkout", "-n", "shop"];
    assert_eq!(jsonpath(&s, &svc, "{.spec.selector}"), r#"{"app":"checkout"}"#);
    for (deploy, track) in [("checkout", "stable"), ("checkout-canary", "canary")] {
        assert_eq!(
            jsonpath(
                &s,
                &["get", "deploy", deploy, "-n", "shop"],
                "{.spec.selector.matchLabels.app}/{.spec.selector.matchLabels.track}"
            ),
            format!("checkout/{track}")
        );
    }
    crate::advance(&s, 60, 15);
    let endpoints = || {
        jsonpath(
            &s,
            &["get", "endpoints", "checkout", "-n", "shop"],
            "{.subsets[*].addresses[*].ip}",
        )
        .split_whitespace()
        .count()
    };
    assert_eq!(endpoints(), 5, "the Service sends traffic to both tracks");
    assert!(error_ratio(&s, "1m") < 0.001, "healthy before the canary changes");

    // The canary moves to 2.0.0-rc1 at 2m: ready, serving, failing a third of its share.
    crate::advance(&s, 240, 15);
    assert_eq!(
        jsonpath(
            &s,
            &["get", "deploy", "checkout-canary", "-n", "shop"],
            "{.status.readyReplicas}"
        ),
        "1"
    );
    assert_eq!(endpoints(), 5, "every pod is ready and in the Service");
    let failing = error_ratio(&s, "1m");
    assert!((0.02..0.05).contains(&failing), "about 10/120 x 35%: {failing}");

    // Scaled to zero, the canary's share stops failing.
    s.ok(&["scale", "deploy", "checkout-canary", "-n", "shop", "--replicas=0"]);
    crate::advance(&s, 120, 15);
    assert_eq!(endpoints(), 4, "only the stable release is left");
    let healed = error_ratio(&s, "1m");
    assert!(healed < 0.001, "back under the 99.9% SLO: {healed}");
}
