//! Keymaps: which key sequences mean which action in each context, loaded from
//! keymaps/*.toml (shipped: default, vim, emacs; the user's own in the config directory), and
//! the lookup `update` uses, including multi-key sequences such as `g g`. Help and the footer
//! are generated from the active keymap, so they cannot drift from what the keys do.

pub mod key_action;
pub mod load;
pub mod notation;

use std::collections::BTreeMap;

pub use key_action::{Context, KeyAction};
pub use load::{SHIPPED, check_file, load};
pub use notation::KeyPress;

/// One binding as shown in help: the keys in notation and the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyPress>,
    pub notation: String,
    pub action: KeyAction,
}

/// What a key press (after any pending ones) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(KeyAction),
    /// The keys so far begin a longer sequence: wait for the next.
    Pending,
    None,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub name: String,
    /// Each context's own bindings (pane contexts also see global ones at lookup).
    contexts: BTreeMap<Context, Vec<Binding>>,
}

impl Keymap {
    /// The bindings a context responds to: its own, then (for panes) the global ones it does
    /// not override.
    pub fn effective(&self, c: Context) -> Vec<&Binding> {
        let own: Vec<&Binding> = self.contexts.get(&c).map(|v| v.iter().collect()).unwrap_or_default();
        let mut out = own.clone();
        if c.falls_back_to_global() {
            for b in self.contexts.get(&Context::Global).into_iter().flatten() {
                if !own.iter().any(|o| o.keys == b.keys) {
                    out.push(b);
                }
            }
        }
        out
    }

    /// A context's own bindings (for help).
    pub fn own(&self, c: Context) -> &[Binding] {
        self.contexts.get(&c).map_or(&[], |v| v.as_slice())
    }

    /// What `keys` (the pending ones plus the latest) mean in context `c`.
    pub fn lookup(&self, c: Context, keys: &[KeyPress]) -> Lookup {
        let mut pending = false;
        for b in self.effective(c) {
            if b.keys == keys {
                return Lookup::Action(b.action);
            }
            if b.keys.len() > keys.len() && b.keys.starts_with(keys) {
                pending = true;
            }
        }
        if pending { Lookup::Pending } else { Lookup::None }
    }

    /// The first key sequence bound to `action` in `c`, in notation (for hints).
    pub fn key_for(&self, c: Context, action: KeyAction) -> Option<String> {
        self.effective(c)
            .into_iter()
            .find(|b| b.action == action)
            .map(|b| b.notation.clone())
    }
}

impl Default for Keymap {
    fn default() -> Self {
        load::shipped("default").expect("the shipped default keymap loads")
    }
}
