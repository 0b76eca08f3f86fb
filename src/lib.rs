//! warroom: a terminal console for running a Kubernetes production incident.
//! The crate is split by concern: `drill` is the simulated cluster (an adapter that serves
//! the real Kubernetes API), `cli` wires commands, `logging` sends tracing to a file.

pub mod app;
pub mod cli;
pub mod cluster;
pub mod comms;
pub mod config;
pub mod console;
pub mod drill;
pub mod http;
pub mod incident;
pub mod logging;
pub mod observe;
pub mod paths;
pub mod secret;
pub mod text;
pub mod tomlfile;
pub mod ui;
