//! A detection in the journal's words: its findings and likely causes as records, a title a
//! person would write, and a severity from its impact (the share of requests failing, traffic
//! lost, how many services deviate, a node down). Pure.

use jiff::Timestamp;

use super::cause::{Cause, ChangeKind};
use super::detector::{Detection, Finding};
use super::measure::Measure;
use crate::incident::model::{BandRecord, CauseRecord, DetectionRecord, FindingRecord, Severity};

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The name a unit variant is journaled under (`latency_p99`, `day_ago`).
fn journaled_name(v: impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn finding_record(f: &Finding) -> FindingRecord {
    FindingRecord {
        subject: f.subject.scope(),
        measure: journaled_name(f.measure),
        value: f.value,
        band: f.band.map(|b| BandRecord {
            basis: journaled_name(b.basis),
            median: b.median,
            low: b.low,
            high: b.high,
            distance: Some(b.distance(f.value)).filter(|d| d.is_finite()),
        }),
        since: at(f.since),
        text: f.explain(),
    }
}

pub fn cause_record(c: &Cause) -> CauseRecord {
    CauseRecord {
        object: c.change.scope.clone(),
        at: at(c.change.at),
        score: c.score,
        why: c.why.clone(),
    }
}

/// The record of a detection, its causes likeliest first (at most five), without mitigations.
pub fn record(d: &Detection, causes: &[Cause], also_deviating: Vec<String>) -> DetectionRecord {
    DetectionRecord {
        scope: d.scope.clone(),
        onset: at(d.onset),
        findings: d.findings.iter().map(finding_record).collect(),
        causes: causes.iter().take(5).map(cause_record).collect(),
        also_deviating,
        mitigations: Vec::new(),
    }
}

/// How the first finding is said in a title: "Error ratio 12.30% on shop/checkout".
fn headline(d: &Detection) -> String {
    let Some(f) = d.findings.first() else {
        return format!("{} deviates from its baseline", d.scope);
    };
    let mut words = f.measure.words().to_string();
    if let Some(first) = words.get(..1) {
        words = first.to_uppercase() + &words[1..];
    }
    match f.measure {
        Measure::NodeNotReady => format!("Node {} is not ready", d.scope.trim_start_matches("node/")),
        Measure::NodePressure => format!("Node {} is under pressure", d.scope.trim_start_matches("node/")),
        Measure::NotReady | Measure::Crashlooping | Measure::Pending | Measure::Evicted => {
            format!("{} {} on {}", f.value, f.measure.words(), d.scope)
        }
        Measure::Traffic if f.band.is_some_and(|b| f.value < b.median) => {
            format!("Traffic down to {} on {}", f.measure.unit().format(f.value), d.scope)
        }
        _ => format!("{words} {} on {}", f.measure.unit().format(f.value), d.scope),
    }
}

/// A title a responder would write: what is wrong where, and after what when a rollout of the
/// same service is the likeliest cause.
pub fn title(d: &Detection, causes: &[Cause]) -> String {
    let mut t = headline(d);
    if let Some(Cause {
        change: c, score: s, ..
    }) = causes.first()
        && c.scope == d.scope
        && *s >= 50
        && let ChangeKind::Rollout {
            to_image, to_revision, ..
        } = &c.kind
    {
        match (to_image, to_revision) {
            (Some(i), _) => t.push_str(&format!(" after the rollout of {i}")),
            (None, Some(r)) => t.push_str(&format!(" after the rollout of revision {r}")),
            (None, None) => t.push_str(" after a rollout"),
        }
    }
    t
}

/// The severity its impact suggests. `deviating` counts the services deviating now (this one
/// included); `burn_1h` is the service's SLO burn rate over an hour, when known.
pub fn severity(d: &Detection, deviating: usize, burn_1h: Option<f64>) -> Severity {
    let value = |m: Measure| d.findings.iter().find(|f| f.measure == m);
    let errors = value(Measure::Errors).map_or(0.0, |f| f.value);
    let traffic_lost = value(Measure::Traffic)
        .and_then(|f| f.band.map(|b| 1.0 - f.value / b.median.max(f64::MIN_POSITIVE)))
        .unwrap_or(0.0);
    let node_down = value(Measure::NodeNotReady).is_some();
    if deviating >= 3 || errors >= 0.5 || traffic_lost >= 0.8 {
        Severity::Sev1
    } else if errors >= 0.05 || traffic_lost >= 0.5 || burn_1h.is_some_and(|b| b >= 14.4) || node_down {
        Severity::Sev2
    } else {
        Severity::Sev3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::OwnerKind;
    use crate::detect::baseline::{Basis, band};
    use crate::detect::cause::ChangeLog;
    use crate::detect::detector::Subject;

    fn errors_at(v: f64) -> Detection {
        Detection {
            scope: "shop/checkout".into(),
            onset: 1_000,
            at: 1_180,
            findings: vec![Finding {
                subject: Subject::service("shop", "checkout"),
                measure: Measure::Errors,
                value: v,
                band: band(
                    Basis::Trailing,
                    (0..30).map(|i| 0.0002 + f64::from(i % 3) * 1e-5),
                    4.0,
                    10,
                ),
                since: 1_000,
            }],
        }
    }

    #[test]
    fn the_title_names_the_rollout_that_likely_caused_it() {
        let mut log = ChangeLog::default();
        log.workload(
            0,
            "shop",
            "checkout",
            OwnerKind::Deployment,
            Some("2"),
            Some("checkout:1.9.3"),
            4,
        );
        log.workload(
            820,
            "shop",
            "checkout",
            OwnerKind::Deployment,
            Some("3"),
            Some("checkout:2.0.0"),
            4,
        );
        let d = errors_at(0.123);
        let causes = log.causes(&d.scope, d.onset, "the error ratio");
        assert_eq!(
            title(&d, &causes),
            "Error ratio 12.30% on shop/checkout after the rollout of checkout:2.0.0"
        );
        let r = record(&d, &causes, vec!["shop/cart".into()]);
        assert_eq!(r.findings[0].measure, "errors");
        assert_eq!(r.findings[0].band.as_ref().map(|b| b.basis.as_str()), Some("trailing"));
        assert_eq!(r.causes[0].object, "shop/checkout");
        assert_eq!(title(&d, &[]), "Error ratio 12.30% on shop/checkout");
    }

    #[test]
    fn severity_follows_the_share_of_requests_failing_and_the_spread() {
        assert_eq!(severity(&errors_at(0.02), 1, None), Severity::Sev3);
        assert_eq!(severity(&errors_at(0.02), 1, Some(20.0)), Severity::Sev2);
        assert_eq!(severity(&errors_at(0.12), 1, None), Severity::Sev2);
        assert_eq!(severity(&errors_at(0.6), 1, None), Severity::Sev1);
        assert_eq!(severity(&errors_at(0.02), 3, None), Severity::Sev1);
    }
}
