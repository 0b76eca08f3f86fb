//! Ages and durations as kubectl prints them (`5m3s`, `3d`, `<invalid>`), with Go's limits.

use jiff::{SignedDuration, Timestamp};

/// kubectl's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration): a succinct
/// duration with ~2-3 significant figures, e.g. `45s`, `119s`, `2m1s`, `10m`, `3h1m`, `8h`,
/// `2d1h`, `8d`, `2y1d`, `8y`. Below -1s it is `<invalid>`; within a second of zero, `0s`.
pub(super) fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

// ---------------------------------------------------------------------------
// Value navigation: every accessor tolerates missing or odd-typed fields.

/// Go's zero `time.Time` (what an unset `metav1.Time` decodes to).
pub(super) const GO_ZERO_TIME: Timestamp = Timestamp::constant(-62_135_596_800, 0);

/// Go's `time.Duration` range; `time.Since` saturates to it.
pub(super) const GO_MAX_DURATION: SignedDuration = SignedDuration::new(9_223_372_036, 854_775_807);

pub(super) const GO_MIN_DURATION: SignedDuration = SignedDuration::new(-9_223_372_036, -854_775_808);
