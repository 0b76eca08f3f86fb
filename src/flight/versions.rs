//! Earlier versions of a ConfigMap, as the flight recorder's window holds them: Kubernetes keeps
//! no ConfigMap history, so this is where "set it back as it was before the change" comes from.

use std::collections::BTreeMap;
use std::path::Path;

use super::file::{self, FlightError};
use super::record::Record;

/// A ConfigMap's data as the recorder saw it from `at` (Unix ms) on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVersion {
    pub at: i64,
    pub data: BTreeMap<String, String>,
}

/// The versions of ConfigMap `namespace/name` in the window kept in `window`, oldest first, each
/// different from the one before it.
pub fn config_versions(window: &Path, namespace: &str, name: &str) -> Result<Vec<ConfigVersion>, FlightError> {
    let mut out: Vec<ConfigVersion> = Vec::new();
    if !window.is_dir() {
        return Ok(out);
    }
    for (_, piece) in super::window::pieces_in(window)? {
        for record in file::read(&piece, &[])?.records {
            let Record::Applied { at, object } = record else {
                continue;
            };
            let is = |path: &str, want: &str| object.pointer(path).and_then(|v| v.as_str()) == Some(want);
            if !(is("/kind", "ConfigMap") && is("/metadata/namespace", namespace) && is("/metadata/name", name)) {
                continue;
            }
            let data: BTreeMap<String, String> = object
                .get("data")
                .and_then(|d| serde_json::from_value(d.clone()).ok())
                .unwrap_or_default();
            if out.last().is_none_or(|v| v.data != data) {
                out.push(ConfigVersion { at, data });
            }
        }
    }
    Ok(out)
}
