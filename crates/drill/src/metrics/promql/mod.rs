//! PromQL over the sim's sample store, with Prometheus 2.x semantics, for the drill cluster's
//! Prometheus API and alert rules. Queries are parsed with `promql-parser` (a refusal placed
//! by `parse`), checked against
//! the supported subset (anything else is `QueryError::Unsupported`, naming the construct),
//! then evaluated at one time (instant) or at each step (range).

mod aggregate;
mod binary;
mod calendar;
mod error;
mod eval;
mod functions;
mod histogram;
pub mod parse;
mod range_functions;
mod selector;
mod stats;
mod subquery;
mod support;
#[cfg(test)]
mod tests;
mod value;

use promql_parser::parser::{Expr, value::ValueType};

pub use error::QueryError;
use value::InstantSample;
pub use value::{QueryValue, format_timestamp, format_value};

use eval::{Evaluator, Value};

use super::series::SeriesStore;

/// Prometheus refuses range queries with more points than this per series.
pub const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// Evaluation settings (Prometheus' defaults).
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    /// How far back an instant selector looks for a sample (`--query.lookback-delta`, 5m).
    pub lookback_delta_ms: i64,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            lookback_delta_ms: 5 * 60 * 1000,
        }
    }
}

/// A parsed query that passed the support check; evaluate it as often as needed (alert rules
/// parse once and evaluate every interval).
#[derive(Debug, Clone)]
pub struct Query {
    expr: Expr,
}

impl Query {
    /// Parses and checks a query: a syntax error is `BadData`, a construct outside the
    /// supported subset `Unsupported`.
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        support::check_size(query)?;
        let expr = parse::parse(query).map_err(support::parse_error)?;
        support::check_depth(&expr)?;
        support::check(&expr)?;
        Ok(Query { expr })
    }

    /// Evaluates at `t_ms` (the API's `/api/v1/query`).
    pub fn instant(&self, store: &SeriesStore, t_ms: i64, opts: &QueryOptions) -> Result<QueryValue, QueryError> {
        let mut ev = Evaluator::new(store, *opts, t_ms, t_ms);
        Ok(match ev.eval(&self.expr, t_ms)? {
            Value::Scalar(v) => QueryValue::Scalar { t_ms, v },
            Value::String(s) => QueryValue::String { t_ms, s },
            Value::Vector(samples) => QueryValue::Vector(
                samples
                    .into_iter()
                    .map(|s| InstantSample {
                        labels: s.labels,
                        t_ms,
                        v: s.v,
                    })
                    .collect(),
            ),
            Value::Matrix(series) => QueryValue::Matrix(series),
        })
    }

    /// Evaluates at `start_ms`, `start_ms + step_ms`, ... up to `end_ms` (the API's
    /// `/api/v1/query_range`); the result is always a matrix ordered by label set.
    pub fn range(
        &self,
        store: &SeriesStore,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        opts: &QueryOptions,
    ) -> Result<QueryValue, QueryError> {
        if end_ms < start_ms {
            return Err(QueryError::BadData(
                "invalid parameter \"end\": end timestamp must not be before start time".into(),
            ));
        }
        if step_ms <= 0 {
            return Err(QueryError::BadData(
                "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
            ));
        }
        if (i128::from(end_ms) - i128::from(start_ms)) / i128::from(step_ms) > i128::from(MAX_POINTS_PER_SERIES) {
            return Err(QueryError::BadData(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into(),
            ));
        }
        match self.expr.value_type() {
            ValueType::Matrix => {
                return Err(QueryError::BadData(
                    "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector".into(),
                ));
            }
            ValueType::String => {
                return Err(QueryError::BadData(
                    "invalid expression type \"string\" for range query, must be Scalar or instant Vector".into(),
                ));
            }
            _ => {}
        }
        let mut ev = Evaluator::new(store, *opts, start_ms, end_ms);
        let mut out = ev.over_steps(
            &self.expr,
            (start_ms, end_ms, step_ms),
            "range queries need a scalar or instant vector expression",
        )?;
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        Ok(QueryValue::Matrix(out))
    }
}

#[cfg(test)]
/// Parses and evaluates `query` at `t_ms` with default options.
pub fn instant_query(store: &SeriesStore, query: &str, t_ms: i64) -> Result<QueryValue, QueryError> {
    Query::parse(query)?.instant(store, t_ms, &QueryOptions::default())
}

#[cfg(test)]
/// Parses and evaluates `query` over `[start_ms, end_ms]` every `step_ms` with default
/// options.
pub fn range_query(
    store: &SeriesStore,
    query: &str,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
) -> Result<QueryValue, QueryError> {
    Query::parse(query)?.range(store, start_ms, end_ms, step_ms, &QueryOptions::default())
}

/// Parses a series selector (`up{job="a"}`, as `match[]` takes) into matchers.
pub fn parse_selector(selector: &str) -> Result<Vec<super::matcher::Matcher>, QueryError> {
    support::check_size(selector)?;
    let expr = parse::parse(selector).map_err(support::parse_error)?;
    match &expr {
        Expr::VectorSelector(vs) => {
            if !vs.matchers.or_matchers.is_empty() {
                return Err(QueryError::Unsupported("'or' in label matchers".into()));
            }
            selector::matchers(vs)
        }
        _ => Err(QueryError::BadData(format!(
            "invalid selector {selector:?}: a series selector such as up{{job=\"a\"}} is required"
        ))),
    }
}
