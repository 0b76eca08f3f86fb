//! How much an incident hurt, measured in Prometheus over its span: for each followed service,
//! its worst 5-minute error ratio and when, how long it was over its SLO, and the requests it
//! served and failed over the span (traffic × error ratio at each step, an estimate). Services
//! never over their SLO in the span are left out.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::budget::{self, STEP};
use super::follow::Plan;
use super::http::ObserveError;
use super::panels;
use super::prometheus::Prometheus;
use crate::incident::model::ServiceImpact;

/// Each followed service's impact from `from` to `to`.
pub async fn measure(
    p: &Prometheus,
    plan: &Plan,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ServiceImpact>, ObserveError> {
    let step_s = STEP.as_secs_f64();
    let traffic = plan
        .panels
        .iter()
        .find(|p| p.name == "traffic")
        .map(|p| p.template.clone());
    let mut out = Vec::new();
    for followed in &plan.services {
        let objective = budget::objective(plan, followed);
        let limit = 1.0 - objective;
        let Some(errors) = budget::error_ratios(p, plan, followed, from, to).await? else {
            continue;
        };
        let rates = match traffic.as_deref().map(|t| panels::render(t, &followed.target, None)) {
            Some(Ok(q)) => budget::per_step(p.query_range(&q, from, to, STEP).await?, |a, b| a + b),
            _ => BTreeMap::new(),
        };
        let Some((&peak_ms, &peak)) = errors.iter().max_by(|a, b| a.1.total_cmp(b.1)) else {
            continue;
        };
        let over = errors.values().filter(|v| **v > limit).count();
        if over == 0 {
            continue;
        }
        let requests: f64 = rates.values().map(|r| r * step_s).sum();
        let failed: f64 = rates
            .iter()
            .map(|(t, r)| r * errors.get(t).copied().unwrap_or(0.0) * step_s)
            .sum();
        out.push(ServiceImpact {
            service: format!("{}/{}", followed.target.namespace, followed.target.service),
            objective,
            peak_error_ratio: peak,
            peak_at: Timestamp::from_millisecond(peak_ms).unwrap_or(from),
            over_slo_seconds: (over as f64 * step_s).round() as i64,
            requests,
            failed_requests: failed,
        });
    }
    Ok(out)
}
