//! `warroom incident follow-ups`: the follow-ups owed, of one incident or of all of them, as
//! text, Markdown, or the JSON trackers take to create issues; `--post` files them in the
//! team's tracker and records the tickets.

use std::process::ExitCode;

use anyhow::bail;
use jiff::Timestamp;
use jiff::civil::Date;

use crate::incident::follow_up_export::{self, Owed};
use crate::incident::follow_ups::{Changes, Standing};
use crate::incident::model::IncidentId;
use crate::incident::state::Incident;
use crate::postgres::Journals;
use crate::text::printable;

#[derive(Debug, clap::Args)]
pub struct FollowUpsArgs {
    /// One incident (a drill's are listed only when it is named); default: every incident.
    pub incident: Option<IncidentId>,
    /// Done and dropped ones too.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = FollowUpFormat::Text)]
    pub format: FollowUpFormat,
    /// Jira's project key, for --format jira [default: the [tracker]'s].
    #[arg(long, value_name = "KEY")]
    pub jira_project: Option<String>,
    /// File each open follow-up that has no ticket yet in the configured [tracker], and
    /// record the ticket it gets in its incident's journal.
    #[arg(long, conflicts_with_all = ["all", "format", "jira_project"])]
    pub post: bool,
}

/// How `incident follow-ups` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FollowUpFormat {
    Text,
    Markdown,
    /// One GitHub create-issue body per line (JSON).
    Github,
    /// One Jira create-issue body per line (JSON).
    Jira,
}

pub fn run(journals: &mut Journals, config: &crate::config::Config, args: FollowUpsArgs) -> anyhow::Result<ExitCode> {
    let incidents = read(journals, args.incident.as_ref())?;
    let owed: Vec<Owed<'_>> = incidents
        .iter()
        .flat_map(|i| {
            i.follow_ups
                .iter()
                .filter(|f| args.all || f.is_open())
                .map(move |f| Owed {
                    incident: &i.id,
                    incident_title: &i.title,
                    item: f,
                })
        })
        .collect();
    if args.post {
        let Some(tracker) = &config.tracker else {
            bail!("--post files follow-ups in the team's tracker: configure [tracker] (kind, url, token_env) first");
        };
        let tracker = crate::tracker::Tracker::new(tracker).map_err(anyhow::Error::msg)?;
        return post(journals, &tracker, &owed);
    }
    let today = crate::incident::timeline::utc_day(Timestamp::now());
    match args.format {
        FollowUpFormat::Text => text(&owed, today, args.all),
        FollowUpFormat::Markdown => print!("{}", follow_up_export::markdown(&owed, today)),
        FollowUpFormat::Github => {
            for o in owed.iter().filter(|o| o.item.is_open()) {
                println!("{}", follow_up_export::github(o));
            }
        }
        FollowUpFormat::Jira => {
            let project = args
                .jira_project
                .or_else(|| config.tracker.as_ref().and_then(|t| t.project.clone()));
            let Some(project) = project else {
                bail!("--format jira needs the project its issues go to: --jira-project KEY (or [tracker] project)");
            };
            for o in owed.iter().filter(|o| o.item.is_open()) {
                println!("{}", follow_up_export::jira(o, &project));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The incidents asked for: the one named, or every incident but drills (one that cannot be
/// read is said and left out).
fn read(journals: &mut Journals, incident: Option<&IncidentId>) -> anyhow::Result<Vec<Incident>> {
    let ids = match incident {
        Some(id) => vec![id.clone()],
        None => journals.list()?,
    };
    let mut incidents = Vec::new();
    for id in ids {
        let read = journals
            .read(&id)
            .map_err(anyhow::Error::from)
            .and_then(|record| Ok(Incident::from_entries(&record.entries)?));
        match read {
            // Drills are practice: their follow-ups are listed only when the drill is named.
            Ok(i) if i.drill && incident.is_none() => {}
            Ok(i) => incidents.push(i),
            Err(e) if incident.is_some() => return Err(e.context(format!("cannot read {id}"))),
            Err(e) => eprintln!("{id}: cannot be read, left out: {}", printable(&format!("{e:#}"))),
        }
    }
    Ok(incidents)
}

/// Files each open follow-up without a ticket, one at a time, recording each ticket as it comes
/// back; a failure is said and the rest are still filed.
fn post(journals: &mut Journals, tracker: &crate::tracker::Tracker, owed: &[Owed<'_>]) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (mut filed, mut failed) = (0, 0);
    for o in owed {
        if let Some(t) = &o.item.ticket {
            println!("{}: filed already ({})", o.name(), printable(t));
            continue;
        }
        match runtime.block_on(tracker.file(&tracker.body(o))) {
            Ok(ticket) => {
                let changes = Changes {
                    ticket: Some(ticket),
                    ..Changes::default()
                };
                let seq = o.item.seq;
                super::incident::change(journals, o.incident, |i| {
                    Ok(crate::incident::change::follow_up(i, seq, changes)?)
                })?;
                filed += 1;
            }
            Err(e) => {
                eprintln!("{}: not filed: {}", o.name(), printable(&e));
                failed += 1;
            }
        }
    }
    println!("{filed} filed, {failed} failed.");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn text(owed: &[Owed<'_>], today: Date, all: bool) {
    if owed.is_empty() {
        println!(
            "{}",
            if all {
                "No follow-ups are recorded."
            } else {
                "No follow-ups are open."
            }
        );
        return;
    }
    println!(
        "{:<24} {:<16} {:<12} {:<8} {:<18} TITLE",
        "FOLLOW-UP", "OWNER", "DUE", "PRIORITY", "STANDING"
    );
    let mut overdue = 0;
    for o in owed {
        let f = o.item;
        let standing = f.standing(today);
        overdue += usize::from(matches!(standing, Standing::Overdue(_)));
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
