//! Whether, and how soon after the team's first containment, the services came back under
//! their SLOs: measured from how the drill's Prometheus saw the run (at each step, the worst
//! service's error ratio over its error budget), against the scenario's `recovery:` (how soon
//! its intended fix brings every service back). Pure.

use jiff::{SignedDuration, Timestamp};

use super::score::{Run, Score};
use crate::incident::metrics::format_duration;

/// At each step of the run, the worst service's 5-minute error ratio over its error budget
/// (1 is exactly at its SLO), oldest first.
pub type Worst = Vec<(Timestamp, f64)>;

/// When every service was back under its SLO after `after` and stayed there to the end of
/// `worst`; None when that never happened (or nothing was measured after it).
pub fn recovered_at(worst: &[(Timestamp, f64)], after: Timestamp) -> Option<Timestamp> {
    let since: Vec<&(Timestamp, f64)> = worst.iter().filter(|(t, _)| *t >= after).collect();
    // The last step over the budget; recovery is the step after it.
    match since.iter().rposition(|(_, w)| *w >= 1.0) {
        None => since.first().map(|(t, _)| *t),
        Some(i) => since.get(i + 1).map(|(t, _)| *t),
    }
}

/// The objective "back under the SLO within `within` of the first containment", as `run` and
/// `worst` show it.
pub fn score(run: &Run, within: SignedDuration, worst: &[(Timestamp, f64)]) -> Score {
    let target = format!("within {} of the first containment", format_duration(within));
    let objective = "back under the SLO".to_string();
    let Some(contained) = run.milestones[1].map(|m| run.zero + m) else {
        return Score {
            objective,
            target,
            measured: "no containment".into(),
            met: false,
        };
    };
    match recovered_at(worst, contained) {
        Some(at) => {
            let took = at.duration_since(contained).max(SignedDuration::ZERO);
            Score {
                objective,
                target,
                measured: format!(
                    "{} after it (T+{})",
                    format_duration(took),
                    format_duration(at.duration_since(run.zero))
                ),
                met: took <= within,
            }
        }
        None => Score {
            objective,
            target,
            measured: "not yet when debriefed".into(),
            met: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).expect("time")
    }

    fn run(contained: Option<i64>) -> Run {
        Run {
            zero: at(0),
            timed_from_fault: true,
            scores: Vec::new(),
            milestones: [
                Some(SignedDuration::from_secs(60)),
                contained.map(SignedDuration::from_secs),
                None,
                None,
            ],
        }
    }

    /// Over the budget from the fault until `back`, under it after; a step every 15 s to `end`.
    fn worst(back: i64, end: i64) -> Worst {
        (0..=end / 15)
            .map(|i| (at(i * 15), if i * 15 < back { 40.0 } else { 0.2 }))
            .collect()
    }

    #[test]
    fn recovery_is_the_first_step_from_which_every_service_stays_under_its_slo() {
        let w = worst(600, 900);
        assert_eq!(recovered_at(&w, at(300)), Some(at(600)));
        // A dip under the budget that does not last is not recovery.
        let mut flapping = w.clone();
        flapping[10].1 = 0.5;
        assert_eq!(recovered_at(&flapping, at(0)), Some(at(600)));
        // Still over the budget at the end: not recovered.
        assert_eq!(recovered_at(&worst(2000, 900), at(300)), None);
        // Under it all along after the containment.
        assert_eq!(recovered_at(&w, at(700)), Some(at(705)));
    }

    #[test]
    fn the_objective_counts_from_the_first_containment() {
        let met = score(&run(Some(300)), SignedDuration::from_mins(8), &worst(600, 900));
        assert_eq!(
            (met.measured.as_str(), met.met),
            ("5m 00s after it (T+10m 00s)", true),
            "{met:?}"
        );
        let missed = score(&run(Some(300)), SignedDuration::from_mins(3), &worst(600, 900));
        assert!(!missed.met, "{missed:?}");
        let never = score(&run(Some(300)), SignedDuration::from_mins(8), &worst(2000, 900));
        assert_eq!(never.measured, "not yet when debriefed");
        let none = score(&run(None), SignedDuration::from_mins(8), &worst(600, 900));
        assert_eq!((none.measured.as_str(), none.met), ("no containment", false));
    }
}
