//! `warroom record`: the flight recorder headless (it follows a cluster and records each open
//! incident beside its journal), and `record info` and `record export` of a recording.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::flight::{file, info, recorder};
use crate::incident::journal;
use crate::incident::model::IncidentId;
use crate::incident::store::{self, Store};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecordArgs {
    #[command(subcommand)]
    pub command: Option<RecordCommand>,
    #[command(flatten)]
    pub follow: FollowArgs,
}

#[derive(Debug, clap::Args)]
pub struct FollowArgs {
    #[command(flatten)]
    pub cluster: crate::cluster::connect::HeadlessArgs,
    /// How far back the window kept before an incident reaches, e.g. `2h` (default: the
    /// config's `[recorder] window`, else 2h).
    #[arg(long, value_parser = crate::watch::parse_duration)]
    pub window: Option<Duration>,
    /// Record drill incidents (those of a drill cluster) instead of real ones.
    #[arg(long)]
    pub drill: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum RecordCommand {
    /// What a recording holds: time range, size, objects of each kind, and whether it verifies
    /// against the seals in its journal.
    Info {
        /// An incident ID, or a recording file.
        recording: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// What changed in the recording, one line each: rollouts with their images, scaling,
    /// restarts, ConfigMaps' keys, nodes going NotReady, cordoned, made or removed.
    Changes {
        /// An incident ID, or a recording file.
        recording: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Write a recording's records as JSON lines, one record a line (to stdout, or a file); with
    /// --kwok, its objects as kwok's `kwokctl snapshot record` writes them.
    Export {
        /// An incident ID, or a recording file.
        recording: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// kwok's format: the objects at the start, then a ResourcePatch per change.
        #[arg(long)]
        kwok: bool,
    },
    /// Make a recording from kwok's (`kwokctl snapshot record --path FILE`), to replay with
    /// `warroom drill --replay` or `warroom sim --replay`.
    Import {
        /// The kwok recording (YAML).
        file: PathBuf,
        /// The recording to write.
        #[arg(short, long)]
        output: PathBuf,
        /// When the recording starts, on the replay's clock (RFC 3339) [default: now].
        #[arg(long)]
        start: Option<jiff::Timestamp>,
    },
}

pub fn record(args: RecordArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warroom: {}", crate::text::printable(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(RecordCommand::Info { recording, data_dir }) => {
            let (path, seals) = resolve(&recording, data_dir.as_deref())?;
            let reading = file::read(&path, seals.as_ref().map_or(&[], |(_, s)| s.as_slice()))?;
            print!("{}: {}", path.display(), info::describe(&reading, &info::of(&reading)));
            Ok(report_seals(&reading, seals.as_ref().map(|(j, _)| j.as_path())))
        }
        Some(RecordCommand::Export {
            recording,
            output,
            data_dir,
            kwok,
        }) => {
            let (path, _) = resolve(&recording, data_dir.as_deref())?;
            let reading = file::read(&path, &[])?;
            let mut text = Vec::new();
            if kwok {
                text = crate::flight::kwok::export(&reading.records)
                    .map_err(anyhow::Error::msg)?
                    .into_bytes();
            } else {
                for r in &reading.records {
                    serde_json::to_writer(&mut text, r)?;
                    text.push(b'\n');
                }
            }
            match output {
                Some(f) => {
                    std::fs::write(&f, &text).with_context(|| format!("cannot write {}", f.display()))?;
                    let what = if kwok { "kwok's format" } else { "JSON lines" };
                    eprintln!("wrote {} records to {} ({what})", reading.records.len(), f.display());
                }
                None => std::io::stdout().lock().write_all(&text)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(RecordCommand::Import {
            file: from,
            output,
            start,
        }) => {
            let text = std::fs::read_to_string(&from).with_context(|| format!("cannot read {}", from.display()))?;
            let start = start.unwrap_or_else(jiff::Timestamp::now).as_millisecond();
            let records = crate::flight::kwok::import(&text, start).with_context(|| format!("{}", from.display()))?;
            anyhow::ensure!(
                !output.exists(),
                "{} exists already: name a new recording",
                output.display()
            );
            let mut writer = file::Writer::create(&output)?;
            // Appended and synced; a seal would only matter to a journal, and none is beside it.
            writer.append(&records)?;
            eprintln!("wrote {} records to {}", records.len(), output.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(RecordCommand::Changes { recording, data_dir }) => {
            let (path, _) = resolve(&recording, data_dir.as_deref())?;
            let changes = crate::flight::changes::changes(&file::read(&path, &[])?.records);
            if changes.is_empty() {
                println!("No change to a workload, ConfigMap or node is in {}.", path.display());
            }
            for c in changes {
                println!(
                    "{}  {}  {}",
                    crate::incident::timeline::utc(c.at),
                    crate::text::printable(&c.object),
                    crate::text::printable(&c.what)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(follow(args.follow))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The recording named (an incident's, or a file), and the journal and seals that prove it
/// when there is one beside it.
type Resolved = (PathBuf, Option<(PathBuf, Vec<file::Seal>)>);

fn resolve(which: &str, data_dir: Option<&Path>) -> anyhow::Result<Resolved> {
    let path = match which.parse::<IncidentId>() {
        Ok(id) => recorder::recording_path(&Store::new(&store::data_dir(data_dir)), &id),
        Err(_) => PathBuf::from(which),
    };
    anyhow::ensure!(path.is_file(), "{}: no such recording", path.display());
    let journal_path = path.with_extension("jsonl");
    let seals = if journal_path.is_file() {
        let record = journal::read(&journal_path)?;
        Some((journal_path, recorder::seals(&record.entries)))
    } else {
        None
    };
    Ok((path, seals))
}

/// Prints what the seals proved; failure when one does not match.
pub fn report_seals(reading: &file::Reading, journal: Option<&Path>) -> ExitCode {
    let Some(journal) = journal else {
        println!("no journal beside it: its seals cannot be checked");
        return ExitCode::SUCCESS;
    };
    match &reading.broken {
        Some(why) => {
            println!("NOT INTACT: {why} ({})", journal.display());
            ExitCode::FAILURE
        }
        None => {
            println!(
                "{} seal(s) verified against {}; {} bytes recorded since the last seal{}",
                reading.sealed,
                journal.display(),
                reading.unsealed,
                if reading.unsealed > 0 {
                    " (not yet sealed: the recorder is running, or stopped before sealing)"
                } else {
                    ""
                }
            );
            ExitCode::SUCCESS
        }
    }
}

async fn follow(args: FollowArgs) -> anyhow::Result<()> {
    let config = Config::load()?;
    let mut settings = config.recorder();
    if let Some(w) = args.window {
        anyhow::ensure!(w >= Duration::from_secs(60), "--window must be a minute or more");
        settings.window_ms = w.as_millis() as i64;
    }
    settings.drill = args.drill;
    settings.say = true;
    settings.journal = config.journal_target(None)?;
    let cluster = args.cluster.connect().await?;
    let store = args.cluster.store();
    let window = crate::flight::run::window_dir(&store, &cluster.name);
    let minutes = settings.window_ms / 60_000;
    let mut flight = crate::flight::run::start(cluster.client.clone(), &cluster.name, store.clone(), settings).await?;
    say(&format!(
        "recording {}: the last {minutes} min in {}; each open incident's recording beside its journal in {}",
        cluster.name,
        window.display(),
        store.dir().display()
    ));
    // Prometheus's samples of the golden signals, and Alertmanager's alerts, as a console
    // would find them.
    let (monitored, said) = crate::console::observing::find(&config, &cluster, None).await?;
    if let Some(said) = &said {
        say(said);
    }
    flight.observe(monitored);
    crate::stop::requested().await;
    flight.stop();
    say("stopped");
    Ok(())
}

/// A line on stdout for whoever runs it (who may have gone: the log has it too).
fn say(line: &str) {
    tracing::info!("{line}");
    let _ = writeln!(std::io::stdout(), "{line}");
}
