//! The metrics and alerts adapter: clients for a cluster's Prometheus and Alertmanager
//! (`http` is their shared plumbing), golden-signal panels as PromQL templates with SLO burn
//! rates, a poller that follows them, and the model it feeds. It talks to the outside; it knows
//! nothing of the terminal.

pub mod alertmanager;
pub mod around;
pub mod budget;
pub mod discover;
pub mod follow;
pub mod http;
pub mod impact;
pub mod learn;
pub mod model;
pub mod panels;
pub mod prometheus;
