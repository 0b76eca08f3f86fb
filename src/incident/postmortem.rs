//! The postmortem: Markdown generated from one journal, after the structure of PagerDuty's
//! public postmortem template, plus the journal's integrity. A pure function of the record (no
//! clock, no paths beyond the file name), so the same journal always gives the same document;
//! it must not change the journal. Sections with nothing recorded say so.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt::Write;

use jiff::{SignedDuration, Timestamp};

use super::journal::Record;
use super::metrics::{self, format_duration};
use super::model::{Definitions, Entry, Event, HowItWent, Milestone, Origin, Severity};
use super::state::Incident;
use super::timeline::{describe, utc};
use super::what_changed::Changed;

/// How much of an API answer the actions table shows (the journal has all of it).
const ANSWER_CHARS: usize = 160;

/// Renders the postmortem of one journal; `changed`: what its flight recording shows changed,
/// when there is one.
pub fn render(record: &Record, definitions: &Definitions, changed: Option<&[Changed]>) -> String {
    // Whatever a section forgot, no escape sequence leaves in the file.
    crate::text::printable(&sections(record, definitions, changed))
}

fn sections(record: &Record, definitions: &Definitions, changed: Option<&[Changed]>) -> String {
    let mut out = String::with_capacity(256 + record.entries.len() * 160);
    let file = record
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let incident = match Incident::from_entries(&record.entries) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(out, "# Postmortem: {file}\n");
            let _ = writeln!(out, "This journal cannot be read as an incident: {e}.\n");
            integrity(&mut out, record, &file);
            return out;
        }
    };
    let entries = &record.entries;
    let milestones = metrics::milestones(entries);
    // On the incident's clock, as the milestones are: a drill's own.
    let opened = entries.first().map_or(incident.opened_at, Entry::incident_time);
    let end = milestones
        .get(Milestone::Resolved)
        .unwrap_or_else(|| entries.last().map_or(incident.last_at, Entry::incident_time));

    let _ = writeln!(out, "# Postmortem: {} — {}\n", incident.id, inline(&incident.title));
    if !record.is_intact() {
        let _ = writeln!(
            out,
            "> **Warning: the journal is damaged** ({} problem(s){}). What follows is built \
             from the lines that could be read; see *Journal Integrity* at the end.\n",
            record.problems.len(),
            if record.torn.is_some() {
                ", and an incomplete last line"
            } else {
                ""
            }
        );
    }
    header(&mut out, &incident, opened, &milestones, &file);
    overview(&mut out, &incident, &milestones, (opened, end), definitions);
    what_happened(&mut out, entries, &incident.pinned);
    bullets(
        &mut out,
        "Contributing Factors",
        entries.iter().filter_map(|e| match &e.event {
            Event::ContributingFactor { text } => Some(text.as_str()),
            _ => None,
        }),
        "No contributing factors were recorded in the journal \
         (`warroom incident factor INC TEXT`).",
    );
    hypotheses(&mut out, &incident.hypotheses);
    super::what_changed::section(&mut out, changed, entries);
    resolution(&mut out, entries, &milestones);
    impact(&mut out, &incident, entries, end);
    timeline(&mut out, entries, &incident.pinned);
    response_times(&mut out, &milestones);
    responders(&mut out, &incident, entries);
    hows_it_go(&mut out, entries);
    evidence(&mut out, entries);
    action_items(&mut out, &incident.follow_ups);
    messaging(&mut out, entries);
    integrity(&mut out, record, &file);
    out
}

fn header(out: &mut String, incident: &Incident, opened: Timestamp, m: &metrics::Milestones, file: &str) {
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Incident | {} |", incident.id);
    let worst = incident.worst_severity();
    let opened_as = incident
        .severities
        .first()
        .map(|(_, s)| *s)
        .unwrap_or(incident.severity);
    let mut severity = incident.severity.to_string();
    if worst != incident.severity {
        severity.push_str(&format!(", at worst {worst}"));
    }
    if opened_as != incident.severity {
        severity.push_str(&format!(", opened as {opened_as}"));
    }
    let _ = writeln!(out, "| Severity | {severity} |");
    let _ = writeln!(out, "| Status | {} |", incident.status);
    let _ = writeln!(
        out,
        "| Drill | {} |",
        if incident.drill {
            "yes: left out of metrics"
        } else {
            "no"
        }
    );
    let _ = writeln!(out, "| Opened | {} UTC |", utc(opened));
    let _ = writeln!(
        out,
        "| Resolved | {} |",
        m.get(Milestone::Resolved)
            .map(|t| format!("{} UTC", utc(t)))
            .unwrap_or_else(|| "not resolved".into())
    );
    let _ = writeln!(
        out,
        "| Incident commander | {} |",
        incident.commander().map(cell).unwrap_or_else(|| "none assigned".into())
    );
    let _ = writeln!(out, "| Postmortem owner | _to be assigned_ |");
    let _ = writeln!(
        out,
        "| Postmortem meeting | _to be scheduled, within 5 business days_ |"
    );
    let _ = writeln!(out, "| Source | journal `{file}` |\n");
}

fn overview(
    out: &mut String,
    incident: &Incident,
    m: &metrics::Milestones,
    (opened, end): (Timestamp, Timestamp),
    definitions: &Definitions,
) {
    let _ = writeln!(out, "## Overview\n");
    let worst = incident.worst_severity();
    let from = m
        .get(Milestone::Started)
        .or(m.get(Milestone::Detected))
        .unwrap_or(opened);
    let length = end.duration_since(from);
    let state = if m.get(Milestone::Resolved).is_some() {
        format!("resolved after {}", format_duration(length))
    } else {
        format!(
            "not resolved; {} of it recorded so far, status {}",
            format_duration(length),
            incident.status
        )
    };
    let drill = if incident.drill { "drill " } else { "" };
    let _ = writeln!(
        out,
        "On {} UTC a {worst} {drill}incident, \"{}\", began ({state}).",
        utc(from),
        inline(&incident.title),
    );
    if incident.impact.is_empty() {
        let _ = writeln!(out, "Its impact was not recorded.");
    } else {
        let _ = writeln!(out, "Impact: {}", inline(&incident.impact));
    }
    if !incident.services.is_empty() {
        let _ = writeln!(out, "Affected services: {}.", inline(&incident.services.join(", ")));
    }
    let _ = writeln!(out, "\n{worst} means: {}\n", inline(definitions.severity(worst)));
}

fn what_happened(out: &mut String, entries: &[Entry], pinned: &BTreeSet<u64>) {
    let _ = writeln!(out, "## What Happened\n");
    let key: Vec<&Entry> = entries
        .iter()
        .filter(|e| pinned.contains(&e.seq) || matches!(e.event, Event::Decision { .. }))
        .collect();
    if key.is_empty() {
        let _ = writeln!(
            out,
            "No pinned entries or decisions were recorded in the journal; the full timeline \
             is below.\n"
        );
        return;
    }
    let _ = writeln!(out, "Pinned entries and decisions, in order:\n");
    for e in key {
        let pin = if pinned.contains(&e.seq) { " 📌" } else { "" };
        let _ = writeln!(
            out,
            "- {} UTC, {}: {}{pin}",
            utc(e.incident_time()),
            inline(&e.actor.name),
            inline(&describe(&e.event))
        );
    }
    out.push('\n');
}

fn bullets<'a>(out: &mut String, title: &str, items: impl Iterator<Item = &'a str>, none: &str) {
    let _ = writeln!(out, "## {title}\n");
    let mut any = false;
    for item in items {
        any = true;
        let _ = writeln!(out, "- {}", inline(item));
    }
    if !any {
        let _ = writeln!(out, "{none}");
    }
    out.push('\n');
}

/// The explanations put forward, each with how it was settled (or that it never was).
fn hypotheses(out: &mut String, board: &[super::hypotheses::Hypothesis]) {
    let _ = writeln!(out, "## Hypotheses\n");
    if board.is_empty() {
        let _ = writeln!(
            out,
            "No hypotheses were put forward (`:hypothesis TEXT` in the console).\n"
        );
        return;
    }
    for h in board {
        let mut story = vec![format!("put forward by {} at {}", inline(&h.by), utc(h.opened_at))];
        for m in &h.moves {
            let why = m
                .reason
                .as_deref()
                .map(|r| format!(": {}", inline(r)))
                .unwrap_or_default();
            story.push(format!("{} by {} at {}{why}", m.to, inline(&m.by), utc(m.at)));
        }
        let state = if h.state.is_settled() {
            h.state.to_string()
        } else {
            format!("never settled ({})", h.state)
        };
        let _ = writeln!(
            out,
            "- **#{} {state}**: {} ({})",
            h.seq,
            inline(&h.text),
            story.join("; ")
        );
    }
    out.push('\n');
}

fn resolution(out: &mut String, entries: &[Entry], m: &metrics::Milestones) {
    let _ = writeln!(out, "## Resolution\n");
    match (m.get(Milestone::Mitigated), m.get(Milestone::Resolved)) {
        (None, None) => {
            let _ = writeln!(out, "The incident was neither mitigated nor resolved.");
        }
        (mitigated, resolved) => {
            if let Some(t) = mitigated {
                let _ = writeln!(out, "Mitigated at {} UTC.", utc(t));
            }
            match resolved {
                Some(t) => {
                    let _ = writeln!(out, "Resolved at {} UTC.", utc(t));
                }
                None => {
                    let _ = writeln!(out, "Not resolved yet.");
                }
            }
        }
    }
    let changes: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::StatusChanged { from, to, reason } => Some(format!(
                "- {} UTC, {}: {from} → {to}{}",
                utc(e.incident_time()),
                inline(&e.actor.name),
                reason
                    .as_deref()
                    .map(|r| format!(": {}", inline(r)))
                    .unwrap_or_default()
            )),
            _ => None,
        })
        .collect();
    if !changes.is_empty() {
        let _ = writeln!(out, "\nStatus changes:\n");
        for c in changes {
            let _ = writeln!(out, "{c}");
        }
    }
    let _ = writeln!(out, "\n### Actions Taken\n");
    let stories = super::actions_taken::stories(entries);
    if stories.is_empty() {
        let _ = writeln!(out, "No containment actions were recorded in the journal.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Requested (UTC) | Action | By | Dry run | Outcome | API answer |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for s in &stories {
        let (Some(first), Some(a)) = (s.first, s.action) else {
            continue;
        };
        let dry = match s.dry_run {
            None => "—".to_string(),
            Some(d) => match &d.error {
                None => "passed".into(),
                Some(err) => format!("failed: {}", cell(err)),
            },
        };
        let (outcome, answer) = match s.outcome {
            None => ("no outcome recorded".to_string(), "—".to_string()),
            Some((e, what, done)) => {
                let why = done
                    .error
                    .as_deref()
                    .map(|r| format!(": {}", cell(r)))
                    .unwrap_or_default();
                (
                    format!("{what} at {} UTC{why}", utc(e.incident_time())),
                    answer_cell(&done.response),
                )
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {dry} | {outcome} | {answer} |",
            utc(first.incident_time()),
            cell(&super::timeline::action(a)),
            cell(s.requested_by.unwrap_or(first.actor.name.as_str())),
        );
    }
    out.push('\n');
}

fn impact(out: &mut String, incident: &Incident, entries: &[Entry], end: Timestamp) {
    let _ = writeln!(out, "## Impact\n");
    if incident.impact.is_empty() {
        let _ = writeln!(out, "The impact was not recorded (`warroom incident impact INC TEXT`).");
    } else {
        let _ = writeln!(out, "{}", inline(&incident.impact));
    }
    let list = |v: &Vec<String>| {
        if v.is_empty() {
            "none recorded".to_string()
        } else {
            inline(&v.join(", "))
        }
    };
    let _ = writeln!(out, "\n- Affected services: {}", list(&incident.services));
    let _ = writeln!(out, "- Affected components: {}", list(&incident.components));
    let updates = entries
        .iter()
        .filter(|e| matches!(e.event, Event::StatusUpdatePublished { .. }))
        .count();
    let _ = writeln!(out, "- Status updates published: {updates}\n");
    let mut time_at: BTreeMap<Severity, SignedDuration> = BTreeMap::new();
    for (i, (since, sev)) in incident.severities.iter().enumerate() {
        let until = incident
            .severities
            .get(i + 1)
            .map(|(t, _)| *t)
            .unwrap_or(end)
            .max(*since);
        *time_at.entry(*sev).or_default() += until.duration_since(*since);
    }
    let _ = writeln!(out, "| Severity | Time at this severity |\n|---|---|");
    for (sev, d) in time_at {
        let _ = writeln!(out, "| {sev} | {} |", format_duration(d));
    }
    out.push('\n');
    measured_impact(out, entries);
}

/// The latest impact Prometheus measured, per service: the worst error ratio, time over the
/// SLO, failed requests, and the share of a 30-day error budget they are at the span's traffic.
fn measured_impact(out: &mut String, entries: &[Entry]) {
    let Some((from, to, services)) = entries.iter().rev().find_map(|e| match &e.event {
        Event::ImpactMeasured { from, to, services } => Some((from, to, services)),
        _ => None,
    }) else {
        let _ = writeln!(
            out,
            "The impact was not measured in Prometheus (resolving in the console, or `:measure`, measures it).\n"
        );
        return;
    };
    let _ = writeln!(out, "Measured in Prometheus from {} to {} UTC:\n", utc(*from), utc(*to));
    if services.is_empty() {
        let _ = writeln!(out, "No followed service was over its SLO in that span.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Service | Peak error ratio | Over the SLO | Failed requests (est.) | 30-day error budget |\n|---|---|---|---|---|"
    );
    let span = to.duration_since(*from).as_secs_f64().max(1.0);
    for s in services {
        // The budget of 30 days at this span's traffic: (1 - objective) × requests a month.
        let month = s.requests / span * 30.0 * 86_400.0 * (1.0 - s.objective);
        let consumed = if month > 0.0 {
            format!("{:.1}%", s.failed_requests / month * 100.0)
        } else {
            "—".into()
        };
        let _ = writeln!(
            out,
            "| {} | {:.2}% at {} | {} | {:.0} of {:.0} | {consumed} |",
            cell(&s.service),
            s.peak_error_ratio * 100.0,
            utc(s.peak_at),
            format_duration(SignedDuration::from_secs(s.over_slo_seconds)),
            s.failed_requests,
            s.requests
        );
    }
    let mut namespaces: Vec<&str> = services.iter().filter_map(|s| s.service.split('/').next()).collect();
    namespaces.sort();
    namespaces.dedup();
    let _ = writeln!(out, "\nNamespaces affected: {}.\n", inline(&namespaces.join(", ")));
}

fn timeline(out: &mut String, entries: &[Entry], pinned: &BTreeSet<u64>) {
    let _ = writeln!(out, "## Timeline\n");
    let _ = writeln!(
        out,
        "All times are UTC. 📌 marks pinned entries. The journal holds each entry's full \
         details.\n"
    );
    let _ = writeln!(
        out,
        "| Time (UTC) | # | | Source | Actor | Event |\n|---|---|---|---|---|---|"
    );
    // Each action is one row, where it was asked, told by its last step with every step inside.
    let mut steps: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        if let Some((a, _)) = super::actions_taken::step(&e.event) {
            steps.entry(a.action_id.as_str()).or_default().push(e);
        }
    }
    // The recording's seals prove it untouched (`journal verify`); they tell no story.
    for e in entries
        .iter()
        .filter(|e| !matches!(e.event, super::model::Event::RecordingSealed { .. }))
    {
        let (seqs, text, pinned_here) = match super::actions_taken::step(&e.event) {
            Some((a, _)) => {
                let all = &steps[a.action_id.as_str()];
                if all.first().map(|f| f.seq) != Some(e.seq) {
                    continue;
                }
                let last = all.last().expect("a step");
                let words: Vec<&str> = all
                    .iter()
                    .filter_map(|s| super::actions_taken::step(&s.event).map(|(_, w)| w))
                    .collect();
                let seqs = if all.len() > 1 {
                    format!("{}–{}", e.seq, last.seq)
                } else {
                    e.seq.to_string()
                };
                (
                    seqs,
                    super::actions_taken::folded_line(&last.event, &words),
                    all.iter().any(|s| pinned.contains(&s.seq)),
                )
            }
            None => (e.seq.to_string(), describe(&e.event), pinned.contains(&e.seq)),
        };
        let pin = if pinned_here { "📌" } else { "" };
        let source = match e.source {
            Origin::Human => "human",
            Origin::Automation => "automation",
            Origin::Cluster => "cluster",
            Origin::Prometheus => "prometheus",
        };
        let _ = writeln!(
            out,
            "| {} | {seqs} | {pin} | {source} | {} | {} |",
            utc(e.incident_time()),
            cell(&e.actor.name),
            cell(&text)
        );
    }
    out.push('\n');
}

fn response_times(out: &mut String, m: &metrics::Milestones) {
    let _ = writeln!(out, "## Response Times\n");
    let _ = writeln!(out, "| Milestone | Time (UTC) | From |\n|---|---|---|");
    for milestone in Milestone::ALL {
        let at = m.get(milestone).map(utc).unwrap_or_else(|| "—".to_string());
        let _ = writeln!(out, "| {} | {at} | {} |", milestone.as_str(), m.how(milestone));
    }
    let _ = writeln!(out, "\n| Measure | Between | This incident |\n|---|---|---|");
    for (name, between, value) in m.response_times().rows() {
        let v = value.map(format_duration).unwrap_or_else(|| "not measurable".into());
        let _ = writeln!(out, "| {name} | {between} | {v} |");
    }
    out.push('\n');
    for c in metrics::contradictions(m) {
        let _ = writeln!(out, "> **Check the milestones:** {c}\n");
    }
}

fn responders(out: &mut String, incident: &Incident, entries: &[Entry]) {
    let _ = writeln!(out, "## Responders\n");
    if incident.assignments.is_empty() {
        let _ = writeln!(out, "No roles were assigned in the journal.\n");
    } else {
        let _ = writeln!(
            out,
            "| Role | Person | Assumed (UTC) | Renounced (UTC) |\n|---|---|---|---|"
        );
        for a in &incident.assignments {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                a.role.title(),
                cell(&a.person),
                utc(a.assumed_at),
                a.renounced_at.map(utc).unwrap_or_else(|| "still holds it".into())
            );
        }
        out.push('\n');
    }
    let mut writers: Vec<(&str, Option<&str>, usize)> = Vec::new();
    for e in entries {
        let k8s = e.actor.k8s.as_deref();
        match writers.iter_mut().find(|(n, k, _)| *n == e.actor.name && *k == k8s) {
            Some(w) => w.2 += 1,
            None => writers.push((e.actor.name.as_str(), k8s, 1)),
        }
    }
    let _ = writeln!(
        out,
        "Everyone who wrote to the journal:\n\n| Actor | Kubernetes identity | Entries |\n|---|---|---|"
    );
    for (name, k8s, n) in writers {
        let _ = writeln!(
            out,
            "| {} | {} | {n} |",
            cell(name),
            k8s.map(cell).unwrap_or_else(|| "—".into())
        );
    }
    out.push('\n');
}

fn hows_it_go(out: &mut String, entries: &[Entry]) {
    let _ = writeln!(out, "## How'd We Do?\n");
    for (went, title) in [
        (HowItWent::Well, "What Went Well"),
        (HowItWent::Badly, "What Didn't Go So Well"),
    ] {
        let _ = writeln!(out, "### {title}\n");
        let items: Vec<&str> = entries
            .iter()
            .filter_map(|e| match &e.event {
                Event::Retrospective { went: w, text } if *w == went => Some(text.as_str()),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            let _ = writeln!(
                out,
                "Nothing recorded in the journal (`warroom incident went INC {} TEXT`).\n",
                if went == HowItWent::Well { "well" } else { "badly" }
            );
            continue;
        }
        for i in items {
            let _ = writeln!(out, "- {}", inline(i));
        }
        out.push('\n');
    }
}

/// The evidence kept beside the journal, each linked by its path relative to the journal.
fn evidence(out: &mut String, entries: &[Entry]) {
    let rows: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::EvidenceCaptured {
                subject,
                why,
                file,
                sha256,
                holds,
                ..
            } => Some(format!(
                "| {} | {} | {} | {} | [{}]({}) |",
                utc(e.incident_time()),
                cell(subject),
                cell(why),
                cell(&holds.join(", ")),
                sha256.get(..12).unwrap_or(sha256),
                file.replace(['(', ')', ' '], "")
            )),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Evidence\n");
    let _ = writeln!(
        out,
        "Kept beside the journal, each file named by its SHA-256 (`warroom journal verify` checks them):\n"
    );
    let _ = writeln!(
        out,
        "| Time (UTC) | Object | Why | Holds | File |\n|---|---|---|---|---|"
    );
    for r in rows {
        let _ = writeln!(out, "{r}");
    }
    out.push('\n');
}

fn action_items(out: &mut String, follow_ups: &[super::follow_ups::FollowUp]) {
    let _ = writeln!(out, "## Action Items\n");
    if follow_ups.is_empty() {
        let _ = writeln!(
            out,
            "No follow-up action items were recorded in the journal \
             (`warroom incident action-item INC TITLE --owner NAME --due DATE`).\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "| # | Action item | Owner | Due | Priority | State | Ticket |\n|---|---|---|---|---|---|---|"
    );
    for f in follow_ups {
        let state = match f.settled_at {
            Some(at) if !f.is_open() => format!("{} {}", f.state, super::timeline::utc_day(at)),
            _ => f.state.to_string(),
        };
        let _ = writeln!(
            out,
            "| #{} | {} | {} | {} | {} | {} | {} |",
            f.seq,
            cell(&f.title),
            f.owner.as_deref().map(cell).unwrap_or_else(|| "**unassigned**".into()),
            f.due.map(|d| d.to_string()).unwrap_or_else(|| "**no date**".into()),
            f.priority.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
            state,
            f.ticket.as_deref().map(cell).unwrap_or_else(|| "—".into())
        );
    }
    out.push('\n');
}

fn messaging(out: &mut String, entries: &[Entry]) {
    let _ = writeln!(out, "## Messaging\n");
    let mut any = [false, false];
    for (i, (external, title)) in [(false, "Internal"), (true, "External")].into_iter().enumerate() {
        let _ = writeln!(out, "### {title}\n");
        for e in entries {
            if let Event::StatusUpdatePublished {
                channel,
                external: ext,
                text,
            } = &e.event
                && *ext == external
            {
                any[i] = true;
                let _ = writeln!(
                    out,
                    "- {} UTC, {} via {}: {}",
                    utc(e.incident_time()),
                    inline(&e.actor.name),
                    inline(channel),
                    inline(text)
                );
            }
        }
        if !any[i] {
            let _ = writeln!(out, "No {} status updates were published.", title.to_lowercase());
        }
        out.push('\n');
    }
}

fn integrity(out: &mut String, record: &Record, file: &str) {
    let _ = writeln!(out, "## Journal Integrity\n");
    if record.is_intact() {
        let _ = writeln!(
            out,
            "`{file}` holds {} entries; every line's SHA-256 matches its content and chains to \
             the line before. Head hash: `{}`.",
            record.entries.len(),
            record.head().unwrap_or("none")
        );
        return;
    }
    let _ = writeln!(
        out,
        "`{file}` is damaged; {} entries could be read. Problems:\n",
        record.entries.len()
    );
    for p in &record.problems {
        let _ = writeln!(out, "- line {}: {}", p.line, inline(&p.problem.to_string()));
    }
    if let Some(t) = &record.torn {
        let _ = writeln!(
            out,
            "- line {}: incomplete ({} bytes), left by a crash during an append",
            t.line,
            t.bytes.len()
        );
    }
}

/// Text inside a Markdown paragraph or list item: cleaned as the console cleans it (no escape
/// sequence reaches whoever prints the file), line breaks kept, HTML neutralised, and links
/// kept only when they go to http(s).
pub fn inline(s: &str) -> String {
    let html = crate::text::printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>");
    neutralise_links(&html)
}

/// `[text](url)` stays a link only when the url is http(s); otherwise its brackets are escaped
/// so that `[x](javascript:...)` or `[x](file:///...)` is shown as text.
fn neutralise_links(s: &str) -> String {
    static LINK: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\[([^\]]*)\]\(\s*([^)]*)\)").expect("a valid regex"));
    LINK.replace_all(s, |c: &regex::Captures<'_>| {
        let url = c[2].trim_start().to_ascii_lowercase();
        if url.starts_with("http://") || url.starts_with("https://") {
            c[0].to_string()
        } else {
            format!("\\[{}\\]({})", &c[1], &c[2])
        }
    })
    .into_owned()
}

/// Text inside a Markdown table cell.
pub fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// What the API answered: its summary when it gave one, else its JSON.
fn answer_cell(v: &serde_json::Value) -> String {
    match v["summary"].as_str() {
        Some(summary) => cell(summary),
        None => json_cell(v),
    }
}

fn json_cell(v: &serde_json::Value) -> String {
    if v.is_null() {
        return "—".into();
    }
    let text = v.to_string();
    if text.chars().count() <= ANSWER_CHARS {
        return cell(&text);
    }
    let cut: String = text.chars().take(ANSWER_CHARS).collect();
    cell(&format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::journal::Position;
    use crate::incident::model::{Actor, Declared};

    fn record(entries: Vec<Entry>) -> Record {
        Record {
            path: "INC-20261124-001.jsonl".into(),
            entries,
            problems: vec![],
            torn: None,
            end: Position::start(),
        }
    }

    fn opened() -> Entry {
        Entry {
            seq: 1,
            time: "2026-11-24T21:40:00Z".parse().expect("t"),
            drill_time: None,
            actor: Actor::named("alice"),
            source: Origin::Human,
            pinned: false,
            event: Event::IncidentOpened(Declared::new(
                "INC-20261124-001".parse().expect("id"),
                "Checkout <b>down</b> | all",
                Severity::Sev2,
            )),
            prev: String::new(),
            hash: "ab".into(),
        }
    }

    #[test]
    fn empty_sections_say_so_instead_of_vanishing() {
        let md = render(&record(vec![opened()]), &Definitions::default(), None);
        for heading in [
            "## Overview",
            "## What Happened",
            "## Contributing Factors",
            "## Hypotheses",
            "## Resolution",
            "### Actions Taken",
            "## Impact",
            "## Timeline",
            "## Response Times",
            "## Responders",
            "### What Went Well",
            "### What Didn't Go So Well",
            "## Action Items",
            "## Messaging",
            "## Journal Integrity",
        ] {
            assert!(md.contains(heading), "missing {heading}");
        }
        assert!(md.contains("No contributing factors were recorded"));
        assert!(md.contains("No hypotheses were put forward"));
        assert!(md.contains("No containment actions were recorded"));
        assert!(md.contains("No follow-up action items were recorded"));
        assert!(md.contains("No roles were assigned"));
    }

    #[test]
    fn the_competing_explanations_are_listed_with_how_each_was_settled() {
        let at = |seq: u64, who: &str, event: Event| Entry {
            seq,
            time: jiff::Timestamp::from_second(1_795_556_400 + seq as i64 * 60).expect("t"),
            actor: Actor::named(who),
            event,
            ..opened()
        };
        let changed = |hypothesis: u64, state, text: &str, reason: Option<&str>| Event::HypothesisChanged {
            hypothesis,
            state,
            text: text.into(),
            reason: reason.map(Into::into),
        };
        use crate::incident::model::HypothesisState::*;
        let md = render(
            &record(vec![
                opened(),
                at(
                    2,
                    "alice",
                    Event::HypothesisOpened {
                        text: "checkout 2.0.0 is <bad>".into(),
                    },
                ),
                at(
                    3,
                    "bob",
                    Event::HypothesisOpened {
                        text: "node-3 drops packets".into(),
                    },
                ),
                at(4, "bob", changed(2, Testing, "checkout 2.0.0 is <bad>", None)),
                at(
                    5,
                    "bob",
                    changed(2, Confirmed, "checkout 2.0.0 is <bad>", Some("the rollback fixed it")),
                ),
                at(6, "carol", Event::HypothesisOpened { text: "DNS".into() }),
            ]),
            &Definitions::default(),
            None,
        );
        let section = md
            .split("## Hypotheses\n\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("the section");
        assert_eq!(
            section.trim_end(),
            "- **#2 confirmed**: checkout 2.0.0 is &lt;bad&gt; (put forward by alice at 2026-11-24 21:42:00; \
             testing by bob at 2026-11-24 21:44:00; confirmed by bob at 2026-11-24 21:45:00: the rollback fixed it)\n\
             - **#3 never settled (open)**: node-3 drops packets (put forward by bob at 2026-11-24 21:43:00)\n\
             - **#6 never settled (open)**: DNS (put forward by carol at 2026-11-24 21:46:00)"
        );
    }

    #[test]
    fn links_go_only_to_http() {
        assert_eq!(
            neutralise_links("see [the runbook](https://wiki.example/run) or [x](javascript:alert(1))"),
            "see [the runbook](https://wiki.example/run) or \\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            neutralise_links("[f]( FILE:///etc/passwd)"),
            "\\[f\\](FILE:///etc/passwd)"
        );
        assert_eq!(inline("a\u{1b}]52;c;SGFja2Vk\u{7}b"), "ab");
    }

    #[test]
    fn the_impact_prometheus_measured_is_told_per_service_with_its_share_of_the_budget() {
        let from: Timestamp = "2026-11-24T21:00:00Z".parse().expect("t");
        let measured = Entry {
            seq: 2,
            event: Event::ImpactMeasured {
                from,
                to: from + SignedDuration::from_hours(1),
                services: vec![crate::incident::model::ServiceImpact {
                    service: "shop/checkout".into(),
                    objective: 0.999,
                    peak_error_ratio: 0.3125,
                    peak_at: "2026-11-24T21:20:00Z".parse().expect("t"),
                    over_slo_seconds: 1_230,
                    requests: 100_000.0,
                    failed_requests: 288.0,
                }],
            },
            ..opened()
        };
        let md = render(&record(vec![opened(), measured]), &Definitions::default(), None);
        assert!(
            md.contains("Measured in Prometheus from 2026-11-24 21:00:00 to 2026-11-24 22:00:00 UTC"),
            "{md}"
        );
        // A month at 100,000 requests an hour allows 72,000 failures at 99.9%: 288 is 0.4%.
        assert!(
            md.contains("| shop/checkout | 31.25% at 2026-11-24 21:20:00 | 20m 30s | 288 of 100000 | 0.4% |"),
            "{md}"
        );
        assert!(md.contains("Namespaces affected: shop."), "{md}");
        let unmeasured = render(&record(vec![opened()]), &Definitions::default(), None);
        assert!(unmeasured.contains("The impact was not measured in Prometheus"));
    }

    #[test]
    fn outside_text_cannot_break_the_markdown() {
        let md = render(&record(vec![opened()]), &Definitions::default(), None);
        assert!(md.contains("Checkout &lt;b&gt;down&lt;/b&gt; | all"));
        assert!(md.contains("Checkout &lt;b&gt;down&lt;/b&gt; \\| all"));
        assert!(!md.contains("<b>"));
    }

    #[test]
    fn an_entry_pinned_later_is_listed_once_where_it_was_written() {
        let at = |seq: u64, event: Event| Entry { seq, event, ..opened() };
        let entries = vec![
            opened(),
            at(
                2,
                Event::Note {
                    text: "db failover started".into(),
                },
            ),
            at(3, Event::Pinned { seq: 2 }),
        ];
        let md = render(&record(entries), &Definitions::default(), None);
        let what = &md[md.find("## What Happened").unwrap()..md.find("## Contributing").unwrap()];
        assert_eq!(what.matches("db failover started").count(), 1, "{what}");
        assert!(what.contains("db failover started 📌"), "{what}");
        assert!(md.contains("| 2 | 📌 |"), "the timeline marks #2:\n{md}");
    }
}
