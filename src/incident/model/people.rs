//! Who acts: incident roles, the actor of a journal entry, and who the cluster says they are.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

    /// warroom itself, for what no person did (an update noticed overdue), whichever console
    /// noticed it.
    pub fn automation() -> Actor {
        Actor::named("warroom")
    }
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
