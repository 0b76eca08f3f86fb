//! The evaluator: walks a parsed expression at one evaluation time and returns its value.
//! Range queries call it once per step. Operators, aggregations and functions live in their
//! own files as further `impl Evaluator` blocks; this file owns the value types and dispatch.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use promql_parser::parser::Expr;

use super::QueryOptions;
use super::error::{QueryError, execution, unsupported};
use super::value::RangeSeries;
use crate::metrics::labels::Labels;
use crate::metrics::series::{SeriesId, SeriesStore};

/// One element of an instant vector during evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub labels: Labels,
    pub v: f64,
}

/// An intermediate value.
#[derive(Debug)]
pub(crate) enum Value {
    Scalar(f64),
    String(String),
    Vector(Vec<Sample>),
    Matrix(Vec<RangeSeries>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::String(_) => "string",
            Value::Vector(_) => "instant vector",
            Value::Matrix(_) => "range vector",
        }
    }
}

/// Evaluation state for one query: the store, the query's start and end (for `@ start()` and
/// `@ end()`), and caches that last for the whole query.
pub(crate) struct Evaluator<'a> {
    pub(super) store: &'a SeriesStore,
    pub(super) opts: QueryOptions,
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    /// Series matched by each selector of the expression, keyed by the selector's address.
    pub(super) selected: HashMap<usize, Rc<[SeriesId]>>,
    /// Label sets with the metric name dropped, per series.
    pub(super) nameless: HashMap<SeriesId, Labels>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(store: &'a SeriesStore, opts: QueryOptions, start_ms: i64, end_ms: i64) -> Evaluator<'a> {
        Evaluator {
            store,
            opts,
            start_ms,
            end_ms,
            selected: HashMap::new(),
            nameless: HashMap::new(),
        }
    }

    /// Evaluates `expr` at `ts` (milliseconds).
    pub(crate) fn eval(&mut self, expr: &Expr, ts: i64) -> Result<Value, QueryError> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, ts),
            Expr::Unary(u) => match self.eval(&u.expr, ts)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(samples) => {
                    let out: Vec<Sample> = samples
                        .into_iter()
                        .map(|s| Sample {
                            labels: s.labels.without_name(),
                            v: -s.v,
                        })
                        .collect();
                    check_unique(&out)?;
                    Ok(Value::Vector(out))
                }
                other => Err(QueryError::BadData(format!(
                    "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                    other.type_name()
                ))),
            },
            Expr::VectorSelector(vs) => {
                let points = self.instant_points(vs, ts)?;
                let out = points
                    .into_iter()
                    .map(|(id, _, v)| Sample {
                        labels: self.series_labels(id),
                        v,
                    })
                    .collect();
                Ok(Value::Vector(out))
            }
            Expr::MatrixSelector(ms) => Ok(Value::Matrix(self.range_series(ms, ts)?)),
            Expr::Binary(b) => self.eval_binary(b, ts),
            Expr::Aggregate(a) => self.eval_aggregate(a, ts),
            Expr::Call(c) => self.eval_call(c, ts),
            Expr::Subquery(sq) => Ok(Value::Matrix(self.subquery_series(sq, ts)?)),
            Expr::Extension(_) => unsupported("extension expression"),
        }
    }

    /// `expr` evaluated at `first`, `first + step`, ... up to `last`, as one series per label
    /// set in the order first seen (a scalar is the series with no labels); anything but a
    /// scalar or an instant vector is `BadData` saying `not_vector`. Range queries and
    /// subqueries both step this way.
    pub(super) fn over_steps(
        &mut self,
        expr: &Expr,
        (first, last, step): (i64, i64, i64),
        not_vector: &str,
    ) -> Result<Vec<RangeSeries>, QueryError> {
        let mut index: HashMap<Labels, usize> = HashMap::new();
        let mut out: Vec<RangeSeries> = Vec::new();
        let mut push = |labels: Labels, t: i64, v: f64| {
            let i = *index.entry(labels.clone()).or_insert_with(|| {
                out.push(RangeSeries {
                    labels,
                    points: Vec::new(),
                });
                out.len() - 1
            });
            out[i].points.push((t, v));
        };
        let mut t = first;
        while t <= last {
            match self.eval(expr, t)? {
                Value::Scalar(v) => push(Labels::empty(), t, v),
                Value::Vector(samples) => {
                    for s in samples {
                        push(s.labels, t, s.v);
                    }
                }
                Value::String(_) | Value::Matrix(_) => return Err(QueryError::BadData(not_vector.into())),
            }
            match t.checked_add(step) {
                Some(next) => t = next,
                None => break,
            }
        }
        Ok(out)
    }

    pub(super) fn eval_scalar(&mut self, expr: &Expr, ts: i64) -> Result<f64, QueryError> {
        match self.eval(expr, ts)? {
            Value::Scalar(v) => Ok(v),
            other => execution(format!("expected scalar, got {}", other.type_name())),
        }
    }

    pub(super) fn eval_vector(&mut self, expr: &Expr, ts: i64) -> Result<Vec<Sample>, QueryError> {
        match self.eval(expr, ts)? {
            Value::Vector(v) => Ok(v),
            other => execution(format!("expected instant vector, got {}", other.type_name())),
        }
    }

    pub(super) fn eval_string(&mut self, expr: &Expr, ts: i64) -> Result<String, QueryError> {
        match self.eval(expr, ts)? {
            Value::String(s) => Ok(s),
            other => execution(format!("expected string, got {}", other.type_name())),
        }
    }

    pub(super) fn series_labels(&self, id: SeriesId) -> Labels {
        self.store.get(id).map(|s| s.labels.clone()).unwrap_or_default()
    }

    /// A series' labels without the metric name, computed once per query.
    pub(super) fn series_labels_nameless(&mut self, id: SeriesId) -> Labels {
        if let Some(l) = self.nameless.get(&id) {
            return l.clone();
        }
        let l = self.series_labels(id).without_name();
        self.nameless.insert(id, l.clone());
        l
    }
}

/// Prometheus refuses a vector holding two samples with the same labels.
pub(super) fn check_unique(samples: &[Sample]) -> Result<(), QueryError> {
    if samples.len() < 2 {
        return Ok(());
    }
    let mut seen = HashSet::with_capacity(samples.len());
    for s in samples {
        if !seen.insert(&s.labels) {
            return execution("vector cannot contain metrics with the same labelset");
        }
    }
    Ok(())
}

/// Strips parentheses around an expression.
pub(super) fn unwrap_parens(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}
