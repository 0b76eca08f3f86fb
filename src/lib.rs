//! warroom: a terminal console for running a Kubernetes production incident.
//! The crate is split by concern. Domain: `incident` (the journal), `playbook`, `comms`
//! (templates, cadence, drafts). Adapters: `cluster` (kube-rs watches), `observe`
//! (Prometheus and Alertmanager), `actions` (containment against the API), `http`, and `drill`
//! (the simulated cluster serving the real Kubernetes, Prometheus and Alertmanager APIs).
//! The console: `app` (state, messages, update), `ui` (drawing), `console` (the loop).

pub mod actions;
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
pub mod playbook;
pub mod secret;
pub mod text;
pub mod tomlfile;
pub mod ui;
pub mod yamlfile;
