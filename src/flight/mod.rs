//! The flight recorder: every object change the cluster's watches see, in a rolling window on
//! disk, and for each open incident a recording beside its journal (compressed, append-only,
//! synced each second, its segments sealed in the journal); reading, verifying and describing
//! recordings, and the earlier versions of a ConfigMap they hold.

pub mod changes;
pub mod clock;
pub mod follow;
pub mod info;
pub mod kwok;
pub mod monitoring;
pub mod recorder;
pub mod redaction;
pub mod run;
#[cfg(test)]
mod tests;
pub mod versions;
pub mod window;

// The format and the objects are shared with the drill cluster, which replays recordings.
pub use warroom_recording::{file, objects, record};
