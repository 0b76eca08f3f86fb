//! Text sparklines: the last values of a series as block characters, scaled from zero to a top
//! the caller chooses and shows (so noise near zero stays flat instead of looking like spikes).
//! Gaps (NaN) are blank; values over the top are full bars.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn sparkline<'a>(values: impl DoubleEndedIterator<Item = &'a f64>, width: usize, top: f64) -> String {
    let mut last: Vec<f64> = values.rev().take(width).copied().collect();
    last.reverse();
    let mut out: String = last
        .iter()
        .map(|v| {
            if !v.is_finite() {
                ' '
            } else if top <= 0.0 {
                BARS[0]
            } else {
                BARS[((v.max(0.0) / top).min(1.0) * 7.0).round() as usize]
            }
        })
        .collect();
    while out.chars().count() < width {
        out.insert(0, ' ');
    }
    out
}

/// The largest finite value among the last `width`.
pub fn peak<'a>(values: impl DoubleEndedIterator<Item = &'a f64>, width: usize) -> f64 {
    values
        .rev()
        .take(width)
        .filter(|v| v.is_finite())
        .fold(0.0, |m, v| m.max(*v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_from_zero_to_the_top() {
        let v = [0.0, 2.0, f64::NAN, 8.0];
        assert_eq!(sparkline(v.iter(), 4, 8.0), "▁▃ █");
        assert_eq!(sparkline(v.iter(), 6, 8.0), "  ▁▃ █");
        assert_eq!(sparkline(v.iter(), 4, 4.0), "▁▅ █", "over the top is full");
        assert_eq!(sparkline([].iter(), 3, 1.0), "   ");
        assert_eq!(peak(v.iter(), 4), 8.0);
        assert_eq!(peak(v.iter(), 1), 8.0);
    }

    #[test]
    fn noise_far_below_the_top_stays_flat() {
        // 0.02% and 0.04% errors under a 0.1% budget: no spikes.
        let noise = [0.0002, 0.0004, 0.0002, 0.0003];
        assert_eq!(sparkline(noise.iter(), 4, 0.001), "▂▄▂▃");
        assert_eq!(sparkline(noise.iter(), 4, 0.01), "▁▁▁▁");
    }
}
