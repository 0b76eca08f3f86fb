//! `warroom status`: render, preview and publish status updates from scripts, and show when
//! the next one is due. An edge: it reads the config, templates and journal, prints, and turns
//! errors into one message and an exit code.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;

use crate::cli::incident::DataDir;
use crate::comms::cadence::{self, Cadence};
use crate::comms::channel::{Channel, Target};
use crate::comms::drafts::{self, DraftText};
use crate::comms::publish::{self, Message};
use crate::comms::template::{Template, Templates};
use crate::comms::vars::{self, GoldenSignals};
use crate::config::Config;
use crate::incident::model::{Actor, Draft, IncidentId, Origin};
use crate::incident::state::Incident;
use crate::incident::timeline;
use crate::postgres::Journals;
use crate::text::printable;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Template directory [default: $WARROOM_TEMPLATES, else the shipped templates].
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(subcommand)]
    pub command: StatusCommand,
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Render a template for an incident and publish it to a channel; every attempt is
    /// recorded in the journal.
    Publish {
        incident: IncidentId,
        /// Template name, e.g. internal-update (not needed with --draft).
        #[arg(long, required_unless_present = "draft")]
        template: Option<String>,
        /// A configured channel's name (`stdout` works without configuration).
        #[arg(long)]
        channel: String,
        /// Fill a template input, e.g. --var needs="a DBA" (repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
        vars: Vec<(String, String)>,
        /// Publish a saved draft instead: its id, or `latest` for the one a console would offer.
        #[arg(long, conflicts_with_all = ["template", "vars"])]
        draft: Option<String>,
    },
    /// Print a template rendered for an incident.
    Preview {
        incident: IncidentId,
        #[arg(long)]
        template: String,
        #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
        vars: Vec<(String, String)>,
    },
    /// Print when the next update is due for each audience (overdue ones marked).
    Due {
        incident: IncidentId,
        /// Also note overdue updates on the incident's timeline.
        #[arg(long)]
        note: bool,
    },
    /// List the templates with their audience.
    Templates,
    /// Test helper: save a draft repeatedly (as an editor would), printing "saved ID SEQ TEXT"
    /// after each save returns.
    #[command(hide = true)]
    Draft {
        incident: IncidentId,
        #[arg(long)]
        template: String,
        #[arg(long, default_value = "draft")]
        text: String,
        /// Stop after this many saves [default: never].
        #[arg(long)]
        count: Option<u64>,
    },
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

/// `warroom status ...`
pub fn status(args: StatusArgs) -> ExitCode {
    let result = Config::load().map_err(anyhow::Error::from).and_then(|c| run(args, &c));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warroom: {}", printable(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn template<'a>(all: &'a Templates, name: &str) -> anyhow::Result<&'a Template> {
    all.get(name)
        .ok_or_else(|| anyhow!("no template {name:?}; there are {}", all.names().join(", ")))
}

/// The configured channel `name`; `stdout` exists even when not configured.
pub fn find_channel(config: &Config, name: &str) -> anyhow::Result<Channel> {
    let channels = config.status_channels();
    if let Some(c) = channels.iter().find(|c| c.name == name) {
        return Ok(c.clone());
    }
    if name == "stdout" {
        return Ok(Channel {
            name: "stdout".into(),
            external: false,
            target: Target::Stdout,
            timeout: Duration::from_secs(10),
            retries: 0,
            backoff: Duration::from_secs(1),
        });
    }
    let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
    bail!(
        "no channel {name:?} in the config; configured: {}",
        if names.is_empty() {
            "none (add [[channels]] to the config file)".to_string()
        } else {
            names.join(", ")
        }
    )
}

fn read_incident(
    journals: &mut Journals,
    id: &IncidentId,
) -> anyhow::Result<(Incident, Vec<crate::incident::model::Entry>)> {
    let record = journals.read(id)?;
    let incident = Incident::from_entries(&record.entries).map_err(|e| anyhow!("{id}: {e}"))?;
    Ok((incident, record.entries))
}

/// Renders `t` for the incident now; the next update time is the one this update sets.
fn render(
    t: &Template,
    incident: &Incident,
    entries: &[crate::incident::model::Entry],
    config: &Config,
    cadence: &Cadence,
    inputs: &BTreeMap<String, String>,
    now: Timestamp,
) -> anyhow::Result<String> {
    let next = cadence::next_after_publishing(incident, cadence, &t.audience, now);
    let v = vars::build(
        incident,
        entries,
        &config.definitions(),
        &GoldenSignals::default(),
        next,
        now,
    );
    Ok(t.render(&v, inputs)?)
}

fn run(args: StatusArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let mut journals = args.data.journals(config)?;
    let cadence = config.status_cadence();
    let now = Timestamp::now();
    match args.command {
        StatusCommand::Templates => {
            for t in &Templates::in_use(args.templates.as_deref())?.all {
                println!(
                    "{:<22} {:<10} {:<8} {}",
                    t.name,
                    t.audience,
                    if t.external { "external" } else { "internal" },
                    t.description
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Preview {
            incident,
            template: name,
            vars,
        } => {
            let all = Templates::in_use(args.templates.as_deref())?;
            let t = template(&all, &name)?;
            let (state, entries) = read_incident(&mut journals, &incident)?;
            let text = render(t, &state, &entries, config, &cadence, &vars.into_iter().collect(), now)?;
            let mut out = std::io::stdout().lock();
            out.write_all(printable(&text).as_bytes())
                .and_then(|()| out.flush())
                .context("cannot print the preview")?;
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Due { incident, note } => {
            let (state, _) = read_incident(&mut journals, &incident)?;
            let dues = cadence::all_due(&state, &cadence, now);
            if dues.is_empty() {
                println!("{incident}: no update due ({} {})", state.severity, state.status);
            }
            for d in &dues {
                let left = d.remaining(now);
                let words = crate::incident::metrics::format_duration(left.abs());
                println!(
                    "{incident} {:<10} due {} UTC  {}  ({} published)",
                    d.audience,
                    timeline::utc(d.at),
                    if d.overdue {
                        format!("OVERDUE by {words}")
                    } else {
                        format!("in {words}")
                    },
                    d.published
                );
            }
            if note {
                let mut journal = journals.open(&incident)?;
                let state = Incident::from_entries(journal.entries()).map_err(|e| anyhow!("{incident}: {e}"))?;
                for event in cadence::overdue_events(&state, &cadence, now) {
                    let entry = journals.append(
                        &incident,
                        &mut journal,
                        Draft::new(Actor::automation(), Origin::Automation, event),
                    )?;
                    println!("{incident} #{} noted: {}", entry.seq, timeline::describe(&entry.event));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Draft {
            incident,
            template: name,
            text,
            count,
        } => {
            let all = Templates::in_use(args.templates.as_deref())?;
            let t = template(&all, &name)?;
            let mut journal = journals.open(&incident)?;
            let actor = crate::config::actor();
            let draft_id = drafts::new_draft_id();
            let stdout = std::io::stdout();
            let mut i: u64 = 0;
            while count.is_none_or(|c| i < c) {
                let body = format!("{text} {i}");
                let entry = journals.append(
                    &incident,
                    &mut journal,
                    drafts::saved(
                        &actor,
                        &DraftText {
                            draft_id: draft_id.clone(),
                            template: t.name.clone(),
                            audience: t.audience.clone(),
                            channel: None,
                            text: body.clone(),
                        },
                    ),
                )?;
                let mut out = stdout.lock();
                writeln!(out, "saved {draft_id} {} {body}", entry.seq)
                    .and_then(|()| out.flush())
                    .context("cannot report a save")?;
                i += 1;
            }
            Ok(ExitCode::SUCCESS)
        }
        StatusCommand::Publish {
            incident,
            template: name,
            channel,
            vars,
            draft,
        } => {
            let channel = find_channel(config, &channel)?;
            let (state, entries) = read_incident(&mut journals, &incident)?;
            let all = Templates::in_use(args.templates.as_deref())?;
            let mut journal = journals.open(&incident)?;
            let actor = crate::config::actor();
            let message = match draft {
                Some(which) => {
                    let saved = if which == "latest" {
                        state.latest_unpublished_draft()
                    } else {
                        state.drafts.iter().find(|d| d.draft_id == which)
                    }
                    .ok_or_else(|| anyhow!("{incident} has no unpublished draft {which:?}"))?;
                    if saved.published {
                        bail!("draft {} of {incident} was already published", saved.draft_id);
                    }
                    Message {
                        incident: incident.clone(),
                        draft_id: saved.draft_id.clone(),
                        template: saved.template.clone(),
                        audience: saved.audience.clone(),
                        external: all.get(&saved.template).is_some_and(|t| t.external),
                        text: saved.text.clone(),
                    }
                }
                None => {
                    let name = name.ok_or_else(|| anyhow!("give --template or --draft"))?;
                    let t = template(&all, &name)?;
                    let text = render(t, &state, &entries, config, &cadence, &vars.into_iter().collect(), now)?;
                    let draft = DraftText {
                        draft_id: drafts::new_draft_id(),
                        template: t.name.clone(),
                        audience: t.audience.clone(),
                        channel: Some(channel.name.clone()),
                        text,
                    };
                    journals.append(&incident, &mut journal, drafts::saved(&actor, &draft))?;
                    Message {
                        incident: incident.clone(),
                        draft_id: draft.draft_id,
                        template: draft.template,
                        audience: draft.audience,
                        external: t.external,
                        text: draft.text,
                    }
                }
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let entry = runtime.block_on(publish::publish(
                |d| journals.append(&incident, &mut journal, d),
                &actor,
                &channel,
                &message,
            ))?;
            eprintln!(
                "{incident} #{} published to {} (draft {})",
                entry.seq, channel.name, message.draft_id
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
