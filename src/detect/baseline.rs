//! Robust bands: the median of a set of samples and how far around it a value may stray (the
//! median absolute deviation, scaled to a standard deviation and widened by the sensitivity),
//! and where the samples came from. Outliers in the samples move neither; pure arithmetic.

use serde::{Deserialize, Serialize};

/// Where a band's samples came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The trailing window before now.
    Trailing,
    /// The same time one day earlier.
    DayAgo,
    /// The same time one week earlier.
    WeekAgo,
}

impl Basis {
    pub fn words(self) -> &'static str {
        match self {
            Basis::Trailing => "over the last hour",
            Basis::DayAgo => "this time yesterday",
            Basis::WeekAgo => "this time last week",
        }
    }
}

/// What a value is judged against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub basis: Basis,
    pub median: f64,
    /// Robust standard deviation: 1.4826 × the median absolute deviation.
    pub sigma: f64,
    pub low: f64,
    pub high: f64,
    /// How many samples it was learned from.
    pub samples: usize,
}

/// The MAD of normally distributed data times this is its standard deviation.
const MAD_TO_SIGMA: f64 = 1.4826;

/// A band is no narrower than this share of its median either side, so a series that has
/// been perfectly flat does not make every wobble a deviation.
const MIN_RELATIVE_WIDTH: f64 = 0.02;

/// The median of the finite values (`None` when there are none). Reorders `values`.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The band of `samples` (non-finite ones are gaps and are left out), `sensitivity` robust
/// standard deviations either side of the median; `None` with fewer than `min_samples`.
pub fn band(
    basis: Basis,
    samples: impl IntoIterator<Item = f64>,
    sensitivity: f64,
    min_samples: usize,
) -> Option<Band> {
    let mut values: Vec<f64> = samples.into_iter().filter(|v| v.is_finite()).collect();
    if values.len() < min_samples.max(1) {
        return None;
    }
    let m = median(&mut values)?;
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    let sigma = MAD_TO_SIGMA * median(&mut deviations)?;
    let half = (sensitivity * sigma).max(MIN_RELATIVE_WIDTH * m.abs());
    Some(Band {
        basis,
        median: m,
        sigma,
        low: m - half,
        high: m + half,
        samples: values.len(),
    })
}

impl Band {
    /// How far `v` is from the median in robust standard deviations (∞ when the band has no
    /// spread at all and `v` differs).
    pub fn distance(&self, v: f64) -> f64 {
        let d = (v - self.median).abs();
        if d == 0.0 {
            0.0
        } else if self.sigma > 0.0 {
            d / self.sigma
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlier_moves_neither_the_median_nor_the_width() {
        let calm: Vec<f64> = (0..60).map(|i| 100.0 + f64::from(i % 5)).collect();
        let mut spiky = calm.clone();
        spiky[10] = 10_000.0;
        spiky[40] = -5_000.0;
        let a = band(Basis::Trailing, calm, 3.0, 10).expect("band");
        let b = band(Basis::Trailing, spiky, 3.0, 10).expect("band");
        assert_eq!(a.median, 102.0);
        assert_eq!(b.median, 102.0);
        assert!((a.high - b.high).abs() < 1e-9, "{a:?} {b:?}");
        assert!(a.low < 100.0 && a.high > 104.0 && a.high < 110.0, "{a:?}");
    }

    #[test]
    fn gaps_do_not_count_and_too_few_samples_make_no_band() {
        let v = [1.0, f64::NAN, 2.0, f64::INFINITY, 3.0];
        assert!(band(Basis::DayAgo, v, 3.0, 4).is_none());
        let b = band(Basis::DayAgo, v, 3.0, 3).expect("band");
        assert_eq!((b.median, b.samples), (2.0, 3));
    }

    #[test]
    fn a_flat_series_still_has_a_width() {
        let b = band(Basis::Trailing, [50.0; 20], 3.0, 5).expect("band");
        assert_eq!(b.sigma, 0.0);
        assert_eq!((b.low, b.high), (49.0, 51.0));
        assert_eq!(b.distance(50.0), 0.0);
        assert_eq!(b.distance(52.0), f64::INFINITY);
    }
}
