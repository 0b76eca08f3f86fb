//! Status communications: message templates per audience, the update cadence, drafts kept in
//! the journal, and publishing to channels. `template`, `vars`, `cadence` and `drafts` are pure
//! domain (no terminal, no HTTP); `publish` and `webhook` are the adapter that talks to the
//! outside; `cli` is the `warroom status` edge.

pub mod cadence;
pub mod channel;
pub mod drafts;
pub mod publish;
pub mod template;
pub mod vars;
pub mod webhook;
