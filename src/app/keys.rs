//! The console's actions and their default keys. Help and the footer are generated from this
//! table, so they cannot drift from what the keys do. (Configurable keymaps replace the
//! defaults when they land.)

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Zoom,
    Help,
    Close,
    ScrollUp,
    ScrollDown,
    Top,
    Bottom,
}

/// A binding: the key, its notation, what it does, and where it applies (None: everywhere).
pub struct Binding {
    pub key: KeyCode,
    pub mods: KeyModifiers,
    pub notation: &'static str,
    pub action: Action,
    pub description: &'static str,
    pub pane: Option<Pane>,
}

const fn bind(
    key: KeyCode,
    mods: KeyModifiers,
    notation: &'static str,
    action: Action,
    description: &'static str,
) -> Binding {
    Binding {
        key,
        mods,
        notation,
        action,
        description,
        pane: None,
    }
}

pub const GLOBAL: &[Binding] = &[
    bind(KeyCode::Tab, KeyModifiers::NONE, "tab", Action::FocusNext, "next pane"),
    bind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        "shift-tab",
        Action::FocusPrev,
        "previous pane",
    ),
    bind(
        KeyCode::Char('z'),
        KeyModifiers::NONE,
        "z",
        Action::Zoom,
        "zoom the pane",
    ),
    bind(KeyCode::Char('?'), KeyModifiers::NONE, "?", Action::Help, "help"),
    bind(KeyCode::Esc, KeyModifiers::NONE, "esc", Action::Close, "close / leave"),
    bind(KeyCode::Char('j'), KeyModifiers::NONE, "j", Action::ScrollDown, "down"),
    bind(KeyCode::Char('k'), KeyModifiers::NONE, "k", Action::ScrollUp, "up"),
    bind(KeyCode::Char('g'), KeyModifiers::NONE, "g", Action::Top, "top"),
    bind(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
        "G",
        Action::Bottom,
        "bottom (follow)",
    ),
    bind(KeyCode::Char('q'), KeyModifiers::NONE, "q", Action::Quit, "quit"),
    bind(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        "ctrl-c",
        Action::Quit,
        "quit",
    ),
];

/// The action a key means outside the editor, if any.
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    // Shift is implied by upper-case characters; terminals differ in reporting it.
    let mods = key.modifiers - KeyModifiers::SHIFT;
    GLOBAL
        .iter()
        .find(|b| b.key == key.code && (b.mods - KeyModifiers::SHIFT) == mods)
        .map(|b| b.action)
}
