//! The drill cluster: a scenario-driven simulation of a Kubernetes cluster that serves the
//! real Kubernetes REST API on loopback, so drills use the same code paths as production.
//! It owns the simulated objects and the virtual clock; it knows nothing of the console.

pub mod api;
pub mod clock;
pub mod control;
pub mod kinds;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod scenario;
pub mod selector;
pub mod server;
pub mod sim;
pub mod store;
pub mod synthetic;
pub mod table;
