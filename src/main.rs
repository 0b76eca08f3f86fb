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
            let schema = match format.as_str() {
                "playbook" => warroom::playbook::load::json_schema(),
                _ => warroom::drill::scenario::load::json_schema(),
            };
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(())
        }
        Some(Command::Incident(args)) => return warroom::incident::cli::incident(args),
        Some(Command::Note(args)) => return warroom::incident::cli::note(args),
        Some(Command::Journal(args)) => return warroom::incident::cli::journal(args),
        Some(Command::Postmortem(args)) => return warroom::incident::cli::postmortem(args),
        Some(Command::Sim(args)) => runtime().and_then(|rt| rt.block_on(cli::run_sim(args, false))),
        // TODO(lead): the drill console builds its own Cluster in console.rs; pass
        // `access.read_only()` there (`Cluster::with_read_only`) to enforce it in drills too.
        Some(Command::Drill { access, .. }) if access.read_only() => Err(anyhow::anyhow!(
            "read-only drills are not wired into the drill console yet; `warroom live --read-only` is"
        )),
        Some(Command::Drill {
            scenario, speed, seed, ..
        }) => runtime().and_then(|rt| rt.block_on(cli::run_drill(scenario.as_deref(), speed, seed))),
        Some(Command::Live {
            context,
            kubeconfig,
            access,
        }) => runtime().and_then(|rt| {
            rt.block_on(cli::run_live(
                kubeconfig.as_deref(),
                context.as_deref(),
                access.read_only(),
            ))
        }),
        // The main job: the user's cluster when a kubeconfig says which, else the built-in drill.
        None if cli::usable_kubeconfig() => runtime().and_then(|rt| rt.block_on(cli::run_live(None, None, false))),
        None => runtime().and_then(|rt| rt.block_on(cli::run_drill(None, 1.0, None))),
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
