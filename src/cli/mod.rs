//! The command line: what each `warroom` subcommand takes, and running it. This is the edge
//! of the program: errors become one clear message and a non-zero exit.

pub mod drill;
pub mod follow_ups;
pub mod incident;
pub mod record;
pub mod report;
pub mod status;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use warroom_drill::scenario::{self, Scenario};
use warroom_drill::{Drill, Options, SyntheticSpec};

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("WARROOM_BUILD"), ")"),
    about = "A terminal console for running a Kubernetes production incident"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console on a drill: the drill cluster runs in-process (default: the bad deploy).
    Drill {
        /// Scenario file.
        scenario: Option<PathBuf>,
        /// Replay a flight recording (`INC-….recording`) instead of a scenario.
        #[arg(long, value_name = "RECORDING", conflicts_with = "scenario")]
        replay: Option<PathBuf>,
        /// The recorded incident's journal, shown to the facilitator as the clock passes each
        /// entry (default: the `.jsonl` beside the recording, when there is one).
        #[arg(long, value_name = "JOURNAL", requires = "replay")]
        original: Option<PathBuf>,
        /// Join the drill another console (or `warroom sim`) runs, at its Kubernetes API's URL
        /// (the `server:` of its kubeconfig), as a player; with `--facilitator`, as its facilitator.
        #[arg(long, value_name = "URL", conflicts_with_all = ["scenario", "replay", "original", "speed", "seed"])]
        join: Option<String>,
        /// Joining a drill: this console facilitates it (its clock, its faults, asides players
        /// do not see). A console that runs the drill does, unless it is the players' (`--player`).
        #[arg(long, requires = "join")]
        facilitator: bool,
        /// This console runs the drill for its players: no drill controls, no asides; their
        /// facilitator joins it with `--join URL --facilitator`.
        #[arg(long, conflicts_with = "join")]
        player: bool,
        /// Virtual seconds per real second (default 1; a drill resumed with `--incident`
        /// keeps the pace it had).
        #[arg(long)]
        speed: Option<f64>,
        /// Random seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        console: crate::console::ConsoleOptions,
    },
    /// Open the console on your cluster, from your kubeconfig.
    Live {
        /// Kubeconfig context (default: the current context).
        #[arg(long)]
        context: Option<String>,
        /// Kubeconfig file (default: KUBECONFIG or ~/.kube/config).
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
        #[command(flatten)]
        console: crate::console::ConsoleOptions,
    },
    /// Run a drill cluster headless: a simulated Kubernetes API that kubectl can drive.
    Sim(SimArgs),
    /// Watch a cluster headless: learn each service's baselines and open an incident when one
    /// deviates and stays out (or add to the open incident that covers it).
    Watch(crate::watch::WatchArgs),
    /// The flight recorder: follow a cluster headless and record each open incident beside its
    /// journal; `record info` and `record export` read a recording.
    Record(record::RecordArgs),
    /// Validate scenario and playbook (.yaml), config, theme and keymap (.toml) and template (.j2) files; prints every problem with file:line:column.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of a file format (as published in schemas/).
    Schema {
        #[arg(value_parser = SCHEMAS)]
        format: String,
    },
    /// Print shell completions: `warroom completions bash > ~/.local/share/bash-completion/completions/warroom`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `warroom man > ~/.local/share/man/man1/warroom.1`.
    Man,
    /// Open, change and list incidents.
    Incident(incident::IncidentArgs),
    /// Add a note to an incident's journal.
    Note(incident::NoteArgs),
    /// Verify or follow an incident's journal.
    Journal(incident::JournalArgs),
    /// Write an incident's postmortem (Markdown) from its journal.
    Postmortem(incident::PostmortemArgs),
    /// Score a drill incident against its scenario's objectives; writes the debrief (Markdown)
    /// beside its journal, with the earlier runs of the scenario.
    Debrief(incident::DebriefArgs),
    /// Status updates: preview and publish from templates, and when the next one is due.
    Status(status::StatusArgs),
    /// Every incident of a period read together (Markdown): severities, services that recur,
    /// causes, MTTD/MTTA/MTTM/MTTR as median and p90, the detector, follow-ups done; drills apart.
    Report(report::ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Scenario file (default: the built-in bad deploy).
    pub scenario: Option<PathBuf>,
    /// Address to serve on; loopback unless you name another.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Write a kubeconfig for the drill cluster here.
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
    /// Random seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Start with the virtual clock paused.
    #[arg(long)]
    pub paused: bool,
    /// Generate a large synthetic cluster instead, e.g. `nodes=5000,pods=150000` (`churn=2000`
    /// updates that many pods a second).
    #[arg(long, conflicts_with = "scenario")]
    pub synthetic: Option<SyntheticSpec>,
    /// Replay a flight recording (`INC-….recording`, or `warroom record`'s) instead: its objects
    /// as they were at each moment, on the drill clock from the recording's start.
    #[arg(long, value_name = "RECORDING", conflicts_with_all = ["scenario", "synthetic"])]
    pub replay: Option<PathBuf>,
}

/// The file formats `warroom schema` prints, each published as `schemas/NAME.schema.json`.
pub const SCHEMAS: [&str; 5] = ["scenario", "playbook", "config", "theme", "keymap"];

/// The JSON Schema of the format `name` (one of `SCHEMAS`).
pub fn schema(name: &str) -> Option<serde_json::Value> {
    Some(match name {
        "scenario" => warroom_drill::scenario::load::json_schema(),
        "playbook" => crate::playbook::load::json_schema(),
        "config" => crate::config::json_schema(),
        "theme" => crate::theme::load::json_schema(),
        "keymap" => crate::app::keymap::load::json_schema(),
        _ => return None,
    })
}

/// Prints shell completions or the manual page, generated from the command line's definition.
/// A reader that stops early (`| head`) is not an error.
pub fn print_generated(what: Generated) -> std::io::Result<()> {
    use clap::CommandFactory;
    use std::io::Write;
    let mut command = Cli::command();
    let mut text = Vec::new();
    match what {
        Generated::Completions(shell) => clap_complete::generate(shell, &mut command, "warroom", &mut text),
        Generated::Man => clap_mangen::Man::new(command).render(&mut text)?,
    }
    match std::io::stdout().lock().write_all(&text) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub enum Generated {
    Completions(clap_complete::Shell),
    Man,
}

/// Loads a scenario file, or the built-in one.
pub fn load_scenario(path: Option<&Path>) -> anyhow::Result<Scenario> {
    match path {
        Some(p) => scenario::load_file(p).map_err(|e| anyhow::anyhow!("{e}")),
        None => Ok(scenario::builtin()),
    }
}

pub async fn run_sim(args: SimArgs, banner: bool) -> anyhow::Result<()> {
    if !(args.speed.is_finite() && args.speed >= 0.0) {
        anyhow::bail!("--speed must be a non-negative number, not {}", args.speed);
    }
    let options = Options {
        seed: args.seed,
        speed: args.speed,
        paused: args.paused,
        ..Options::default()
    };
    let running = match (&args.synthetic, &args.replay) {
        (_, Some(recording)) => {
            let store = crate::incident::store::Store::new(&crate::incident::store::data_dir(None));
            drill::replay_logged(recording, None, args.listen, options, &store).await?
        }
        (Some(spec), None) => Drill::synthetic(spec.clone(), args.listen, &options)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?,
        (None, None) => {
            let store = crate::incident::store::Store::new(&crate::incident::store::data_dir(None));
            drill::start_logged(load_scenario(args.scenario.as_deref())?, args.listen, options, &store).await?
        }
    };
    let url = running.url();
    let kubeconfig = match &args.kubeconfig_out {
        Some(p) => p.clone(),
        None => crate::paths::state_dir().join("drill.kubeconfig"),
    };
    warroom_drill::write_kubeconfig(&kubeconfig, &url, "warroom-drill")
        .with_context(|| format!("cannot write the kubeconfig {}", kubeconfig.display()))?;
    let Scenario { name, title, .. } = running.scenario();
    if banner {
        println!("DRILL  {title}");
        println!("The drill cluster ({name}) is running. Drive it with kubectl from another terminal:");
        println!();
        println!("  export KUBECONFIG={}", kubeconfig.display());
        println!("  kubectl get nodes; kubectl get pods -A");
        println!();
        println!("Press Ctrl-C to stop. (This is the drill cluster alone; `warroom drill` opens the console on one.)");
    }
    // Machine-readable lines last, for scripts and tests.
    println!("kubernetes-api: {url}");
    println!("prometheus: {}", running.prometheus_url());
    println!("alertmanager: {}", running.alertmanager_url());
    println!("kubeconfig: {}", kubeconfig.display());
    println!("drill-control: {url}/drill/v1/clock");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    tracing::info!(%url, scenario = %name, "drill cluster serving");
    crate::stop::requested().await;
    running.stop();
    Ok(())
}

/// `warroom check`: every problem of every file; Ok(true) when all are valid.
/// What kind of TOML file this is: by its folder (themes/, keymaps/), else by its tables.
fn toml_kind(path: &Path, text: &str) -> &'static str {
    let folder = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
    match folder {
        Some("themes") => return "theme",
        Some("keymaps") => return "keymap",
        _ => {}
    }
    let has = |table: &str| text.lines().any(|l| l.trim() == format!("[{table}]"));
    if has("styles") || has("palette") {
        "theme"
    } else if ["global", "health", "timeline", "playbook", "editor", "input", "help"]
        .iter()
        .any(|t| has(t))
    {
        "keymap"
    } else {
        "config"
    }
}

fn check_toml(f: &Path) -> Result<&'static str, String> {
    let text = warroom_files::read(f).map_err(|e| e.to_string())?;
    let kind = toml_kind(f, &text);
    let checked = match kind {
        "theme" => crate::theme::check_file(f),
        "keymap" => crate::app::keymap::check_file(f),
        _ => crate::config::Config::parse(f, &text).map(|_| ()),
    };
    checked.map(|_| kind).map_err(|e| e.to_string())
}

pub fn check(files: &[PathBuf]) -> bool {
    let mut ok = true;
    for f in files {
        if f.extension().is_some_and(|e| e == "toml") {
            match check_toml(f) {
                Ok(kind) => println!("{}: ok ({kind})", f.display()),
                Err(e) => {
                    ok = false;
                    eprintln!("{e}");
                }
            }
            continue;
        }
        if f.extension().is_some_and(|e| e == "j2") {
            match crate::comms::template::Template::load(f) {
                Ok(t) => println!("{}: ok (template {:?}, audience {})", f.display(), t.name, t.audience),
                Err(e) => {
                    ok = false;
                    eprintln!("{e}");
                }
            }
            continue;
        }
        let is_playbook = f.components().any(|c| c.as_os_str() == "playbooks")
            || std::fs::read_to_string(f).is_ok_and(|t| crate::playbook::load::looks_like_playbook(&t));
        if is_playbook {
            match crate::playbook::load::load_file(f) {
                Ok(p) => println!("{}: ok (playbook {:?}, {} steps)", f.display(), p.id, p.steps.len()),
                Err(errors) => {
                    ok = false;
                    eprintln!("{errors}");
                }
            }
            continue;
        }
        match scenario::load_file(f) {
            Ok(s) => println!("{}: ok (scenario {:?})", f.display(), s.name),
            Err(errors) => {
                ok = false;
                eprintln!("{errors}");
            }
        }
    }
    ok
}

/// `warroom live`: the console on the user's cluster (read-only with `--read-only` or the
/// observer role: enforced in the client, so no mutating request can leave the process).
pub async fn run_live(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    console: crate::console::ConsoleOptions,
) -> anyhow::Result<()> {
    let cluster = crate::cluster::connect::Cluster::from_kubeconfig(kubeconfig, context).await?;
    crate::console::run(crate::console::Target::Live(cluster), console).await
}

/// Whether the user has a kubeconfig with a current context (the main job then opens live).
pub fn usable_kubeconfig() -> bool {
    kube::config::Kubeconfig::read()
        .ok()
        .is_some_and(|k| k.current_context.is_some_and(|c| !c.is_empty()))
}
