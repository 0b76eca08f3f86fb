//! The words of an incident: ids, severities, statuses, roles, actors and every kind of event
//! the journal records. Plain data with serde; it must not read files, the clock or the
//! environment.

mod detection;
mod entry;
mod event;
mod follow_up;
mod hypothesis;
mod id;
mod people;
mod severity;
mod status;

pub use detection::{BandRecord, CauseRecord, DetectionRecord, FindingRecord, MitigationRecord, ServiceImpact};
pub use entry::{Draft, Entry};
pub use event::{ActionRecord, ClusterChangeKind, Declared, Event, HowItWent, Origin, Played, StepState};
pub use follow_up::{FollowUpState, Priority};
pub use hypothesis::HypothesisState;
pub use id::{BadIncidentId, IncidentId};
pub use people::{Actor, ClusterIdentity, Role};
pub use severity::{Definitions, Severity};
pub use status::{Milestone, Status};

#[cfg(test)]
mod tests;
