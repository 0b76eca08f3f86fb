//! `histogram_quantile` over classic histograms: buckets are the series with an `le` label,
//! grouped by their other labels (metric name excluded), and each group's quantile is
//! interpolated linearly within its bucket as Prometheus' `bucketQuantile` does, including
//! merging equal bounds and forcing the counts monotonic.

use std::collections::HashMap;

use super::eval::Sample;
use crate::metrics::labels::{Labels, METRIC_NAME};

/// The `le` label.
const BUCKET_LABEL: &str = "le";

pub(crate) fn histogram_quantile(q: f64, input: Vec<Sample>) -> Vec<Sample> {
    let excluded = [METRIC_NAME.to_string(), BUCKET_LABEL.to_string()];
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut groups: Vec<(Labels, Vec<(f64, f64)>)> = Vec::new();
    for s in input {
        let Some(upper) = s.labels.get(BUCKET_LABEL).and_then(parse_go_float) else {
            // No bucket label, or a malformed one: skipped, as Prometheus does.
            continue;
        };
        let key = s.labels.without(&excluded);
        let gi = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[gi].1.push((upper, s.v));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| Sample {
            labels,
            v: bucket_quantile(q, buckets),
        })
        .collect()
}

/// Go's `strconv.ParseFloat` for bucket bounds (`+Inf`, `1e-3`, `0.5`, ...).
fn parse_go_float(s: &str) -> Option<f64> {
    if s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Prometheus' `bucketQuantile` over `(upper bound, cumulative count)` pairs.
pub(crate) fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    match buckets.last() {
        Some(&(upper, _)) if upper == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let mut buckets = coalesce(buckets);
    ensure_monotonic(&mut buckets);
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // sort.Search over all but the +Inf bucket.
    let b = buckets[..buckets.len() - 1].partition_point(|&(_, count)| count < rank);
    if b == buckets.len() - 1 {
        return buckets[buckets.len() - 2].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let mut start = 0.0;
    let end = buckets[b].0;
    let mut count = buckets[b].1;
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// Merges buckets with equal upper bounds by adding their counts.
fn coalesce(buckets: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (upper, count) in buckets {
        match out.last_mut() {
            Some(last) if last.0 == upper => last.1 += count,
            _ => out.push((upper, count)),
        }
    }
    out
}

/// Raises any count lower than an earlier one to that maximum.
fn ensure_monotonic(buckets: &mut [(f64, f64)]) {
    let mut max = f64::NEG_INFINITY;
    for b in buckets.iter_mut() {
        if b.1 > max {
            max = b.1;
        } else if b.1 < max {
            b.1 = max;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_within_the_bucket() {
        let b = vec![(0.1, 10.0), (0.5, 30.0), (1.0, 40.0), (f64::INFINITY, 40.0)];
        // rank 20 lies halfway through (0.1, 0.5].
        assert!((bucket_quantile(0.5, b.clone()) - 0.3).abs() < 1e-12);
        assert!((bucket_quantile(0.1, b.clone()) - 0.04).abs() < 1e-12);
        // Beyond the last finite bucket: its upper bound.
        let top = vec![(1.0, 10.0), (f64::INFINITY, 20.0)];
        assert_eq!(bucket_quantile(0.99, top), 1.0);
        assert_eq!(bucket_quantile(-0.1, b.clone()), f64::NEG_INFINITY);
        assert_eq!(bucket_quantile(1.1, b), f64::INFINITY);
    }

    #[test]
    fn needs_an_inf_bucket_and_observations() {
        assert!(bucket_quantile(0.5, vec![(1.0, 3.0), (2.0, 4.0)]).is_nan());
        assert!(bucket_quantile(0.5, vec![(1.0, 0.0), (f64::INFINITY, 0.0)]).is_nan());
        assert!(bucket_quantile(0.5, vec![(f64::INFINITY, 4.0)]).is_nan());
    }

    #[test]
    fn fixes_non_monotonic_counts_and_duplicate_bounds() {
        let b = vec![(1.0, 10.0), (2.0, 8.0), (2.0, 2.0), (f64::INFINITY, 10.0)];
        // After coalescing, (2.0) has 10, monotonic: [10, 10, 10]; rank 5 in the first bucket.
        assert_eq!(bucket_quantile(0.5, b), 0.5);
    }

    #[test]
    fn groups_by_labels_without_name_and_le() {
        let mk = |le: &str, pod: &str, v: f64| Sample {
            labels: Labels::from_pairs(&[("__name__", "h_bucket"), ("le", le), ("pod", pod)]),
            v,
        };
        let out = histogram_quantile(
            0.5,
            vec![
                mk("1", "a", 2.0),
                mk("+Inf", "a", 4.0),
                mk("1", "b", 4.0),
                mk("+Inf", "b", 4.0),
                mk("bogus", "b", 1.0),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].labels.to_string(), r#"{pod="a"}"#);
        assert_eq!(out[0].v, 1.0);
        assert_eq!(out[1].v, 0.5);
    }
}
