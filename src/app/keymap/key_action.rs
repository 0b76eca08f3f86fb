//! What keys can do: every console action with its name (as keymaps write it) and the
//! contexts it makes sense in, and the contexts themselves (global, each pane, the editor,
//! the input line of the palette and filter, the help overlay).

use crate::app::state::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Health,
    Timeline,
    Playbook,
    Editor,
    /// The one-line input of the `:` palette and the `/` filter.
    Input,
    Help,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Context::Global,
        Context::Health,
        Context::Timeline,
        Context::Playbook,
        Context::Editor,
        Context::Input,
        Context::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Health => "health",
            Context::Timeline => "timeline",
            Context::Playbook => "playbook",
            Context::Editor => "editor",
            Context::Input => "input",
            Context::Help => "help",
        }
    }

    pub fn of(pane: Pane) -> Context {
        match pane {
            Pane::Health => Context::Health,
            Pane::Timeline => Context::Timeline,
            Pane::Playbook => Context::Playbook,
            Pane::Editor => Context::Editor,
        }
    }

    /// Pane contexts fall back to the global bindings; the editor, input and help do not
    /// (typing `q` into a note must not quit).
    pub fn falls_back_to_global(self) -> bool {
        matches!(self, Context::Health | Context::Timeline | Context::Playbook)
    }

    /// Contexts where plain characters are text to be typed.
    pub fn takes_text(self) -> bool {
        matches!(self, Context::Editor | Context::Input)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    Quit,
    FocusNext,
    FocusPrev,
    FocusHealth,
    FocusTimeline,
    FocusPlaybook,
    FocusEditor,
    Zoom,
    Help,
    /// For someone joining: roles, severity, hypotheses, what was tried, follow-ups, updates.
    CatchUp,
    Close,
    Palette,
    Filter,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Pin,
    /// Runs the undo of the action the selected timeline entry records.
    UndoEntry,
    Note,
    Submit,
    StatusTemplate,
    StatusChannel,
    StatusPreview,
    StatusPublish,
    Cordon,
    Uncordon,
    Drain,
    Restart,
    Undo,
    Pause,
    Resume,
    Scale,
    Recycle,
    Silence,
    /// Set a container's image (asks the image, the current one filled in).
    SetImage,
    /// Change the autoscaler's bounds (asks them).
    Autoscale,
    /// Edit keys of a ConfigMap and restart its readers (asks them).
    EditConfig,
    /// Take the selected pod (a workload's worst) out of its Services, and put it back.
    TakeOutOfService,
    ReturnToService,
    StepDone,
    StepSkip,
    StepFailed,
    /// The selected object's describe, YAML or events, or a pod's log.
    Describe,
    Yaml,
    Events,
    Logs,
    /// The next full list: nodes, workloads, pods, events.
    Lists,
    /// Sort the list by the next column; reverse its order.
    Sort,
    SortReverse,
}

use Context::*;

/// Name, description and the contexts each action may be bound in.
pub const ACTIONS: &[(KeyAction, &str, &str, &[Context])] = &[
    (
        KeyAction::Quit,
        "quit",
        "quit",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusNext,
        "focus.next",
        "next pane",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusPrev,
        "focus.prev",
        "previous pane",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusHealth,
        "focus.health",
        "go to cluster health",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusTimeline,
        "focus.timeline",
        "go to the timeline",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusPlaybook,
        "focus.playbook",
        "go to the playbook",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::FocusEditor,
        "focus.editor",
        "go to the status editor",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::Zoom,
        "zoom",
        "zoom the pane",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::Help,
        "help",
        "help",
        &[Global, Health, Timeline, Playbook, Editor, Help],
    ),
    (
        KeyAction::CatchUp,
        "catch.up",
        "catch me up on the incident",
        &[Global, Health, Timeline, Playbook],
    ),
    (
        KeyAction::Close,
        "close",
        "close / back",
        &[Global, Health, Timeline, Playbook, Editor, Input, Help],
    ),
    (
        KeyAction::Palette,
        "palette",
        "command palette",
        &[Global, Health, Timeline, Playbook, Editor],
    ),
    (
        KeyAction::Filter,
        "filter",
        "filter the pane",
        &[Global, Health, Timeline, Playbook],
    ),
    (KeyAction::Up, "up", "up", &[Global, Health, Timeline, Playbook, Help]),
    (
        KeyAction::Down,
        "down",
        "down",
        &[Global, Health, Timeline, Playbook, Help],
    ),
    (
        KeyAction::PageUp,
        "page.up",
        "page up",
        &[Global, Health, Timeline, Playbook, Help],
    ),
    (
        KeyAction::PageDown,
        "page.down",
        "page down",
        &[Global, Health, Timeline, Playbook, Help],
    ),
    (
        KeyAction::Top,
        "top",
        "top",
        &[Global, Health, Timeline, Playbook, Help],
    ),
    (
        KeyAction::Bottom,
        "bottom",
        "bottom (follow)",
        &[Global, Health, Timeline, Playbook, Help],
    ),
    (
        KeyAction::Open,
        "open",
        "open: pods, events, the step, evidence",
        &[Health, Timeline, Playbook],
    ),
    (KeyAction::Pin, "pin", "pin the entry", &[Timeline]),
    (
        KeyAction::UndoEntry,
        "action.undo",
        "undo the selected action (asks, as any action)",
        &[Timeline],
    ),
    (
        KeyAction::Note,
        "note",
        "add a note",
        &[Global, Health, Timeline, Playbook],
    ),
    (KeyAction::Submit, "submit", "run / apply", &[Input]),
    (
        KeyAction::StatusTemplate,
        "status.template",
        "next template (fills the draft)",
        &[Editor],
    ),
    (KeyAction::StatusChannel, "status.channel", "next channel", &[Editor]),
    (
        KeyAction::StatusPreview,
        "status.preview",
        "preview as the channel shows it",
        &[Editor],
    ),
    (
        KeyAction::StatusPublish,
        "status.publish",
        "publish (press twice)",
        &[Editor],
    ),
    (KeyAction::Cordon, "cordon", "cordon the node", &[Health]),
    (KeyAction::Uncordon, "uncordon", "uncordon the node", &[Health]),
    (KeyAction::Drain, "drain", "drain the node", &[Health]),
    (KeyAction::Restart, "restart", "rollout restart", &[Health]),
    (KeyAction::Undo, "undo", "roll back to the previous revision", &[Health]),
    (KeyAction::Pause, "pause", "pause the rollout", &[Health]),
    (KeyAction::Resume, "resume", "resume the rollout", &[Health]),
    (KeyAction::Scale, "scale", "scale (asks the count)", &[Health]),
    (KeyAction::Recycle, "recycle", "recycle its worst pod", &[Health]),
    (
        KeyAction::SetImage,
        "image",
        "set a container's image (asks it)",
        &[Health],
    ),
    (
        KeyAction::Autoscale,
        "autoscale",
        "change the autoscaler's bounds (asks them)",
        &[Health],
    ),
    (
        KeyAction::EditConfig,
        "config",
        "edit a ConfigMap's keys and restart its readers (asks them)",
        &[Health],
    ),
    (
        KeyAction::TakeOutOfService,
        "out",
        "take its worst pod out of its Services",
        &[Health],
    ),
    (
        KeyAction::ReturnToService,
        "in",
        "put the pod back in its Services",
        &[Health],
    ),
    (
        KeyAction::Describe,
        "describe",
        "describe the selected object",
        &[Health],
    ),
    (KeyAction::Yaml, "yaml", "the selected object's YAML", &[Health]),
    (KeyAction::Events, "events", "the selected object's events", &[Health]),
    (
        KeyAction::Logs,
        "logs",
        "the selected pod's log (a workload's worst pod)",
        &[Health],
    ),
    (
        KeyAction::Lists,
        "lists",
        "every node, workload, pod, event (next list)",
        &[Health],
    ),
    (KeyAction::Sort, "sort", "sort the list by the next column", &[Health]),
    (
        KeyAction::SortReverse,
        "sort.reverse",
        "reverse the list's order",
        &[Health],
    ),
    (
        KeyAction::Silence,
        "silence",
        "silence the loudest alert (asks)",
        &[Health],
    ),
    (KeyAction::StepDone, "step.done", "mark the step done", &[Playbook]),
    (
        KeyAction::StepSkip,
        "step.skip",
        "skip the step (asks why)",
        &[Playbook],
    ),
    (
        KeyAction::StepFailed,
        "step.failed",
        "mark the step failed (asks why)",
        &[Playbook],
    ),
];

impl KeyAction {
    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|a| a.0 == self).map_or("?", |a| a.1)
    }

    pub fn description(self) -> &'static str {
        ACTIONS.iter().find(|a| a.0 == self).map_or("?", |a| a.2)
    }

    pub fn parse(name: &str) -> Option<KeyAction> {
        ACTIONS.iter().find(|a| a.1 == name).map(|a| a.0)
    }

    pub fn allowed_in(self, c: Context) -> bool {
        ACTIONS.iter().find(|a| a.0 == self).is_some_and(|a| a.3.contains(&c))
    }
}
