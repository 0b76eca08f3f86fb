//! Functions over range vectors: `rate`, `increase` and `delta` with Prometheus 2.x's
//! extrapolation (`extrapolatedRate`), `irate`/`idelta` from the last two samples, and the
//! `*_over_time` family, `deriv` and `predict_linear` (least squares), `changes`, `resets` and
//! `absent_over_time`. Each series' window is `[t - range, t]`; a series with no samples in it
//! yields nothing, and every function but `last_over_time` drops the metric name.

use promql_parser::parser::Expr;

use super::error::{QueryError, unsupported};
use super::eval::{Evaluator, Sample, Value, check_unique, unwrap_parens};
use super::selector::offset_ms;
use super::stats::{kahan_inc, quantile};

impl Evaluator<'_> {
    pub(super) fn eval_range_function(&mut self, name: &str, args: &[&Expr], ts: i64) -> Result<Value, QueryError> {
        let (matrix_arg, q) = if name == "quantile_over_time" {
            let (Some(q), Some(m)) = (args.first(), args.get(1)) else {
                return Err(QueryError::BadData(
                    "quantile_over_time() needs a quantile and a range vector".into(),
                ));
            };
            (*m, self.eval_scalar(q, ts)?)
        } else if name == "predict_linear" {
            let (Some(m), Some(seconds)) = (args.first(), args.get(1)) else {
                return Err(QueryError::BadData(
                    "predict_linear() needs a range vector and a number of seconds".into(),
                ));
            };
            (*m, self.eval_scalar(seconds, ts)?)
        } else {
            let Some(m) = args.first() else {
                return Err(QueryError::BadData(format!("{name}() needs a range vector")));
            };
            (*m, 0.0)
        };
        let keep_name = name == "last_over_time";
        let mut out = Vec::new();
        let mut any_samples = false;
        match unwrap_parens(matrix_arg) {
            Expr::MatrixSelector(ms) => {
                let ids = self.selector_ids(&ms.vs)?;
                let window = Window::new(self.window(ms, ts), ms.range, ts);
                let mut buf: Vec<(i64, f64)> = Vec::new();
                for &id in ids.iter() {
                    let Some(series) = self.store.get(id) else {
                        continue;
                    };
                    buf.clear();
                    series.samples.collect(window.start, window.end, &mut buf);
                    if buf.is_empty() {
                        continue;
                    }
                    any_samples = true;
                    if let Some(v) = window.value(name, &buf, q)? {
                        let labels = if keep_name {
                            series.labels.clone()
                        } else {
                            self.series_labels_nameless(id)
                        };
                        out.push(Sample { labels, v });
                    }
                }
            }
            Expr::Subquery(sq) => {
                let end = ts.saturating_sub(offset_ms(&sq.offset));
                let range = i64::try_from(sq.range.as_millis()).unwrap_or(i64::MAX);
                let window = Window::new((end.saturating_sub(range), end), sq.range, ts);
                for series in self.subquery_series(sq, ts)? {
                    if series.points.is_empty() {
                        continue;
                    }
                    any_samples = true;
                    if let Some(v) = window.value(name, &series.points, q)? {
                        let labels = if keep_name {
                            series.labels
                        } else {
                            series.labels.without_name()
                        };
                        out.push(Sample { labels, v });
                    }
                }
            }
            _ => {
                return Err(QueryError::BadData(format!(
                    "expected a range vector selector in call to {name}()"
                )));
            }
        }
        if name == "absent_over_time" {
            out = if any_samples {
                Vec::new()
            } else {
                vec![Sample {
                    labels: super::functions::absent_labels(matrix_arg)?,
                    v: 1.0,
                }]
            };
        }
        check_unique(&out)?;
        Ok(Value::Vector(out))
    }
}

/// Least-squares slope and intercept of the samples, time measured in seconds from
/// `intercept_ms` (Prometheus' `linearRegression`, compensated sums included). Values all
/// equal give slope 0, or NaN for both when they are infinite.
pub(crate) fn linear_regression(points: &[(i64, f64)], intercept_ms: i64) -> (f64, f64) {
    let first = points[0].1;
    if points.iter().all(|&(_, v)| v == first) {
        return if first.is_infinite() {
            (f64::NAN, f64::NAN)
        } else {
            (0.0, first)
        };
    }
    let (mut n, mut sum_x, mut c_x, mut sum_y, mut c_y) = (0.0f64, 0.0, 0.0, 0.0, 0.0);
    let (mut sum_xy, mut c_xy, mut sum_x2, mut c_x2) = (0.0f64, 0.0, 0.0, 0.0);
    for &(t, v) in points {
        n += 1.0;
        let x = (t - intercept_ms) as f64 / 1e3;
        (sum_x, c_x) = kahan_inc(x, sum_x, c_x);
        (sum_y, c_y) = kahan_inc(v, sum_y, c_y);
        (sum_xy, c_xy) = kahan_inc(x * v, sum_xy, c_xy);
        (sum_x2, c_x2) = kahan_inc(x * x, sum_x2, c_x2);
    }
    let (sum_x, sum_y, sum_xy, sum_x2) = (sum_x + c_x, sum_y + c_y, sum_xy + c_xy, sum_x2 + c_x2);
    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    (slope, sum_y / n - slope * sum_x / n)
}

/// How many consecutive pairs `(previous, value)` satisfy `counted` (`changes`, `resets`).
fn count_pairs(points: &[(i64, f64)], counted: impl Fn(f64, f64) -> bool) -> f64 {
    points.windows(2).filter(|w| counted(w[0].1, w[1].1)).count() as f64
}

/// The window a range function reads at one evaluation time.
struct Window {
    start: i64,
    end: i64,
    secs: f64,
    /// The evaluation time (`predict_linear` predicts from it).
    at: i64,
}

impl Window {
    fn new((start, end): (i64, i64), range: std::time::Duration, at: i64) -> Window {
        Window {
            start,
            end,
            secs: range.as_secs_f64(),
            at,
        }
    }

    /// The function `name` over the window's (non-empty) samples; `q` is its scalar argument.
    fn value(&self, name: &str, points: &[(i64, f64)], q: f64) -> Result<Option<f64>, QueryError> {
        let (start, end, secs) = (self.start, self.end, self.secs);
        Ok(match name {
            "rate" => extrapolated_rate(points, start, end, secs, true, true),
            "increase" => extrapolated_rate(points, start, end, secs, true, false),
            "delta" => extrapolated_rate(points, start, end, secs, false, false),
            "irate" => instant_value(points, true),
            "idelta" => instant_value(points, false),
            "avg_over_time" => Some(avg_over_time(points)),
            "sum_over_time" => Some(sum_over_time(points)),
            "min_over_time" => Some(fold_nan_aware(points, |acc, v| v < acc)),
            "max_over_time" => Some(fold_nan_aware(points, |acc, v| v > acc)),
            "count_over_time" => Some(points.len() as f64),
            "last_over_time" => points.last().map(|&(_, v)| v),
            "present_over_time" => Some(1.0),
            "stddev_over_time" => Some(variance(points).sqrt()),
            "stdvar_over_time" => Some(variance(points)),
            "quantile_over_time" => Some(quantile(q, points.iter().map(|&(_, v)| v).collect())),
            "deriv" => (points.len() >= 2).then(|| linear_regression(points, points[0].0).0),
            "predict_linear" => (points.len() >= 2).then(|| {
                let (slope, intercept) = linear_regression(points, self.at);
                slope * q + intercept
            }),
            "changes" => Some(count_pairs(points, |prev, v| {
                !(v == prev || (v.is_nan() && prev.is_nan()))
            })),
            "resets" => Some(count_pairs(points, |prev, v| v < prev)),
            // Answered by the caller, from whether any series had samples.
            "absent_over_time" => None,
            other => return unsupported(format!("function {other}()")),
        })
    }
}

/// Prometheus 2.x's `extrapolatedRate`: the increase over the samples (adding back counter
/// resets), extrapolated to the window's edges when the samples reach close to them (within
/// 110% of the average interval), else by half an interval, and never below a counter's zero.
pub(crate) fn extrapolated_rate(
    points: &[(i64, f64)],
    range_start: i64,
    range_end: i64,
    range_secs: f64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    if is_counter {
        let mut prev = first_v;
        for &(_, v) in &points[1..] {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }
    let mut duration_to_start = first_t.saturating_sub(range_start) as f64 / 1000.0;
    let duration_to_end = range_end.saturating_sub(last_t) as f64 / 1000.0;
    let sampled_interval = last_t.saturating_sub(first_t) as f64 / 1000.0;
    let average_between = sampled_interval / (points.len() - 1) as f64;

    if is_counter && result > 0.0 && first_v >= 0.0 {
        let duration_to_zero = sampled_interval * (first_v / result);
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    let threshold = average_between * 1.1;
    let mut extrapolate_to = sampled_interval;
    extrapolate_to += if duration_to_start < threshold {
        duration_to_start
    } else {
        average_between / 2.0
    };
    extrapolate_to += if duration_to_end < threshold {
        duration_to_end
    } else {
        average_between / 2.0
    };
    let mut factor = extrapolate_to / sampled_interval;
    if is_rate {
        factor /= range_secs;
    }
    Some(result * factor)
}

/// `irate`/`idelta`: from the last two samples (a drop counts as a reset for `irate`).
pub(crate) fn instant_value(points: &[(i64, f64)], is_rate: bool) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (last_t, last_v) = points[points.len() - 1];
    let (prev_t, prev_v) = points[points.len() - 2];
    let mut result = if is_rate && last_v < prev_v {
        last_v
    } else {
        last_v - prev_v
    };
    let interval = last_t.saturating_sub(prev_t);
    if interval == 0 {
        return None;
    }
    if is_rate {
        result /= interval as f64 / 1000.0;
    }
    Some(result)
}

fn avg_over_time(points: &[(i64, f64)]) -> f64 {
    let (mut mean, mut c, mut count) = (0.0f64, 0.0f64, 0.0f64);
    for &(_, v) in points {
        count += 1.0;
        if mean.is_infinite() {
            if v.is_infinite() && (mean > 0.0) == (v > 0.0) {
                continue;
            }
            if !v.is_infinite() && !v.is_nan() {
                continue;
            }
        }
        (mean, c) = kahan_inc(v / count - mean / count, mean, c);
    }
    if mean.is_infinite() { mean } else { mean + c }
}

fn sum_over_time(points: &[(i64, f64)]) -> f64 {
    let (mut sum, mut c) = (0.0, 0.0);
    for &(_, v) in points {
        (sum, c) = kahan_inc(v, sum, c);
    }
    if sum.is_infinite() { sum } else { sum + c }
}

/// min/max over time: `better(acc, v)` replaces the running value, as does a NaN one.
fn fold_nan_aware(points: &[(i64, f64)], better: impl Fn(f64, f64) -> bool) -> f64 {
    let mut acc = points[0].1;
    for &(_, v) in points {
        if better(acc, v) || acc.is_nan() {
            acc = v;
        }
    }
    acc
}

/// Population variance with Welford's update and compensated sums.
fn variance(points: &[(i64, f64)]) -> f64 {
    let (mut count, mut mean, mut c_mean, mut aux, mut c_aux) = (0.0f64, 0.0, 0.0, 0.0, 0.0);
    for &(_, v) in points {
        count += 1.0;
        let delta = v - (mean + c_mean);
        (mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_inc(delta * (v - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(start_s: i64, step_s: i64, values: &[f64]) -> Vec<(i64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| ((start_s + step_s * i as i64) * 1000, v))
            .collect()
    }

    #[test]
    fn rate_extrapolates_to_the_window_edges() {
        // Window [0, 60s]; samples at 15..60 every 15s rising 10 each: 30 over 45s.
        let p = pts(15, 15, &[10.0, 20.0, 30.0, 40.0]);
        // Start gap 15s < 16.5s threshold: extrapolate fully; but zero point is 15s back too.
        let inc = extrapolated_rate(&p, 0, 60_000, 60.0, true, false).expect("value");
        assert!((inc - 40.0).abs() < 1e-9, "{inc}");
        let rate = extrapolated_rate(&p, 0, 60_000, 60.0, true, true).expect("value");
        assert!((rate - 40.0 / 60.0).abs() < 1e-12);
    }

    #[test]
    fn counter_zero_point_limits_extrapolation() {
        // First value 1 with slope 10/15s: zero is 1.5s before the first sample.
        let p = pts(15, 15, &[1.0, 11.0, 21.0]);
        let inc = extrapolated_rate(&p, 0, 45_000, 45.0, true, false).expect("value");
        // interval 30 + 1.5 (zero) + 0 (end) = 31.5 → 20 * 31.5/30
        assert!((inc - 21.0).abs() < 1e-9, "{inc}");
        // delta is not a counter: extrapolates the full 15s at the start.
        let d = extrapolated_rate(&p, 0, 45_000, 45.0, false, false).expect("value");
        assert!((d - 30.0).abs() < 1e-9, "{d}");
    }

    #[test]
    fn resets_and_far_edges() {
        // Reset from 30 to 5: increase = (5 - 10) + 30 = 25 over 30s of samples.
        let p = pts(100, 15, &[10.0, 30.0, 5.0]);
        // Window [0, 300s]: both edges far (> 16.5s): extrapolate 7.5s each side.
        let inc = extrapolated_rate(&p, 0, 300_000, 300.0, true, false).expect("value");
        // Prometheus 2.x first moves the start to the zero point (30 * 10/25 = 12s before the
        // first sample), then compares with the threshold: 12s < 16.5s, so it extrapolates
        // 12s at the start and 7.5s at the end: 25 * (30 + 12 + 7.5) / 30.
        assert!((inc - 41.25).abs() < 1e-9, "{inc}");
        assert_eq!(extrapolated_rate(&p[..1], 0, 300_000, 300.0, true, false), None);
    }

    #[test]
    fn irate_and_idelta() {
        let p = pts(0, 10, &[5.0, 8.0, 2.0]);
        assert_eq!(instant_value(&p, true), Some(0.2)); // reset: 2 / 10s
        assert_eq!(instant_value(&p, false), Some(-6.0));
        assert_eq!(instant_value(&p[..1], true), None);
    }

    #[test]
    fn over_time() {
        let p = pts(0, 1, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(avg_over_time(&p), 2.5);
        assert_eq!(sum_over_time(&p), 10.0);
        assert_eq!(variance(&p), 1.25);
        assert_eq!(fold_nan_aware(&p, |a, v| v < a), 1.0);
        assert_eq!(fold_nan_aware(&p, |a, v| v > a), 4.0);
        let n = pts(0, 1, &[f64::NAN, 2.0, 1.0]);
        assert_eq!(fold_nan_aware(&n, |a, v| v < a), 1.0);
        let inf = pts(0, 1, &[f64::INFINITY, 2.0]);
        assert_eq!(avg_over_time(&inf), f64::INFINITY);
    }
}
