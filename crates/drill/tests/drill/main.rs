//! The drill cluster through its public API and the clients nobody here wrote: the real kubectl
//! (1.32 and another minor version), kube-rs, a real Prometheus scraping it and a real
//! Alertmanager answering as it does; hostile requests; determinism; the shipped drills'
//! stories. One test target, so the crate is linked once.

mod autoscaling;
mod bad_input;
mod configs;
mod determinism;
mod kube_client;
mod kubectl;
mod monitoring;
mod shipped;
