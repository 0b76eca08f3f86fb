//! The `warroom` binary: parses the command line, starts logging to a file, and runs the
//! chosen command. With no command it runs the main job (for now: the built-in drill cluster).

use clap::Parser;

use warroom::cli::{self, Cli, Command, SimArgs};

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
        Some(Command::Schema { .. }) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&warroom::drill::scenario::load::json_schema()).unwrap_or_default()
            );
            Ok(())
        }
        Some(Command::Sim(args)) => runtime().and_then(|rt| rt.block_on(cli::run_sim(args, false))),
        None => runtime().and_then(|rt| {
            rt.block_on(cli::run_sim(
                SimArgs {
                    scenario: None,
                    listen: "127.0.0.1:0".parse().expect("a valid address"),
                    kubeconfig_out: None,
                    seed: None,
                    speed: 1.0,
                    paused: false,
                    synthetic: None,
                },
                true,
            ))
        }),
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
