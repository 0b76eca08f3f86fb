//! Follow-ups as others read them: a Markdown list, and the JSON a tracker accepts to create an
//! issue for one (GitHub's `POST /repos/{owner}/{repo}/issues`, Jira's `POST
//! /rest/api/2/issue`). Pure: callers print the text or post the payloads.

use std::fmt::Write;

use jiff::civil::Date;
use serde_json::{Value, json};

use super::follow_ups::{FollowUp, Standing};
use super::model::{IncidentId, Priority};

/// One follow-up with the incident it came from.
#[derive(Debug, Clone, Copy)]
pub struct Owed<'a> {
    pub incident: &'a IncidentId,
    pub incident_title: &'a str,
    pub item: &'a FollowUp,
}

impl Owed<'_> {
    /// `INC-20261204-001#14`: names the follow-up across incidents.
    pub fn name(&self) -> String {
        format!("{}#{}", self.incident, self.item.seq)
    }

    /// What a tracker's issue says about where it came from.
    fn body(&self) -> String {
        let f = self.item;
        let mut s = format!("Follow-up #{} of {}: {}\n\n", f.seq, self.incident, self.incident_title);
        for p in f.particulars() {
            let _ = writeln!(s, "- {p}");
        }
        let _ = write!(
            s,
            "\nRecorded by warroom; `warroom postmortem {}` lists it.",
            self.incident
        );
        s
    }
}

/// A Markdown list of `items`, flagged against `today`, grouped by incident in the order given.
pub fn markdown(items: &[Owed<'_>], today: Date) -> String {
    let mut out = String::from("# Follow-ups\n\n");
    if items.is_empty() {
        out.push_str("None are recorded.\n");
        return out;
    }
    let mut last: Option<&IncidentId> = None;
    for o in items {
        if last != Some(o.incident) {
            if last.is_some() {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "## {}: {}\n",
                o.incident,
                super::postmortem::inline(o.incident_title)
            );
            last = Some(o.incident);
        }
        let f = o.item;
        let tick = if f.is_open() { " " } else { "x" };
        let mut words = f.particulars();
        let flag = f.standing(today).flag();
        if !flag.is_empty() {
            words.push(if matches!(f.standing(today), Standing::Overdue(_)) {
                format!("**{flag}**")
            } else {
                flag
            });
        }
        let _ = write!(out, "- [{tick}] #{} {}", f.seq, super::postmortem::inline(&f.title));
        if !words.is_empty() {
            let _ = write!(out, " ({})", words.join(", "));
        }
        out.push('\n');
    }
    out
}

/// GitHub's create-issue body: title, body, labels, and the owner as assignee.
pub fn github(o: &Owed<'_>) -> Value {
    let f = o.item;
    let mut labels = vec!["incident-follow-up".to_string()];
    if let Some(p) = f.priority {
        labels.push(format!("priority:{p}"));
    }
    let mut v = json!({
        "title": f.title,
        "body": o.body(),
        "labels": labels,
    });
    if let Some(owner) = &f.owner {
        v["assignees"] = json!([owner]);
    }
    v
}

/// Jira's create-issue body (REST API v2): a Task in `project`, with its priority and due date.
/// The owner is named in the description: Jira assigns by account id, which a name is not.
pub fn jira(o: &Owed<'_>, project: &str) -> Value {
    let f = o.item;
    let mut fields = json!({
        "project": { "key": project },
        "issuetype": { "name": "Task" },
        "summary": f.title,
        "description": o.body(),
        "labels": ["incident-follow-up", o.incident.as_str()],
    });
    if let Some(p) = f.priority {
        fields["priority"] = json!({ "name": match p {
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
        }});
    }
    if let Some(d) = f.due {
        fields["duedate"] = json!(d.to_string());
    }
    json!({ "fields": fields })
}

/// The ticket a tracker's answer to a create names: GitHub's `html_url`, Jira's `key`.
pub fn ticket_in(answer: &Value) -> Option<String> {
    ["html_url", "key"]
        .iter()
        .find_map(|k| answer.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::FollowUpState;
    use jiff::Timestamp;

    fn item(title: &str) -> FollowUp {
        FollowUp {
            seq: 4,
            title: title.into(),
            owner: None,
            due: Some(jiff::civil::date(2026, 12, 9)),
            priority: None,
            ticket: None,
            state: FollowUpState::Open,
            opened_at: Timestamp::UNIX_EPOCH,
            settled_at: None,
        }
    }

    #[test]
    fn markdown_keeps_no_escape_sequence_or_html_from_a_title() {
        let id: IncidentId = "INC-20261124-001".parse().expect("id");
        let f = item("Fix \u{1b}]0;PWNED\u{7}<script>x</script> the pool");
        let md = markdown(
            &[Owed {
                incident: &id,
                incident_title: "Checkout <b>errors</b>",
                item: &f,
            }],
            jiff::civil::date(2026, 12, 7),
        );
        assert!(
            !md.contains('\u{1b}') && !md.contains("<script>") && !md.contains("<b>"),
            "{md}"
        );
        assert!(
            md.contains("## INC-20261124-001: Checkout &lt;b&gt;errors&lt;/b&gt;"),
            "{md}"
        );
        assert!(md.contains("- [ ] #4 Fix"), "{md}");
        assert!(md.ends_with("(due 2026-12-09, due in 2 days)\n"), "{md}");
    }

    #[test]
    fn the_ticket_is_read_from_either_trackers_answer() {
        assert_eq!(
            ticket_in(&json!({"number": 12, "html_url": "https://github.com/o/r/issues/12"})).as_deref(),
            Some("https://github.com/o/r/issues/12")
        );
        assert_eq!(
            ticket_in(&json!({"id": "10002", "key": "OPS-12"})).as_deref(),
            Some("OPS-12")
        );
        assert_eq!(ticket_in(&json!({"message": "Bad credentials"})), None);
    }
}
