//! The drill cluster: a scenario-driven simulation of a Kubernetes cluster that serves the
//! real Kubernetes REST API on loopback (with Prometheus and Alertmanager beside it), so drills
//! use the same code paths as production. It owns the simulated objects and the virtual clock;
//! it knows nothing of the console.
//!
//! The public API is small: start a drill from a scenario or a synthetic spec ([`Drill`]),
//! its URLs and kubeconfig, its clock, its scenario (the file format is [`scenario`]) and the
//! requests it served. Everything else is the drill's own.

mod api;
mod clock;
mod control;
pub mod drill_log;
mod kind_types;
mod kinds;
mod metrics;
mod openapi;
mod patch;
mod recorded_images;
mod replay;
mod resume;
pub mod scenario;
mod selector;
mod server;
mod services;
mod sim;
mod store;
mod synthetic;
mod table;

pub use api::client_clock::CLOCK_HEADER;

/// PromQL parsing that says where a refused query goes wrong, as Prometheus does.
pub mod promql {
    pub use crate::metrics::promql::parse::{Refused, parse};
}
pub use replay::Branch;
pub use server::{ClockReading, Drill, Options, Service, kubeconfig, services, write_kubeconfig};
pub use sim::RequestRecord;
pub use synthetic::SyntheticSpec;

/// The simulation and its monitoring stack, for the drill's own benchmarks (feature
/// `internals`, off by default): `cargo bench -p warroom-drill --features internals`.
#[cfg(feature = "internals")]
pub mod internals {
    pub use crate::clock::Clock;
    pub use crate::metrics::monitoring::{HISTORY_MS, Monitoring};
    pub use crate::metrics::{Query, QueryOptions, QueryValue, SeriesStore};
    pub use crate::sim::Sim;
}

#[cfg(test)]
mod tests;
