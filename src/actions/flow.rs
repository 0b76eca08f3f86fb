//! The life of one action as a pure state machine: permission → dry run → preview and
//! confirmation (a rollback may pick another revision there, which is dry-run again) → run with
//! progress → result with its undo. `update` does no I/O; it returns the effect the runner
//! must perform. `Flows` holds the flows in flight, so a repeated trigger
//! or confirmation never sends anything twice.

use super::catalogue::{Action, Confirm};
use super::preview::{Outcome, Preview, Progress};

/// Where a flow stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    CheckingPermission,
    /// Refused before any change was sent: by RBAC, or because warroom is read-only.
    Denied {
        reason: String,
    },
    DryRunning,
    /// The preview is shown; waiting for the user. `typed` is what they typed so far.
    Confirming {
        preview: Preview,
        confirm: Confirm,
        typed: String,
    },
    Running {
        preview: Preview,
        progress: Vec<Progress>,
        cancelling: bool,
    },
    Succeeded {
        preview: Preview,
        outcome: Outcome,
    },
    Failed {
        error: String,
    },
    /// The user said no (nothing was changed).
    Declined,
    /// The dry run showed it would change nothing: nothing was asked or sent.
    Unchanged {
        preview: Preview,
    },
}

impl Stage {
    /// Whether nothing more will happen.
    pub fn finished(&self) -> bool {
        matches!(
            self,
            Stage::Denied { .. }
                | Stage::Succeeded { .. }
                | Stage::Failed { .. }
                | Stage::Declined
                | Stage::Unchanged { .. }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            Stage::CheckingPermission => "checking permission",
            Stage::Denied { .. } => "denied",
            Stage::DryRunning => "dry run",
            Stage::Confirming { .. } => "confirm",
            Stage::Running { .. } => "running",
            Stage::Succeeded { .. } => "done",
            Stage::Failed { .. } => "failed",
            Stage::Declined => "declined",
            Stage::Unchanged { .. } => "nothing to change",
        }
    }
}

/// What happened: answers from the runner and keys from the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Allowed,
    Denied(String),
    Previewed(Preview),
    /// The dry run or the run failed.
    Failed(String),
    /// A character typed into the confirmation (y/n for yes-no).
    Typed(char),
    Backspace,
    /// Enter.
    Submit,
    /// While a rollback's preview is shown: go to this revision of the history instead.
    Pick(i64),
    /// Esc: declines while confirming, cancels while running.
    Escape,
    Progress(Progress),
    Finished(Outcome),
}

/// What the runner must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    CheckPermission,
    DryRun,
    Run,
    Cancel,
    /// Record that the person said no (nothing is sent to the cluster).
    Decline,
    /// Record that the dry run showed nothing to change (nothing is asked or sent).
    Unchanged,
}

/// One action's flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub id: String,
    pub action: Action,
    pub stage: Stage,
}

impl Flow {
    /// A new flow; the first effect is the permission check.
    pub fn start(id: impl Into<String>, action: Action) -> (Flow, Step) {
        (
            Flow {
                id: id.into(),
                action,
                stage: Stage::CheckingPermission,
            },
            Step::CheckPermission,
        )
    }

    /// Applies one input; returns the effect to perform, if any. Inputs that make no sense in
    /// the current stage (a second Enter while running, a late answer) change nothing.
    pub fn update(&mut self, input: Input) -> Option<Step> {
        if let Input::Pick(revision) = input {
            return self.pick(revision);
        }
        let stage = std::mem::replace(&mut self.stage, Stage::Declined);
        let (next, effect) = step(&self.action, stage, input);
        self.stage = next;
        effect
    }

    /// Retargets a rollback being confirmed to another revision of the history it showed
    /// (not the one running): its dry run is done again, so the preview and the journal
    /// always match what Enter would send.
    fn pick(&mut self, to: i64) -> Option<Step> {
        let Stage::Confirming { preview, .. } = &self.stage else {
            return None;
        };
        let history = preview.history.as_ref()?;
        if to == history.current || to == history.target || !history.revisions.iter().any(|r| r.number == to) {
            return None;
        }
        let Action::RolloutUndo { revision, .. } = &mut self.action else {
            return None;
        };
        *revision = Some(to);
        self.stage = Stage::DryRunning;
        Some(Step::DryRun)
    }
}

fn step(action: &Action, stage: Stage, input: Input) -> (Stage, Option<Step>) {
    match (stage, input) {
        (Stage::CheckingPermission, Input::Allowed) => (Stage::DryRunning, Some(Step::DryRun)),
        (Stage::CheckingPermission, Input::Denied(reason)) => (Stage::Denied { reason }, None),
        (Stage::CheckingPermission | Stage::DryRunning, Input::Failed(error)) => (Stage::Failed { error }, None),
        (Stage::DryRunning, Input::Previewed(preview)) if preview.unchanged() => {
            (Stage::Unchanged { preview }, Some(Step::Unchanged))
        }
        (Stage::DryRunning, Input::Previewed(preview)) => {
            let confirm = action.confirm(preview.objects);
            (
                Stage::Confirming {
                    preview,
                    confirm,
                    typed: String::new(),
                },
                None,
            )
        }
        (
            Stage::Confirming {
                preview,
                confirm,
                mut typed,
            },
            input,
        ) => match (&confirm, input) {
            (_, Input::Escape) => (Stage::Declined, Some(Step::Decline)),
            (Confirm::YesNo, Input::Typed('y' | 'Y')) => run(preview),
            // Default No: any other key, Enter included, declines.
            (Confirm::YesNo, Input::Typed(_) | Input::Submit) => (Stage::Declined, Some(Step::Decline)),
            (Confirm::TypeName(word), Input::Submit) if typed == *word => run(preview),
            (Confirm::TypeName(_), Input::Typed(c)) if !c.is_control() && typed.chars().count() < 253 => {
                typed.push(c);
                (
                    Stage::Confirming {
                        preview,
                        confirm,
                        typed,
                    },
                    None,
                )
            }
            (Confirm::TypeName(_), Input::Backspace) => {
                typed.pop();
                (
                    Stage::Confirming {
                        preview,
                        confirm,
                        typed,
                    },
                    None,
                )
            }
            (_, _) => (
                Stage::Confirming {
                    preview,
                    confirm,
                    typed,
                },
                None,
            ),
        },
        (
            Stage::Running {
                preview,
                mut progress,
                cancelling,
            },
            input,
        ) => match input {
            Input::Progress(p) => {
                match progress.iter_mut().find(|q| q.object == p.object) {
                    Some(q) => *q = p,
                    None => progress.push(p),
                }
                (
                    Stage::Running {
                        preview,
                        progress,
                        cancelling,
                    },
                    None,
                )
            }
            Input::Finished(outcome) => (Stage::Succeeded { preview, outcome }, None),
            Input::Failed(error) => (Stage::Failed { error }, None),
            Input::Escape if !cancelling => (
                Stage::Running {
                    preview,
                    progress,
                    cancelling: true,
                },
                Some(Step::Cancel),
            ),
            _ => (
                Stage::Running {
                    preview,
                    progress,
                    cancelling,
                },
                None,
            ),
        },
        (stage, _) => (stage, None),
    }
}

fn run(preview: Preview) -> (Stage, Option<Step>) {
    (
        Stage::Running {
            preview,
            progress: Vec::new(),
            cancelling: false,
        },
        Some(Step::Run),
    )
}

/// The keys that confirm: `y`, or the name typed then Enter.
pub fn confirming_keys(confirm: &Confirm) -> Vec<Input> {
    match confirm {
        Confirm::YesNo => vec![Input::Typed('y')],
        Confirm::TypeName(word) => word.chars().map(Input::Typed).chain([Input::Submit]).collect(),
    }
}

/// The flows of one console: at most one unfinished flow per action, so pressing the key again
/// while one is in flight starts nothing.
#[derive(Debug, Default)]
pub struct Flows {
    flows: Vec<Flow>,
    next: u64,
}

impl Flows {
    /// Starts a flow for `action` unless one for the same action is still unfinished; returns
    /// the new flow's id and first effect.
    pub fn trigger(&mut self, action: Action) -> Option<(String, Step)> {
        if self
            .flows
            .iter()
            .any(|f| f.action.same_change(&action) && !f.stage.finished())
        {
            return None;
        }
        self.next += 1;
        let id = format!("act-{}-{}", std::process::id(), self.next);
        let (flow, effect) = Flow::start(id.clone(), action);
        self.flows.push(flow);
        Some((id, effect))
    }

    /// Applies an input to the flow `id` (unknown ids are ignored).
    pub fn update(&mut self, id: &str, input: Input) -> Option<Step> {
        self.flows.iter_mut().find(|f| f.id == id)?.update(input)
    }

    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The newest flow (what the overlay shows).
    pub fn current(&self) -> Option<&Flow> {
        self.flows.last()
    }

    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }

    /// Forgets finished flows (the journal keeps them).
    pub fn clear_finished(&mut self) {
        self.flows.retain(|f| !f.stage.finished());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::preview::PodState;

    fn preview(objects: usize) -> Preview {
        Preview::of("node-7: unschedulable false→true".into(), Vec::new(), objects, None)
    }

    fn undo_checkout(revision: Option<i64>) -> Action {
        Action::RolloutUndo {
            namespace: "shop".into(),
            workload: crate::actions::Workload::deployment("checkout"),
            revision,
        }
    }

    /// A rollback's preview from revision 3 to `target`, with revisions 1 to 3 in the history.
    fn rollback_preview(target: i64) -> Preview {
        use crate::actions::preview::{History, PastRevision};
        let revisions = (1..=3)
            .map(|number| PastRevision {
                number,
                images: vec![format!("checkout=shop/checkout:1.{number}")],
                change_cause: None,
            })
            .collect();
        Preview {
            history: Some(History {
                current: 3,
                target,
                revisions,
            }),
            ..Preview::of(format!("back to {target}"), Vec::new(), 3, None)
        }
    }

    fn outcome() -> Outcome {
        Outcome {
            summary: "cordoned".into(),
            undo: Some(Action::Uncordon { node: "node-7".into() }),
            cancelled: false,
            api: serde_json::Value::Null,
            duration_ms: 3,
        }
    }

    #[test]
    fn yes_no_defaults_to_no() {
        for key in [Input::Submit, Input::Typed('n'), Input::Typed('x'), Input::Escape] {
            let (mut f, _) = Flow::start("a", Action::Cordon { node: "node-7".into() });
            assert_eq!(f.update(Input::Allowed), Some(Step::DryRun));
            assert_eq!(f.update(Input::Previewed(preview(1))), None);
            assert_eq!(f.update(key.clone()), Some(Step::Decline), "{key:?}");
            assert_eq!(f.stage, Stage::Declined);
        }
    }

    #[test]
    fn the_whole_path_and_no_second_run() {
        let (mut f, first) = Flow::start("a", Action::Cordon { node: "node-7".into() });
        assert_eq!(first, Step::CheckPermission);
        f.update(Input::Allowed);
        f.update(Input::Previewed(preview(1)));
        assert_eq!(f.update(Input::Typed('y')), Some(Step::Run));
        // A second y (or Enter) while running sends nothing.
        assert_eq!(f.update(Input::Typed('y')), None);
        assert_eq!(f.update(Input::Submit), None);
        f.update(Input::Progress(Progress {
            object: "shop/web-1".into(),
            state: PodState::Evicting,
        }));
        f.update(Input::Progress(Progress {
            object: "shop/web-1".into(),
            state: PodState::Gone,
        }));
        match &f.stage {
            Stage::Running { progress, .. } => assert_eq!(progress.len(), 1),
            s => panic!("{s:?}"),
        }
        assert_eq!(f.update(Input::Escape), Some(Step::Cancel));
        assert_eq!(f.update(Input::Escape), None, "cancel is sent once");
        f.update(Input::Finished(outcome()));
        assert!(f.stage.finished());
        assert_eq!(f.update(Input::Typed('y')), None);
    }

    #[test]
    fn typing_the_name_confirms_only_when_exact() {
        let (mut f, _) = Flow::start("a", Action::Drain { node: "node-7".into() });
        f.update(Input::Allowed);
        f.update(Input::Previewed(preview(5)));
        for c in "node-".chars() {
            assert_eq!(f.update(Input::Typed(c)), None);
        }
        assert_eq!(f.update(Input::Submit), None, "a partial name does not confirm");
        f.update(Input::Typed('8'));
        f.update(Input::Backspace);
        f.update(Input::Typed('\u{1b}'));
        f.update(Input::Typed('7'));
        assert_eq!(f.update(Input::Submit), Some(Step::Run));
    }

    #[test]
    fn a_rollback_picks_another_revision_and_is_dry_run_again() {
        let (mut f, _) = Flow::start("a", undo_checkout(None));
        f.update(Input::Allowed);
        f.update(Input::Previewed(rollback_preview(2)));
        // Neither the running revision, the one shown, nor one not in the history.
        for n in [3, 2, 7] {
            assert_eq!(f.update(Input::Pick(n)), None, "{n}");
            assert!(matches!(f.stage, Stage::Confirming { .. }));
        }
        assert_eq!(f.action, undo_checkout(None));
        assert_eq!(f.update(Input::Pick(1)), Some(Step::DryRun));
        assert_eq!(f.action, undo_checkout(Some(1)));
        assert_eq!(f.stage, Stage::DryRunning);
        // Only while a preview is shown.
        assert_eq!(f.update(Input::Pick(2)), None);
        f.update(Input::Previewed(rollback_preview(1)));
        assert_eq!(f.update(Input::Typed('y')), None, "a rollback asks for the name");
        f.update(Input::Backspace);
        for c in "checkout".chars() {
            f.update(Input::Typed(c));
        }
        assert_eq!(f.update(Input::Submit), Some(Step::Run));
        // Other actions have no history to pick from.
        let (mut f, _) = Flow::start("b", Action::Cordon { node: "n".into() });
        f.update(Input::Allowed);
        f.update(Input::Previewed(preview(1)));
        assert_eq!(f.update(Input::Pick(1)), None);
    }

    #[test]
    fn the_history_neighbours_pass_over_the_running_revision() {
        let h = rollback_preview(2).history.expect("a history");
        assert_eq!(h.neighbour(false), Some(1));
        assert_eq!(h.neighbour(true), None, "3 runs now");
        let h = rollback_preview(1).history.expect("a history");
        assert_eq!((h.neighbour(true), h.neighbour(false)), (Some(2), None));
    }

    #[test]
    fn a_retargeted_rollback_is_still_in_flight_for_its_workload() {
        let mut flows = Flows::default();
        let (id, _) = flows.trigger(undo_checkout(None)).expect("first trigger");
        flows.update(&id, Input::Allowed);
        flows.update(&id, Input::Previewed(rollback_preview(2)));
        assert_eq!(flows.update(&id, Input::Pick(1)), Some(Step::DryRun));
        assert!(flows.trigger(undo_checkout(None)).is_none());
        assert!(flows.trigger(undo_checkout(Some(2))).is_none());
    }

    #[test]
    fn denial_ends_the_flow_before_any_dry_run() {
        let (mut f, _) = Flow::start("a", Action::Cordon { node: "n".into() });
        assert_eq!(f.update(Input::Denied("no patch on nodes".into())), None);
        assert!(f.stage.finished());
        assert_eq!(f.update(Input::Previewed(preview(1))), None);
        assert!(matches!(f.stage, Stage::Denied { .. }));
    }

    #[test]
    fn a_repeated_trigger_starts_nothing_while_in_flight() {
        let mut flows = Flows::default();
        let cordon = Action::Cordon { node: "n".into() };
        let (id, _) = flows.trigger(cordon.clone()).expect("first trigger");
        assert!(flows.trigger(cordon.clone()).is_none());
        assert!(flows.trigger(Action::Drain { node: "n".into() }).is_some());
        flows.update(&id, Input::Denied("no".into()));
        assert!(flows.trigger(cordon).is_some(), "a finished flow may be tried again");
    }

    #[test]
    fn a_preview_that_changes_nothing_ends_the_flow_without_asking() {
        let (mut f, _) = Flow::start("same", Action::Cordon { node: "node-7".into() });
        f.update(Input::Allowed);
        let same = Preview::of(
            "node-7: unschedulable true→true".into(),
            vec![crate::actions::preview::Change::new(
                "node/node-7",
                "unschedulable",
                true,
                true,
            )],
            1,
            None,
        );
        assert_eq!(f.update(Input::Previewed(same)), Some(Step::Unchanged));
        assert!(matches!(f.stage, Stage::Unchanged { .. }) && f.stage.finished());
        assert_eq!(f.update(Input::Typed('y')), None, "no key runs it afterwards");
    }
}
