//! What the flight recorder reads besides the watches: the samples Prometheus stored for the
//! series the followed panels select (fetched raw, as stored, so that a replay's PromQL
//! answers as the original Prometheus did), and Alertmanager's alerts and silences whenever
//! they change. One task, polling at the console's pace, on the cluster's clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use promql_parser::parser::{Expr, parse};
use promql_parser::util::{ExprVisitor, walk_expr};
use serde_json::Value;
use tokio::sync::mpsc;

use super::clock::ClusterClock;
use super::record::Series;
use super::recorder::Change;
use crate::observe::alertmanager::Alertmanager;
use crate::observe::follow::{FIND_EVERY, Followed, Plan, busiest};
use crate::observe::panels::render;
use crate::observe::prometheus::{Prometheus, QueryResult};

/// What the recorder reads: the Prometheus and Alertmanager followed, and the plan whose
/// services' panels select the series kept.
#[derive(Clone)]
pub struct Monitored {
    pub prometheus: Option<Prometheus>,
    pub alertmanager: Option<Alertmanager>,
    pub plan: Plan,
}

/// How far back the first fetch reaches: a replay's first panels need their rate windows.
const FIRST_LOOKBACK_MS: i64 = 15 * 60 * 1000;
/// How far each fetch reaches back before the last one, for samples stored late.
const OVERLAP_MS: i64 = 60 * 1000;

/// The series `queries` select, each once, without offsets or `@`: what to fetch raw. A
/// query that does not parse selects nothing.
pub fn selectors<'a>(queries: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    struct Found(BTreeSet<String>);
    impl ExprVisitor for Found {
        type Error = std::convert::Infallible;
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, Self::Error> {
            let vs = match e {
                Expr::VectorSelector(v) => v,
                Expr::MatrixSelector(m) => &m.vs,
                _ => return Ok(true),
            };
            let mut vs = vs.clone();
            vs.offset = None;
            vs.at = None;
            self.0.insert(vs.to_string());
            Ok(true)
        }
    }
    let mut found = Found(BTreeSet::new());
    for q in queries {
        if let Ok(e) = parse(q) {
            let _ = walk_expr(&mut found, &e);
        }
    }
    found.0.into_iter().collect()
}

/// The queries of the plan's panels (and its SLO error ratio) for `services`.
fn queries(plan: &Plan, services: &[Followed]) -> Vec<String> {
    let mut out = Vec::new();
    for s in services {
        for p in &plan.panels {
            out.extend(render(&p.template, &s.target, None).ok());
        }
        out.extend(render(&plan.slo_error_ratio, &s.target, Some("1h")).ok());
    }
    out
}

/// The samples of `result` newer than the newest of each series already recorded.
fn newer(result: QueryResult, newest: &mut HashMap<BTreeMap<String, String>, i64>) -> Vec<Series> {
    let QueryResult::Matrix(matrix) = result else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in matrix {
        let last = newest.get(&s.metric).copied().unwrap_or(i64::MIN);
        let values: Vec<(i64, f64)> = s
            .values
            .iter()
            .map(|p| ((p.t * 1000.0).round() as i64, p.v))
            .filter(|(t, _)| *t > last)
            .collect();
        if let Some((t, _)) = values.last() {
            newest.insert(s.metric.clone(), *t);
            out.push(Series {
                metric: s.metric,
                values,
            });
        }
    }
    out
}

/// What of an alert (or silence) says something: not the times Alertmanager refreshes each
/// time Prometheus sends it again.
fn material(items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = items
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if let Some(m) = a.as_object_mut() {
                m.remove("updatedAt");
                if m.contains_key("labels") {
                    m.remove("endsAt");
                }
            }
            a
        })
        .collect();
    out.sort_by_key(|a| a.to_string());
    out
}

/// Polls what is `monitored` every plan interval until `tx` is closed.
pub async fn poll(monitored: Monitored, clock: ClusterClock, tx: mpsc::Sender<Change>) {
    let Monitored {
        prometheus,
        alertmanager,
        plan,
    } = monitored;
    let mut services = plan.services.clone();
    // The series to fetch, parsed out of the panels again only when services are added.
    let mut wanted = selectors(queries(&plan, &services).iter().map(String::as_str));
    let mut found_at: Option<tokio::time::Instant> = None;
    let mut newest = HashMap::new();
    let mut fetched_to: Option<i64> = None;
    let (mut alerts_were, mut silences_were) = (None, None);
    let mut tick = tokio::time::interval(plan.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let mut changes = Vec::new();
        if let Some(p) = &prometheus {
            if plan.find_services
                && found_at.is_none_or(|t| t.elapsed() >= FIND_EVERY)
                && let Some(found) = busiest(p, plan.objective).await
            {
                found_at = Some(tokio::time::Instant::now());
                let known = services.len();
                for f in found {
                    if !services.iter().any(|s| s.target == f.target) {
                        services.push(f);
                    }
                }
                if services.len() > known {
                    wanted = selectors(queries(&plan, &services).iter().map(String::as_str));
                }
            }
            let now = clock.now_ms();
            let lookback = fetched_to.map_or(FIRST_LOOKBACK_MS, |t| now - t + OVERLAP_MS);
            let range = format!("[{}s]", (lookback.max(1000) + 999) / 1000);
            let at = jiff::Timestamp::from_millisecond(now).ok();
            let mut series = Vec::new();
            let mut complete = true;
            for selector in &wanted {
                match p.query(&format!("{selector}{range}"), at).await {
                    Ok(result) => series.extend(newer(result, &mut newest)),
                    Err(e) => {
                        complete = false;
                        tracing::debug!(%selector, error = %e, "the flight recorder did not get samples");
                    }
                }
            }
            // What failed is fetched again next time, from the last complete fetch.
            if complete {
                fetched_to = Some(now);
            }
            if !series.is_empty() {
                changes.push(Change::Samples(series));
            }
        }
        if let Some(a) = &alertmanager {
            if let Ok(alerts) = a.alerts_as::<Value>().await {
                let now = Some(material(&alerts));
                if now != alerts_were {
                    alerts_were = now;
                    changes.push(Change::Alerts(alerts));
                }
            }
            if let Ok(silences) = a.silences_as::<Value>().await {
                let now = Some(material(&silences));
                if now != silences_were {
                    silences_were = now;
                    changes.push(Change::Silences(silences));
                }
            }
        }
        for c in changes {
            if tx.send(c).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::panels::{Target, golden_signals};

    #[test]
    fn the_golden_signals_select_four_series_families_per_service() {
        let plan = Plan::default();
        let services = [Followed {
            target: Target {
                namespace: "shop".into(),
                service: "checkout".into(),
            },
            objective: Some(0.999),
        }];
        assert_eq!(plan.panels, golden_signals());
        let got = selectors(queries(&plan, &services).iter().map(String::as_str));
        assert_eq!(
            got,
            [
                r#"container_cpu_usage_seconds_total{container!="",container!="POD",namespace="shop",pod=~"checkout-.*"}"#,
                r#"http_request_duration_seconds_bucket{namespace="shop",service="checkout"}"#,
                r#"http_requests_total{code=~"5..",namespace="shop",service="checkout"}"#,
                r#"http_requests_total{namespace="shop",service="checkout"}"#,
                r#"kube_pod_container_resource_requests{namespace="shop",pod=~"checkout-.*",resource="cpu"}"#,
            ]
        );
        assert!(selectors(["sum(rate(x[5m] offset 1h))", "nonsense{"]).contains(&"x".to_string()));
    }

    #[test]
    fn only_samples_not_yet_recorded_are_kept() {
        use crate::observe::prometheus::{Point, Series as Fetched};
        let metric: BTreeMap<String, String> = [("__name__".to_string(), "up".to_string())].into();
        let fetched = |ts: &[f64]| {
            QueryResult::Matrix(vec![Fetched {
                metric: metric.clone(),
                values: ts.iter().map(|t| Point { t: *t, v: 1.0 }).collect(),
            }])
        };
        let mut newest = HashMap::new();
        let first = newer(fetched(&[10.0, 25.0]), &mut newest);
        assert_eq!(first[0].values, [(10_000, 1.0), (25_000, 1.0)]);
        let second = newer(fetched(&[25.0, 40.0]), &mut newest);
        assert_eq!(second[0].values, [(40_000, 1.0)]);
        assert!(newer(fetched(&[40.0]), &mut newest).is_empty());
    }

    #[test]
    fn alerts_refreshed_without_change_are_the_same() {
        let a = serde_json::json!({"labels": {"alertname": "X"}, "status": {"state": "active"},
                                   "startsAt": "t0", "updatedAt": "t1", "endsAt": "t2"});
        let mut again = a.clone();
        again["updatedAt"] = "t3".into();
        again["endsAt"] = "t4".into();
        assert_eq!(
            material(std::slice::from_ref(&a)),
            material(std::slice::from_ref(&again))
        );
        again["status"]["state"] = "suppressed".into();
        assert_ne!(material(&[a]), material(&[again]));
    }
}
