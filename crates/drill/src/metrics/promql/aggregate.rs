//! Aggregation operators (`sum`, `avg`, `min`, `max`, `count`, `stddev`, `stdvar`, `topk`,
//! `bottomk`, `quantile`, `count_values`) with `by`/`without`, ported from Prometheus 2.x's
//! engine: groups in order of first appearance, the same running mean and variance updates,
//! and `topk`/`bottomk` heaps that break ties as Go's `container/heap` does.

use std::collections::HashMap;

use promql_parser::parser::{AggregateExpr, LabelModifier};

use super::error::{QueryError, execution};
use super::eval::{Evaluator, Sample, Value};
use super::stats::quantile;
use super::value::format_value;
use crate::metrics::labels::{Labels, METRIC_NAME, is_valid_label_name};

struct Group {
    labels: Labels,
    value: f64,
    mean: f64,
    count: u64,
    /// `topk`/`bottomk` heap or `quantile` values.
    heap: Vec<Sample>,
}

impl Evaluator<'_> {
    pub(super) fn eval_aggregate(&mut self, a: &AggregateExpr, ts: i64) -> Result<Value, QueryError> {
        let op = a.op.to_string();
        let (without, mut grouping) = match &a.modifier {
            Some(LabelModifier::Exclude(l)) => (true, l.labels.clone()),
            Some(LabelModifier::Include(l)) => (false, l.labels.clone()),
            None => (false, Vec::new()),
        };
        let mut k = 0i64;
        let mut q = 0.0;
        let mut value_label = String::new();
        match (op.as_str(), &a.param) {
            ("topk" | "bottomk", Some(p)) => {
                let f = self.eval_scalar(p, ts)?;
                // Go's convertibleToInt64.
                if !(-9.223_372_036_854_776e18..=9.223_372_036_854_775e18).contains(&f) {
                    return execution(format!("Scalar value {} overflows int64", go_float(f)));
                }
                k = f as i64;
            }
            ("quantile", Some(p)) => q = self.eval_scalar(p, ts)?,
            ("count_values", Some(p)) => {
                value_label = self.eval_string(p, ts)?;
                if !is_valid_label_name(&value_label) {
                    return execution(format!("invalid label name {value_label:?}"));
                }
                if !without {
                    grouping.push(value_label.clone());
                }
            }
            _ => {}
        }
        grouping.sort();
        let input = self.eval_vector(&a.expr, ts)?;
        if matches!(op.as_str(), "topk" | "bottomk") && k < 1 {
            return Ok(Value::Vector(Vec::new()));
        }

        let mut index: HashMap<Labels, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for s in input {
            let metric = if op == "count_values" {
                s.labels.with(&value_label, &format_value(s.v))
            } else {
                s.labels.clone()
            };
            let key = if without {
                let mut drop = grouping.clone();
                drop.push(METRIC_NAME.to_string());
                metric.without(&drop)
            } else {
                metric.keep(&grouping)
            };
            let Some(&gi) = index.get(&key) else {
                let mut g = Group {
                    labels: key.clone(),
                    value: s.v,
                    mean: s.v,
                    count: 1,
                    heap: Vec::new(),
                };
                match op.as_str() {
                    "stddev" | "stdvar" => g.value = 0.0,
                    "topk" | "bottomk" | "quantile" => g.heap.push(s),
                    _ => {}
                }
                index.insert(key, groups.len());
                groups.push(g);
                continue;
            };
            let g = &mut groups[gi];
            match op.as_str() {
                "sum" => g.value += s.v,
                "avg" => {
                    g.count += 1;
                    if g.mean.is_infinite() {
                        if s.v.is_infinite() && (g.mean > 0.0) == (s.v > 0.0) {
                            continue;
                        }
                        if !s.v.is_infinite() && !s.v.is_nan() {
                            continue;
                        }
                    }
                    let n = g.count as f64;
                    g.mean += s.v / n - g.mean / n;
                }
                "max" => {
                    if g.value < s.v || g.value.is_nan() {
                        g.value = s.v;
                    }
                }
                "min" => {
                    if g.value > s.v || g.value.is_nan() {
                        g.value = s.v;
                    }
                }
                "count" | "count_values" => g.count += 1,
                "group" => {}
                "stddev" | "stdvar" => {
                    g.count += 1;
                    let delta = s.v - g.mean;
                    g.mean += delta / g.count as f64;
                    g.value += delta * (s.v - g.mean);
                }
                "topk" => top_push(&mut g.heap, s, k, topk_less),
                "bottomk" => top_push(&mut g.heap, s, k, bottomk_less),
                "quantile" => g.heap.push(s),
                other => return execution(format!("unknown aggregation {other}")),
            }
        }

        let mut out = Vec::with_capacity(groups.len());
        for mut g in groups {
            let v = match op.as_str() {
                "group" => 1.0,
                "avg" => g.mean,
                "count" | "count_values" => g.count as f64,
                "stdvar" => g.value / g.count as f64,
                "stddev" => (g.value / g.count as f64).sqrt(),
                "topk" | "bottomk" => {
                    // Highest (topk) or lowest (bottomk) first, NaN last.
                    let desc = op == "topk";
                    g.heap.sort_by(|a, b| match (a.v.is_nan(), b.v.is_nan()) {
                        (true, true) => std::cmp::Ordering::Equal,
                        (true, false) => std::cmp::Ordering::Greater,
                        (false, true) => std::cmp::Ordering::Less,
                        _ if desc => b.v.total_cmp(&a.v),
                        _ => a.v.total_cmp(&b.v),
                    });
                    out.extend(g.heap);
                    continue;
                }
                "quantile" => quantile(q, g.heap.iter().map(|s| s.v).collect()),
                _ => g.value,
            };
            out.push(Sample { labels: g.labels, v });
        }
        Ok(Value::Vector(out))
    }
}

/// Go formats floats in error messages with `%v`.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{f:e}").replace('e', "e+").replace("e+-", "e-")
    }
}

/// `vectorByValueHeap.Less`: the topk heap keeps its smallest value (or a NaN) on top.
fn topk_less(a: f64, b: f64) -> bool {
    a.is_nan() || a < b
}

/// `vectorByReverseValueHeap.Less`: the bottomk heap keeps its largest value on top.
fn bottomk_less(a: f64, b: f64) -> bool {
    a.is_nan() || a > b
}

/// One sample offered to a `topk`/`bottomk` group, as Prometheus' aggregation loop does it.
fn top_push(heap: &mut Vec<Sample>, s: Sample, k: i64, less: fn(f64, f64) -> bool) {
    let top = heap[0].v;
    if (heap.len() as i64) < k || less(top, s.v) || top.is_nan() {
        if heap.len() as i64 == k {
            if k == 1 {
                heap[0] = s;
                return;
            }
            heap_pop(heap, less);
        }
        heap.push(s);
        let last = heap.len() - 1;
        heap_up(heap, last, less);
    }
}

/// Go's `container/heap` `up`.
fn heap_up(h: &mut [Sample], mut j: usize, less: fn(f64, f64) -> bool) {
    while j > 0 {
        let i = (j - 1) / 2;
        if !less(h[j].v, h[i].v) {
            break;
        }
        h.swap(i, j);
        j = i;
    }
}

/// Go's `container/heap` `Pop` (the removed element is dropped).
fn heap_pop(h: &mut Vec<Sample>, less: fn(f64, f64) -> bool) {
    let n = h.len() - 1;
    h.swap(0, n);
    heap_down(&mut h[..n], 0, less);
    h.pop();
}

/// Go's `container/heap` `down`.
fn heap_down(h: &mut [Sample], mut i: usize, less: fn(f64, f64) -> bool) {
    let n = h.len();
    loop {
        let j1 = 2 * i + 1;
        if j1 >= n {
            break;
        }
        let mut j = j1;
        let j2 = j1 + 1;
        if j2 < n && less(h[j2].v, h[j1].v) {
            j = j2;
        }
        if !less(h[j].v, h[i].v) {
            break;
        }
        h.swap(i, j);
        i = j;
    }
}
