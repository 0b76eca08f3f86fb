//! warroom: a terminal console for running a Kubernetes production incident.
//! The crate is split by concern. Domain: `incident` (the journal), `debrief` (drills
//! scored), `playbook`, `comms` (templates, cadence, drafts). Adapters: `cluster` (kube-rs watches), `observe`
//! (Prometheus and Alertmanager), `actions` (containment against the API), `http`.
//! The console: `app` (state, messages, update), `ui` (drawing), `console` (the loop).
//! The drill cluster is its own crate (`warroom_drill`, crates/drill), as is the reading of
//! the files users write (`warroom_files`, crates/files).

pub mod actions;
pub mod app;
pub mod cli;
pub mod cluster;
pub mod comms;
pub mod config;
pub mod console;
pub mod debrief;
pub mod detect;
pub mod family;
pub mod flight;
pub mod freshness;

pub mod http;
pub mod incident;
pub mod logging;
pub mod memory;
pub mod observe;
pub mod paths;
pub mod playbook;
pub mod postgres;
pub mod redact;
pub mod secret;
pub mod sink;
pub mod stop;
pub mod text;
pub mod theme;
pub mod tracker;
pub mod ui;
pub mod watch;

#[cfg(test)]
mod layering;
#[cfg(test)]
mod properties;
