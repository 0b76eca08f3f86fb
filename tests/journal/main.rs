//! The incident journal and status communications: the CLI, crash safety under SIGKILL,
//! concurrent writers, tampering, the postmortem, drafts, templates and publishing to webhook
//! receivers (HTTP and HTTPS). One test target.

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod concurrency;
mod crash;
mod postgres;
mod postmortem;
mod report;
mod status_drafts;
mod status_https;
mod status_publish;
mod status_templates;
mod tamper;
mod terminal;
mod tracker;
