//! Playbooks: files of ordered steps for a kind of incident, the checklist state of one being
//! followed, and which playbook to suggest. Domain code: no terminal, no HTTP; loading files
//! is its only I/O.

pub mod checklist;
pub mod load;
pub mod model;
pub mod suggest;

pub use checklist::{Checklist, StepStatus};
pub use model::{Binding, Playbook, Selection, Step, StepKind};
