//! The incident record: one append-only, hash-chained journal per incident, and everything
//! derived from it (current state, milestones and response times, the postmortem). The domain
//! knows nothing of terminals or HTTP; `cli` is the only part that prints.

pub mod action_words;
pub mod actions_taken;
pub mod catch_up;
pub mod change;
pub mod evidence;
pub mod filing;
pub mod follow;
pub mod follow_up_export;
pub mod follow_ups;
pub mod hypotheses;
pub mod incidents;
pub mod journal;
pub mod line;
pub mod metrics;
pub mod model;
pub mod postmortem;
pub mod report;
pub mod state;
pub mod store;
#[cfg(test)]
mod testing;
pub mod timeline;
pub mod unsaved;
pub mod what_changed;
