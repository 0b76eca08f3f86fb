//! Catch-me-up: what someone joining an incident needs first, from its journal alone: where
//! it stands, who holds which role, the explanations on the table, what was tried and how it
//! went, the follow-ups, and the last update sent. Pure text; callers print or draw it.

use jiff::Timestamp;

use super::follow_ups::FollowUp;
use super::model::{Entry, Role};
use super::state::Incident;
use super::timeline::{action, utc};

/// The catch-me-up of `incident` (folded from `entries`) as of `now`, one line each.
pub fn lines(incident: &Incident, entries: &[Entry], now: Timestamp) -> Vec<String> {
    let mut out = vec![format!(
        "{} {} {}: {} (opened {} ago)",
        incident.id,
        incident.severity,
        incident.status,
        incident.title,
        minutes(now.as_second() - incident.opened_at.as_second())
    )];
    let roles: Vec<String> = Role::ALL
        .iter()
        .filter(|r| **r != Role::Observer)
        .map(|r| {
            let held = incident.holders(*r);
            format!(
                "{}: {}",
                r.title(),
                if held.is_empty() {
                    "nobody".into()
                } else {
                    held.join(", ")
                }
            )
        })
        .collect();
    out.push(roles.join(" · "));
    if !incident.impact.is_empty() {
        out.push(format!("Impact: {}", incident.impact));
    }
    if incident.hypotheses.is_empty() {
        out.push("Hypotheses: none put forward yet.".into());
    } else {
        out.push("Hypotheses:".into());
        for h in &incident.hypotheses {
            out.push(format!("  #{} {} ({}): {}", h.seq, h.state, h.owner, h.text));
        }
    }
    let tried = tried(entries);
    if tried.is_empty() {
        out.push("Tried: nothing from the console yet.".into());
    } else {
        out.push("Tried:".into());
        out.extend(tried.into_iter().map(|t| format!("  {t}")));
    }
    let today = super::timeline::utc_day(now);
    let open: Vec<&FollowUp> = incident.follow_ups.iter().filter(|f| f.is_open()).collect();
    if !open.is_empty() {
        out.push("Follow-ups:".into());
        for f in open {
            let mut s = format!("  #{} {}", f.seq, f.title);
            let mut words = f.particulars();
            let flag = f.standing(today).flag();
            if !flag.is_empty() {
                words.push(flag);
            }
            if !words.is_empty() {
                s.push_str(&format!(" ({})", words.join(", ")));
            }
            out.push(s);
        }
    }
    match incident.status_updates.last() {
        Some(u) => out.push(format!(
            "Last update: {} UTC to {}, {} ago.",
            utc(u.at),
            u.channel,
            minutes(now.as_second() - u.at.as_second())
        )),
        None => out.push("Last update: none has gone out yet.".into()),
    }
    out
}

/// Each action asked, once, with how it ended and who asked: `12:04:31 UTC rollout undo
/// deployment/checkout -n shop (revision 2): succeeded (bob)`.
fn tried(entries: &[Entry]) -> Vec<String> {
    super::actions_taken::stories(entries)
        .iter()
        .filter_map(|s| {
            let (first, a) = (s.first?, s.action?);
            let how = match s.outcome {
                Some((_, what, done)) => match &done.error {
                    Some(why) => format!("{what}: {why}"),
                    None => what.to_string(),
                },
                None => "asked, no outcome yet".into(),
            };
            let by = s.requested_by.unwrap_or(first.actor.name.as_str());
            Some(format!("{} UTC {}: {how} ({by})", utc(first.time), action(a)))
        })
        .collect()
}

/// `95` seconds as `1m`, an hour and a half as `1h30m`.
fn minutes(secs: i64) -> String {
    let m = secs.max(0) / 60;
    match (m / 60, m % 60) {
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{ActionRecord, Declared, Event, Severity};
    use crate::incident::testing::entry;

    fn record(id: &str, verb: &str, error: Option<&str>) -> ActionRecord {
        ActionRecord {
            action_id: id.into(),
            action: verb.into(),
            target: "deployment/checkout -n shop".into(),
            parameters: serde_json::json!({"verb": verb, "namespace": "shop", "revision": 2}),
            response: serde_json::Value::Null,
            error: error.map(Into::into),
            identity: None,
        }
    }

    #[test]
    fn what_was_tried_is_each_action_once_with_how_it_ended_and_who_asked() {
        let entries = vec![
            entry(
                1,
                "alice",
                Event::IncidentOpened(Declared::new(
                    "INC-20261124-001".parse().expect("id"),
                    "Checkout errors",
                    Severity::Sev2,
                )),
            ),
            entry(2, "bob", Event::ActionRequested(record("a1", "rollout_undo", None))),
            entry(
                3,
                "warroom-automation",
                Event::ActionDryRun(record("a1", "rollout_undo", None)),
            ),
            entry(
                4,
                "warroom-automation",
                Event::ActionSucceeded(record("a1", "rollout_undo", None)),
            ),
            entry(5, "carol", Event::ActionRequested(record("a2", "scale", None))),
            entry(
                6,
                "warroom-automation",
                Event::ActionRefused(record("a2", "scale", Some("forbidden"))),
            ),
            entry(
                7,
                "carol",
                item("Add a canary stage", Some(jiff::civil::date(2026, 11, 23))),
            ),
            entry(8, "carol", item("Alert on pool exhaustion", None)),
            entry(
                9,
                "carol",
                Event::ActionItemChanged {
                    item: 8,
                    title: "Alert on pool exhaustion".into(),
                    state: Some(crate::incident::model::FollowUpState::Done),
                    owner: None,
                    due: None,
                    ticket: None,
                    priority: None,
                },
            ),
        ];
        let incident = Incident::from_entries(&entries).expect("incident");
        let now = Timestamp::from_second(1_795_556_400 + 30 * 60).expect("now");
        let lines = lines(&incident, &entries, now);
        assert_eq!(
            lines[0],
            "INC-20261124-001 SEV2 investigating: Checkout errors (opened 29m ago)"
        );
        let tried: Vec<&str> = lines
            .iter()
            .skip_while(|l| *l != "Tried:")
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(String::as_str)
            .collect();
        assert_eq!(
            tried,
            [
                "  2026-11-24 21:42:00 UTC rollout undo deployment/checkout -n shop (revision 2): succeeded (bob)",
                "  2026-11-24 21:45:00 UTC scale deployment/checkout -n shop (revision 2): refused: forbidden (carol)",
            ]
        );
        // Only what is still owed, flagged when overdue.
        let follow_ups: Vec<&str> = lines
            .iter()
            .skip_while(|l| *l != "Follow-ups:")
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(String::as_str)
            .collect();
        assert_eq!(
            follow_ups,
            ["  #7 Add a canary stage (owner bob, due 2026-11-23, OVERDUE by 1 day)"]
        );
    }

    fn item(title: &str, due: Option<jiff::civil::Date>) -> Event {
        Event::ActionItem {
            title: title.into(),
            owner: Some("bob".into()),
            due,
            ticket: None,
            priority: None,
        }
    }
}
