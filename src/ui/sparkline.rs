//! Text sparklines: the last values of a series as block characters, scaled between their own
//! minimum and maximum. Gaps (NaN) are blank.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn sparkline<'a>(values: impl DoubleEndedIterator<Item = &'a f64>, width: usize) -> String {
    let mut last: Vec<f64> = values.rev().take(width).copied().collect();
    last.reverse();
    let finite = last.iter().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    let mut out: String = last
        .iter()
        .map(|v| {
            if !v.is_finite() {
                ' '
            } else if hi <= lo {
                BARS[0]
            } else {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect();
    while out.chars().count() < width {
        out.insert(0, ' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_between_min_and_max() {
        let v = [1.0, 2.0, f64::NAN, 8.0];
        assert_eq!(sparkline(v.iter(), 4), "▁▂ █");
        assert_eq!(sparkline(v.iter(), 6), "  ▁▂ █");
        assert_eq!(sparkline([3.0, 3.0].iter(), 2), "▁▁");
        assert_eq!(sparkline([].iter(), 3), "   ");
    }
}
