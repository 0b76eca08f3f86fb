//! Each containment action the journal recorded, from its request to its outcome: what the
//! postmortem's table and the catch-me-up both read.

use std::collections::BTreeMap;

use super::model::{ActionRecord, Entry, Event};

/// One containment action, from its request to its outcome.
#[derive(Default)]
pub struct ActionStory<'a> {
    pub first: Option<&'a Entry>,
    pub action: Option<&'a ActionRecord>,
    pub requested_by: Option<&'a str>,
    pub dry_run: Option<&'a ActionRecord>,
    /// The entry that ended it, how (`succeeded`, `failed`, `cancelled`, `declined`,
    /// `refused`, `changed nothing`) and its record.
    pub outcome: Option<(&'a Entry, &'static str, &'a ActionRecord)>,
}

/// The step of an action that `event` records, in a word or two (`requested`, `dry run
/// passed`, `succeeded`…), with the action's record; none for any other event.
pub fn step(event: &Event) -> Option<(&ActionRecord, &'static str)> {
    Some(match event {
        Event::ActionRequested(a) => (a, "requested"),
        Event::ActionDryRun(a) if a.error.is_some() => (a, "dry run failed"),
        Event::ActionDryRun(a) => (a, "dry run passed"),
        Event::ActionSucceeded(a) => (a, "succeeded"),
        Event::ActionFailed(a) => (a, "failed"),
        Event::ActionCancelled(a) => (a, "cancelled"),
        Event::ActionDeclined(a) => (a, "declined"),
        Event::ActionUnchanged(a) => (a, "not needed"),
        Event::ActionRefused(a) => (a, "refused"),
        _ => return None,
    })
}

/// One line for an action whose steps are `steps` (oldest first), told by its latest step
/// `latest`: `Action succeeded: rolled back … [rollout undo deployment/checkout -n shop:
/// requested → dry run passed → succeeded]`.
pub fn folded_line(latest: &Event, steps: &[&str]) -> String {
    match step(latest) {
        Some((a, _)) => format!(
            "{} [{}: {}]",
            super::timeline::describe(latest),
            super::timeline::action(a),
            steps.join(" → ")
        ),
        None => super::timeline::describe(latest),
    }
}

/// Every action in `entries`, in the order first recorded.
pub fn stories(entries: &[Entry]) -> Vec<ActionStory<'_>> {
    let mut order: Vec<&str> = Vec::new();
    let mut stories: BTreeMap<&str, ActionStory> = BTreeMap::new();
    for e in entries {
        let (a, step) = match &e.event {
            Event::ActionRequested(a) => (a, 0),
            Event::ActionDryRun(a) => (a, 1),
            Event::ActionSucceeded(a) => (a, 2),
            Event::ActionFailed(a) => (a, 3),
            Event::ActionCancelled(a) => (a, 4),
            Event::ActionDeclined(a) => (a, 5),
            Event::ActionRefused(a) => (a, 6),
            Event::ActionUnchanged(a) => (a, 7),
            _ => continue,
        };
        let s = stories.entry(a.action_id.as_str()).or_insert_with(|| {
            order.push(a.action_id.as_str());
            ActionStory::default()
        });
        s.first.get_or_insert(e);
        s.action.get_or_insert(a);
        match step {
            0 => s.requested_by = Some(e.actor.name.as_str()),
            1 => s.dry_run = Some(a),
            2 => s.outcome = Some((e, "succeeded", a)),
            3 => s.outcome = Some((e, "failed", a)),
            4 => s.outcome = Some((e, "cancelled", a)),
            5 => s.outcome = Some((e, "declined", a)),
            7 => s.outcome = Some((e, "changed nothing", a)),
            _ => s.outcome = Some((e, "refused", a)),
        }
    }
    order.into_iter().filter_map(|id| stories.remove(id)).collect()
}
