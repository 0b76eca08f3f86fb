//! The flight recorder: every object change the cluster's watches see, in a rolling window on
//! disk, and for each open incident a recording beside its journal (compressed, append-only,
//! synced each second, its segments sealed in the journal); reading, verifying and describing
//! recordings.

pub mod file;
pub mod follow;
pub mod info;
pub mod objects;
pub mod record;
pub mod recorder;
pub mod redaction;
pub mod run;
#[cfg(test)]
mod tests;
pub mod window;
