//! A follow-up's words: how urgent it is (priority) and where it stands (open, done, dropped).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How soon a follow-up must be done, as trackers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "high" | "p1" | "urgent" => Ok(Priority::High),
            "medium" | "p2" | "normal" => Ok(Priority::Medium),
            "low" | "p3" => Ok(Priority::Low),
            _ => Err(format!("{s:?} is not a priority; use high, medium or low")),
        }
    }
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Open,
    Done,
    /// Decided against; it no longer counts as owed.
    Dropped,
}

impl FollowUpState {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpState::Open => "open",
            FollowUpState::Done => "done",
            FollowUpState::Dropped => "dropped",
        }
    }
}

impl fmt::Display for FollowUpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FollowUpState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" | "reopen" | "reopened" => Ok(FollowUpState::Open),
            "done" | "closed" | "finished" => Ok(FollowUpState::Done),
            "dropped" | "drop" | "wontfix" => Ok(FollowUpState::Dropped),
            _ => Err(format!("{s:?} is not a follow-up state; use open, done or dropped")),
        }
    }
}
