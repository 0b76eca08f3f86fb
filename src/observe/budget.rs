//! How the followed services kept to their SLOs over a span: at each step, the worst one's
//! 5-minute error ratio over its error budget (1 is exactly at its SLO), read from Prometheus
//! with range queries up to its own now (a drill's clock, too). A drill's debrief measures
//! recovery with it.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::follow::Plan;
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
        let objective = followed.objective.or(plan.objective).unwrap_or(0.999);
        let budget = (1.0 - objective).max(1e-9);
        let Ok(query) = panels::render(&plan.slo_error_ratio, &followed.target, Some("5m")) else {
            continue;
        };
        let QueryResult::Matrix(series) = p.query_range(&query, since, end, STEP).await? else {
            continue;
        };
        for point in series.iter().flat_map(|s| &s.values).filter(|p| p.v.is_finite()) {
            let over = point.v / budget;
            let at = (point.t * 1000.0).round() as i64;
            worst.entry(at).and_modify(|w| *w = w.max(over)).or_insert(over);
        }
    }
    Ok(worst
        .into_iter()
        .filter_map(|(ms, w)| Timestamp::from_millisecond(ms).ok().map(|t| (t, w)))
        .collect())
}
