//! `warroom report`: every journal read together for a period (drills apart), as Markdown.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::incident::DataDir;
use crate::incident::model::Entry;
use crate::incident::report;
use crate::text::printable;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Only incidents opened in this period: a span back from now (`90d`, `12h`) or a day
    /// (`2026-09-01`) [default: every incident].
    #[arg(long, value_name = "SPAN|DAY")]
    pub since: Option<String>,
    /// Write the Markdown here instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn report(args: ReportArgs) -> ExitCode {
    super::incident::finish(super::incident::config().and_then(|c| run(args, &c)))
}

fn run(args: ReportArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let now = Timestamp::now();
    let since = args.since.as_deref().map(|s| since(s, now)).transpose()?;
    let mut journals = args.data.journals(config)?;
    let mut read: Vec<Vec<Entry>> = Vec::new();
    for id in journals.list()? {
        let record = match journals.read(&id) {
            Ok(r) => r,
            Err(e) => {
                eprintln!(
                    "warroom: {id} cannot be read, left out: {}",
                    printable(&format!("{e:#}"))
                );
                continue;
            }
        };
        if !record.is_intact() {
            eprintln!("warroom: warning: {id} is damaged; run `warroom journal verify {id}`");
        }
        let opened = record.entries.first().map(|e| e.time);
        if since.is_none_or(|s| opened.is_some_and(|o| o >= s)) {
            read.push(record.entries);
        }
    }
    let today = crate::incident::timeline::utc_day(now);
    let built = report::build(read.iter().map(Vec::as_slice), today);
    let period = match since {
        Some(s) => format!(
            "incidents opened since {} (as of {today})",
            crate::incident::timeline::utc_day(s)
        ),
        None => format!("every incident (as of {today})"),
    };
    let markdown = crate::text::printable(&report::markdown(&built, &period));
    super::incident::write_out(args.output.as_deref(), &markdown, "the report")?;
    Ok(ExitCode::SUCCESS)
}

/// `--since`: a day (its start, UTC), or a span back from `now`.
fn since(s: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(day) = s.parse::<jiff::civil::Date>() {
        return Ok(day.to_zoned(TimeZone::UTC)?.timestamp());
    }
    let span = warroom_files::Duration::parse(s)
        .ok()
        .filter(|d| d.millis > 0)
        .ok_or_else(|| anyhow::anyhow!("--since {s:?} is neither a span such as 90d nor a day such as 2026-09-01"))?;
    Ok(now - jiff::SignedDuration::from_millis(span.millis))
}
