//! Containment actions against the drill cluster through the same runner the console uses:
//! every action's dry run, run and undo checked with kubectl; RBAC and read-only refusals;
//! playbooks on a selection; who the cluster says we are; the eviction API of an older server;
//! silences by the drill's clock. One test target, so the crate is linked once.

#[path = "../support/mod.rs"]
mod support;

mod alertmanager_read_only;
mod cluster_identity;
mod containment;
mod drill_silence_clock;
mod eviction_fallback;
mod playbooks;
