//! What the console crate's test targets share: `warroom sim` as a real process, the `warroom`
//! binary with its data, state and config under a test's directory, a new journal, a rendered
//! buffer as text, the console's core driven as its loop drives it, and typing key strings. The outside tools, real
//! servers, kubectl and tmux are the testkit crate's (`warroom_testkit`).
#![allow(dead_code, unused_imports)] // each test target uses a part of it

mod console;
pub mod keys;
mod lines;
mod sim;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use console::{Console, update};
pub use keys::keys;
pub use lines::{line_with, lines_of};
pub use sim::SimProcess;
pub use warroom_testkit::{runtime, scenario, wait_for};

/// The `warroom` binary with its journals in `data`, its log in `data/state`, its config at
/// `data/config.toml` (absent unless the test writes it), the shipped templates, and no actor
/// from the environment.
pub fn warroom(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.env("WARROOM_DATA_DIR", data)
        .env("WARROOM_STATE_DIR", data.join("state"))
        .env("WARROOM_CONFIG", data.join("config.toml"))
        .env_remove("WARROOM_ACTOR")
        .env_remove("WARROOM_JOURNAL")
        .env_remove("WARROOM_JOURNAL_PASSWORD")
        .env_remove("WARROOM_TEMPLATES");
    cmd
}

/// `warroom incident new ARGS` by alice; the new incident's id.
pub fn incident_new(data: &Path, args: &[&str]) -> String {
    let made = warroom(data)
        .args(["incident", "new"])
        .args(args)
        .env("WARROOM_ACTOR", "alice")
        .output()
        .expect("incident new");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    String::from_utf8_lossy(&made.stdout).trim().to_string()
}

/// The `warroom` binary's path, for shells (tmux) that start it.
pub fn warroom_bin() -> &'static str {
    env!("CARGO_BIN_EXE_warroom")
}

/// What a rendered buffer shows, one line per row.
pub fn text(b: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A new drill incident's journal, `INC-20261124-001.jsonl` in `dir`, opened by "tester".
pub fn new_journal(dir: &Path, title: &str) -> PathBuf {
    use warroom::incident::journal::Journal;
    use warroom::incident::model::{Actor, Declared, Draft, Event, IncidentId, Origin, Severity, Status};
    let path = dir.join("INC-20261124-001.jsonl");
    let declared = Declared {
        id: IncidentId::new(jiff::civil::date(2026, 11, 24), 1),
        title: title.into(),
        severity: Severity::Sev2,
        status: Status::Investigating,
        impact: String::new(),
        services: Vec::new(),
        components: Vec::new(),
        drill: true,
        played: None,
    };
    Journal::create(
        &path,
        Draft::new(Actor::named("tester"), Origin::Human, Event::IncidentOpened(declared)),
    )
    .expect("journal");
    path
}
