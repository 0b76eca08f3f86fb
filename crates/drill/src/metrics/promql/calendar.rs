//! The calendar functions (`minute`, `hour`, `day_of_week`, `day_of_month`, `day_of_year`,
//! `days_in_month`, `month`, `year`): a sample's value read as Unix seconds (truncated, as Go's
//! `int64()` does), in UTC.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The part `function` names of the instant `secs`; NaN for an instant out of the calendar's
/// range (NaN, ±Inf, or beyond year 9999).
pub(super) fn part(function: &str, secs: f64) -> f64 {
    if !secs.is_finite() {
        return f64::NAN;
    }
    let Ok(t) = Timestamp::from_second(secs.trunc() as i64) else {
        return f64::NAN;
    };
    let day = t.to_zoned(TimeZone::UTC);
    f64::from(match function {
        "minute" => i16::from(day.minute()),
        "hour" => i16::from(day.hour()),
        "day_of_week" => i16::from(day.weekday().to_sunday_zero_offset()),
        "day_of_month" => i16::from(day.day()),
        "day_of_year" => day.day_of_year(),
        "days_in_month" => i16::from(day.days_in_month()),
        "month" => i16::from(day.month()),
        "year" => day.year(),
        _ => return f64::NAN,
    })
}

#[cfg(test)]
mod tests {
    use super::part;

    #[test]
    fn parts_of_an_instant_in_utc() {
        // 2024-02-29T23:59:30Z, a Thursday, the 60th day of a leap year.
        let t = 1_709_251_170.9;
        let parts: Vec<f64> = [
            "minute",
            "hour",
            "day_of_week",
            "day_of_month",
            "day_of_year",
            "days_in_month",
            "month",
            "year",
        ]
        .iter()
        .map(|f| part(f, t))
        .collect();
        assert_eq!(parts, [59.0, 23.0, 4.0, 29.0, 60.0, 29.0, 2.0, 2024.0]);
        assert!(part("hour", f64::NAN).is_nan());
        assert!(part("year", 1e300).is_nan());
    }
}
