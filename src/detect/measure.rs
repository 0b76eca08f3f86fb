//! What the detector measures per service, workload or node, which way is bad for each, and
//! how big a change must be before it counts (the floor), so that a tiny absolute change in a
//! quiet series is never an incident. Pure.

use serde::{Deserialize, Serialize};

use crate::observe::panels::Unit;

/// One measured quantity of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Requests per second (golden signal).
    Traffic,
    /// Share of requests answered 5xx.
    Errors,
    LatencyP99,
    LatencyP50,
    /// CPU used over CPU requested, of the busiest pod.
    Saturation,
    /// Pods of a workload that are not ready.
    NotReady,
    /// Pods of a workload in CrashLoopBackOff.
    Crashlooping,
    /// Pods of a workload waiting to be scheduled or started.
    Pending,
    /// Pods of a workload the kubelet evicted (still listed).
    Evicted,
    /// A node's Ready condition is not True (1) or is (0).
    NodeNotReady,
    /// A node reports memory, disk or PID pressure (1) or not (0).
    NodePressure,
}

/// Which way a measure may go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    Up,
    Both,
}

impl Measure {
    pub const ALL: [Measure; 11] = [
        Measure::Traffic,
        Measure::Errors,
        Measure::LatencyP99,
        Measure::LatencyP50,
        Measure::Saturation,
        Measure::NotReady,
        Measure::Crashlooping,
        Measure::Pending,
        Measure::Evicted,
        Measure::NodeNotReady,
        Measure::NodePressure,
    ];

    /// The panel it is read from, if it is a golden signal (`observe::panels::for_detection`
    /// makes the one-minute ones).
    pub fn panel(self) -> Option<&'static str> {
        match self {
            Measure::Traffic => Some("traffic@1m"),
            Measure::Errors => Some("errors@1m"),
            Measure::LatencyP99 => Some("latency_p99@1m"),
            Measure::LatencyP50 => Some("latency_p50@1m"),
            Measure::Saturation => Some("saturation"),
            _ => None,
        }
    }

    pub fn of_panel(panel: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.panel() == Some(panel))
    }

    /// How a responder says it.
    pub fn words(self) -> &'static str {
        match self {
            Measure::Traffic => "traffic",
            Measure::Errors => "error ratio",
            Measure::LatencyP99 => "p99 latency",
            Measure::LatencyP50 => "median latency",
            Measure::Saturation => "CPU saturation",
            Measure::NotReady => "pods not ready",
            Measure::Crashlooping => "pods crashlooping",
            Measure::Pending => "pods pending",
            Measure::Evicted => "pods evicted",
            Measure::NodeNotReady => "node not ready",
            Measure::NodePressure => "node under pressure",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Measure::Traffic => Unit::Rps,
            Measure::Errors | Measure::Saturation => Unit::Ratio,
            Measure::LatencyP99 | Measure::LatencyP50 => Unit::Seconds,
            _ => Unit::None,
        }
    }

    pub fn bad(self) -> Bad {
        match self {
            Measure::Traffic => Bad::Both,
            _ => Bad::Up,
        }
    }

    /// Whether it is a golden signal of a service (else a condition of the cluster).
    pub fn is_golden(self) -> bool {
        self.panel().is_some()
    }
}

/// The least change from the median that counts, per measure. An error ratio's floor follows
/// the service's objective when it has one (a few times its error budget).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Floors {
    /// Share of the median traffic (0.3: ±30%).
    pub traffic: f64,
    /// Absolute error ratio without an objective (0.01: one percentage point).
    pub errors: f64,
    /// Error budgets of change with an objective (5: 5 × (1 − objective)).
    pub errors_budgets: f64,
    /// Share of the median latency, and seconds, both of which the change must exceed.
    pub latency_share: f64,
    pub latency_seconds: f64,
    /// Absolute change of saturation (0.25: 25 points of CPU per request).
    pub saturation: f64,
    /// Pods (not ready, crashlooping, pending, evicted).
    pub pods: f64,
}

impl Default for Floors {
    fn default() -> Self {
        Floors {
            traffic: 0.3,
            errors: 0.01,
            errors_budgets: 5.0,
            latency_share: 0.5,
            latency_seconds: 0.05,
            saturation: 0.25,
            pods: 1.0,
        }
    }
}

impl Floors {
    /// Whether the change from `median` to `v` is big enough to matter.
    pub fn exceeded(&self, m: Measure, median: f64, v: f64, objective: Option<f64>) -> bool {
        let change = (v - median).abs();
        match m {
            Measure::Traffic => change >= self.traffic * median.abs().max(1.0),
            Measure::Errors => {
                let floor = objective.map_or(self.errors, |o| (self.errors_budgets * (1.0 - o)).clamp(0.001, 0.05));
                change >= floor
            }
            Measure::LatencyP99 | Measure::LatencyP50 => {
                change >= self.latency_seconds && change >= self.latency_share * median.abs()
            }
            Measure::Saturation => change >= self.saturation,
            Measure::NotReady | Measure::Crashlooping | Measure::Pending | Measure::Evicted => change >= self.pods,
            Measure::NodeNotReady | Measure::NodePressure => change >= 1.0,
        }
    }

    /// Without any history, only a value past this is a deviation (`None`: never), e.g. a new
    /// service answering half its requests with errors.
    pub fn without_history(&self, m: Measure) -> Option<f64> {
        match m {
            Measure::Errors => Some(0.05),
            Measure::Crashlooping | Measure::NodeNotReady | Measure::NodePressure => Some(1.0),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doubling_of_a_tiny_error_ratio_is_not_an_incident() {
        let f = Floors::default();
        assert!(!f.exceeded(Measure::Errors, 0.0002, 0.0004, None));
        assert!(!f.exceeded(Measure::Errors, 0.0002, 0.0004, Some(0.999)));
        assert!(f.exceeded(Measure::Errors, 0.0002, 0.12, Some(0.999)));
        // 5 budgets of a 99.9% objective: half a percentage point.
        assert!(f.exceeded(Measure::Errors, 0.0002, 0.0060, Some(0.999)));
        assert!(!f.exceeded(Measure::Errors, 0.0002, 0.0040, Some(0.999)));
    }

    #[test]
    fn latency_must_grow_by_a_share_and_by_time() {
        let f = Floors::default();
        assert!(
            !f.exceeded(Measure::LatencyP99, 0.010, 0.030, None),
            "20 ms more is noise"
        );
        assert!(
            !f.exceeded(Measure::LatencyP99, 2.0, 2.3, None),
            "15% slower is not enough"
        );
        assert!(f.exceeded(Measure::LatencyP99, 0.1, 0.4, None));
    }

    #[test]
    fn every_panel_measure_round_trips() {
        for m in Measure::ALL {
            if let Some(p) = m.panel() {
                assert_eq!(Measure::of_panel(p), Some(m));
            }
        }
        assert_eq!(Measure::of_panel("queue_depth"), None);
    }
}
