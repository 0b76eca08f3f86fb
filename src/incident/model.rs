//! The words of an incident: ids, severities, statuses, roles, actors and every kind of event
//! the journal records. Plain data with serde; it must not read files, the clock or the
//! environment.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// An incident id, `INC-YYYYMMDD-NNN` (the date is the UTC day it was opened; NNN counts from
/// 001 that day and may grow past 999).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How bad it is. SEV1 is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn number(self) -> u8 {
        match self {
            Severity::Sev1 => 1,
            Severity::Sev2 => 2,
            Severity::Sev3 => 3,
            Severity::Sev4 => 4,
        }
    }

    /// The built-in definition, after PagerDuty's public severity levels. A configuration file
    /// may override these wordings (see `Definitions`).
    pub fn default_definition(self) -> &'static str {
        match self {
            Severity::Sev1 => {
                "Critical: the service is down or a core function is broken for many customers, \
                 or data is being lost or exposed. All hands; page whoever is needed."
            }
            Severity::Sev2 => {
                "Major: a core function is significantly degraded or broken for a subset of \
                 customers. Respond now, around the clock."
            }
            Severity::Sev3 => {
                "Minor: a non-core function is broken, or a core function is degraded with a \
                 workaround. Respond during working hours."
            }
            Severity::Sev4 => {
                "Low: a cosmetic problem or a risk that could become an incident. \
                 Track it; no page."
            }
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.number())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        let digits = t.strip_prefix("SEV").unwrap_or(&t);
        match digits.trim_start_matches('-') {
            "1" => Ok(Severity::Sev1),
            "2" => Ok(Severity::Sev2),
            "3" => Ok(Severity::Sev3),
            "4" => Ok(Severity::Sev4),
            _ => Err(format!("{s:?} is not a severity; use 1, 2, 3 or 4 (SEV1 is the worst)")),
        }
    }
}

/// The wording of each severity, as configured (the built-in ones by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definitions {
    pub severities: BTreeMap<Severity, String>,
}

impl Default for Definitions {
    fn default() -> Self {
        Definitions {
            severities: Severity::ALL
                .iter()
                .map(|s| (*s, s.default_definition().to_string()))
                .collect(),
        }
    }
}

impl Definitions {
    pub fn severity(&self, s: Severity) -> &str {
        self.severities
            .get(&s)
            .map(String::as_str)
            .unwrap_or(s.default_definition())
    }
}

/// Where the incident stands. Incidents may be reopened, so any move is recorded; the normal
/// path is investigating → identified → monitoring → resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "investigating" => Ok(Status::Investigating),
            "identified" => Ok(Status::Identified),
            "monitoring" | "mitigated" => Ok(Status::Monitoring),
            "resolved" | "closed" => Ok(Status::Resolved),
            _ => Err(format!(
                "{s:?} is not a status; use investigating, identified, monitoring or resolved"
            )),
        }
    }
}

/// A responder's role. Observers may be many; each other role has one holder at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commander,
    OpsLead,
    CommsLead,
    Scribe,
    Observer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Commander,
        Role::OpsLead,
        Role::CommsLead,
        Role::Scribe,
        Role::Observer,
    ];

    /// Whether taking this role hands it over from whoever held it.
    pub fn single_holder(self) -> bool {
        self != Role::Observer
    }

    pub fn title(self) -> &'static str {
        match self {
            Role::Commander => "Incident commander",
            Role::OpsLead => "Ops lead",
            Role::CommsLead => "Comms lead",
            Role::Scribe => "Scribe",
            Role::Observer => "Observer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Commander => "commander",
            Role::OpsLead => "ops lead",
            Role::CommsLead => "comms lead",
            Role::Scribe => "scribe",
            Role::Observer => "observer",
        })
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "commander" | "ic" | "incident_commander" => Ok(Role::Commander),
            "ops_lead" | "ops" => Ok(Role::OpsLead),
            "comms_lead" | "comms" => Ok(Role::CommsLead),
            "scribe" => Ok(Role::Scribe),
            "observer" => Ok(Role::Observer),
            _ => Err(format!(
                "{s:?} is not a role; use commander, ops-lead, comms-lead, scribe or observer"
            )),
        }
    }
}

/// Who did it: the configured name (else user@host) and, where known, the Kubernetes identity
/// the action ran as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s: Option<String>,
}

impl Actor {
    pub fn named(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            k8s: None,
        }
    }
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Human,
    Automation,
    Cluster,
    Prometheus,
}

/// A moment in an incident's life that response times are measured between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Started,
    Detected,
    Acknowledged,
    Identified,
    Mitigated,
    Resolved,
}

impl Milestone {
    pub const ALL: [Milestone; 6] = [
        Milestone::Started,
        Milestone::Detected,
        Milestone::Acknowledged,
        Milestone::Identified,
        Milestone::Mitigated,
        Milestone::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::Started => "started",
            Milestone::Detected => "detected",
            Milestone::Acknowledged => "acknowledged",
            Milestone::Identified => "identified",
            Milestone::Mitigated => "mitigated",
            Milestone::Resolved => "resolved",
        }
    }
}

impl FromStr for Milestone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Milestone::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a milestone; use started, detected, acknowledged, identified, \
                     mitigated or resolved"
                )
            })
    }
}

/// What kind of cluster change was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterChangeKind {
    Rollout,
    Crashloop,
    NodeCondition,
    Other,
}

/// A checklist step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Todo,
    Doing,
    Done,
    Skipped,
    Failed,
}

/// Which way a retrospective remark goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HowItWent {
    Well,
    Badly,
}

/// The incident as declared: the payload of the first line of every journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub impact: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Drill incidents are kept out of metrics.
    #[serde(default)]
    pub drill: bool,
}

/// A containment action against the cluster, as requested and as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Ties the request to its dry run and outcome.
    pub action_id: String,
    /// What was done, e.g. `rollout_undo`, `scale`, `cordon`.
    pub action: String,
    /// What it was done to, e.g. `deployment/checkout -n shop`.
    pub target: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub parameters: serde_json::Value,
    /// The API server's answer (for dry runs and outcomes).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub response: serde_json::Value,
    /// Why it failed, in words (for failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Who the action ran as, as the cluster knows them (absent in older journals, and for
    /// actions on Alertmanager, which knows no cluster user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ClusterIdentity>,
}

/// A user as the Kubernetes API server knows them (its SelfSubjectReview answer), or
/// `unknown` where the server does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterIdentity {
    pub username: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl ClusterIdentity {
    /// What is recorded when the server cannot say who we are.
    pub fn unknown() -> ClusterIdentity {
        ClusterIdentity {
            username: "unknown".into(),
            groups: Vec::new(),
        }
    }
}

impl fmt::Display for ClusterIdentity {
    /// `alice (system:authenticated, sre)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.username)?;
        if !self.groups.is_empty() {
            write!(f, " ({})", self.groups.join(", "))?;
        }
        Ok(())
    }
}

/// Everything that can happen in an incident. Serialized as `"kind": ..., "payload": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Event {
    /// The first line of every journal.
    IncidentOpened(Declared),
    Note {
        text: String,
    },
    Decision {
        text: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A role handed from `from` to `to`; either may be absent (first assignment, stepping down).
    RoleChanged {
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    ImpactUpdated {
        impact: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        services: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        components: Vec<String>,
    },
    /// A milestone stated by a person, overriding the one derived from other events.
    MilestoneSet {
        milestone: Milestone,
        at: Timestamp,
    },
    AlertFiring {
        alert: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        labels: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starts_at: Option<Timestamp>,
    },
    AlertResolved {
        alert: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        labels: BTreeMap<String, String>,
    },
    ClusterChange {
        change: ClusterChangeKind,
        /// `kind/name` with namespace, e.g. `deployment/checkout -n shop`.
        object: String,
        summary: String,
        #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
        details: serde_json::Value,
    },
    ActionRequested(ActionRecord),
    ActionDryRun(ActionRecord),
    ActionSucceeded(ActionRecord),
    ActionFailed(ActionRecord),
    StatusUpdatePublished {
        /// Where it went, e.g. `statuspage`, `#incident`, `email:exec`.
        channel: String,
        #[serde(default)]
        external: bool,
        text: String,
    },
    /// A status update being written, saved as it is edited so a crash never loses it. Each
    /// save carries the whole text; the latest save of a `draft_id` is the draft.
    StatusDraftSaved {
        draft_id: String,
        /// The template it was started from, e.g. `internal-update`.
        template: String,
        /// Who it is for: `internal`, `public`, `executive`...
        audience: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        text: String,
    },
    /// A draft went out (after its `status_update_published`): it is no longer offered.
    StatusDraftPublished {
        draft_id: String,
        audience: String,
        channel: String,
    },
    /// One attempt to publish a status update that failed, with the exact text and why.
    StatusUpdateFailed {
        channel: String,
        #[serde(default)]
        external: bool,
        text: String,
        /// 1 for the first try.
        attempt: u32,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draft_id: Option<String>,
    },
    /// The update an audience was owed at `due_at` had not gone out.
    StatusUpdateOverdue {
        audience: String,
        due_at: Timestamp,
    },
    /// A playbook began to be followed (its checklist, by playbook id).
    ChecklistStarted {
        checklist: String,
    },
    ChecklistStepChanged {
        checklist: String,
        step: String,
        state: StepState,
        /// Why it was skipped or failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    ContributingFactor {
        text: String,
    },
    Retrospective {
        went: HowItWent,
        text: String,
    },
    ActionItem {
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
    },
    /// A line this version of warroom cannot interpret (written by a newer one). Its bytes are
    /// still verified and kept; it is never produced by warroom itself.
    #[serde(skip)]
    Unrecognized {
        kind: String,
        payload: serde_json::Value,
    },
}

impl Event {
    /// The `kind` written on the journal line.
    pub fn kind(&self) -> &str {
        match self {
            Event::IncidentOpened(_) => "incident_opened",
            Event::Note { .. } => "note",
            Event::Decision { .. } => "decision",
            Event::StatusChanged { .. } => "status_changed",
            Event::SeverityChanged { .. } => "severity_changed",
            Event::RoleChanged { .. } => "role_changed",
            Event::ImpactUpdated { .. } => "impact_updated",
            Event::MilestoneSet { .. } => "milestone_set",
            Event::AlertFiring { .. } => "alert_firing",
            Event::AlertResolved { .. } => "alert_resolved",
            Event::ClusterChange { .. } => "cluster_change",
            Event::ActionRequested(_) => "action_requested",
            Event::ActionDryRun(_) => "action_dry_run",
            Event::ActionSucceeded(_) => "action_succeeded",
            Event::ActionFailed(_) => "action_failed",
            Event::StatusUpdatePublished { .. } => "status_update_published",
            Event::StatusDraftSaved { .. } => "status_draft_saved",
            Event::StatusDraftPublished { .. } => "status_draft_published",
            Event::StatusUpdateFailed { .. } => "status_update_failed",
            Event::StatusUpdateOverdue { .. } => "status_update_overdue",
            Event::ChecklistStarted { .. } => "checklist_started",
            Event::ChecklistStepChanged { .. } => "checklist_step_changed",
            Event::ContributingFactor { .. } => "contributing_factor",
            Event::Retrospective { .. } => "retrospective",
            Event::ActionItem { .. } => "action_item",
            Event::Unrecognized { kind, .. } => kind,
        }
    }

    /// Rebuilds an event from a line's `kind` and `payload`. A kind or payload this version
    /// does not understand becomes `Unrecognized`, never an error: the line is still evidence.
    pub fn from_parts(kind: &str, payload: serde_json::Value) -> Event {
        let tagged = serde_json::json!({ "kind": kind, "payload": payload });
        match serde_json::from_value::<Event>(tagged) {
            Ok(e) => e,
            Err(_) => Event::Unrecognized {
                kind: kind.to_string(),
                payload,
            },
        }
    }
}

/// An event not yet written: what `Journal::append` takes. The journal adds seq, time and the
/// hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub actor: Actor,
    pub source: Origin,
    pub pinned: bool,
    pub event: Event,
}

impl Draft {
    pub fn new(actor: Actor, source: Origin, event: Event) -> Draft {
        Draft {
            actor,
            source,
            pinned: false,
            event,
        }
    }

    pub fn pinned(mut self, pinned: bool) -> Draft {
        self.pinned = pinned;
        self
    }
}

/// One line of the journal, decoded and verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub time: Timestamp,
    pub actor: Actor,
    pub source: Origin,
    pub pinned: bool,
    pub event: Event,
    /// The previous line's hash (64 zeros on the first line).
    pub prev: String,
    /// This line's SHA-256, hex.
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print() {
        let id: IncidentId = "inc-20261124-007".parse().expect("valid");
        assert_eq!(id.as_str(), "INC-20261124-007");
        assert_eq!(id.day(), "20261124");
        assert_eq!(id.number(), 7);
        assert_eq!(
            IncidentId::new(jiff::civil::date(2026, 11, 24), 1234).as_str(),
            "INC-20261124-1234"
        );
        for bad in [
            "INC-2026112-001",
            "../etc/passwd",
            "INC-20261124-",
            "INC-20261124-0a1",
            "INC-20261124-001/x",
        ] {
            assert!(bad.parse::<IncidentId>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn severities_statuses_roles_parse() {
        assert_eq!("2".parse::<Severity>(), Ok(Severity::Sev2));
        assert_eq!("sev-1".parse::<Severity>(), Ok(Severity::Sev1));
        assert!("5".parse::<Severity>().is_err());
        assert_eq!("closed".parse::<Status>(), Ok(Status::Resolved));
        assert_eq!("ops-lead".parse::<Role>(), Ok(Role::OpsLead));
        assert!(Role::Commander.single_holder());
        assert!(!Role::Observer.single_holder());
    }

    #[test]
    fn events_round_trip_through_kind_and_payload() {
        let e = Event::SeverityChanged {
            from: Severity::Sev2,
            to: Severity::Sev1,
            reason: Some("checkout down".into()),
        };
        let v = serde_json::to_value(&e).expect("serializes");
        assert_eq!(v["kind"], "severity_changed");
        assert_eq!(e.kind(), "severity_changed");
        let payload = v["payload"].clone();
        assert_eq!(
            payload,
            serde_json::json!({"from": "SEV2", "to": "SEV1", "reason": "checkout down"})
        );
        assert_eq!(Event::from_parts("severity_changed", payload), e);
    }

    #[test]
    fn unknown_kinds_are_kept_not_rejected() {
        let e = Event::from_parts("pager_escalated", serde_json::json!({"to": "sre"}));
        assert_eq!(
            e,
            Event::Unrecognized {
                kind: "pager_escalated".into(),
                payload: serde_json::json!({"to": "sre"})
            }
        );
        assert_eq!(e.kind(), "pager_escalated");
    }
}
