//! `warroom incident follow-ups`: the follow-ups owed, of one incident or of all of them, as
//! text, Markdown, or the JSON trackers take to create issues.

use std::process::ExitCode;

use jiff::Timestamp;
use jiff::civil::Date;

use super::incident::FollowUpFormat;
use crate::incident::follow_up_export::{self, Owed};
use crate::incident::follow_ups::FollowUp;
use crate::incident::journal;
use crate::incident::model::IncidentId;
use crate::incident::state::Incident;
use crate::postgres::Journals;
use crate::text::printable;

/// Prints the follow-ups of `incident` (or of every incident but drills), open ones only unless
/// `all`, in `format`.
pub fn print(
    journals: &mut Journals,
    incident: Option<&IncidentId>,
    all: bool,
    format: FollowUpFormat,
    jira_project: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let ids = match incident {
        Some(id) => vec![id.clone()],
        None => journals.list()?,
    };
    let mut incidents: Vec<Incident> = Vec::new();
    for id in ids {
        let read = journals
            .existing(&id)
            .map_err(anyhow::Error::from)
            .and_then(|path| Ok(journal::read(&path)?))
            .and_then(|record| Ok(Incident::from_entries(&record.entries)?));
        match read {
            // Drills are practice: their follow-ups are listed only when the drill is named.
            Ok(i) if i.drill && incident.is_none() => {}
            Ok(i) => incidents.push(i),
            Err(e) if incident.is_some() => return Err(e.context(format!("cannot read {id}"))),
            Err(e) => eprintln!("{id}: cannot be read, left out: {}", printable(&format!("{e:#}"))),
        }
    }
    let owed: Vec<Owed<'_>> = incidents
        .iter()
        .flat_map(|i| {
            i.follow_ups.iter().filter(move |f| all || f.is_open()).map(move |f| Owed {
                incident: &i.id,
                incident_title: &i.title,
                item: f,
            })
        })
        .collect();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    match format {
        FollowUpFormat::Text => text(&owed, today, all),
        FollowUpFormat::Markdown => print!("{}", follow_up_export::markdown(&owed, today)),
        FollowUpFormat::Github | FollowUpFormat::Jira => {
            // A tracker gets only what is still owed.
            for o in owed.iter().filter(|o| o.item.is_open()) {
                let body = match format {
                    FollowUpFormat::Jira => follow_up_export::jira(o, jira_project.unwrap_or_default()),
                    _ => follow_up_export::github(o),
                };
                println!("{body}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn text(owed: &[Owed<'_>], today: Date, all: bool) {
    if owed.is_empty() {
        println!("{}", if all { "No follow-ups are recorded." } else { "No follow-ups are open." });
        return;
    }
    println!("{:<24} {:<16} {:<12} {:<8} {:<18} TITLE", "FOLLOW-UP", "OWNER", "DUE", "PRIORITY", "STANDING");
    let mut overdue = 0;
    for o in owed {
        let f: &FollowUp = o.item;
        let standing = f.standing(today);
        overdue += usize::from(matches!(standing, crate::incident::follow_ups::Standing::Overdue(_)));
        let mut title = f.title.clone();
        if let Some(t) = &f.ticket {
            title.push_str(&format!(" [{t}]"));
        }
        println!(
            "{:<24} {:<16} {:<12} {:<8} {:<18} {}",
            o.name(),
            printable(f.owner.as_deref().unwrap_or("-")),
            f.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            f.priority.map(|p| p.as_str()).unwrap_or("-"),
            match standing.flag() {
                s if s.is_empty() => "open".to_string(),
                s => s,
            },
            printable(&title)
        );
    }
    if overdue > 0 {
        println!("\n{overdue} overdue.");
    }
}
