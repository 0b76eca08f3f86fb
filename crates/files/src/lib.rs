//! Reading the files warroom's users write (scenarios, playbooks, config, themes, keymaps,
//! templates): one located error (file, line, column, field path, message) every reader reports,
//! YAML and TOML parsing that produces it, and durations as people write them. Shared by the
//! console and the drill cluster; it knows nothing of either.

pub mod duration;
pub mod error;
pub mod shape;
pub mod toml;
pub mod yaml;

pub use duration::Duration;
pub use error::{FileError, FileErrors, read};
