//! Incident ids: `INC-YYYYMMDD-NNN`, parsed and printed.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// An incident id, `INC-YYYYMMDD-NNN` (the date is the UTC day it was opened; NNN counts from
/// 001 that day and may grow past 999).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IncidentId(String);

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an incident id; ids look like INC-20261124-001")]
pub struct BadIncidentId(pub String);

impl IncidentId {
    /// The id for the `number`th incident opened on `day`.
    pub fn new(day: Date, number: u32) -> IncidentId {
        IncidentId(format!("INC-{}-{number:03}", day.strftime("%Y%m%d")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `YYYYMMDD` part.
    pub fn day(&self) -> &str {
        &self.0[4..12]
    }

    /// The counter after the day.
    pub fn number(&self) -> u32 {
        self.0[13..].parse().unwrap_or(0)
    }
}

impl FromStr for IncidentId {
    type Err = BadIncidentId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let ok = upper.is_ascii()
            && upper.len() >= 16
            && upper.len() <= 22
            && upper.starts_with("INC-")
            && upper.as_bytes()[12] == b'-'
            && upper[4..12].bytes().all(|b| b.is_ascii_digit())
            && upper[13..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(IncidentId(upper))
        } else {
            Err(BadIncidentId(s.to_string()))
        }
    }
}

impl TryFrom<String> for IncidentId {
    type Error = BadIncidentId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<IncidentId> for String {
    fn from(id: IncidentId) -> String {
        id.0
    }
}

/// Oldest first: by day, then by number (`…-1000` after `…-999`).
impl Ord for IncidentId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.day(), self.number(), &self.0).cmp(&(other.day(), other.number(), &other.0))
    }
}

impl PartialOrd for IncidentId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_day_then_number() {
        let mut ids: Vec<IncidentId> = ["INC-20261207-001", "INC-20261206-1000", "INC-20261206-999"]
            .iter()
            .map(|s| s.parse().expect("id"))
            .collect();
        ids.sort();
        let shown: Vec<&str> = ids.iter().map(IncidentId::as_str).collect();
        assert_eq!(shown, ["INC-20261206-999", "INC-20261206-1000", "INC-20261207-001"]);
    }
}
