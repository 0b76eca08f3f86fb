//! The flight recorder's recordings, shared by whoever writes them (warroom's recorder) and
//! whoever replays them (the drill cluster): the records, the file they are framed in and
//! sealed by, and the objects they add up to at any moment.

pub mod file;
pub mod objects;
pub mod record;
