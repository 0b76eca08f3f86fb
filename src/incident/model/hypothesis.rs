//! A hypothesis' state: an explanation put forward (open), being checked (testing), or settled
//! (confirmed, refuted).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HypothesisState {
    Open,
    Testing,
    Confirmed,
    Refuted,
}

impl HypothesisState {
    pub fn as_str(self) -> &'static str {
        match self {
            HypothesisState::Open => "open",
            HypothesisState::Testing => "testing",
            HypothesisState::Confirmed => "confirmed",
            HypothesisState::Refuted => "refuted",
        }
    }

    /// Confirmed or refuted.
    pub fn is_settled(self) -> bool {
        matches!(self, HypothesisState::Confirmed | HypothesisState::Refuted)
    }
}

impl fmt::Display for HypothesisState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HypothesisState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" | "reopen" | "reopened" => Ok(HypothesisState::Open),
            "testing" | "test" => Ok(HypothesisState::Testing),
            "confirmed" | "confirm" => Ok(HypothesisState::Confirmed),
            "refuted" | "refute" | "rejected" => Ok(HypothesisState::Refuted),
            _ => Err(format!(
                "{s:?} is not a hypothesis state; use open, testing, confirmed or refuted"
            )),
        }
    }
}
