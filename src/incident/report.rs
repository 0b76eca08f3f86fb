//! `warroom report`: what the incidents of a period say together: how many, how bad, which
//! services and causes recur, the response times as distributions (median and p90, not only
//! means), how the detector did, and whether follow-ups get done. Drills are reported apart and
//! never counted with real incidents. A pure function of journal entries and the day.

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::SignedDuration;
use jiff::civil::Date;

use super::follow_ups::Standing;
use super::metrics::{self, format_duration};
use super::model::{Entry, Event, IncidentId, Severity};
use super::state::Incident;

/// The report: real incidents, and drills apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub incidents: Group,
    pub drills: Group,
}

/// What a set of incidents says together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub count: usize,
    /// By the worst severity each reached.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Each service named, with the incidents that named it (oldest first).
    pub by_service: BTreeMap<String, Vec<IncidentId>>,
    /// By cause: the playbook followed, else the kind of the detector's likeliest cause.
    pub by_cause: BTreeMap<String, usize>,
    /// MTTD, MTTA, MTTM, MTTR over the incidents that reached both milestones.
    pub times: [Spread; 4],
    /// Opened by the detector, and of those, dismissed as false positives.
    pub detected: usize,
    pub dismissed: usize,
    pub follow_ups: FollowUpTally,
}

/// How a response time spread across incidents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spread {
    /// Each incident's value, smallest first.
    pub values: Vec<SignedDuration>,
}

impl Spread {
    /// The nearest-rank percentile `p` (0 < p ≤ 100).
    pub fn percentile(&self, p: u32) -> Option<SignedDuration> {
        let n = self.values.len();
        if n == 0 {
            return None;
        }
        let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
        self.values.get(rank - 1).copied()
    }

    pub fn mean(&self) -> Option<SignedDuration> {
        metrics::mean(&self.values)
    }
}

/// Follow-ups recorded, and where they stand on the report's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpTally {
    pub recorded: usize,
    pub done: usize,
    pub dropped: usize,
    pub open: usize,
    /// Of the open ones, those past their due date.
    pub overdue: usize,
}

/// The report over `journals` (each one incident's entries), follow-ups judged on `today`.
/// A journal that is not an incident is left out.
pub fn build<'a>(journals: impl IntoIterator<Item = &'a [Entry]>, today: Date) -> Report {
    let mut report = Report::default();
    for entries in journals {
        let Ok(incident) = Incident::from_entries(entries) else {
            continue;
        };
        let group = if incident.drill {
            &mut report.drills
        } else {
            &mut report.incidents
        };
        add(group, &incident, entries, today);
    }
    for group in [&mut report.incidents, &mut report.drills] {
        for spread in &mut group.times {
            spread.values.sort();
        }
    }
    report
}

fn add(g: &mut Group, incident: &Incident, entries: &[Entry], today: Date) {
    g.count += 1;
    *g.by_severity.entry(incident.worst_severity()).or_default() += 1;
    for s in &incident.services {
        g.by_service.entry(s.clone()).or_default().push(incident.id.clone());
    }
    *g.by_cause.entry(cause(entries)).or_default() += 1;
    let times = metrics::milestones(entries).response_times();
    for (spread, t) in g.times.iter_mut().zip([times.mttd, times.mtta, times.mttm, times.mttr]) {
        spread.values.extend(t);
    }
    if incident.opened_by == super::filing::detector().name {
        g.detected += 1;
        g.dismissed += usize::from(incident.dismissed);
    }
    for f in &incident.follow_ups {
        let t = &mut g.follow_ups;
        t.recorded += 1;
        match f.standing(today) {
            Standing::Done => t.done += 1,
            Standing::Dropped => t.dropped += 1,
            Standing::Overdue(_) => {
                t.open += 1;
                t.overdue += 1;
            }
            _ => t.open += 1,
        }
    }
}

/// What an incident's cause is taken to be: the first playbook followed, else the kind of what
/// the detector named likeliest (`node`, or `workload` for a rollout or config change).
fn cause(entries: &[Entry]) -> String {
    let playbook = entries.iter().find_map(|e| match &e.event {
        Event::ChecklistStarted { checklist } => Some(format!("playbook {checklist}")),
        _ => None,
    });
    let detected = || {
        entries.iter().find_map(|e| match &e.event {
            Event::Detected(d) => d.causes.first().map(|c| {
                if c.object.starts_with("node/") {
                    "detector: node".to_string()
                } else {
                    "detector: workload change".to_string()
                }
            }),
            _ => None,
        })
    };
    playbook.or_else(detected).unwrap_or_else(|| "not recorded".into())
}

/// The report as Markdown, for the period it covers (`period` says which).
pub fn markdown(r: &Report, period: &str) -> String {
    let mut out = format!("# Incident report: {period}\n\n");
    group(&mut out, "Incidents", "incident(s)", &r.incidents);
    group(
        &mut out,
        "Drills (practice, never counted above)",
        "drill(s)",
        &r.drills,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn group(out: &mut String, title: &str, noun: &str, g: &Group) {
    let _ = writeln!(out, "## {title}\n");
    if g.count == 0 {
        let _ = writeln!(out, "None in this period.\n");
        return;
    }
    let sev: Vec<String> = g.by_severity.iter().map(|(s, n)| format!("{s} {n}")).collect();
    let _ = writeln!(out, "{} {noun}: {}.\n", g.count, sev.join(", "));

    let _ = writeln!(out, "### Response times\n");
    let _ = writeln!(
        out,
        "| | measures | n | median | p90 | mean | longest |\n|---|---|---|---|---|---|---|"
    );
    let rows = metrics::ResponseTimes::default().rows();
    for ((name, what, _), spread) in rows.iter().zip(&g.times) {
        let show = |d: Option<SignedDuration>| d.map(format_duration).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "| {name} | {what} | {} | {} | {} | {} | {} |",
            spread.values.len(),
            show(spread.percentile(50)),
            show(spread.percentile(90)),
            show(spread.mean()),
            show(spread.values.last().copied())
        );
    }
    out.push('\n');

    let _ = writeln!(out, "### Services\n");
    if g.by_service.is_empty() {
        let _ = writeln!(out, "No incident named a service.\n");
    } else {
        let mut services: Vec<(&String, &Vec<IncidentId>)> = g.by_service.iter().collect();
        services.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let _ = writeln!(out, "| service | incidents | recurs |\n|---|---|---|");
        for (service, ids) in services {
            let ids: Vec<&str> = ids.iter().map(IncidentId::as_str).collect();
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} |",
                super::postmortem::inline(service).replace('|', "\\|"),
                ids.len(),
                ids.join(", "),
                if ids.len() > 1 { "**yes**" } else { "no" }
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "### Causes\n");
    let _ = writeln!(out, "| cause | incidents |\n|---|---|");
    let mut causes: Vec<(&String, &usize)> = g.by_cause.iter().collect();
    causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (cause, n) in causes {
        let _ = writeln!(
            out,
            "| {} | {n} |",
            super::postmortem::inline(cause).replace('|', "\\|")
        );
    }
    out.push('\n');

    if g.detected > 0 {
        let _ = writeln!(
            out,
            "The detector opened {} of them; {} dismissed as false positives.\n",
            g.detected, g.dismissed
        );
    }

    let f = g.follow_ups;
    let _ = writeln!(out, "### Follow-ups\n");
    if f.recorded == 0 {
        let _ = writeln!(out, "None were recorded.\n");
    } else {
        let settled = f.done + f.dropped;
        let _ = writeln!(
            out,
            "{} recorded: {} done, {} dropped, {} open ({} overdue). {}% settled.\n",
            f.recorded,
            f.done,
            f.dropped,
            f.open,
            f.overdue,
            settled * 100 / f.recorded
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(secs: &[i64]) -> Spread {
        let mut values: Vec<SignedDuration> = secs.iter().map(|s| SignedDuration::from_secs(*s)).collect();
        values.sort();
        Spread { values }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let s = spread(&[10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
        assert_eq!(s.percentile(50), Some(SignedDuration::from_secs(50)));
        assert_eq!(s.percentile(90), Some(SignedDuration::from_secs(90)));
        assert_eq!(s.mean(), Some(SignedDuration::from_secs(55)));
        let one = spread(&[42]);
        assert_eq!(one.percentile(50), Some(SignedDuration::from_secs(42)));
        assert_eq!(one.percentile(90), Some(SignedDuration::from_secs(42)));
        // Three values: the median is the middle one, p90 the largest.
        let three = spread(&[300, 5, 60]);
        assert_eq!(three.percentile(50), Some(SignedDuration::from_secs(60)));
        assert_eq!(three.percentile(90), Some(SignedDuration::from_secs(300)));
        assert_eq!(Spread::default().percentile(50), None);
        assert_eq!(Spread::default().mean(), None);
    }
}
