//! What `update` asks the outside world to do, since it may not do I/O itself: journal writes
//! and loading theme or keymap files. The console loop carries them out and answers with
//! messages.

use crate::incident::model::{Role, Severity, Status};

/// A change to the active incident, turned into a journal event by the journal link (which
/// reads the incident as it stands under the journal's lock, so refusals are exact).
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentChange {
    Note {
        text: String,
        pinned: bool,
    },
    Decision(String),
    Severity(Severity),
    Status(Status),
    Role {
        role: Role,
        person: Option<String>,
    },
    /// Record a console line (a cluster signal, say) in the journal, pinned.
    PinCluster {
        text: String,
        object: String,
    },
    /// Record an event as it is (a checklist step's new state).
    Record(crate::incident::model::Event),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Declare {
        title: String,
        severity: Severity,
        drill: bool,
    },
    Change(IncidentChange),
    LoadTheme(String),
    LoadKeymap(String),
    /// The status editor's saves, publishes and overdue notes.
    Status(super::status::StatusEffect),
    /// Ask whether these actions (one per key, on the current selection) are allowed, to grey
    /// out the keys that are not.
    CheckKeys(Vec<(super::keymap::Action, crate::actions::Action)>),
    /// The next step of a containment action's flow, for the runner.
    Action {
        id: String,
        action: crate::actions::Action,
        step: crate::actions::flow::Effect,
    },
}
