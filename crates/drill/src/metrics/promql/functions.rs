//! Function calls: dispatch, and the functions over instant vectors and scalars (`abs`,
//! `sqrt`, `exp`, `ln`, `log2`, `log10`, `sgn`, `ceil`, `floor`, `round`, `clamp*`, `scalar`,
//! `vector`, `time`, `timestamp`, the calendar's parts, `absent`, `label_replace`,
//! `label_join`, `sort`, `sort_desc`). Range-vector functions are in `range_functions`,
//! `histogram_quantile` in `histogram`. Metric names are dropped where Prometheus drops them.

use std::cmp::Ordering;

use promql_parser::parser::{Call, Expr};
use regex::{Captures, Regex};

use super::error::{QueryError, execution, unsupported};
use super::eval::{Evaluator, Sample, Value, check_unique, unwrap_parens};
use super::selector::matchers;
use super::stats::{go_max, go_min};
use crate::metrics::labels::{Labels, METRIC_NAME, is_valid_label_name};
use crate::metrics::regex_go::compile_anchored;

impl Evaluator<'_> {
    pub(super) fn eval_call(&mut self, c: &Call, ts: i64) -> Result<Value, QueryError> {
        let name = c.func.name;
        let args: Vec<&Expr> = c.args.args.iter().map(|a| a.as_ref()).collect();
        let arg = |i: usize| -> Result<&Expr, QueryError> {
            args.get(i)
                .copied()
                .ok_or_else(|| QueryError::BadData(format!("missing argument {} in call to {name}()", i + 1)))
        };
        let out = match name {
            "time" => return Ok(Value::Scalar(ts as f64 / 1000.0)),
            "vector" => {
                let v = self.eval_scalar(arg(0)?, ts)?;
                return Ok(Value::Vector(vec![Sample {
                    labels: Labels::empty(),
                    v,
                }]));
            }
            "scalar" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                return Ok(Value::Scalar(if v.len() == 1 { v[0].v } else { f64::NAN }));
            }
            "abs" => self.simple(arg(0)?, ts, f64::abs)?,
            "sqrt" => self.simple(arg(0)?, ts, f64::sqrt)?,
            "exp" => self.simple(arg(0)?, ts, f64::exp)?,
            "ln" => self.simple(arg(0)?, ts, f64::ln)?,
            "log2" => self.simple(arg(0)?, ts, f64::log2)?,
            "log10" => self.simple(arg(0)?, ts, f64::log10)?,
            // Go's sign: 0 stays 0, NaN stays NaN.
            "sgn" => self.simple(arg(0)?, ts, |v| {
                if v > 0.0 {
                    1.0
                } else if v < 0.0 {
                    -1.0
                } else {
                    v
                }
            })?,
            "minute" | "hour" | "day_of_week" | "day_of_month" | "day_of_year" | "days_in_month" | "month" | "year" => {
                let v = match args.first() {
                    Some(e) => self.eval_vector(e, ts)?,
                    None => vec![Sample {
                        labels: Labels::empty(),
                        v: ts as f64 / 1000.0,
                    }],
                };
                map_values(v, |secs| super::calendar::part(name, secs))
            }
            "ceil" => self.simple(arg(0)?, ts, f64::ceil)?,
            "floor" => self.simple(arg(0)?, ts, f64::floor)?,
            "round" => {
                let to_nearest = match args.get(1) {
                    Some(e) => self.eval_scalar(e, ts)?,
                    None => 1.0,
                };
                let inverse = 1.0 / to_nearest;
                self.simple(arg(0)?, ts, |v| (v * inverse + 0.5).floor() / inverse)?
            }
            "clamp" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                let min = self.eval_scalar(arg(1)?, ts)?;
                let max = self.eval_scalar(arg(2)?, ts)?;
                if max < min {
                    Vec::new()
                } else {
                    map_values(v, |x| go_max(min, go_min(max, x)))
                }
            }
            "clamp_min" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                let min = self.eval_scalar(arg(1)?, ts)?;
                map_values(v, |x| go_max(min, x))
            }
            "clamp_max" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                let max = self.eval_scalar(arg(1)?, ts)?;
                map_values(v, |x| go_min(max, x))
            }
            "timestamp" => self.timestamp(arg(0)?, ts)?,
            "absent" => {
                let e = arg(0)?;
                if self.eval_vector(e, ts)?.is_empty() {
                    vec![Sample {
                        labels: absent_labels(e)?,
                        v: 1.0,
                    }]
                } else {
                    Vec::new()
                }
            }
            "label_replace" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                let dst = self.eval_string(arg(1)?, ts)?;
                let repl = self.eval_string(arg(2)?, ts)?;
                let src = self.eval_string(arg(3)?, ts)?;
                let re = self.eval_string(arg(4)?, ts)?;
                label_replace(v, &dst, &repl, &src, &re)?
            }
            "label_join" => {
                let v = self.eval_vector(arg(0)?, ts)?;
                let dst = self.eval_string(arg(1)?, ts)?;
                let separator = self.eval_string(arg(2)?, ts)?;
                let mut sources = Vec::new();
                for e in args.iter().skip(3) {
                    sources.push(self.eval_string(e, ts)?);
                }
                label_join(v, &dst, &separator, &sources)?
            }
            "sort" | "sort_desc" => {
                let mut v = self.eval_vector(arg(0)?, ts)?;
                let desc = name == "sort_desc";
                v.sort_by(|a, b| match (a.v.is_nan(), b.v.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ if desc => b.v.partial_cmp(&a.v).unwrap_or(Ordering::Equal),
                    _ => a.v.partial_cmp(&b.v).unwrap_or(Ordering::Equal),
                });
                v
            }
            "histogram_quantile" => {
                let q = self.eval_scalar(arg(0)?, ts)?;
                let v = self.eval_vector(arg(1)?, ts)?;
                super::histogram::histogram_quantile(q, v)
            }
            "rate" | "irate" | "increase" | "delta" | "idelta" | "avg_over_time" | "min_over_time"
            | "max_over_time" | "sum_over_time" | "count_over_time" | "last_over_time" | "present_over_time"
            | "stddev_over_time" | "stdvar_over_time" | "quantile_over_time" | "deriv" | "predict_linear"
            | "changes" | "resets" | "absent_over_time" => {
                return self.eval_range_function(name, &args, ts);
            }
            other => return unsupported(format!("function {other}()")),
        };
        check_unique(&out)?;
        Ok(Value::Vector(out))
    }

    /// Applies `f` to every value and drops the metric name.
    fn simple(&mut self, e: &Expr, ts: i64, f: impl Fn(f64) -> f64) -> Result<Vec<Sample>, QueryError> {
        Ok(map_values(self.eval_vector(e, ts)?, f))
    }

    /// `timestamp(v)`: a selector argument gives each sample's own time (after `offset` and
    /// `@`); anything else the evaluation time.
    fn timestamp(&mut self, e: &Expr, ts: i64) -> Result<Vec<Sample>, QueryError> {
        if let Expr::VectorSelector(vs) = unwrap_parens(e) {
            let points = self.instant_points(vs, ts)?;
            return Ok(points
                .into_iter()
                .map(|(id, t, _)| Sample {
                    labels: self.series_labels_nameless(id),
                    v: t as f64 / 1000.0,
                })
                .collect());
        }
        let v = self.eval_vector(e, ts)?;
        Ok(map_values(v, |_| ts as f64 / 1000.0))
    }
}

/// `label_replace`: where `src`'s value matches `pattern`, `dst` set to `repl` expanded with
/// its groups.
fn label_replace(v: Vec<Sample>, dst: &str, repl: &str, src: &str, pattern: &str) -> Result<Vec<Sample>, QueryError> {
    let re = compile_anchored(pattern)
        .map_err(|_| QueryError::Execution(format!("invalid regular expression in label_replace(): {pattern}")))?;
    if !is_valid_label_name(dst) {
        return execution(format!("invalid destination label name in label_replace(): {dst}"));
    }
    Ok(v.into_iter()
        .map(|s| {
            let value = s.labels.get(src).unwrap_or("");
            let labels = match re.captures(value) {
                None => s.labels.clone(),
                Some(caps) => s.labels.with(dst, &expand_go(&re, &caps, repl)),
            };
            Sample { labels, v: s.v }
        })
        .collect())
}

/// `label_join`: `dst` set to the `sources`' values joined by `separator` (removed when that is
/// empty); the metric name stays.
fn label_join(v: Vec<Sample>, dst: &str, separator: &str, sources: &[String]) -> Result<Vec<Sample>, QueryError> {
    if let Some(bad) = sources.iter().find(|s| !is_valid_label_name(s)) {
        return execution(format!("invalid source label name in label_join(): {bad}"));
    }
    if !is_valid_label_name(dst) {
        return execution(format!("invalid destination label name in label_join(): {dst}"));
    }
    Ok(v.into_iter()
        .map(|s| {
            let joined = sources
                .iter()
                .map(|l| s.labels.get(l).unwrap_or(""))
                .collect::<Vec<_>>()
                .join(separator);
            Sample {
                labels: s.labels.with(dst, &joined),
                v: s.v,
            }
        })
        .collect())
}

fn map_values(v: Vec<Sample>, f: impl Fn(f64) -> f64) -> Vec<Sample> {
    v.into_iter()
        .map(|s| Sample {
            labels: s.labels.without_name(),
            v: f(s.v),
        })
        .collect()
}

/// The labels `absent()` reports, derived as Prometheus 2.x does: each `=` matcher sets its
/// label unless already set; a label named by any other matcher, or matched twice, is dropped.
pub(super) fn absent_labels(e: &Expr) -> Result<Labels, QueryError> {
    let vs = match e {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Ok(Labels::empty()),
    };
    let mut set: Vec<(String, String)> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for m in matchers(vs)? {
        if m.name == METRIC_NAME {
            continue;
        }
        if m.is_equal() && !set.iter().any(|(n, _)| *n == m.name) {
            if !m.value.is_empty() {
                set.push((m.name.clone(), m.value.clone()));
            }
        } else {
            dropped.push(m.name.clone());
        }
    }
    set.retain(|(n, _)| !dropped.contains(n));
    Ok(Labels::from_pairs(&set))
}

/// Go's `Regexp.ExpandString`: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is as long as
/// possible, unknown groups expand to nothing, a malformed `$` is kept.
fn expand_go(re: &Regex, caps: &Captures<'_>, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let Some((name, after)) = extract_name(rest) else {
            out.push('$');
            continue;
        };
        rest = after;
        let num = if name.len() > 1 && name.starts_with('0') {
            None
        } else if name.len() <= 8 && name.bytes().all(|b| b.is_ascii_digit()) {
            name.parse::<usize>().ok()
        } else {
            None
        };
        let group = match num {
            Some(n) => caps.get(n),
            None => re
                .capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i)),
        };
        if let Some(m) = group {
            out.push_str(m.as_str());
        }
    }
    out.push_str(rest);
    out
}

/// Go's `extract`: the name after a `$` and the text after it.
fn extract_name(s: &str) -> Option<(&str, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let end = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    if brace {
        let after = body[end..].strip_prefix('}')?;
        Some((name, after))
    } else {
        Some((name, &body[end..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(pattern: &str, input: &str, template: &str) -> String {
        let re = compile_anchored(pattern).expect("re");
        let caps = re.captures(input).expect("match");
        expand_go(&re, &caps, template)
    }

    #[test]
    fn expansion_follows_go() {
        assert_eq!(expand("(a)(b)", "ab", "$2$1"), "ba");
        assert_eq!(expand("(a)(b)", "ab", "${1}x"), "ax");
        assert_eq!(expand("(a)(b)", "ab", "$1x"), ""); // group "1x" does not exist
        assert_eq!(expand("(?P<x>a)b", "ab", "<$x>"), "<a>");
        assert_eq!(expand("(a)", "a", "$$1"), "$1");
        assert_eq!(expand("(a)", "a", "$-"), "$-");
        assert_eq!(expand("(a)", "a", "${1"), "${1");
        assert_eq!(expand("(a)", "a", "$01"), "");
        assert_eq!(expand("(a)", "a", "$9"), "");
    }
}
