//! Where warroom keeps its files, following the XDG base directories (via `etcetera`):
//! logs under the state directory; environment overrides for tests and scripts.

use std::path::PathBuf;

use etcetera::BaseStrategy;

fn base() -> Option<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new().ok()
}

/// The directory for the log file: `$WARROOM_STATE_DIR`, else `$XDG_STATE_HOME/warroom`.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("WARROOM_STATE_DIR") {
        return PathBuf::from(d);
    }
    base()
        .map(|b| b.state_dir().unwrap_or_else(|| b.data_dir()).join("warroom"))
        .unwrap_or_else(|| std::env::temp_dir().join("warroom"))
}
