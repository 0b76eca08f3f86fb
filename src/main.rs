//! The `warroom` binary: parses the command line, starts logging to a file, and runs the
//! chosen command. With no command it runs the main job: the console, live on the user's
//! cluster when a kubeconfig names one, else on the built-in drill.

use clap::Parser;

use warroom::cli::{self, Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _log = match warroom::logging::init(warroom::paths::state_dir()) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: {e}; continuing without a log file");
            None
        }
    };
    let result = match cli.command {
        Some(Command::Check { files }) => {
            return if cli::check(&files) {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            };
        }
        Some(Command::Schema { format }) => {
            let schema = cli::schema(&format).unwrap_or_default();
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(())
        }
        Some(Command::Completions { shell }) => {
            cli::print_generated(cli::Generated::Completions(shell)).map_err(anyhow::Error::from)
        }
        Some(Command::Man) => cli::print_generated(cli::Generated::Man).map_err(anyhow::Error::from),
        Some(Command::Incident(args)) => return warroom::cli::incident::incident(args),
        Some(Command::Note(args)) => return warroom::cli::incident::note(args),
        Some(Command::Journal(args)) => return warroom::cli::incident::journal(args),
        Some(Command::Postmortem(args)) => return warroom::cli::incident::postmortem(args),
        Some(Command::Debrief(args)) => return warroom::cli::incident::debrief(args),
        Some(Command::Status(args)) => return warroom::cli::status::status(args),
        Some(Command::Report(args)) => return warroom::cli::report::report(args),
        Some(Command::Record(args)) => return warroom::cli::record::record(args),
        Some(Command::Sim(args)) => run_async(cli::run_sim(args, false)),
        Some(Command::Watch(args)) => run_async(warroom::watch::run(args)),
        Some(Command::Drill {
            scenario,
            replay,
            original,
            join,
            facilitator,
            player,
            speed,
            seed,
            console,
        }) => match join {
            Some(url) => run_async(cli::drill::join(&url, facilitator, console)),
            None => run_async(cli::drill::run(
                scenario.as_deref(),
                replay.as_deref().map(|r| (r, original.as_deref())),
                (speed, seed),
                player,
                console,
            )),
        },
        Some(Command::Live {
            context,
            kubeconfig,
            console,
        }) => run_async(cli::run_live(kubeconfig.as_deref(), context.as_deref(), console)),
        // The main job: the user's cluster when a kubeconfig says which, else the built-in drill.
        None if cli::usable_kubeconfig() => run_async(cli::run_live(None, None, Default::default())),
        None => run_async(cli::drill::run(None, None, (None, None), false, Default::default())),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warroom: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// How long, once a command is done, the runtime waits for work still on its blocking pool
/// (a drill's clock tick, a query) before the process exits anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `command` on a multi-threaded runtime; once it is done the process never waits longer
/// than [`SHUTDOWN_GRACE`] for what is left on the runtime's threads.
fn run_async(command: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(command);
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}
