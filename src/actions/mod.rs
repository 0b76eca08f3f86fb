//! Containment and mitigation actions: a typed catalogue (cordon, drain, recycle, rollout
//! restart/undo/pause/resume, scale, set image, autoscale, edit config, take out of / return to
//! service, isolate, silence), each taken through
//! one flow: permission check, server-side dry run, preview, confirmation, run with progress,
//! result, journal, undo. The flow is pure (`flow`); the Kubernetes calls are in `kube`, `drain`,
//! `recycle`, `rollback` (Deployments), `revisions` (StatefulSets and DaemonSets), `image`, `autoscale`,
//! `config` and `service`; every object changed carries the incident (`stamp`);
//! `runner` joins them.

pub mod autoscale;
pub mod catalogue;
pub mod config;
pub mod drain;
pub mod flow;
pub mod image;
pub mod kube;
pub mod preview;
pub mod record;
pub mod recycle;
pub mod revisions;
pub mod rollback;
pub mod runner;
pub mod service;
pub mod silence;
pub mod stamp;

pub use catalogue::{Action, Confirm, Workload, WorkloadKind};
pub use flow::{Flow, Flows, Input, Stage, Step};
pub use preview::{Outcome, PodState, Preview, Progress};
pub use runner::Runner;
