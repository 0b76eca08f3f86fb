//! Milestones (started, detected, acknowledged, identified, mitigated, resolved) and the
//! response times between them, per incident and across incidents, with drills left out.
//! A pure function of journal entries; it must not read files or the clock.
//!
//! A milestone someone stated (`milestone_set`, latest wins) overrides the derived one:
//! detected is the first alert firing or the opening of the incident, whichever is earlier;
//! acknowledged is the first entry written by a human; identified, mitigated (monitoring) and
//! resolved come from status changes. Started is only ever stated. MTTD runs from started to
//! detected; MTTA, MTTM and MTTR run from detected.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::model::{Entry, Event, Milestone, Origin, Status};
use super::state::Incident;

/// When each milestone happened, and whether a person stated it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Milestones {
    pub at: BTreeMap<Milestone, Timestamp>,
    pub stated: Vec<Milestone>,
}

impl Milestones {
    pub fn get(&self, m: Milestone) -> Option<Timestamp> {
        self.at.get(&m).copied()
    }

    /// How each milestone was arrived at, for the postmortem.
    pub fn how(&self, m: Milestone) -> &'static str {
        if self.stated.contains(&m) {
            return "stated";
        }
        match (m, self.get(m)) {
            (_, None) => "not reached",
            (Milestone::Started, _) => "the detector's onset",
            (Milestone::Detected, _) => "first alert or opening",
            (Milestone::Acknowledged, _) => "first human entry",
            _ => "status change",
        }
    }

    /// The response times this incident contributes.
    pub fn response_times(&self) -> ResponseTimes {
        let between = |a: Milestone, b: Milestone| Some(self.get(b)?.duration_since(self.get(a)?));
        ResponseTimes {
            mttd: between(Milestone::Started, Milestone::Detected),
            mtta: between(Milestone::Detected, Milestone::Acknowledged),
            mttm: between(Milestone::Detected, Milestone::Mitigated),
            mttr: between(Milestone::Detected, Milestone::Resolved),
        }
    }
}

/// Time to detect, acknowledge, mitigate and resolve one incident (absent when a milestone is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseTimes {
    pub mttd: Option<SignedDuration>,
    pub mtta: Option<SignedDuration>,
    pub mttm: Option<SignedDuration>,
    pub mttr: Option<SignedDuration>,
}

impl ResponseTimes {
    /// (name, what it measures, value) for each, in order.
    pub fn rows(&self) -> [(&'static str, &'static str, Option<SignedDuration>); 4] {
        [
            ("MTTD", "started → detected", self.mttd),
            ("MTTA", "detected → acknowledged", self.mtta),
            ("MTTM", "detected → mitigated", self.mttm),
            ("MTTR", "detected → resolved", self.mttr),
        ]
    }
}

/// Finds the milestones of one incident, on its clock (a drill's own: `Entry::incident_time`),
/// which a drill's alerts are on too.
pub fn milestones(entries: &[Entry]) -> Milestones {
    let mut m = Milestones::default();
    let mut stated: BTreeMap<Milestone, Timestamp> = BTreeMap::new();
    let mut first_alert: Option<Timestamp> = None;
    let mut opened: Option<Timestamp> = None;
    let mut drill = false;
    // When the first deviation the detector journaled began.
    let mut onset: Option<Timestamp> = None;
    let mut status = Status::Investigating;
    for e in entries {
        match &e.event {
            Event::IncidentOpened(d) => {
                opened.get_or_insert(e.incident_time());
                status = d.status;
                drill = d.drill;
            }
            Event::Detected(d) => {
                onset = Some(onset.map_or(d.onset, |o| o.min(d.onset)));
            }
            Event::MilestoneSet { milestone, at } => {
                stated.insert(*milestone, *at);
            }
            Event::AlertFiring { starts_at, .. } => {
                let t = starts_at.map_or(e.incident_time(), |s| s.min(e.incident_time()));
                first_alert = Some(first_alert.map_or(t, |f| f.min(t)));
            }
            Event::StatusChanged { to, .. } => {
                status = *to;
                if *to >= Status::Identified {
                    m.at.entry(Milestone::Identified).or_insert(e.incident_time());
                }
                if *to >= Status::Monitoring {
                    m.at.entry(Milestone::Mitigated).or_insert(e.incident_time());
                }
                if *to == Status::Resolved {
                    m.at.insert(Milestone::Resolved, e.incident_time());
                }
            }
            _ => {}
        }
        if e.source == Origin::Human {
            m.at.entry(Milestone::Acknowledged).or_insert(e.incident_time());
        }
    }
    if status != Status::Resolved {
        m.at.remove(&Milestone::Resolved);
    }
    let detected = match (first_alert, opened) {
        (Some(a), Some(o)) => Some(a.min(o)),
        (a, o) => a.or(o),
    };
    if let Some(d) = detected {
        m.at.insert(Milestone::Detected, d);
    }
    // The detector saw the deviation begin. Its onsets are on the clock it read, which in a
    // drill is the drill's own, not the journal's: there they are left out.
    if let Some(o) = onset.filter(|o| !drill && detected.is_none_or(|d| *o <= d)) {
        m.at.insert(Milestone::Started, o);
    }
    for (milestone, at) in stated {
        m.at.insert(milestone, at);
        m.stated.push(milestone);
    }
    m
}

/// Milestones out of their natural order (started, detected, identified, mitigated, resolved),
/// in words: a stated one is likely wrong, or a derived one came from a status moved late.
pub fn contradictions(m: &Milestones) -> Vec<String> {
    let order = [
        Milestone::Started,
        Milestone::Detected,
        Milestone::Identified,
        Milestone::Mitigated,
        Milestone::Resolved,
    ];
    let mut out = Vec::new();
    for (i, a) in order.iter().enumerate() {
        for b in &order[i + 1..] {
            if let (Some(ta), Some(tb)) = (m.get(*a), m.get(*b))
                && ta > tb
            {
                out.push(format!(
                    "{} ({}, {}) is after {} ({}, {}).",
                    a.as_str(),
                    super::timeline::utc(ta),
                    m.how(*a),
                    b.as_str(),
                    super::timeline::utc(tb),
                    m.how(*b)
                ));
            }
        }
    }
    out
}

/// Response times across incidents: means over the incidents that reached each milestone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcrossIncidents {
    /// Incidents counted (drills left out).
    pub incidents: usize,
    pub drills_left_out: usize,
    /// Of the incidents counted, those the detector opened, and those of them dismissed as
    /// false positives: how well detection does.
    pub detected: usize,
    pub dismissed: usize,
    /// (mean, how many incidents had it) for MTTD, MTTA, MTTM, MTTR.
    pub mttd: Option<(SignedDuration, usize)>,
    pub mtta: Option<(SignedDuration, usize)>,
    pub mttm: Option<(SignedDuration, usize)>,
    pub mttr: Option<(SignedDuration, usize)>,
}

/// Averages response times across incidents, leaving drills out.
pub fn across<'a>(incidents: impl IntoIterator<Item = (&'a Incident, ResponseTimes)>) -> AcrossIncidents {
    let mut out = AcrossIncidents::default();
    let mut sums: [Vec<SignedDuration>; 4] = Default::default();
    for (incident, times) in incidents {
        if incident.drill {
            out.drills_left_out += 1;
            continue;
        }
        out.incidents += 1;
        if incident.opened_by == super::filing::detector().name {
            out.detected += 1;
            out.dismissed += usize::from(incident.dismissed);
        }
        for (i, t) in [times.mttd, times.mtta, times.mttm, times.mttr].into_iter().enumerate() {
            if let Some(t) = t {
                sums[i].push(t);
            }
        }
    }
    let counted = |v: &Vec<SignedDuration>| mean(v).map(|m| (m, v.len()));
    out.mttd = counted(&sums[0]);
    out.mtta = counted(&sums[1]);
    out.mttm = counted(&sums[2]);
    out.mttr = counted(&sums[3]);
    out
}

/// The mean of `values`; none when there are none.
pub fn mean(values: &[SignedDuration]) -> Option<SignedDuration> {
    let n = i128::try_from(values.len()).ok().filter(|n| *n > 0)?;
    let total: i128 = values.iter().map(|d| d.as_nanos()).sum();
    Some(SignedDuration::from_nanos(i64::try_from(total / n).unwrap_or(i64::MAX)))
}

/// A duration as a responder reads it: `1h 04m 05s`, `12m 30s`, `45s`, `850ms`.
pub fn format_duration(d: SignedDuration) -> String {
    let sign = if d.is_negative() { "-" } else { "" };
    let d = d.abs();
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{sign}{}ms", d.subsec_millis());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if secs >= 86_400 {
        format!("{sign}{}d {:02}h {m:02}m", secs / 86_400, h % 24)
    } else if h > 0 {
        format!("{sign}{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{sign}{m}m {s:02}s")
    } else {
        format!("{sign}{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Declared, Severity};

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + min * 60).expect("time")
    }

    fn entry(min: i64, source: Origin, event: Event) -> Entry {
        Entry {
            seq: 0,
            time: at(min),
            drill_time: None,
            actor: Actor::named("x"),
            source,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn opened(drill: bool) -> Event {
        Event::IncidentOpened(Declared {
            drill,
            ..Declared::new("INC-20261124-001".parse().expect("id"), "t", Severity::Sev2)
        })
    }

    fn status(from: Status, to: Status) -> Event {
        Event::StatusChanged { from, to, reason: None }
    }

    fn sample(drill: bool) -> Vec<Entry> {
        vec![
            entry(0, Origin::Automation, opened(drill)),
            entry(
                -3,
                Origin::Prometheus,
                Event::AlertFiring {
                    alert: "HighErrorRate".into(),
                    labels: Default::default(),
                    summary: String::new(),
                    starts_at: None,
                },
            ),
            entry(4, Origin::Human, Event::Note { text: "on it".into() }),
            entry(10, Origin::Human, status(Status::Investigating, Status::Identified)),
            entry(20, Origin::Human, status(Status::Identified, Status::Monitoring)),
            entry(
                21,
                Origin::Human,
                Event::MilestoneSet {
                    milestone: Milestone::Started,
                    at: at(-13),
                },
            ),
            entry(50, Origin::Human, status(Status::Monitoring, Status::Resolved)),
        ]
    }

    #[test]
    fn milestones_out_of_order_are_said() {
        let mut m = Milestones::default();
        m.at.insert(Milestone::Detected, at(0));
        m.at.insert(Milestone::Mitigated, at(10));
        m.at.insert(Milestone::Identified, at(20));
        m.stated.push(Milestone::Mitigated);
        let said = contradictions(&m);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("identified (")
                && said[0].contains("is after mitigated (")
                && said[0].contains("stated"),
            "{said:?}"
        );
        m.at.insert(Milestone::Identified, at(5));
        assert!(contradictions(&m).is_empty());
    }

    #[test]
    fn milestones_come_from_events_and_statements() {
        let m = milestones(&sample(false));
        assert_eq!(m.get(Milestone::Started), Some(at(-13)));
        assert_eq!(m.get(Milestone::Detected), Some(at(-3)));
        assert_eq!(m.get(Milestone::Acknowledged), Some(at(4)));
        assert_eq!(m.get(Milestone::Identified), Some(at(10)));
        assert_eq!(m.get(Milestone::Mitigated), Some(at(20)));
        assert_eq!(m.get(Milestone::Resolved), Some(at(50)));
        assert_eq!(m.how(Milestone::Started), "stated");
        let t = m.response_times();
        assert_eq!(t.mttd, Some(SignedDuration::from_mins(10)));
        assert_eq!(t.mtta, Some(SignedDuration::from_mins(7)));
        assert_eq!(t.mttm, Some(SignedDuration::from_mins(23)));
        assert_eq!(t.mttr, Some(SignedDuration::from_mins(53)));
    }

    #[test]
    fn a_detected_incident_started_when_its_deviation_began() {
        let detected = |onset: i64| {
            Event::Detected(crate::incident::model::DetectionRecord {
                scope: "shop/checkout".into(),
                onset: at(onset),
                findings: Vec::new(),
                causes: Vec::new(),
                also_deviating: Vec::new(),
                mitigations: Vec::new(),
            })
        };
        let entries = |drill: bool| {
            vec![
                entry(0, Origin::Automation, opened(drill)),
                entry(0, Origin::Automation, detected(-3)),
                entry(6, Origin::Automation, detected(-5)),
                entry(2, Origin::Human, Event::Note { text: "on it".into() }),
            ]
        };
        let m = milestones(&entries(false));
        assert_eq!(m.get(Milestone::Started), Some(at(-5)));
        assert_eq!(m.how(Milestone::Started), "the detector's onset");
        assert_eq!(m.response_times().mttd, Some(SignedDuration::from_mins(5)));
        assert_eq!(m.response_times().mtta, Some(SignedDuration::from_mins(2)));
        // A drill's onsets are on the drill's clock: left out.
        assert_eq!(milestones(&entries(true)).get(Milestone::Started), None);
        // A statement wins.
        let mut stated = entries(false);
        stated.push(entry(
            9,
            Origin::Human,
            Event::MilestoneSet {
                milestone: Milestone::Started,
                at: at(-20),
            },
        ));
        assert_eq!(milestones(&stated).get(Milestone::Started), Some(at(-20)));
    }

    #[test]
    fn detection_quality_counts_what_the_detector_opened_and_what_was_dismissed() {
        let by_detector = |dismissed: bool, drill: bool| {
            let mut e = vec![Entry {
                actor: crate::incident::filing::detector(),
                ..entry(0, Origin::Automation, opened(drill))
            }];
            if dismissed {
                e.push(entry(
                    1,
                    Origin::Human,
                    Event::DetectionDismissed {
                        reason: "a load test".into(),
                    },
                ));
            }
            Incident::from_entries(&e).expect("incident")
        };
        let human = Incident::from_entries(&sample(false)).expect("incident");
        let all = [
            by_detector(false, false),
            by_detector(true, false),
            by_detector(false, false),
            by_detector(true, true),
            human,
        ];
        let a = across(all.iter().map(|i| (i, ResponseTimes::default())));
        assert_eq!((a.incidents, a.detected, a.dismissed, a.drills_left_out), (4, 3, 1, 1));
    }

    #[test]
    fn a_reopened_incident_is_not_resolved() {
        let mut e = sample(false);
        e.push(entry(
            60,
            Origin::Human,
            status(Status::Resolved, Status::Investigating),
        ));
        let m = milestones(&e);
        assert_eq!(m.get(Milestone::Resolved), None);
        assert_eq!(m.response_times().mttr, None);
    }

    #[test]
    fn drills_are_left_out_across_incidents() {
        let real = Incident::from_entries(&sample(false)).expect("incident");
        let drill = Incident::from_entries(&sample(true)).expect("incident");
        let mut short = sample(false);
        short.truncate(5);
        let open = Incident::from_entries(&short).expect("incident");
        let a = across([
            (&real, milestones(&sample(false)).response_times()),
            (&drill, milestones(&sample(true)).response_times()),
            (&open, milestones(&short).response_times()),
        ]);
        assert_eq!(a.incidents, 2);
        assert_eq!(a.drills_left_out, 1);
        assert_eq!(a.mttr, Some((SignedDuration::from_mins(53), 1)));
        assert_eq!(a.mttm, Some((SignedDuration::from_mins(23), 2)));
        assert_eq!(a.mttd, Some((SignedDuration::from_mins(10), 1)));
    }

    #[test]
    fn durations_read_like_a_responder_writes_them() {
        assert_eq!(format_duration(SignedDuration::from_millis(850)), "850ms");
        assert_eq!(format_duration(SignedDuration::from_secs(45)), "45s");
        assert_eq!(format_duration(SignedDuration::from_secs(750)), "12m 30s");
        assert_eq!(format_duration(SignedDuration::from_secs(3845)), "1h 04m 05s");
        assert_eq!(format_duration(SignedDuration::from_secs(-90)), "-1m 30s");
        assert_eq!(format_duration(SignedDuration::from_secs(90_000)), "1d 01h 00m");
    }
}
