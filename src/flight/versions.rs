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

/// The keys to set for a map to read as `earlier` again, when `latest` is what it holds now:
/// each key of `earlier` set to its value, each key added since removed. Keys whose recorded
/// value was redacted (never kept) are left as they are and named in the second list.
pub fn back_to(
    earlier: &BTreeMap<String, String>,
    latest: &BTreeMap<String, String>,
) -> (BTreeMap<String, Option<String>>, Vec<String>) {
    let redacted = super::redaction::REDACTED;
    let mut set = BTreeMap::new();
    let mut unrecorded = Vec::new();
    for (k, v) in earlier {
        if v == redacted {
            unrecorded.push(k.clone());
        } else {
            set.insert(k.clone(), Some(v.clone()));
        }
    }
    for k in latest.keys().filter(|k| !earlier.contains_key(*k)) {
        set.insert(k.clone(), None);
    }
    (set, unrecorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn going_back_sets_the_earlier_values_and_removes_keys_added_since_but_not_redacted_ones() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let earlier = map(&[("TABLE", "eur-v3"), ("TIMEOUT", "800"), ("API_TOKEN", "<redacted>")]);
        let latest = map(&[
            ("TABLE", "eur-v4"),
            ("TIMEOUT", "800"),
            ("API_TOKEN", "<redacted>"),
            ("NEW", "x"),
        ]);
        let (set, unrecorded) = back_to(&earlier, &latest);
        assert_eq!(
            set,
            BTreeMap::from([
                ("NEW".to_string(), None),
                ("TABLE".to_string(), Some("eur-v3".to_string())),
                ("TIMEOUT".to_string(), Some("800".to_string())),
            ])
        );
        assert_eq!(unrecorded, ["API_TOKEN"]);
    }
}
