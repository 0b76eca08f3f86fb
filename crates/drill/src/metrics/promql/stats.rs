//! Numeric helpers shared by aggregations and `*_over_time`, ported from Prometheus so results
//! agree to the last bits that matter: the quantile estimator, Neumaier-compensated sums, and
//! Go's `math.Max`/`math.Min` (which propagate NaN, unlike `f64::max`).

use std::cmp::Ordering;

/// Prometheus' `quantile`: linear interpolation between the closest ranks (NaN sorts first).
pub(crate) fn quantile(q: f64, mut values: Vec<f64>) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(nan_first);
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Ascending order with NaN first, as Go's `vectorByValueHeap`.
pub(crate) fn nan_first(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// One step of Neumaier's compensated summation (Go's `kahanSumInc`).
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// Go's `math.Max`.
pub(crate) fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
pub(crate) fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && y == 0.0 {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let v = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(0.5, v.clone()), 2.5);
        assert_eq!(quantile(0.0, v.clone()), 1.0);
        assert_eq!(quantile(1.0, v.clone()), 4.0);
        assert!((quantile(0.9, v.clone()) - 3.7).abs() < 1e-12);
        assert_eq!(quantile(-1.0, v.clone()), f64::NEG_INFINITY);
        assert_eq!(quantile(2.0, v), f64::INFINITY);
        assert!(quantile(0.5, vec![]).is_nan());
        // NaN sorts lowest.
        assert_eq!(quantile(1.0, vec![f64::NAN, 1.0]), 1.0);
    }

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let (mut s, mut c) = (0.0, 0.0);
        for x in [1e100, 1.0, -1e100] {
            (s, c) = kahan_inc(x, s, c);
        }
        assert_eq!(s + c, 1.0);
    }

    #[test]
    fn go_min_max_propagate_nan() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(f64::NAN, f64::INFINITY), f64::INFINITY);
        assert!(go_min(f64::NAN, 1.0).is_nan());
        assert_eq!(go_min(f64::NAN, f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(go_max(2.0, 3.0), 3.0);
        assert_eq!(go_min(2.0, 3.0), 2.0);
    }
}
