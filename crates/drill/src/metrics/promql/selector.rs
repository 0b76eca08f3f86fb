//! Selectors: turns a parsed vector selector into store matchers (once per query), resolves
//! `offset` and `@`, and reads instant samples (latest within the 5-minute lookback, bounds
//! inclusive as in Prometheus 2.x) and range windows (`[t - range, t]`, inclusive).

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use promql_parser::label::MatchOp as ParserOp;
use promql_parser::parser::{AtModifier, MatrixSelector, Offset, VectorSelector};

use super::error::QueryError;
use super::eval::Evaluator;
use super::value::RangeSeries;
use crate::metrics::labels::METRIC_NAME;
use crate::metrics::matcher::Matcher;
use crate::metrics::series::SeriesId;

/// The store matchers of a selector (the metric name as `__name__="..."`).
pub(super) fn matchers(vs: &VectorSelector) -> Result<Vec<Matcher>, QueryError> {
    let mut out = Vec::with_capacity(vs.matchers.matchers.len() + 1);
    if let Some(name) = &vs.name {
        out.push(Matcher::equal(METRIC_NAME, name));
    }
    for m in &vs.matchers.matchers {
        let matcher = match &m.op {
            ParserOp::Equal => Matcher::equal(&m.name, &m.value),
            ParserOp::NotEqual => Matcher::not_equal(&m.name, &m.value),
            ParserOp::Re(_) => Matcher::regex(&m.name, &m.value).map_err(QueryError::BadData)?,
            ParserOp::NotRe(_) => Matcher::not_regex(&m.name, &m.value).map_err(QueryError::BadData)?,
        };
        out.push(matcher);
    }
    Ok(out)
}

pub(super) fn offset_ms(offset: &Option<Offset>) -> i64 {
    match offset {
        None => 0,
        Some(Offset::Pos(d)) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Some(Offset::Neg(d)) => i64::try_from(d.as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

pub(super) fn system_time_ms(t: &SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

impl Evaluator<'_> {
    /// The series a selector matches, resolved once per query.
    pub(super) fn selector_ids(&mut self, vs: &VectorSelector) -> Result<Rc<[SeriesId]>, QueryError> {
        let key = vs as *const VectorSelector as usize;
        if let Some(ids) = self.selected.get(&key) {
            return Ok(ids.clone());
        }
        let ids: Rc<[SeriesId]> = self.store.matching(&matchers(vs)?).into();
        self.selected.insert(key, ids.clone());
        Ok(ids)
    }

    /// The time a selector reads at: the evaluation time (or its `@` time) minus its offset.
    pub(super) fn ref_time(&self, vs: &VectorSelector, ts: i64) -> i64 {
        self.at_time(vs, ts).saturating_sub(offset_ms(&vs.offset))
    }

    pub(super) fn at_time(&self, vs: &VectorSelector, ts: i64) -> i64 {
        match &vs.at {
            None => ts,
            Some(AtModifier::At(t)) => system_time_ms(t),
            Some(AtModifier::Start) => self.start_ms,
            Some(AtModifier::End) => self.end_ms,
        }
    }

    /// For each matched series, its latest sample in `[ref - lookback, ref]` as
    /// `(series, sample time, value)`.
    pub(super) fn instant_points_at(
        &mut self,
        vs: &VectorSelector,
        ref_t: i64,
    ) -> Result<Vec<(SeriesId, i64, f64)>, QueryError> {
        let ids = self.selector_ids(vs)?;
        let min_t = ref_t.saturating_sub(self.opts.lookback_delta_ms);
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids.iter() {
            let Some(series) = self.store.get(id) else {
                continue;
            };
            if let Some((t, v)) = series.samples.last_at_or_before(ref_t)
                && t >= min_t
            {
                out.push((id, t, v));
            }
        }
        Ok(out)
    }

    pub(super) fn instant_points(
        &mut self,
        vs: &VectorSelector,
        ts: i64,
    ) -> Result<Vec<(SeriesId, i64, f64)>, QueryError> {
        let ref_t = self.ref_time(vs, ts);
        self.instant_points_at(vs, ref_t)
    }

    /// The window `[start, end]` (ms) a range selector reads at `ts`.
    pub(super) fn window(&self, ms: &MatrixSelector, ts: i64) -> (i64, i64) {
        let end = self.ref_time(&ms.vs, ts);
        let range = i64::try_from(ms.range.as_millis()).unwrap_or(i64::MAX);
        (end.saturating_sub(range), end)
    }

    /// The raw samples of every matched series in the selector's window.
    pub(super) fn range_series(&mut self, ms: &MatrixSelector, ts: i64) -> Result<Vec<RangeSeries>, QueryError> {
        let ids = self.selector_ids(&ms.vs)?;
        let (mint, maxt) = self.window(ms, ts);
        let mut out = Vec::new();
        for &id in ids.iter() {
            let Some(series) = self.store.get(id) else {
                continue;
            };
            let points: Vec<(i64, f64)> = series.samples.range(mint, maxt).collect();
            if !points.is_empty() {
                out.push(RangeSeries {
                    labels: series.labels.clone(),
                    points,
                });
            }
        }
        Ok(out)
    }
}
