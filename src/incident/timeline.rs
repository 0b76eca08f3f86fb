//! One line of words per journal entry, as the timeline, `warroom journal follow` and the
//! postmortem show it. Pure text from an event; it must not escape for any output format
//! (Markdown, terminal) — callers do that.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::model::{ActionRecord, ClusterChangeKind, Entry, Event, HowItWent, StepState};

/// `2026-11-24 21:40:05` (UTC).
pub fn utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The day of `t` in UTC: what due dates are judged against.
pub fn utc_day(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(TimeZone::UTC).date()
}

/// One-line description of what happened.
pub fn describe(event: &Event) -> String {
    match event {
        Event::IncidentOpened(d) => {
            let drill = if d.drill { " (drill)" } else { "" };
            format!("Incident opened{drill}: {} \"{}\"", d.severity, d.title)
        }
        Event::Note { text } => text.clone(),
        Event::Aside { text } => format!("Facilitator: {text}"),
        Event::Pinned { seq } => format!("pinned #{seq}"),
        Event::Decision { text } => format!("Decision: {text}"),
        Event::StatusChanged { from, to, reason } => {
            format!("Status {from} → {to}{}", because(reason))
        }
        Event::SeverityChanged { from, to, reason } => {
            format!("Severity {from} → {to}{}", because(reason))
        }
        Event::RoleChanged { role, from, to } => match (from, to) {
            (Some(f), Some(t)) => format!("{role}: {f} → {t}"),
            (None, Some(t)) => format!("{t} is {role}"),
            (Some(f), None) => format!("{f} is no longer {role}"),
            (None, None) => format!("{role}: no change"),
        },
        Event::ImpactUpdated {
            impact,
            services,
            components,
        } => {
            let mut s = format!("Impact: {impact}");
            if !services.is_empty() {
                s.push_str(&format!(" (services: {})", services.join(", ")));
            }
            if !components.is_empty() {
                s.push_str(&format!(" (components: {})", components.join(", ")));
            }
            s
        }
        Event::MilestoneSet { milestone, at } => {
            format!("Milestone {} at {} UTC", milestone.as_str(), utc(*at))
        }
        Event::AlertFiring {
            alert, labels, summary, ..
        } => {
            let mut s = format!("Alert firing: {alert}");
            if !summary.is_empty() {
                s.push_str(&format!(" — {summary}"));
            }
            if !labels.is_empty() {
                let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push_str(&format!(" {{{}}}", l.join(", ")));
            }
            s
        }
        Event::AlertResolved { alert, .. } => format!("Alert resolved: {alert}"),
        Event::ClusterChange {
            change,
            object,
            summary,
            ..
        } => {
            let what = match change {
                ClusterChangeKind::Rollout => "Rollout",
                ClusterChangeKind::Crashloop => "Crash loop",
                ClusterChangeKind::NodeCondition => "Node condition",
                ClusterChangeKind::Other => "Cluster change",
            };
            format!("{what}: {object} — {summary}")
        }
        Event::Detected(d) => {
            let what: Vec<&str> = d.findings.iter().map(|f| f.text.as_str()).collect();
            let mut s = format!("Detected: {} — {}", d.scope, what.join("; "));
            if let Some(c) = d.causes.first() {
                s.push_str(&format!(". Likely cause: {}", c.why));
            }
            if let Some(m) = d.mitigations.first() {
                s.push_str(&format!(". Suggested: {}", m.text));
            }
            s
        }
        Event::RecordingSealed { file, offset, .. } => format!("Recording sealed: {file}, {offset} bytes"),
        Event::SignalAppeared { message, .. } => format!("Signal: {message}"),
        Event::SignalCleared { message, .. } => format!("Signal cleared: {message}"),
        Event::ImpactMeasured { services, .. } => match services
            .iter()
            .max_by(|a, b| a.failed_requests.total_cmp(&b.failed_requests))
        {
            None => "Impact measured: no followed service was over its SLO".into(),
            Some(worst) => format!(
                "Impact measured: {} service(s) over their SLO; worst {} (peak {:.1}% errors, ~{:.0} failed requests)",
                services.len(),
                worst.service,
                worst.peak_error_ratio * 100.0,
                worst.failed_requests
            ),
        },
        Event::EvidenceCaptured {
            subject,
            why,
            file,
            holds,
            ..
        } => format!("Evidence captured ({why}): {subject}{} → {file}", listed(holds)),
        Event::DetectionDismissed { reason } if reason.is_empty() => "Detection dismissed as a false positive".into(),
        Event::DetectionDismissed { reason } => format!("Detection dismissed as a false positive: {reason}"),
        Event::ActionRequested(a) => format!("Action requested: {}", action(a)),
        Event::ActionDryRun(a) => match &a.error {
            Some(e) => format!("Dry run failed: {}: {e}", action(a)),
            None => format!("Dry run passed: {}", action(a)),
        },
        Event::ActionSucceeded(a) => format!("Action succeeded: {}", super::action_words::done(a)),
        Event::ActionFailed(a) => format!(
            "Action failed: {}: {}",
            action(a),
            a.error.as_deref().unwrap_or("no reason given")
        ),
        Event::ActionCancelled(a) => format!(
            "Action cancelled: {}{}",
            action(a),
            a.response["summary"]
                .as_str()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        ),
        Event::ActionDeclined(a) => format!("Action declined: {}", action(a)),
        Event::ActionUnchanged(a) => format!("Action not needed, it would change nothing: {}", action(a)),
        Event::ActionRefused(a) => format!(
            "Action refused: {}: {}",
            action(a),
            a.error.as_deref().unwrap_or("no reason given")
        ),
        Event::StatusUpdatePublished {
            channel,
            external,
            text,
        } => {
            let audience = if *external { "external" } else { "internal" };
            format!("Status update ({audience}, {channel}): {text}")
        }
        Event::StatusDraftSaved {
            draft_id,
            template,
            audience,
            text,
            ..
        } => format!(
            "Status draft {draft_id} saved ({template}, {audience}, {} chars)",
            text.chars().count()
        ),
        Event::StatusDraftPublished {
            draft_id,
            audience,
            channel,
        } => format!("Status draft {draft_id} published ({audience}, {channel})"),
        Event::StatusUpdateFailed {
            channel,
            attempt,
            error,
            ..
        } => format!("Status update to {channel} failed (attempt {attempt}): {error}"),
        Event::StatusUpdateOverdue { audience, due_at } => {
            format!("Status update overdue: {audience} was due at {} UTC", utc(*due_at))
        }
        Event::ChecklistStarted { checklist } => format!("Playbook {checklist} followed"),
        Event::ChecklistStepChanged {
            checklist,
            step,
            state,
            reason,
        } => {
            let state = match state {
                StepState::Todo => "to do",
                StepState::Doing => "in progress",
                StepState::Done => "done",
                StepState::Skipped => "skipped",
                StepState::Failed => "failed",
            };
            match reason {
                Some(r) => format!("Checklist {checklist}: \"{step}\" {state} ({r})"),
                None => format!("Checklist {checklist}: \"{step}\" {state}"),
            }
        }
        Event::ContributingFactor { text } => format!("Contributing factor: {text}"),
        Event::HypothesisOpened { text } => format!("Hypothesis: {text}"),
        Event::HypothesisChanged {
            hypothesis,
            state,
            text,
            reason,
        } => format!("Hypothesis #{hypothesis} {state}: \"{text}\"{}", because(reason)),
        Event::Retrospective { went, text } => match went {
            HowItWent::Well => format!("Went well: {text}"),
            HowItWent::Badly => format!("Went badly: {text}"),
        },
        Event::ActionItem {
            title,
            owner,
            due,
            ticket,
            priority,
        } => {
            let extra = super::follow_ups::particulars(owner.as_deref(), *due, *priority, ticket.as_deref());
            format!("Action item: {title}{}", listed(&extra))
        }
        Event::ActionItemChanged {
            item,
            title,
            state,
            owner,
            due,
            ticket,
            priority,
        } => {
            let extra = super::follow_ups::particulars(owner.as_deref(), *due, *priority, ticket.as_deref());
            match state {
                Some(s) => format!("Action item #{item} {s}: \"{title}\"{}", listed(&extra)),
                None => format!("Action item #{item} now {}: \"{title}\"", extra.join(", ")),
            }
        }
        Event::Unrecognized { kind, payload } => format!("{kind}: {payload}"),
    }
}

/// ` (a, b)`, or nothing when there is nothing to list.
fn listed(words: &[String]) -> String {
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join(", "))
    }
}

fn because(reason: &Option<String>) -> String {
    reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
}

/// An action in words, never its raw JSON: the verb, the target, and the parameters that are
/// plain values (`rollout undo deployment/checkout -n shop (revision 2)`); the namespace is in
/// the target already, and lists and maps (a silence's matchers) are in the target too.
pub fn action(a: &ActionRecord) -> String {
    let mut s = format!("{} {}", a.action.replace('_', " "), a.target);
    if let Some(fields) = a.parameters.as_object() {
        let words: Vec<String> = fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "verb" | "namespace"))
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(v) => Some(format!("{k} {v}")),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(format!("{k} {v}")),
                _ => None,
            })
            .collect();
        if !words.is_empty() {
            s.push_str(&format!(" ({})", words.join(", ")));
        }
    }
    s
}

/// The plain-text line `warroom journal follow` prints for an entry.
pub fn plain_line(e: &Entry) -> String {
    let pin = if e.pinned { "*" } else { " " };
    format!(
        "{} UTC #{:<4}{pin} {:<14} {}",
        utc(e.time),
        e.seq,
        e.actor.name,
        describe(&e.event)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Role, Severity};

    #[test]
    fn events_read_as_sentences() {
        assert_eq!(
            describe(&Event::SeverityChanged {
                from: Severity::Sev2,
                to: Severity::Sev1,
                reason: Some("all regions".into())
            }),
            "Severity SEV2 → SEV1 (all regions)"
        );
        assert_eq!(
            describe(&Event::RoleChanged {
                role: Role::Commander,
                from: Some("alice".into()),
                to: Some("bob".into())
            }),
            "commander: alice → bob"
        );
        assert_eq!(
            describe(&Event::ActionFailed(ActionRecord {
                action_id: "a1".into(),
                action: "scale".into(),
                target: "deployment/checkout -n shop".into(),
                parameters: serde_json::json!({"replicas": 6}),
                response: serde_json::Value::Null,
                error: Some("forbidden".into()),
                identity: None,
            })),
            "Action failed: scale deployment/checkout -n shop (replicas 6): forbidden"
        );
        // As the runner writes it: the whole action as JSON, which reads as words.
        assert_eq!(
            describe(&Event::ActionSucceeded(ActionRecord {
                action_id: "a2".into(),
                action: "rollout_undo".into(),
                target: "deployment/checkout -n shop".into(),
                parameters: serde_json::json!({
                    "verb": "rollout_undo",
                    "namespace": "shop",
                    "workload": {"kind": "Deployment", "name": "checkout"},
                    "revision": 2
                }),
                response: serde_json::Value::Null,
                error: None,
                identity: None,
            })),
            "Action succeeded: rolled back deployment shop/checkout to revision 2"
        );
    }

    #[test]
    fn times_are_utc() {
        let t: Timestamp = "2026-11-24T23:40:05.250+02:00".parse().expect("t");
        assert_eq!(utc(t), "2026-11-24 21:40:05");
    }
}
