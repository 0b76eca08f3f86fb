//! A playbook being followed: each step's state (to do, in progress, done, skipped with a
//! reason, failed), who changed it and when, and the progress shown in the pane title. Each
//! change yields the journal event that records it. No I/O, no clock: callers pass the time.

use jiff::Timestamp;

use super::model::{Playbook, Selection};
use crate::actions::Action;
use crate::incident::model::{Event, StepState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Todo,
    InProgress,
    Done,
    Skipped { reason: String },
    Failed { reason: String },
}

impl StepStatus {
    pub fn symbol(&self) -> &'static str {
        match self {
            StepStatus::Todo => "[ ]",
            StepStatus::InProgress => "[>]",
            StepStatus::Done => "[x]",
            StepStatus::Skipped { .. } => "[-]",
            StepStatus::Failed { .. } => "[!]",
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            StepStatus::Todo => "to do",
            StepStatus::InProgress => "in progress",
            StepStatus::Done => "done",
            StepStatus::Skipped { .. } => "skipped",
            StepStatus::Failed { .. } => "failed",
        }
    }

    fn journal_state(&self) -> StepState {
        match self {
            StepStatus::Todo => StepState::Todo,
            StepStatus::InProgress => StepState::Doing,
            StepStatus::Done => StepState::Done,
            StepStatus::Skipped { .. } => StepState::Skipped,
            StepStatus::Failed { .. } => StepState::Failed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub status: StepStatus,
    pub by: Option<String>,
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub playbook: Playbook,
    pub steps: Vec<StepRecord>,
    /// The step the cursor is on.
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    #[error("there is no step {0}")]
    NoStep(usize),
    #[error("say why the step is skipped or failed")]
    NoReason,
    /// The step already stands so: nothing new to record.
    #[error("step {step} is already {state}")]
    Unchanged { step: String, state: &'static str },
}

impl Checklist {
    pub fn new(playbook: Playbook) -> Checklist {
        let steps = playbook
            .steps
            .iter()
            .map(|_| StepRecord {
                status: StepStatus::Todo,
                by: None,
                at: None,
            })
            .collect();
        Checklist {
            playbook,
            steps,
            selected: 0,
        }
    }

    /// Sets a step's state; returns the journal event recording it.
    pub fn set(&mut self, step: usize, status: StepStatus, by: &str, at: Timestamp) -> Result<Event, ChecklistError> {
        if let StepStatus::Skipped { reason } | StepStatus::Failed { reason } = &status
            && reason.trim().is_empty()
        {
            return Err(ChecklistError::NoReason);
        }
        let id = self
            .playbook
            .steps
            .get(step)
            .map(|s| s.get().id.clone())
            .ok_or(ChecklistError::NoStep(step))?;
        if self.steps[step].status == status {
            return Err(ChecklistError::Unchanged {
                step: id,
                state: status.word(),
            });
        }
        let reason = match &status {
            StepStatus::Skipped { reason } | StepStatus::Failed { reason } => Some(reason.clone()),
            _ => None,
        };
        let event = Event::ChecklistStepChanged {
            checklist: self.playbook.id.clone(),
            step: id,
            state: status.journal_state(),
            reason,
        };
        self.steps[step] = StepRecord {
            status,
            by: Some(by.to_string()),
            at: Some(at),
        };
        Ok(event)
    }

    /// Applies a step change read from the journal (this console's own, echoed back, or another
    /// responder's). False when the playbook has no step `step` (a different version of it).
    pub fn restore(&mut self, step: &str, state: StepState, reason: Option<String>, by: &str, at: Timestamp) -> bool {
        let Some(i) = self.playbook.steps.iter().position(|s| s.get().id == step) else {
            return false;
        };
        let reason = reason.unwrap_or_default();
        let status = match state {
            StepState::Todo => StepStatus::Todo,
            StepState::Doing => StepStatus::InProgress,
            StepState::Done => StepStatus::Done,
            StepState::Skipped => StepStatus::Skipped { reason },
            StepState::Failed => StepStatus::Failed { reason },
        };
        self.steps[i] = StepRecord {
            status,
            by: Some(by.to_string()),
            at: Some(at),
        };
        true
    }

    /// The action the step at `step` is bound to, for the selection (the one key a step runs).
    pub fn action(&self, step: usize, selection: &Selection) -> Result<Action, String> {
        let s = self
            .playbook
            .steps
            .get(step)
            .ok_or_else(|| format!("there is no step {step}"))?;
        let binding = s
            .get()
            .action
            .as_ref()
            .ok_or_else(|| format!("step {:?} runs no action", s.get().id))?;
        binding.resolve(selection)
    }

    /// Steps finished (done or skipped) and the total.
    pub fn progress(&self) -> (usize, usize) {
        let finished = self
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Skipped { .. }))
            .count();
        (finished, self.steps.len())
    }

    /// `Bad deploy 3/7` with failures counted when there are any.
    pub fn title(&self) -> String {
        let (done, total) = self.progress();
        let failed = self
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Failed { .. }))
            .count();
        let mut t = format!("{} {done}/{total}", self.playbook.title);
        if failed > 0 {
            t.push_str(&format!(" · {failed} failed"));
        }
        t
    }

    /// The first step not yet finished.
    pub fn next(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(s.status, StepStatus::Todo | StepStatus::InProgress))
    }
}
