//! Status communications: message templates per audience, the update cadence, drafts kept in
//! the journal, and publishing to channels. `template`, `vars`, `cadence` and `drafts` are pure
//! domain (no terminal, no HTTP); `publish` and `webhook` are the adapter that talks to the
//! outside; `cli` is the `warroom status` edge.

pub mod cadence;
pub mod channel;
pub mod cli;
pub mod drafts;
pub mod publish;
pub mod template;
pub mod vars;
pub mod webhook;

use crate::config::Config;

/// The configured channels (a config that loaded has valid ones).
pub fn configured_channels(config: &Config) -> Vec<channel::Channel> {
    channel::channels(&config.channels).unwrap_or_default()
}

/// The configured cadence over the defaults.
pub fn configured_cadence(config: &Config) -> cadence::Cadence {
    cadence::Cadence::from_config(&config.cadence).unwrap_or_default()
}
