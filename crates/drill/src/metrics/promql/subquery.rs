//! Subqueries (`expr[range:step] offset d`): the inner expression evaluated at every multiple
//! of the step in the window `[t - offset - range, t - offset]`, as Prometheus 2.x aligns them
//! (to absolute time, not to the query), giving a range vector. With no step, the drill's
//! evaluation interval. `@` on or inside a subquery is refused before evaluation.

use promql_parser::parser::SubqueryExpr;

use super::error::QueryError;
use super::eval::Evaluator;
use super::selector::offset_ms;
use super::value::RangeSeries;
use crate::metrics::rules::EVALUATION_INTERVAL_MS;

impl Evaluator<'_> {
    /// The subquery's series at `ts`: one per label set the inner expression had at any step.
    pub(super) fn subquery_series(&mut self, sq: &SubqueryExpr, ts: i64) -> Result<Vec<RangeSeries>, QueryError> {
        let step = sq
            .step
            .map_or(EVALUATION_INTERVAL_MS, |d| {
                i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
            })
            .max(1);
        let range = i64::try_from(sq.range.as_millis()).unwrap_or(i64::MAX);
        let end = ts.saturating_sub(offset_ms(&sq.offset));
        let start = end.saturating_sub(range);
        // The first multiple of the step at or after the window's start.
        let mut t = start.div_euclid(step).saturating_mul(step);
        if t < start {
            t = t.saturating_add(step);
        }
        self.over_steps(&sq.expr, (t, end, step), "subquery is only allowed on instant vector")
    }
}
