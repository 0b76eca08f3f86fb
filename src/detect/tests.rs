//! The detector on synthetic series: a step, a ramp, a spike, a seasonal peak, noise, a gap, a
//! new service, flapping, and a second measure of a detected service.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::baseline::Basis;
use super::detector::{Detector, Outcome, Sample, Settings, Subject};
use super::measure::Measure;

const STEP: i64 = 15;
const DAY: i64 = 86_400;
/// Noon, some day: far from the epoch so no bucket arithmetic goes negative.
const T0: i64 = 1_800_000_000 - 1_800_000_000 % DAY + DAY / 2;

fn checkout() -> Subject {
    Subject::service("shop", "checkout")
}

/// Feeds `f(t)` every scrape step over `[from, to)` and collects what the detector says.
fn feed(d: &mut Detector, m: Measure, from: i64, to: i64, f: impl Fn(i64) -> f64) -> Vec<Outcome> {
    let mut out = Vec::new();
    for t in (from..to).step_by(STEP as usize) {
        out.extend(d.observe([Sample {
            subject: checkout(),
            measure: m,
            t,
            value: f(t),
        }]));
    }
    out
}

fn detected(out: &[Outcome]) -> Vec<&super::detector::Detection> {
    out.iter()
        .filter_map(|o| match o {
            Outcome::Detected(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// Seeded noise of ± `amp` (a share of the value).
fn noisy(seed: u64, amp: f64) -> impl Fn(i64) -> f64 {
    move |t| {
        let mut r = ChaCha8Rng::seed_from_u64(seed ^ t as u64);
        1.0 + amp * (r.random::<f64>() * 2.0 - 1.0)
    }
}

/// The drill's daily traffic cycle shape: ±30% around the mean, busiest mid-afternoon.
fn daily(t: i64) -> f64 {
    let day = (t.rem_euclid(DAY)) as f64 / DAY as f64;
    1.0 + 0.3 * (std::f64::consts::TAU * (day - 0.375)).sin()
}

#[test]
fn a_step_in_the_error_ratio_is_detected_once_it_has_held() {
    let mut d = Detector::new(Settings::default());
    d.set_objective("shop/checkout", 0.999);
    let n = noisy(1, 0.3);
    let calm = feed(&mut d, Measure::Errors, T0 - 7200, T0, |t| 0.0002 * n(t));
    assert!(calm.is_empty(), "{calm:?}");
    let out = feed(&mut d, Measure::Errors, T0, T0 + 600, |t| 0.12 * n(t));
    let found = detected(&out);
    assert_eq!(found.len(), 1, "{out:?}");
    let det = found[0];
    assert_eq!(det.scope, "shop/checkout");
    assert_eq!(det.onset, T0);
    assert_eq!(det.at, T0 + 180, "reported when it has held for the hold time");
    let f = &det.findings[0];
    assert_eq!(f.measure, Measure::Errors);
    let band = f.band.expect("a trailing band");
    assert_eq!(band.basis, Basis::Trailing);
    assert!((band.median - 0.0002).abs() < 0.0001, "{band:?}");
    assert!(f.explain().starts_with("error ratio "), "{}", f.explain());
    assert!(f.explain().contains("over the last hour"), "{}", f.explain());
}

#[test]
fn a_ramp_in_latency_is_detected_while_it_climbs() {
    let mut d = Detector::new(Settings::default());
    let n = noisy(2, 0.05);
    assert!(feed(&mut d, Measure::LatencyP99, T0 - 7200, T0, |t| 0.06 * n(t)).is_empty());
    // From 60 ms to 660 ms over 30 minutes.
    let out = feed(&mut d, Measure::LatencyP99, T0, T0 + 1800, |t| {
        (0.06 + 0.6 * (t - T0) as f64 / 1800.0) * n(t)
    });
    let found = detected(&out);
    assert_eq!(found.len(), 1, "{out:?}");
    // It passes the floor (+50% and +50 ms: 110 ms) about 5 minutes in, then holds 3 minutes.
    assert!(found[0].onset > T0 && found[0].onset < T0 + 400, "{:?}", found[0]);
    assert!(found[0].at < T0 + 700, "{:?}", found[0]);
}

#[test]
fn a_spike_shorter_than_the_hold_is_not_a_deviation() {
    let mut d = Detector::new(Settings::default());
    let n = noisy(3, 0.05);
    assert!(feed(&mut d, Measure::Traffic, T0 - 7200, T0, |t| 120.0 * n(t)).is_empty());
    let out = feed(&mut d, Measure::Traffic, T0, T0 + 3600, |t| {
        let spike = (T0 + 600..T0 + 660).contains(&t);
        if spike { 400.0 } else { 120.0 * n(t) }
    });
    assert!(out.is_empty(), "{out:?}");
}

/// Traffic with a daily batch peak: three times the usual from 12:00 to 12:30.
fn with_batch_peak(n: impl Fn(i64) -> f64) -> impl Fn(i64) -> f64 {
    move |t| {
        let peak = (DAY / 2..DAY / 2 + 1800).contains(&t.rem_euclid(DAY));
        100.0 * daily(t) * n(t) * if peak { 3.0 } else { 1.0 }
    }
}

#[test]
fn a_daily_peak_is_explained_by_yesterday_and_flagged_without_it() {
    let n = noisy(4, 0.05);
    let traffic = with_batch_peak(n);
    // Learned from two days of five-minute history, as from Prometheus at start.
    let mut d = Detector::new(Settings::default());
    let history: Vec<(i64, f64)> = (T0 - 2 * DAY..T0 - 3600)
        .step_by(300)
        .map(|t| (t, traffic(t)))
        .collect();
    d.learn(checkout(), Measure::Traffic, &history, true);
    let out = feed(&mut d, Measure::Traffic, T0 - 3600, T0 + 3600, &traffic);
    assert!(out.is_empty(), "the peak is there every day: {out:?}");

    let mut fresh = Detector::new(Settings::default());
    let out = feed(&mut fresh, Measure::Traffic, T0 - 3600, T0 + 3600, &traffic);
    let found = detected(&out);
    assert_eq!(found.len(), 1, "without yesterday it is a surge: {out:?}");
    assert_eq!(found[0].onset, T0);
}

#[test]
fn a_noisy_seasonal_week_opens_nothing() {
    let mut d = Detector::new(Settings::default());
    d.set_objective("shop/checkout", 0.999);
    let (a, b, c) = (noisy(5, 0.08), noisy(6, 0.5), noisy(7, 0.1));
    let mut out = Vec::new();
    for t in (T0..T0 + 7 * DAY).step_by(STEP as usize) {
        out.extend(d.observe([
            Sample {
                subject: checkout(),
                measure: Measure::Traffic,
                t,
                value: 120.0 * daily(t) * a(t),
            },
            Sample {
                subject: checkout(),
                measure: Measure::Errors,
                t,
                value: 0.0002 * b(t),
            },
            Sample {
                subject: checkout(),
                measure: Measure::LatencyP99,
                t,
                value: 0.08 * daily(t) * c(t),
            },
        ]));
    }
    assert!(out.is_empty(), "{out:?}");
    let bases: Vec<Basis> = d.bands(&checkout(), Measure::Traffic).iter().map(|b| b.basis).collect();
    assert!(
        bases.starts_with(&[Basis::Trailing, Basis::DayAgo]),
        "a week of samples gives a day-ago band: {bases:?}"
    );
}

#[test]
fn a_gap_in_the_data_is_neither_a_deviation_nor_a_reset() {
    let mut d = Detector::new(Settings::default());
    let n = noisy(8, 0.05);
    assert!(feed(&mut d, Measure::Traffic, T0 - 7200, T0, |t| 120.0 * n(t)).is_empty());
    let gap = feed(&mut d, Measure::Traffic, T0, T0 + 1800, |_| f64::NAN);
    assert!(gap.is_empty(), "{gap:?}");
    assert!(
        !d.bands(&checkout(), Measure::Traffic).is_empty(),
        "the band outlives a short gap"
    );
    let after = feed(&mut d, Measure::Traffic, T0 + 1800, T0 + 3600, |t| 120.0 * n(t));
    assert!(after.is_empty(), "{after:?}");
    let drop = feed(&mut d, Measure::Traffic, T0 + 3600, T0 + 4200, |_| 10.0);
    assert_eq!(detected(&drop).len(), 1, "a drop in traffic counts: {drop:?}");
}

#[test]
fn a_new_service_is_learned_first_and_only_a_gross_error_ratio_counts() {
    let mut d = Detector::new(Settings::default());
    let mild = feed(&mut d, Measure::Errors, T0, T0 + 120, |_| 0.003);
    assert!(mild.is_empty(), "{mild:?}");
    assert!(d.bands(&checkout(), Measure::Errors).is_empty());

    let mut d = Detector::new(Settings::default());
    let gross = feed(&mut d, Measure::Errors, T0, T0 + 600, |_| 0.5);
    let found = detected(&gross);
    assert_eq!(found.len(), 1, "{gross:?}");
    assert_eq!(found[0].findings[0].band, None);
    assert!(found[0].findings[0].explain().contains("no history yet"));
}

#[test]
fn flapping_reports_once_and_ends_only_after_a_calm_spell() {
    let mut d = Detector::new(Settings::default());
    let n = noisy(9, 0.05);
    assert!(feed(&mut d, Measure::Traffic, T0 - 7200, T0, |t| 120.0 * n(t)).is_empty());
    // Bad for five minutes, then bad and good by turns (a minute each) for half an hour.
    let out = feed(&mut d, Measure::Traffic, T0, T0 + 2100, |t| {
        let flap = t >= T0 + 300 && ((t - T0) / 60) % 2 == 0;
        if t < T0 + 300 || flap { 20.0 } else { 120.0 * n(t) }
    });
    assert_eq!(detected(&out).len(), 1, "{out:?}");
    assert!(!out.iter().any(|o| matches!(o, Outcome::Ended { .. })), "{out:?}");
    let calm = feed(&mut d, Measure::Traffic, T0 + 2100, T0 + 3000, |t| 120.0 * n(t));
    let ended: Vec<_> = calm.iter().filter(|o| matches!(o, Outcome::Ended { .. })).collect();
    assert_eq!(ended.len(), 1, "{calm:?}");
    assert_eq!(detected(&calm).len(), 0);
}

#[test]
fn a_second_measure_of_a_detected_service_grows_its_detection() {
    let mut d = Detector::new(Settings::default());
    let n = noisy(10, 0.05);
    for t in (T0 - 7200..T0).step_by(STEP as usize) {
        d.observe([
            Sample {
                subject: checkout(),
                measure: Measure::Errors,
                t,
                value: 0.0002,
            },
            Sample {
                subject: checkout(),
                measure: Measure::LatencyP99,
                t,
                value: 0.06 * n(t),
            },
        ]);
    }
    let mut out = Vec::new();
    for t in (T0..T0 + 900).step_by(STEP as usize) {
        let slow = if t >= T0 + 400 { 0.9 } else { 0.06 * n(t) };
        out.extend(d.observe([
            Sample {
                subject: checkout(),
                measure: Measure::Errors,
                t,
                value: 0.1,
            },
            Sample {
                subject: checkout(),
                measure: Measure::LatencyP99,
                t,
                value: slow,
            },
        ]));
    }
    assert_eq!(detected(&out).len(), 1, "{out:?}");
    let grew: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Outcome::Grew(g) => Some(g),
            _ => None,
        })
        .collect();
    assert_eq!(grew.len(), 1, "{out:?}");
    assert_eq!(grew[0].onset, T0);
    let measures: Vec<Measure> = grew[0].findings.iter().map(|f| f.measure).collect();
    assert!(
        measures.contains(&Measure::Errors) && measures.contains(&Measure::LatencyP99),
        "{measures:?}"
    );
}

#[test]
fn a_subject_knows_its_scope_without_writing_it() {
    for s in [
        Subject::service("shop", "checkout"),
        Subject::service("a/b", "c"),
        Subject::Node("node-3".into()),
    ] {
        assert!(s.in_scope(&s.scope()), "{s:?}");
    }
    assert!(!Subject::service("a", "b/c").in_scope("a/b"));
    assert!(!Subject::service("shop", "cart").in_scope("shop/checkout"));
    assert!(!Subject::Node("shop".into()).in_scope("shop/node"));
}
