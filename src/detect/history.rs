//! The samples one measured series has shown: the trailing window at full resolution and
//! five-minute means over the last eight days for the seasonal bands. Learned from
//! Prometheus's history at start and extended as samples arrive; bounded in both. Pure.

use std::collections::BTreeMap;

use super::baseline::{Band, Basis, band};

/// Seasonal history is kept as means of buckets this long (seconds).
pub const BUCKET: i64 = 300;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// How much seasonal history is kept: a week and a day, so last week's same hour is there.
const KEEP: i64 = WEEK + DAY;
/// A seasonal band is learned from the buckets this close to the same time a day or a week
/// earlier (an hour in all).
const SEASONAL_HALF_SPAN: i64 = 1800;
/// Fewest samples a band is learned from: the trailing window's, and a seasonal one's.
const MIN_TRAILING: usize = 20;
const MIN_SEASONAL: usize = 6;

#[derive(Debug, Clone, Default)]
pub struct History {
    /// Time (seconds) → value, within the trailing window.
    trailing: BTreeMap<i64, f64>,
    /// Bucket start → (sum, count) of the samples in it.
    buckets: BTreeMap<i64, (f64, u32)>,
}

impl History {
    /// Adds one sample; a gap (NaN) adds nothing. `trailing` is the window's length.
    pub fn add(&mut self, t: i64, v: f64, trailing: i64) {
        if !v.is_finite() {
            return;
        }
        self.trailing.insert(t, v);
        let b = self.buckets.entry(t - t.rem_euclid(BUCKET)).or_insert((0.0, 0));
        b.0 += v;
        b.1 += 1;
        self.prune(t, trailing);
    }

    /// Adds five-minute (or coarser) points learned from history to the seasonal buckets only
    /// where no sample has filled that bucket yet.
    pub fn learn_seasonal(&mut self, points: &[(i64, f64)]) {
        for &(t, v) in points.iter().filter(|(_, v)| v.is_finite()) {
            self.buckets.entry(t - t.rem_euclid(BUCKET)).or_insert((v, 1));
        }
    }

    /// Adds learned points to the trailing window (and the buckets they fall in, if empty).
    pub fn learn_trailing(&mut self, points: &[(i64, f64)], trailing: i64) {
        for &(t, v) in points.iter().filter(|(_, v)| v.is_finite()) {
            self.trailing.entry(t).or_insert(v);
        }
        self.learn_seasonal(points);
        if let Some((&last, _)) = self.trailing.last_key_value() {
            self.prune(last, trailing);
        }
    }

    fn prune(&mut self, now: i64, trailing: i64) {
        self.trailing = self.trailing.split_off(&(now - trailing));
        self.buckets = self.buckets.split_off(&(now - KEEP));
    }

    /// The time of the newest sample.
    pub fn latest(&self) -> Option<i64> {
        self.trailing.last_key_value().map(|(t, _)| *t)
    }

    /// The bands that can be learned at `now`: the trailing window's, and the same time a day
    /// and a week earlier where history reaches back that far.
    pub fn bands(&self, now: i64, sensitivity: f64) -> Vec<Band> {
        let mut out = Vec::new();
        if let Some(b) = band(
            Basis::Trailing,
            self.trailing.values().copied(),
            sensitivity,
            MIN_TRAILING,
        ) {
            out.push(b);
        }
        for (basis, back) in [(Basis::DayAgo, DAY), (Basis::WeekAgo, WEEK)] {
            let at = now - back;
            let means = self
                .buckets
                .range(at - SEASONAL_HALF_SPAN..=at + SEASONAL_HALF_SPAN)
                .map(|(_, (sum, n))| sum / f64::from(*n));
            if let Some(b) = band(basis, means, sensitivity, MIN_SEASONAL) {
                out.push(b);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailing_window_and_the_seasonal_buckets_are_bounded() {
        let mut h = History::default();
        for t in (0..10 * DAY).step_by(60) {
            h.add(t, 1.0, 3600);
        }
        assert_eq!(h.trailing.len(), 61);
        assert!(h.buckets.len() as i64 <= KEEP / BUCKET + 1, "{}", h.buckets.len());
        let bases: Vec<Basis> = h.bands(10 * DAY, 3.0).iter().map(|b| b.basis).collect();
        assert_eq!(bases, [Basis::Trailing, Basis::DayAgo, Basis::WeekAgo]);
    }

    #[test]
    fn learned_history_gives_seasonal_bands_at_once() {
        let mut h = History::default();
        let day: Vec<(i64, f64)> = (0..DAY / BUCKET).map(|i| (i * BUCKET, 7.0)).collect();
        h.learn_seasonal(&day);
        let bands = h.bands(DAY + 3600, 3.0);
        assert_eq!(bands.len(), 1, "{bands:?}");
        assert_eq!((bands[0].basis, bands[0].median), (Basis::DayAgo, 7.0));
        // A live sample in a bucket is not overwritten by a learned one.
        h.add(2 * DAY, 9.0, 3600);
        h.learn_seasonal(&[(2 * DAY, 1.0)]);
        assert_eq!(h.buckets[&(2 * DAY)], (9.0, 1));
    }
}
