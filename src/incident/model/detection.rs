//! What the detector journals when it opens or extends an incident: the deviating measures
//! against their bands, the changes it thinks caused them, the other services deviating, and
//! the mitigations it suggests, each in numbers and in words.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One measure outside its band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// `namespace/name` or `node/name`.
    pub subject: String,
    /// e.g. `errors`, `latency_p99`, `not_ready`.
    pub measure: String,
    pub value: f64,
    /// The band it left: its median and edges, and where it was learned (`trailing`,
    /// `day_ago`, `week_ago`); absent with no history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<BandRecord>,
    pub since: Timestamp,
    /// The finding in words.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandRecord {
    pub basis: String,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// Robust standard deviations from the median (absent: the band had no spread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
}

/// A change that may have caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseRecord {
    /// What changed, e.g. `shop/checkout` or `node/node-3`.
    pub object: String,
    pub at: Timestamp,
    /// Higher is likelier.
    pub score: u32,
    pub why: String,
}

/// A mitigation it suggests: a playbook, and where it knows one, the action with its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MitigationRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    pub text: String,
    /// The action's verb as playbooks name it (`rollout_undo`, `cordon`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `kind/name -n namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub parameters: serde_json::Value,
}

/// A detection, as journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionRecord {
    /// `namespace/service` or `node/name`.
    pub scope: String,
    pub onset: Timestamp,
    pub findings: Vec<FindingRecord>,
    /// Likeliest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<CauseRecord>,
    /// Other scopes deviating at the same time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_deviating: Vec<String>,
    /// Best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitigations: Vec<MitigationRecord>,
}

/// How one service was hurt over an incident's span, as Prometheus measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceImpact {
    /// `namespace/service`.
    pub service: String,
    pub objective: f64,
    /// The worst 5-minute error ratio, and when.
    pub peak_error_ratio: f64,
    pub peak_at: Timestamp,
    /// How long its error ratio was over its SLO.
    pub over_slo_seconds: i64,
    /// Requests over the span, and those that failed (traffic × error ratio at each step).
    pub requests: f64,
    pub failed_requests: f64,
}
