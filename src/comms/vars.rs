//! What a template can say about an incident: the variables, built from the incident's state,
//! its journal, the current golden-signal figures and the next update time. Pure: the caller
//! passes the clock and the figures.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::incident::metrics;
use crate::incident::model::{Definitions, Entry, Event, Milestone, Status};
use crate::incident::state::Incident;
use crate::incident::timeline;

/// Every top-level variable a template may use.
pub const FIELDS: [&str; 17] = [
    "incident_id",
    "title",
    "severity",
    "severity_definition",
    "status",
    "impact",
    "components",
    "services",
    "drill",
    "started_at",
    "elapsed",
    "now",
    "actions",
    "signals",
    "next_update_at",
    "next_update_in",
    "commander",
];

/// Variables an external template (a status page, customers) may not use: who is working on
/// it, what was done inside, the internal title and severity, the raw figures.
pub const INTERNAL_ONLY: [&str; 6] = [
    "title",
    "severity",
    "severity_definition",
    "commander",
    "actions",
    "signals",
];

/// The fields of `signals`.
pub const SIGNAL_FIELDS: [&str; 5] = ["error_rate", "latency_p99", "traffic", "saturation", "as_of"];

/// The fields of a variable that has some (`signals`), or None.
pub fn fields_of(name: &str) -> Option<Vec<&'static str>> {
    (name == "signals").then(|| SIGNAL_FIELDS.to_vec())
}

/// The golden signals as the caller measured them (the console passes live figures); each is
/// `unknown` in a message when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GoldenSignals {
    /// Failed requests as a fraction of all (0.024 is 2.4%).
    pub error_rate: Option<f64>,
    /// 99th percentile latency, in seconds.
    pub latency_p99_seconds: Option<f64>,
    /// Requests per second.
    pub traffic_rps: Option<f64>,
    /// The busiest resource's use, as a fraction.
    pub saturation: Option<f64>,
    pub as_of: Option<Timestamp>,
}

/// The figures as words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalWords {
    pub error_rate: String,
    pub latency_p99: String,
    pub traffic: String,
    pub saturation: String,
    pub as_of: String,
}

const UNKNOWN: &str = "unknown";

impl GoldenSignals {
    pub fn words(&self) -> SignalWords {
        let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
        SignalWords {
            error_rate: finite(self.error_rate).map_or(UNKNOWN.into(), |r| format!("{:.2}%", r * 100.0)),
            latency_p99: finite(self.latency_p99_seconds).map_or(UNKNOWN.into(), |s| {
                if s < 1.0 {
                    format!("{:.0} ms", s * 1000.0)
                } else {
                    format!("{s:.2} s")
                }
            }),
            traffic: finite(self.traffic_rps).map_or(UNKNOWN.into(), |r| format!("{r:.1} req/s")),
            saturation: finite(self.saturation).map_or(UNKNOWN.into(), |r| format!("{:.0}%", r * 100.0)),
            as_of: self.as_of.map_or(UNKNOWN.into(), hhmm),
        }
    }
}

/// One thing done so far, as the timeline words it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionTaken {
    /// `HH:MM UTC`.
    pub at: String,
    pub text: String,
}

/// The variables of one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vars {
    pub incident_id: String,
    pub title: String,
    pub severity: String,
    pub severity_definition: String,
    pub status: String,
    pub impact: String,
    pub components: Vec<String>,
    pub services: Vec<String>,
    pub drill: bool,
    /// `YYYY-MM-DD HH:MM UTC`: the stated start, else when the incident was opened.
    pub started_at: String,
    /// `12 min`, `1 h 05 min`, `under a minute`: since the start, until now or the resolution.
    pub elapsed: String,
    pub now: String,
    pub actions: Vec<ActionTaken>,
    pub signals: SignalWords,
    /// `HH:MM UTC`, or empty when no update is due.
    pub next_update_at: String,
    /// `20 min`, or empty.
    pub next_update_in: String,
    /// The incident commander, or empty.
    pub commander: String,
}

/// A span as a message says it: `under a minute`, `12 min`, `1 h 05 min` (whole minutes,
/// rounded down).
pub fn in_minutes(d: SignedDuration) -> String {
    let minutes = d.as_secs().max(0) / 60;
    match minutes {
        0 => "under a minute".to_string(),
        1..60 => format!("{minutes} min"),
        _ => format!("{} h {:02} min", minutes / 60, minutes % 60),
    }
}

fn hhmm(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%H:%M UTC").to_string()
}

/// Whether an entry is something responders did about the incident (for `actions`).
fn is_action(event: &Event) -> bool {
    matches!(
        event,
        Event::ActionSucceeded(_)
            | Event::ActionFailed(_)
            | Event::ActionCancelled(_)
            | Event::ActionRefused(_)
            | Event::Decision { .. }
    )
}

/// What to tell for `incident` at `now`, with `next_update` the time of the next update.
pub fn build(
    incident: &Incident,
    entries: &[Entry],
    definitions: &Definitions,
    signals: &GoldenSignals,
    next_update: Option<Timestamp>,
    now: Timestamp,
) -> Vars {
    let milestones = metrics::milestones(entries);
    let started = milestones.get(Milestone::Started).unwrap_or(incident.opened_at);
    // A resolved incident lasted until it was resolved, not until now.
    let ended = match incident.status {
        Status::Resolved => milestones.get(Milestone::Resolved).unwrap_or(now),
        _ => now,
    };
    let minute = |t: Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string()
    };
    Vars {
        incident_id: incident.id.to_string(),
        title: incident.title.clone(),
        severity: incident.severity.to_string(),
        severity_definition: definitions.severity(incident.severity).to_string(),
        status: incident.status.to_string(),
        impact: incident.impact.clone(),
        components: incident.components.clone(),
        services: incident.services.clone(),
        drill: incident.drill,
        started_at: minute(started),
        elapsed: in_minutes(ended.duration_since(started)),
        now: minute(now),
        actions: entries
            .iter()
            .filter(|e| is_action(&e.event))
            .map(|e| ActionTaken {
                at: hhmm(e.time),
                text: timeline::describe(&e.event),
            })
            .collect(),
        signals: signals.words(),
        next_update_at: next_update.map(hhmm).unwrap_or_default(),
        next_update_in: next_update
            .map(|t| in_minutes(t.duration_since(now)))
            .unwrap_or_default(),
        commander: incident.commander().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_in_words() {
        assert_eq!(in_minutes(SignedDuration::from_secs(59)), "under a minute");
        assert_eq!(in_minutes(SignedDuration::from_secs(-5)), "under a minute");
        assert_eq!(in_minutes(SignedDuration::from_secs(12 * 60 + 59)), "12 min");
        assert_eq!(in_minutes(SignedDuration::from_mins(65)), "1 h 05 min");
    }

    #[test]
    fn figures_in_words() {
        let w = GoldenSignals {
            error_rate: Some(0.0005),
            latency_p99_seconds: Some(0.25),
            traffic_rps: Some(f64::NAN),
            saturation: None,
            as_of: None,
        }
        .words();
        assert_eq!(
            (
                w.error_rate.as_str(),
                w.latency_p99.as_str(),
                w.traffic.as_str(),
                w.saturation.as_str()
            ),
            ("0.05%", "250 ms", "unknown", "unknown")
        );
    }
}
