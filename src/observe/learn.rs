//! The history a detector learns from at start, read from Prometheus with range queries: each
//! followed service's panels over the trailing window at the poll interval, and over the last
//! eight days in five-minute steps, both ending at Prometheus's own now (a drill's clock, too).

use std::time::Duration;

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};

use super::follow::Plan;
use super::panels::{self, Target};
use super::prometheus::{Prometheus, QueryResult};

/// How far back seasonal history is asked for: a week and a day.
pub const SEASONAL_SPAN: Duration = Duration::from_secs(8 * 86_400);
/// Its step: Prometheus answers at most 11,000 points a series, and the bands use five-minute
/// means anyway.
pub const SEASONAL_STEP: Duration = Duration::from_secs(300);

/// One panel's history for one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub target: Target,
    pub panel: String,
    /// Five-minute points over days (else the trailing window at the poll interval).
    pub seasonal: bool,
    /// Seconds since the epoch and value, oldest first.
    pub points: Vec<(i64, f64)>,
}

/// Prometheus's own now (`time()`), so history ends where its samples do.
pub async fn server_now(p: &Prometheus) -> Option<Timestamp> {
    let r = p.query("time()", None).await.ok()?;
    let t = r.single_value()?;
    Timestamp::from_millisecond((t * 1000.0) as i64).ok()
}

/// The history of the plan's `panels` (by name; others are not asked) for these services,
/// ending at Prometheus's own now. A panel whose query fails or gives several series is left
/// out (the detector learns it live).
pub async fn learn(
    p: &Prometheus,
    plan: &Plan,
    targets: &[Target],
    panels: &[&str],
    trailing: Duration,
) -> Vec<Learned> {
    match server_now(p).await {
        Some(end) => learn_until(p, plan, targets, panels, trailing, end).await,
        None => Vec::new(),
    }
}

/// `learn`, ending at `end`.
pub async fn learn_until(
    p: &Prometheus,
    plan: &Plan,
    targets: &[Target],
    panels: &[&str],
    trailing: Duration,
    end: Timestamp,
) -> Vec<Learned> {
    let mut jobs = Vec::new();
    for target in targets {
        for panel in plan.panels.iter().filter(|x| panels.contains(&x.name.as_str())) {
            jobs.push((target.clone(), panel.clone(), false, trailing, plan.interval));
            jobs.push((target.clone(), panel.clone(), true, SEASONAL_SPAN, SEASONAL_STEP));
        }
    }
    futures::stream::iter(jobs)
        .map(|(target, panel, seasonal, span, step)| async move {
            let q = panels::render(&panel.template, &target, None).ok()?;
            let start = end - SignedDuration::try_from(span).ok()?;
            let step = step.max(Duration::from_secs(1));
            let QueryResult::Matrix(m) = p.query_range(&q, start, end, step).await.ok()? else {
                return None;
            };
            let [series] = m.as_slice() else { return None };
            Some(Learned {
                target,
                panel: panel.name.clone(),
                seasonal,
                points: series.values.iter().map(|pt| (pt.t as i64, pt.v)).collect(),
            })
        })
        .buffer_unordered(plan.concurrency.max(1))
        .filter_map(|l| async move { l })
        .collect()
        .await
}
