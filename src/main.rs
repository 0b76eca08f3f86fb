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
        Some(Command::Record(args)) => return warroom::cli::record::record(args),
        Some(Command::Sim(args)) => runtime().and_then(|rt| rt.block_on(cli::run_sim(args, false))),
        Some(Command::Watch(args)) => runtime().and_then(|rt| rt.block_on(warroom::watch::run(args))),
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
        }) => runtime().and_then(|rt| match join {
            Some(url) => rt.block_on(cli::drill::join(&url, facilitator, console)),
            None => rt.block_on(cli::drill::run(
                scenario.as_deref(),
                replay.as_deref().map(|r| (r, original.as_deref())),
                (speed, seed),
                player,
                console,
            )),
        }),
        Some(Command::Live {
            context,
            kubeconfig,
            console,
        }) => runtime().and_then(|rt| rt.block_on(cli::run_live(kubeconfig.as_deref(), context.as_deref(), console))),
        // The main job: the user's cluster when a kubeconfig says which, else the built-in drill.
        None if cli::usable_kubeconfig() => {
            runtime().and_then(|rt| rt.block_on(cli::run_live(None, None, Default::default())))
        }
        None => {
            runtime().and_then(|rt| rt.block_on(cli::drill::run(None, None, (None, None), false, Default::default())))
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warroom: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))
}
