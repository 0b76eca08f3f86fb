//! How the followed services kept to their SLOs over a span: at each step, the worst one's
//! 5-minute error ratio over its error budget (1 is exactly at its SLO), read from Prometheus
//! with range queries up to its own now (a drill's clock, too). A drill's debrief measures
//! recovery with it.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::follow::{Followed, Plan};
use super::http::ObserveError;
use super::learn::server_now;
use super::panels;
use super::prometheus::{Prometheus, QueryResult};

/// The step of the range queries: one scrape.
pub const STEP: Duration = Duration::from_secs(15);

/// Prometheus answers at most 11,000 points a series: a longer span is read from its end.
const MOST_POINTS: i64 = 10_000;

/// At each step from `since` to Prometheus's now, the worst followed service's 5-minute error
/// ratio over its error budget, oldest first. A step where no service had traffic is left out.
pub async fn worst_over_budget(
    p: &Prometheus,
    plan: &Plan,
    since: Timestamp,
) -> Result<Vec<(Timestamp, f64)>, ObserveError> {
    let end = server_now(p).await.unwrap_or_else(Timestamp::now);
    let step = SignedDuration::try_from(STEP).unwrap_or(SignedDuration::from_secs(15));
    let since = since.max(end - step * MOST_POINTS as i32);
    let mut worst: BTreeMap<i64, f64> = BTreeMap::new();
    for followed in &plan.services {
        let budget = (1.0 - objective(plan, followed)).max(1e-9);
        let Some(ratios) = error_ratios(p, plan, followed, since, end).await? else {
            continue;
        };
        for (at, ratio) in ratios {
            let over = ratio / budget;
            worst.entry(at).and_modify(|w| *w = w.max(over)).or_insert(over);
        }
    }
    Ok(worst
        .into_iter()
        .filter_map(|(ms, w)| Timestamp::from_millisecond(ms).ok().map(|t| (t, w)))
        .collect())
}

/// A followed service's SLO objective: its own, else the plan's, else 99.9%.
pub fn objective(plan: &Plan, followed: &Followed) -> f64 {
    followed.objective.or(plan.objective).unwrap_or(0.999)
}

/// A followed service's 5-minute error ratio at each step from `from` to `to`, by Unix
/// milliseconds (the worst of its series); none when the plan's template gives no query.
pub async fn error_ratios(
    p: &Prometheus,
    plan: &Plan,
    followed: &Followed,
    from: Timestamp,
    to: Timestamp,
) -> Result<Option<BTreeMap<i64, f64>>, ObserveError> {
    let Ok(query) = panels::render(&plan.slo_error_ratio, &followed.target, Some("5m")) else {
        return Ok(None);
    };
    Ok(Some(per_step(p.query_range(&query, from, to, STEP).await?, f64::max)))
}

/// A range answer as one value per step, its series' finite values combined with `combine`,
/// by Unix milliseconds.
pub fn per_step(result: QueryResult, combine: fn(f64, f64) -> f64) -> BTreeMap<i64, f64> {
    let mut out: BTreeMap<i64, f64> = BTreeMap::new();
    if let QueryResult::Matrix(series) = result {
        for point in series.iter().flat_map(|s| &s.values).filter(|p| p.v.is_finite()) {
            out.entry((point.t * 1000.0).round() as i64)
                .and_modify(|v| *v = combine(*v, point.v))
                .or_insert(point.v);
        }
    }
    out
}
