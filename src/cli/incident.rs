//! The incident subcommands, for scripts and for people away from the console: `incident`,
//! `note`, `journal` and `postmortem`. This is an edge: it reads the environment (who is
//! acting, where the data is), prints, and turns errors into one message and an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::incident::change;
use crate::incident::follow::{self, Followed};
use crate::incident::journal::{self, Journal, Record};
use crate::incident::line;
use crate::incident::metrics::{self, format_duration};
use crate::incident::model::{
    Declared, Draft, Event, HowItWent, IncidentId, Milestone, Origin, Played, Priority, Role, Severity, Status,
};
use crate::incident::postmortem;
use crate::incident::state::Incident;
use crate::incident::store::{self, Store};
use crate::incident::timeline;
use crate::incident::unsaved;
use crate::postgres::Journals;
use crate::text::printable;

/// Where the incidents are.
#[derive(Debug, Clone, Args)]
pub struct DataDir {
    /// Data directory [default: $WARROOM_DATA_DIR, else $XDG_DATA_HOME/warroom]; journals are
    /// in its incidents/ folder.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Keep incidents in the team's PostgreSQL (a connection string, postgres://…), with this
    /// machine's journals as its local copies [default: $WARROOM_JOURNAL, else the config's
    /// `[journal] address`, else files only].
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub journal: Option<String>,
    /// Stamp what this command writes with the drill's virtual time, as a drill console does
    /// (URL: the drill's Kubernetes API, as `warroom sim` prints it), so that a drill incident
    /// run from a shell lines up with the drill's recording.
    #[arg(long, global = true, value_name = "URL")]
    pub drill_clock: Option<String>,
    /// The drill `drill_clock` names, once read.
    #[arg(skip)]
    drill: std::sync::OnceLock<(Timestamp, Played)>,
}

impl DataDir {
    fn store(&self) -> Store {
        Store::new(&store::data_dir(self.data_dir.as_deref()))
    }

    /// The incidents this command works on: files here, and the team's database when set.
    pub(super) fn journals(&self, config: &crate::config::Config) -> anyhow::Result<Journals> {
        let mut journals = Journals::new(self.store(), config.journal_target(self.journal.as_deref())?)?;
        if let Some(&(now, _)) = self.drill()? {
            journals.keep_drill_time(crate::incident::journal::DrillClock(std::sync::Arc::new(move || now)));
        }
        Ok(journals)
    }

    /// The drill `--drill-clock` names (its time and what it plays), read from it once however
    /// often it is asked for; None without the flag.
    fn drill(&self) -> anyhow::Result<Option<&(Timestamp, Played)>> {
        let Some(url) = &self.drill_clock else {
            return Ok(None);
        };
        if let Some(read) = self.drill.get() {
            return Ok(Some(read));
        }
        let read = drill_at(url)?;
        Ok(Some(self.drill.get_or_init(|| read)))
    }
}

/// The drill whose Kubernetes API is at `url`, as it answers now (a command writes its entries
/// within moments): its virtual time, and what it plays (the scenario, its start and its log), which a
/// drill incident declared from a shell names so that it can be debriefed and resumed.
fn drill_at(url: &str) -> anyhow::Result<(Timestamp, Played)> {
    let url = url.trim_end_matches('/');
    let client = crate::http::plain_client();
    let get = |path: &str| {
        let address = format!("{url}{path}");
        let request = client.get(&address).send();
        async move {
            let answer: anyhow::Result<serde_json::Value> =
                async { Ok(request.await?.error_for_status()?.json().await?) }.await;
            answer.with_context(|| format!("--drill-clock: no drill answers at {address}"))
        }
    };
    let (clock, scenario) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async { anyhow::Ok((get("/drill/v1/clock").await?, get("/drill/v1/scenario").await?)) })?;
    let time = |v: &serde_json::Value| v.as_i64().and_then(|ms| Timestamp::from_millisecond(ms).ok());
    let now = time(&clock["nowMs"])
        .with_context(|| format!("--drill-clock: {url}/drill/v1/clock did not answer as a drill does"))?;
    let played = Played {
        scenario: scenario["name"].as_str().unwrap_or_default().to_string(),
        start: time(&clock["startMs"]),
        log: scenario["log"].as_str().map(str::to_string),
    };
    Ok((now, played))
}

#[derive(Debug, Args)]
pub struct IncidentArgs {
    #[command(flatten)]
    pub data: DataDir,
    #[command(subcommand)]
    pub command: IncidentCommand,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open a new incident; prints its id (INC-YYYYMMDD-NNN).
    New {
        /// What is wrong, in a few words.
        #[arg(long)]
        title: String,
        /// Severity 1-4 (1 is the worst).
        #[arg(long)]
        sev: Severity,
        /// Who or what is affected, and how badly.
        #[arg(long, default_value = "")]
        impact: String,
        /// An affected service (repeat for more).
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        /// An affected component (repeat for more).
        #[arg(long = "component", value_name = "COMPONENT")]
        components: Vec<String>,
        /// A drill: kept out of metrics.
        #[arg(long)]
        drill: bool,
        /// Take (or give) the incident commander role at once.
        #[arg(long, value_name = "NAME")]
        commander: Option<String>,
        /// When the impact began, if before now: RFC 3339 or e.g. "20m ago".
        #[arg(long, value_name = "WHEN")]
        started: Option<String>,
    },
    /// List incidents, newest last, with response times across them (drills left out).
    List,
    /// Change the severity.
    Sev {
        incident: IncidentId,
        severity: Severity,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Change the status: investigating, identified, monitoring, resolved.
    Status {
        incident: IncidentId,
        status: Status,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Assume a role (for yourself, or for PERSON), or renounce it with --renounce.
    Role {
        incident: IncidentId,
        /// commander, ops-lead, comms-lead, scribe or observer.
        role: Role,
        /// Who [default: you, or for --renounce the current holder].
        person: Option<String>,
        #[arg(long)]
        renounce: bool,
    },
    /// Resolve the incident.
    Close {
        incident: IncidentId,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Record the impact and the affected services and components (replaces the previous).
    Impact {
        incident: IncidentId,
        impact: String,
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        #[arg(long = "component", value_name = "COMPONENT")]
        components: Vec<String>,
    },
    /// State when a milestone happened (started, detected, acknowledged, identified,
    /// mitigated, resolved), overriding the one derived from the journal.
    Milestone {
        incident: IncidentId,
        milestone: Milestone,
        /// RFC 3339 or e.g. "20m ago" [default: now].
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
    },
    /// Record a contributing factor, for the postmortem.
    Factor {
        incident: IncidentId,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// What someone joining needs first: where the incident stands, the roles, the hypotheses,
    /// what was tried, the follow-ups and the last update sent.
    Catchup { incident: IncidentId },
    /// Put an explanation forward to test (`hypothesis INC TEXT`), or move one
    /// (`hypothesis INC #N testing|confirmed|refuted|open [WHY]`).
    Hypothesis {
        incident: IncidentId,
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// Record what went well or badly, for the postmortem.
    Went {
        incident: IncidentId,
        #[arg(value_parser = ["well", "badly"])]
        how: String,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Record a follow-up action item, for the postmortem.
    ActionItem {
        incident: IncidentId,
        title: String,
        #[arg(long)]
        owner: Option<String>,
        /// Due date, YYYY-MM-DD.
        #[arg(long)]
        due: Option<Date>,
        /// A ticket or link.
        #[arg(long)]
        ticket: Option<String>,
        /// high, medium or low.
        #[arg(long)]
        priority: Option<Priority>,
    },
    /// Settle or change a follow-up: `followup INC #N done|dropped|open [owner=NAME]
    /// [due=YYYY-MM-DD] [priority=high|medium|low] [ticket=ID]`.
    Followup {
        incident: IncidentId,
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// The follow-ups of one incident, or of every incident (drills left out unless named),
    /// open ones flagged when due or overdue; as text, Markdown, or the JSON a tracker takes to
    /// create an issue for each open one; `--post` files those without a ticket in the
    /// configured `[tracker]` and records the ticket each gets.
    FollowUps(super::follow_ups::FollowUpsArgs),
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    #[command(flatten)]
    pub data: DataDir,
    pub incident: IncidentId,
    /// The note (several words are joined with spaces).
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// Pin it: the postmortem lists it under What Happened.
    #[arg(long)]
    pub pin: bool,
    /// Record it as a decision.
    #[arg(long)]
    pub decision: bool,
}

#[derive(Debug, Args)]
pub struct JournalArgs {
    #[command(flatten)]
    pub data: DataDir,
    #[command(subcommand)]
    pub command: JournalCommand,
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Check every line's hash and the chain; prints file:line for each problem and exits
    /// non-zero unless the journal is intact.
    Verify {
        /// An incident id, or the path of a journal file.
        incident: String,
    },
    /// Copy an incident's journal from this machine into the team's database (`--journal`):
    /// the entries it lacks, each as it is, so every hash stays the same.
    Push { incident: IncidentId },
    /// Copy an incident's journal from the team's database to this machine (creating or
    /// completing its local copy).
    Pull { incident: IncidentId },
    /// Print the journal and then each new entry as it is appended (Ctrl-C to stop).
    Follow {
        incident: IncidentId,
        /// Only entries appended from now on.
        #[arg(long)]
        new: bool,
    },
    /// Test helper: append notes in a loop, printing "ok SEQ TEXT" after each returns. A note
    /// the journal cannot take (the team's database is away) is kept aside, as a console keeps
    /// it ("kept TEXT"), and recorded before the next once the journal takes it again; at the
    /// end, what is kept is recorded as soon as it can be ("recorded N kept").
    #[command(hide = true)]
    AppendLoop {
        incident: IncidentId,
        /// Stop after this many appends [default: never].
        #[arg(long)]
        count: Option<u64>,
        /// Wait this many milliseconds between appends.
        #[arg(long, default_value_t = 0)]
        interval_ms: u64,
        /// Text of each note, followed by its number.
        #[arg(long, default_value = "append")]
        text: String,
        /// Write each line in two halves so a kill can tear it (crash test).
        #[arg(long)]
        split_writes: bool,
    },
}

#[derive(Debug, Args)]
pub struct PostmortemArgs {
    #[command(flatten)]
    pub data: DataDir,
    pub incident: IncidentId,
    /// Write the Markdown here instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DebriefArgs {
    #[command(flatten)]
    pub data: DataDir,
    pub incident: IncidentId,
    /// The scenario file the drill played (default: the one its drill log holds, with the
    /// faults injected; else the built-in bad deploy).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

/// `warroom incident ...`
pub fn incident(args: IncidentArgs) -> ExitCode {
    finish(config().and_then(|c| run_incident(args, &c)))
}

/// `warroom note INC TEXT`
pub fn note(args: NoteArgs) -> ExitCode {
    finish(config().and_then(|c| run_note(args, &c)))
}

/// `warroom journal ...`
pub fn journal(args: JournalArgs) -> ExitCode {
    finish(config().and_then(|c| run_journal(args, &c)))
}

/// `warroom postmortem INC [-o FILE]`
pub fn postmortem(args: PostmortemArgs) -> ExitCode {
    finish(config().and_then(|c| run_postmortem(args, &c)))
}

/// `warroom debrief INC [--scenario FILE]`
pub fn debrief(args: DebriefArgs) -> ExitCode {
    finish(config().and_then(|c| run_debrief(args, &c)))
}

fn run_debrief(args: DebriefArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let store = args.data.store();
    let record = args.data.journals(config)?.read(&args.incident)?;
    let played = Incident::from_entries(&record.entries)?.played;
    let logged = played
        .as_ref()
        .and_then(|p| p.log.as_ref())
        .map(|name| store.drills_dir().join(name))
        .filter(|log| log.is_file() && args.scenario.is_none());
    let (scenario, worst) = match logged {
        Some(log) => super::drill::replayed_for_debrief(&log, played.as_ref().and_then(|p| p.start))?,
        None => (super::load_scenario(args.scenario.as_deref())?, None),
    };
    if let Some(played) = played.map(|p| p.scenario).filter(|p| *p != scenario.name) {
        bail!(
            "{} played the scenario {played:?}, not {:?}: give its file with --scenario",
            args.incident,
            scenario.name
        );
    }
    // Without the drill's log there is no Prometheus here to measure recovery with.
    let (path, run) = crate::debrief::write(&store, &args.incident, &scenario, worst.as_deref(), None, None)?;
    eprintln!(
        "{} of {} objectives met; wrote {}",
        run.met(),
        run.scores.len(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The user's config; a broken one stops the command before anything is written.
pub(super) fn config() -> anyhow::Result<crate::config::Config> {
    Ok(crate::config::Config::load()?)
}

pub(super) fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warroom: {}", printable(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn human(event: Event) -> Draft {
    Draft::new(crate::config::actor(), Origin::Human, event)
}

/// Tells about torn last lines repaired since `shown` of them were told; returns the count.
fn report_repairs(journal: &Journal, shown: usize) -> usize {
    for r in journal.repairs().iter().skip(shown) {
        eprintln!("warroom: {}: {r}", journal.path().display());
    }
    journal.repairs().len()
}

/// The incident as it stands in `entries`, or why the journal is not one.
fn state(entries: &[crate::incident::model::Entry]) -> anyhow::Result<Incident> {
    Incident::from_entries(entries).map_err(|e| anyhow!("{e}"))
}

/// Appends what `make` builds from the current state, and prints `INC #SEQ`.
pub(super) fn change(
    journals: &mut Journals,
    id: &IncidentId,
    make: impl FnOnce(&Incident) -> anyhow::Result<Event> + Send,
) -> anyhow::Result<ExitCode> {
    let mut journal = journals.open(id)?;
    let appended = journals.append_with(id, &mut journal, |entries| {
        let incident = state(entries)?;
        Ok::<_, anyhow::Error>(human(make(&incident)?))
    });
    report_repairs(&journal, 0);
    let entry = appended?;
    println!("{id} #{} {}", entry.seq, printable(&timeline::describe(&entry.event)));
    Ok(ExitCode::SUCCESS)
}

fn run_incident(args: IncidentArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let mut journals = args.data.journals(config)?;
    match args.command {
        IncidentCommand::New {
            title,
            sev,
            impact,
            services,
            components,
            drill,
            commander,
            started,
        } => {
            if title.trim().is_empty() {
                bail!("--title must say what is wrong");
            }
            let now = Timestamp::now();
            let started = started.map(|s| parse_when(&s, now)).transpose()?;
            // Declared in a drill named with --drill-clock: the drill it plays, as a drill
            // console would name it.
            let played = if drill {
                args.data.drill()?.map(|(_, played)| played.clone())
            } else {
                None
            };
            let (id, mut journal, _) = journals.open_new(now, |id| {
                human(Event::IncidentOpened(Declared {
                    id,
                    title: title.clone(),
                    severity: sev,
                    status: Status::Investigating,
                    impact: impact.clone(),
                    services: services.clone(),
                    components: components.clone(),
                    drill,
                    played: played.clone(),
                }))
            })?;
            if let Some(at) = started {
                journals.append(
                    &id,
                    &mut journal,
                    human(Event::MilestoneSet {
                        milestone: Milestone::Started,
                        at,
                    }),
                )?;
            }
            if let Some(name) = commander {
                journals.append(
                    &id,
                    &mut journal,
                    human(Event::RoleChanged {
                        role: Role::Commander,
                        from: None,
                        to: Some(name),
                    }),
                )?;
            }
            println!("{id}");
            Ok(ExitCode::SUCCESS)
        }
        IncidentCommand::List => list(&mut journals),
        IncidentCommand::Catchup { incident } => {
            let record = journals.read(&incident)?;
            let now = Timestamp::now();
            for line in crate::incident::catch_up::lines(&state(&record.entries)?, &record.entries, now) {
                println!("{}", printable(&line));
            }
            Ok(ExitCode::SUCCESS)
        }
        IncidentCommand::Sev {
            incident,
            severity,
            reason,
        } => change(&mut journals, &incident, |i| Ok(change::severity(i, severity, reason)?)),
        IncidentCommand::Status {
            incident,
            status,
            reason,
        } => set_status(&mut journals, &incident, status, reason),
        IncidentCommand::Close { incident, reason } => set_status(&mut journals, &incident, Status::Resolved, reason),
        IncidentCommand::Role {
            incident,
            role,
            person,
            renounce,
        } => {
            let me = crate::config::actor().name;
            change(&mut journals, &incident, |i| {
                Ok(change::role(i, role, person, renounce, &me)?)
            })
        }
        IncidentCommand::Impact {
            incident,
            impact,
            services,
            components,
        } => change(&mut journals, &incident, |_| {
            Ok(Event::ImpactUpdated {
                impact,
                services,
                components,
            })
        }),
        IncidentCommand::Milestone {
            incident,
            milestone,
            at,
        } => {
            let now = Timestamp::now();
            let at = match at {
                Some(s) => parse_when(&s, now)?,
                None => line::truncate_to_ms(now),
            };
            change(&mut journals, &incident, |_| Ok(Event::MilestoneSet { milestone, at }))
        }
        IncidentCommand::Factor { incident, text } => change(&mut journals, &incident, |_| {
            Ok(Event::ContributingFactor { text: text.join(" ") })
        }),
        IncidentCommand::Hypothesis { incident, words } => {
            use crate::incident::hypotheses::{Asked, asked};
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let Some(asked) = asked(&words) else {
                bail!("hypothesis needs an explanation to test, or #N and a state");
            };
            change(&mut journals, &incident, |i| match asked {
                Asked::PutForward(text) => Ok(Event::HypothesisOpened { text }),
                Asked::Move { seq, state, reason } => Ok(change::hypothesis(i, seq, state, reason)?),
            })
        }
        IncidentCommand::Went { incident, how, text } => change(&mut journals, &incident, |_| {
            Ok(Event::Retrospective {
                went: if how == "well" {
                    HowItWent::Well
                } else {
                    HowItWent::Badly
                },
                text: text.join(" "),
            })
        }),
        IncidentCommand::ActionItem {
            incident,
            title,
            owner,
            due,
            ticket,
            priority,
        } => change(&mut journals, &incident, |_| {
            Ok(Event::ActionItem {
                title,
                owner,
                due,
                ticket,
                priority,
            })
        }),
        IncidentCommand::Followup { incident, words } => {
            use crate::incident::follow_ups::{Asked, asked};
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let asked = asked(&words).map_err(anyhow::Error::msg)?;
            if let Asked::Record { .. } = asked {
                bail!(
                    "followup changes a follow-up by its number (followup {incident} #N done); \
                     record a new one with `incident action-item {incident} TITLE`"
                );
            }
            change(&mut journals, &incident, |i| Ok(change::follow_up_asked(i, asked)?))
        }
        IncidentCommand::FollowUps(args) => super::follow_ups::run(&mut journals, config, args),
    }
}

fn set_status(
    journals: &mut Journals,
    id: &IncidentId,
    status: Status,
    reason: Option<String>,
) -> anyhow::Result<ExitCode> {
    change(journals, id, |i| Ok(change::status(i, status, reason)?))
}

fn list(journals: &mut Journals) -> anyhow::Result<ExitCode> {
    let ids = journals.list()?;
    if ids.is_empty() {
        println!("No incidents in {}", journals.shown());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<18} {:<5} {:<14} {:<20} {:<16} TITLE",
        "ID", "SEV", "STATUS", "OPENED (UTC)", "COMMANDER"
    );
    let mut known: Vec<(Incident, metrics::ResponseTimes)> = Vec::new();
    for id in ids {
        let record = match journals.read(&id) {
            Ok(r) => r,
            Err(e) => {
                println!("{id:<18} cannot be read: {}", printable(&e.to_string()));
                continue;
            }
        };
        let incident = match Incident::from_entries(&record.entries) {
            Ok(i) => i,
            Err(e) => {
                println!("{id:<18} {}", printable(&e.to_string()));
                continue;
            }
        };
        let mut title = String::new();
        if incident.drill {
            title.push_str("[drill] ");
        }
        title.push_str(&incident.title);
        if let Some(p) = record.problems.first() {
            title.push_str(&format!(
                "  [DAMAGED at line {}: run `warroom journal verify {id}`]",
                p.line
            ));
        } else if record.torn.is_some() {
            title.push_str("  [incomplete last line: cut on next write]");
        }
        println!(
            "{:<18} {:<5} {:<14} {:<20} {:<16} {}",
            id.as_str(),
            incident.severity.to_string(),
            incident.status.as_str(),
            timeline::utc(incident.opened_at),
            printable(incident.commander().unwrap_or("-")),
            printable(&title)
        );
        let times = metrics::milestones(&record.entries).response_times();
        known.push((incident, times));
    }
    let a = metrics::across(known.iter().map(|(i, t)| (i, *t)));
    let show = |v: Option<(SignedDuration, usize)>| match v {
        Some((d, n)) => format!("{} (n={n})", format_duration(d)),
        None => "-".to_string(),
    };
    println!();
    println!(
        "Mean over {} incident(s), {} drill(s) left out: MTTD {}  MTTA {}  MTTM {}  MTTR {}",
        a.incidents,
        a.drills_left_out,
        show(a.mttd),
        show(a.mtta),
        show(a.mttm),
        show(a.mttr)
    );
    if a.detected > 0 {
        println!(
            "The detector opened {} of them; {} dismissed as false positives ({:.0}% kept).",
            a.detected,
            a.dismissed,
            100.0 * (a.detected - a.dismissed) as f64 / a.detected as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_note(args: NoteArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let mut journals = args.data.journals(config)?;
    let text = args.text.join(" ");
    if text.trim().is_empty() {
        bail!("the note is empty");
    }
    let event = if args.decision {
        Event::Decision { text }
    } else {
        Event::Note { text }
    };
    let mut journal = journals.open(&args.incident)?;
    let appended = journals.append(&args.incident, &mut journal, human(event).pinned(args.pin));
    report_repairs(&journal, 0);
    let entry = appended?;
    println!("{} #{}", args.incident, entry.seq);
    Ok(ExitCode::SUCCESS)
}

fn run_journal(args: JournalArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let mut journals = args.data.journals(config)?;
    match args.command {
        JournalCommand::Verify { incident } => verify(&mut journals, &incident),
        JournalCommand::Push { incident } => {
            let path = journals.store().existing(&incident)?;
            let record = journal::read(&path)?;
            let Some(pushed) = journals.push(&incident, &record)? else {
                bail!("push copies a journal into the team's database: name it with --journal postgres://…");
            };
            let shown = journals.shown();
            match pushed {
                crate::postgres::journal::Pushed::Added { had, added } => {
                    println!("{incident}: copied {added} entries into {shown} (it had {had})");
                    report_evidence(&incident, &journals.share_evidence(&incident)?);
                }
                crate::postgres::journal::Pushed::DatabaseAhead { file, database } => {
                    println!(
                        "{incident}: {shown} holds {database} entries and {} only {file}: nothing to push; \
                         `warroom journal pull {incident}` brings them here",
                        path.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalCommand::Pull { incident } => {
            if !journals.has_database() {
                bail!("pull copies a journal from the team's database: name it with --journal postgres://…");
            }
            let before = match journals.store().existing(&incident) {
                Ok(path) => journal::read(&path)?.entries.len(),
                Err(_) => 0,
            };
            let path = journals.existing(&incident)?;
            let after = journal::read(&path)?.entries.len();
            println!(
                "{incident}: {} now holds {after} entries ({} new from {})",
                path.display(),
                after.saturating_sub(before),
                journals.shown()
            );
            report_evidence(&incident, &journals.share_evidence(&incident)?);
            Ok(ExitCode::SUCCESS)
        }
        JournalCommand::Follow { incident, new } => {
            let path = journals.existing(&incident)?;
            let record = journal::read(&path)?;
            if !new {
                for e in &record.entries {
                    println!("{}", printable(&timeline::plain_line(e)));
                }
            }
            for p in &record.problems {
                eprintln!("{}:{}: {}", path.display(), p.line, p.problem);
            }
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let _follower = follow::follow(&path, record.end.clone(), crate::sink::into_channel(tx, |f| f));
            // With the team's database, what is appended there is copied here as it happens.
            let _listener = journals.keep_up(incident.clone(), Journal::open(&path)?, |why| {
                eprintln!("warroom: {}", printable(&why))
            });
            while let Some(m) = rx.blocking_recv() {
                match m {
                    Followed::Entry(e) => println!("{}", printable(&timeline::plain_line(&e))),
                    Followed::Damaged { path, problem } => {
                        eprintln!("{}:{}: {}", path.display(), problem.line, problem.problem);
                    }
                    Followed::Failed(why) => bail!("{why}"),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalCommand::AppendLoop {
            incident,
            count,
            text,
            split_writes,
            interval_ms,
        } => {
            let mut journal = journals.open(&incident)?;
            let mut repairs_shown = report_repairs(&journal, 0);
            if split_writes {
                journal.split_writes_for_crash_tests();
            }
            let actor = crate::config::actor();
            let stdout = std::io::stdout();
            let mut i: u64 = 0;
            let say = |line: String| {
                let mut out = stdout.lock();
                writeln!(out, "{line}")
                    .and_then(|()| out.flush())
                    .context("cannot report an append")
            };
            let spooled = |journal: &Journal| unsaved::kept(journal.path()).map(|k| !k.is_empty());
            while count.is_none_or(|c| i < c) {
                let note = format!("{text} {i}");
                let draft = Draft::new(actor.clone(), Origin::Automation, Event::Note { text: note.clone() });
                // What is kept goes first, so that the notes stay in their order.
                if spooled(&journal)?
                    && let Ok(n) = journals.record_kept(&incident, &mut journal)
                {
                    say(format!("recorded {n} kept"))?;
                }
                let appended = if spooled(&journal)? {
                    None
                } else {
                    journals.append(&incident, &mut journal, draft.clone()).ok()
                };
                repairs_shown = report_repairs(&journal, repairs_shown);
                match appended {
                    Some(entry) => say(format!("ok {} {note}", entry.seq))?,
                    None => {
                        unsaved::keep(journal.path(), &unsaved::Kept::entry(Timestamp::now(), &draft))
                            .with_context(|| format!("{note} could not be recorded nor kept"))?;
                        say(format!("kept {note}"))?;
                    }
                }
                i += 1;
                std::thread::sleep(std::time::Duration::from_millis(interval_ms));
            }
            // What is still kept is recorded once the journal takes it (for up to ten minutes).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
            while spooled(&journal)? {
                match journals.record_kept(&incident, &mut journal) {
                    Ok(n) => say(format!("recorded {n} kept"))?,
                    Err(stopped) if std::time::Instant::now() > deadline => {
                        bail!(
                            "{} note(s) are still kept in {}: {}",
                            stopped.left,
                            unsaved::path_for(journal.path()).display(),
                            stopped.why
                        )
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_secs(1)),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Verifies an incident's journal wherever it is kept: the team's database (when set and
/// holding it) and this machine's file (when there is one), each on its own.
fn verify(journals: &mut Journals, which: &str) -> anyhow::Result<ExitCode> {
    let id = match which.parse::<IncidentId>() {
        Ok(id) => id,
        Err(_) if Path::new(which).is_file() => return verify_file(Path::new(which)),
        Err(e) => return Err(e.into()),
    };
    let path = journals.store().path(&id);
    let mut verdicts = Vec::new();
    if let Some(copy) = journals.database_copy(&id)? {
        let shown = format!("{}/{id}", journals.shown());
        for p in &copy.problems {
            println!("{shown}: entry {}: {}", p.line, p.problem);
        }
        if let Some((head, rows)) = copy.head_mismatch {
            println!(
                "{shown}: the incident's head says {head} entries and {rows} are there: entries were \
                 removed or added behind the database's back"
            );
        }
        // The evidence its entries name, as the database holds it.
        let evidence = journals.database_evidence_problems(&id, &copy.entries)?;
        report_evidence_checked(&shown, &copy.entries, &evidence, |n| {
            format!("{shown}: {n} evidence file(s) verified in the database")
        });
        if copy.is_intact() {
            println!(
                "{shown}: {} entries, every hash and link verified; head {}",
                copy.entries.len(),
                copy.entries.last().map_or("-", |e| e.hash.as_str())
            );
        } else {
            println!("{shown}: NOT INTACT");
        }
        verdicts.push(copy.is_intact() && evidence.is_empty());
        if !path.is_file() {
            return Ok(exit(verdicts));
        }
    }
    if !path.is_file() {
        journals.store().existing(&id)?;
    }
    verdicts.push(verify_file(&path)? == ExitCode::SUCCESS);
    Ok(exit(verdicts))
}

/// What sharing an incident's evidence through the team's database did, when it did anything.
fn report_evidence(incident: &IncidentId, shared: &crate::postgres::journals::EvidenceShared) {
    if shared.sent > 0 || shared.brought > 0 {
        println!(
            "{incident}: evidence: {} file(s) copied into the database, {} brought here",
            shared.sent, shared.brought
        );
    }
    for file in &shared.missing {
        println!("{incident}: evidence {file} is neither here nor in the database (another machine has not shared it)");
    }
}

/// Prints each evidence problem found, by entry, else how many files were verified (in the
/// words `verified` gives the count), when the entries name any.
fn report_evidence_checked(
    shown: &str,
    entries: &[crate::incident::model::Entry],
    problems: &[(u64, String)],
    verified: impl Fn(usize) -> String,
) {
    for (seq, problem) in problems {
        println!("{shown}: entry {seq}: {}", printable(problem));
    }
    let captured = entries
        .iter()
        .filter(|e| matches!(e.event, Event::EvidenceCaptured { .. }))
        .count();
    if captured > 0 && problems.is_empty() {
        println!("{}", verified(captured));
    }
}

fn exit(verdicts: Vec<bool>) -> ExitCode {
    if verdicts.iter().all(|ok| *ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Verifies a journal file, and the flight recording beside it when there is one.
fn verify_file(path: &Path) -> anyhow::Result<ExitCode> {
    let path = path.to_path_buf();
    let record = journal::read(&path)?;
    let shown = path.display();
    for p in &record.problems {
        println!("{shown}:{}: {}", p.line, p.problem);
    }
    if let Some(t) = &record.torn {
        println!(
            "{shown}:{}: incomplete last line ({} bytes), left by a crash during an append that \
             never returned; the next write to this incident cuts it off and keeps it in {}",
            t.line,
            t.bytes.len(),
            journal::torn_path(&path).display()
        );
    }
    if record.entries.is_empty() && record.problems.is_empty() {
        println!("{shown}: the journal is empty (its creation was interrupted)");
        return Ok(ExitCode::FAILURE);
    }
    // The flight recorder's recording beside it, proved by the seals the journal holds.
    let recording = crate::flight::recorder::beside(&path);
    let recording_ok = !recording.is_file() || {
        let seals = crate::flight::recorder::seals(&record.entries);
        let reading = crate::flight::file::read(&recording, &seals)?;
        print!("{}: ", recording.display());
        super::record::report_seals(&reading, Some(&path)) == ExitCode::SUCCESS
    };
    // The evidence files its entries name, each against the hash it was journaled with.
    let evidence = crate::incident::evidence::problems(&path, &record.entries);
    let dir = crate::incident::evidence::dir_beside(&path);
    report_evidence_checked(&shown.to_string(), &record.entries, &evidence, |n| {
        format!("{}: {n} evidence file(s) verified", dir.display())
    });
    if record.is_intact() {
        println!(
            "{shown}: {} entries, every hash and link verified; head {}",
            record.entries.len(),
            record.head().unwrap_or("-")
        );
        Ok(if recording_ok && evidence.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    } else {
        println!(
            "{shown}: NOT INTACT: {} damaged line(s){}",
            record
                .problems
                .iter()
                .map(|p| p.line)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            if record.torn.is_some() {
                " and an incomplete last line"
            } else {
                ""
            }
        );
        Ok(ExitCode::FAILURE)
    }
}

fn run_postmortem(args: PostmortemArgs, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let path = args.data.journals(config)?.existing(&args.incident)?;
    let record: Record = journal::read(&path)?;
    if !record.is_intact() {
        eprintln!(
            "warroom: warning: {} is damaged; the postmortem says so. Run `warroom journal \
             verify {}`",
            path.display(),
            args.incident
        );
    }
    let changed = recorded_changes(&path);
    let markdown = postmortem::render(&record, &config.definitions(), changed.as_deref());
    write_out(args.output.as_deref(), &markdown, "the postmortem")?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` (`what`, for the error) to `file`, saying so on stderr, else to stdout.
pub(super) fn write_out(file: Option<&Path>, text: &str, what: &str) -> anyhow::Result<()> {
    match file {
        Some(file) => {
            std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
            eprintln!("wrote {}", file.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {what}"))?;
        }
    }
    Ok(())
}

/// What the flight recording beside the journal at `journal` shows changed; none when there is
/// no recording, or (said on stderr) when it cannot be read.
fn recorded_changes(journal: &Path) -> Option<Vec<crate::incident::what_changed::Changed>> {
    let recording = crate::flight::recorder::beside(journal);
    if !recording.is_file() {
        return None;
    }
    match crate::flight::file::read(&recording, &[]) {
        Ok(reading) => Some(crate::flight::changes::changes(&reading.records)),
        Err(e) => {
            eprintln!(
                "warroom: warning: {} cannot be read; What Changed comes from the journal: {}",
                recording.display(),
                printable(&e.to_string())
            );
            None
        }
    }
}

/// A time given on the command line: RFC 3339, or a past offset such as "20m ago" / "-20m".
fn parse_when(s: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(line::truncate_to_ms(t));
    }
    match s.parse::<SignedDuration>() {
        Ok(d) if d.is_negative() => now
            .checked_add(d)
            .map(line::truncate_to_ms)
            .map_err(|e| anyhow!("{s:?} is too far back: {e}")),
        _ => bail!("{s:?} is not a time: give RFC 3339 (2026-11-24T21:40:00Z) or how long ago (\"20m ago\")"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_on_the_command_line() {
        let now: Timestamp = "2026-11-24T21:40:00Z".parse().expect("t");
        assert_eq!(
            parse_when("20m ago", now).expect("ago"),
            "2026-11-24T21:20:00Z".parse::<Timestamp>().expect("t")
        );
        assert_eq!(
            parse_when("-1h", now).expect("minus"),
            "2026-11-24T20:40:00Z".parse::<Timestamp>().expect("t")
        );
        assert_eq!(
            parse_when("2026-11-24T21:00:00+01:00", now).expect("rfc3339"),
            "2026-11-24T20:00:00Z".parse::<Timestamp>().expect("t")
        );
        assert!(parse_when("20m", now).is_err());
        assert!(parse_when("yesterday-ish", now).is_err());
    }
}
