//! The drill's golden signals and alerts, driven in-process on a paused virtual clock: the
//! 3-day backfill is the same for the same seed, the shipped drills' faults move the signals
//! a responder watches (5xx ratio, p99 latency, node conditions), and the rules walk alerts
//! from pending to firing (burn-rate SLO alerts included) into the drill's Alertmanager.

use crate::clock::Clock;
use crate::metrics::monitoring::{HISTORY_MS, Monitoring};
use crate::metrics::{QueryValue, instant_query};
use crate::scenario::{Scenario, load_file};
use crate::sim::Sim;
use jiff::{SignedDuration, Timestamp};

const START: &str = "2026-11-24T14:00:00Z";

struct Drill {
    sim: Sim,
    monitoring: Monitoring,
    start: Timestamp,
}

fn drill(file: &str, seed: Option<u64>, history_ms: i64) -> Drill {
    let scenario: Scenario = load_file(&warroom_testkit::repo(file)).expect("shipped drill loads");
    let seed = seed.unwrap_or(scenario.seed);
    let start: Timestamp = START.parse().expect("time");
    let mut sim = Sim::new(scenario.clone(), seed, Clock::new(start, 1.0, true), 10_000);
    let base = sim.start_scraping();
    let monitoring = Monitoring::new(&scenario, seed, &base, history_ms);
    Drill { sim, monitoring, start }
}

impl Drill {
    /// Moves virtual time to `secs` after the start and records what the sim observed.
    fn at(&mut self, secs: i64) -> &mut Self {
        self.sim.advance_to(self.start + SignedDuration::from_secs(secs));
        let obs = self.sim.take_observations();
        self.monitoring.record(obs);
        self
    }

    fn now_ms(&self) -> i64 {
        self.monitoring.now_ms
    }

    /// The single value of a query at the latest step (panics naming the query otherwise).
    fn value(&self, query: &str) -> f64 {
        match instant_query(&self.monitoring.signals.store, query, self.now_ms()) {
            Ok(QueryValue::Vector(v)) if v.len() == 1 => v[0].v,
            Ok(QueryValue::Scalar { v, .. }) => v,
            other => panic!("{query}: expected one sample, got {other:?}"),
        }
    }

    fn alert_state(&self, name: &str) -> Option<&'static str> {
        self.monitoring
            .rules
            .alerts()
            .find(|a| a.labels.get("alertname") == Some(name))
            .map(|a| a.state.as_str())
    }
}

fn digest(m: &Monitoring) -> Vec<(String, Vec<(i64, u64)>)> {
    let store = &m.signals.store;
    store
        .ids()
        .filter_map(|id| store.get(id))
        .map(|s| {
            (
                s.labels.to_string(),
                s.samples
                    .range(i64::MIN, i64::MAX)
                    .map(|(t, v)| (t, v.to_bits()))
                    .collect(),
            )
        })
        .collect()
}

/// A pod made 22 minutes before the start has series from then, not three days of them; the
/// pods it replaced carry the workload's history before, so its traffic is whole throughout.
#[test]
fn a_pod_made_during_the_history_has_series_from_when_it_was_made() {
    let d = drill("drills/bad-deploy.yaml", None, 3_600_000);
    let made: Vec<(String, i64)> = d
        .sim
        .store
        .iter(&crate::kinds::PODS, None)
        .filter(|p| p.name.starts_with("checkout-"))
        .map(|p| {
            let made: Timestamp = p.value()["metadata"]["creationTimestamp"]
                .as_str()
                .expect("made")
                .parse()
                .expect("a time");
            (p.name.to_string(), made.as_millisecond())
        })
        .collect();
    assert_eq!(made.len(), 4, "{made:?}");
    let age_ms = d.now_ms() - made[0].1;
    assert!(
        (10 * 60_000..3_600_000).contains(&age_ms),
        "the scenario's checkout pods are younger than the history: {age_ms} ms"
    );
    let pods_at = |offset: &str| -> Vec<String> {
        let q = format!("count by (pod) (http_requests_total{{service=\"checkout\",code=\"200\"}} offset {offset})");
        match instant_query(&d.monitoring.signals.store, &q, d.now_ms()) {
            Ok(QueryValue::Vector(v)) => {
                let mut pods: Vec<String> = v
                    .iter()
                    .filter_map(|s| s.labels.get("pod").map(str::to_string))
                    .collect();
                pods.sort();
                pods
            }
            other => panic!("{q}: {other:?}"),
        }
    };
    let mut now: Vec<String> = made.iter().map(|(n, _)| n.clone()).collect();
    now.sort();
    assert_eq!(pods_at("1m"), now, "the pods serve now");
    let before = pods_at("50m");
    assert_eq!(before.len(), 4, "{before:?}");
    assert!(
        before.iter().all(|p| !now.contains(p) && p.starts_with("checkout-")),
        "before they were made, the pods they replaced served: {before:?} against {now:?}"
    );
    let traffic = |offset: &str| {
        d.value(&format!(
            "sum(rate(http_requests_total{{service=\"checkout\"}}[5m] offset {offset}))"
        ))
    };
    let (then, lately) = (traffic("50m"), traffic("1m"));
    assert!(
        then > 0.0 && (then / lately - 1.0).abs() < 0.3,
        "the workload's traffic goes on across the replacement: {then} then, {lately} lately"
    );
}

#[test]
fn same_seed_same_samples_over_three_days() {
    let mut a = drill("drills/bad-deploy.yaml", None, HISTORY_MS);
    let mut b = drill("drills/bad-deploy.yaml", None, HISTORY_MS);
    a.at(600);
    b.at(600);
    let (da, db) = (digest(&a.monitoring), digest(&b.monitoring));
    assert_eq!(da, db);
    // Three days of 15 s steps, then the 40 live steps, in frontend's requests (its pods', and
    // before they were made the ones they replaced).
    let steps: std::collections::BTreeSet<i64> = da
        .iter()
        .filter(|(l, _)| l.contains("http_requests_total") && l.contains("frontend"))
        .flat_map(|(_, samples)| samples.iter().map(|(t, _)| *t))
        .collect();
    assert_eq!(steps.len() as i64, HISTORY_MS / 15_000 + 1 + 40);
    let mut c = drill("drills/bad-deploy.yaml", Some(99), 3_600_000);
    c.at(600);
    assert_ne!(digest(&c.monitoring)[..5], da[..5], "another seed gives other noise");
}

const CHECKOUT_ERRORS: &str = r#"sum(rate(http_requests_total{service="checkout",code=~"5.."}[2m])) / sum(rate(http_requests_total{service="checkout"}[2m]))"#;

#[test]
fn bad_deploy_raises_the_error_ratio_and_pages() {
    let mut d = drill("drills/bad-deploy.yaml", None, 6 * 3_600_000);
    d.at(110);
    let before = d.value(CHECKOUT_ERRORS);
    assert!(before < 0.001, "healthy error ratio {before}");
    assert!(d.value(r#"sum(rate(http_requests_total{service="frontend"}[5m]))"#) > 300.0);
    assert_eq!(d.alert_state("ErrorBudgetBurn"), None);
    d.at(420);
    let during = d.value(CHECKOUT_ERRORS);
    assert!(during > 0.05, "error ratio during the bad deploy {during}");
    assert!(d.value(r#"sum(increase(kube_pod_container_status_restarts_total{namespace="shop"}[5m]))"#) > 2.0);
    assert!(
        d.value(r#"kube_deployment_spec_replicas{deployment="checkout"} - kube_deployment_status_replicas_available{deployment="checkout"}"#)
            >= 1.0
    );
    // The 1h window needs a few minutes of 5xx over 14.4 × 0.1% before the page fires.
    d.at(900);
    assert_eq!(d.alert_state("ErrorBudgetBurn"), Some("firing"));
    assert_eq!(d.alert_state("KubePodCrashLooping"), Some("firing"));
    let now = d.monitoring.now();
    let am = d.monitoring.alertmanager.current(now);
    assert!(
        am.iter().any(
            |(_, a, _)| a.labels.get("alertname").map(String::as_str) == Some("ErrorBudgetBurn")
                && a.labels.get("severity").map(String::as_str) == Some("page")
        ),
        "the page reached the drill's Alertmanager"
    );
}

#[test]
fn a_clock_far_ahead_of_the_rules_records_every_step_and_evaluates_the_latest() {
    use crate::metrics::monitoring::CATCH_UP_EVALUATIONS;
    let mut d = drill("drills/bad-deploy.yaml", None, 3_600_000);
    d.at(120);
    assert_eq!(d.monitoring.missed_evaluations, 0, "8 steps are all evaluated");
    // An hour in one batch: 240 steps.
    d.at(120 + 3_600);
    let steps = 240;
    assert_eq!(d.monitoring.missed_evaluations, (steps - CATCH_UP_EVALUATIONS) as u64);
    assert_eq!(d.monitoring.rules.last_evaluation_ms, Some(d.now_ms()));
    assert_eq!(
        d.value(r#"count_over_time(kube_deployment_spec_replicas{deployment="checkout"}[1h])"#),
        (steps + 1) as f64,
        "every step's samples are recorded (the window takes the step at its start too)"
    );
    // The bad deploy's page fires from the evaluations the batch got.
    assert_eq!(d.alert_state("ErrorBudgetBurn"), Some("firing"));
}

#[test]
fn a_services_pods_each_serve_their_own_share() {
    let mut d = drill("drills/bad-deploy.yaml", None, 3_600_000);
    d.at(60);
    let per_pod = |d: &Drill| -> Vec<f64> {
        match instant_query(
            &d.monitoring.signals.store,
            r#"sum by (pod) (rate(http_requests_total{service="frontend"}[5m]))"#,
            d.now_ms(),
        ) {
            Ok(QueryValue::Vector(v)) => v.iter().map(|s| s.v).collect(),
            other => panic!("per-pod rates: {other:?}"),
        }
    };
    let rates = per_pod(&d);
    assert!(rates.len() >= 2, "frontend has several pods: {rates:?}");
    let mut distinct = rates.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), rates.len(), "no two pods serve the same: {rates:?}");
    let even = rates.iter().sum::<f64>() / rates.len() as f64;
    for r in &rates {
        assert!((r / even - 1.0).abs() < 0.35, "{r} against an even {even}: {rates:?}");
    }
    // The same seed splits the same way.
    let mut again = drill("drills/bad-deploy.yaml", None, 3_600_000);
    again.at(60);
    assert_eq!(per_pod(&again), rates);
}

#[test]
fn a_pod_and_a_node_changed_in_place_are_read_again() {
    // The scraper reads each object version once; a write makes a new version it must read.
    let mut d = drill("drills/bad-deploy.yaml", None, 0);
    d.at(60);
    let pod = d
        .sim
        .store
        .iter(&crate::kinds::PODS, Some("shop"))
        .find(|p| p.name.starts_with("frontend-"))
        .map(|p| p.name.to_string())
        .expect("a frontend pod");
    let limit = format!(r#"kube_pod_container_resource_limits{{pod="{pod}",resource="cpu"}}"#);
    let node = d
        .sim
        .store
        .iter(&crate::kinds::NODES, None)
        .next()
        .expect("a node")
        .name
        .to_string();
    let cordoned = format!(r#"kube_node_spec_unschedulable{{node="{node}"}}"#);
    assert_eq!(d.value(&cordoned), 0.0);
    for (cpu, cores) in [("1500m", 1.5), ("2", 2.0)] {
        d.sim.modify(crate::kinds::PODS, "shop", &pod, |v| {
            v["spec"]["containers"][0]["resources"]["limits"]["cpu"] = serde_json::json!(cpu);
        });
        let now = (d.now_ms() - d.start.as_millisecond()) / 1000;
        d.at(now + 30);
        assert_eq!(d.value(&limit), cores, "the pod's limit after it was set to {cpu}");
    }
    d.sim.modify(crate::kinds::NODES, "", &node, |v| {
        v["spec"]["unschedulable"] = serde_json::json!(true);
    });
    d.at(150);
    assert_eq!(d.value(&cordoned), 1.0, "the node's new spec");
}

#[test]
fn node_failure_shows_in_node_conditions_and_alerts() {
    let mut d = drill("drills/node-failure.yaml", None, 3_600_000);
    d.at(170);
    assert_eq!(
        d.value(r#"kube_node_status_condition{node="node-3",condition="Ready",status="true"}"#),
        1.0
    );
    d.at(260);
    assert_eq!(
        d.value(r#"kube_node_status_condition{node="node-3",condition="Ready",status="unknown"}"#),
        1.0
    );
    assert_eq!(d.alert_state("KubeNodeNotReady"), Some("firing"));
    d.at(600);
    assert_eq!(
        d.value(r#"kube_node_status_condition{node="node-2",condition="MemoryPressure",status="true"}"#),
        1.0
    );
}

#[test]
fn noisy_neighbour_slows_the_api() {
    let p99 =
        r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="api"}[2m])))"#;
    let mut d = drill("drills/noisy-neighbour.yaml", None, 3_600_000);
    d.at(85);
    let before = d.value(p99);
    d.at(420);
    let during = d.value(p99);
    assert!(during > 3.0 * before, "p99 {before} → {during}");
    assert_eq!(d.alert_state("HighLatency"), Some("firing"));
    // The batch run's memory puts the shared nodes under pressure.
    assert_eq!(
        d.value(r#"max(max_over_time(kube_node_status_condition{condition="MemoryPressure",status="true"}[5m]))"#),
        1.0
    );
}

#[test]
fn bad_signals_and_rules_are_located() {
    let yaml = r#"name: x
title: x
nodes: [{name: n}]
workloads:
  - name: web
    namespace: shop
    traffic: 10
    signals: {errorRatio: 1.5}
    revisions: [{image: web:1}]
alerts:
  - alert: Broken
    expr: "rate(http_requests_total[5m]"
"#;
    let err = crate::scenario::parse("x.yaml", yaml).expect_err("invalid").to_string();
    assert!(err.contains("x.yaml:5:5: workloads[0].signals.errorRatio"), "{err}");
    assert!(err.contains("x.yaml:11:5: alerts[0].expr"), "{err}");
    assert!(err.contains("parse error"), "{err}");
}
