//! The console's application core: messages in, one state, a pure `update`. No terminal, no
//! network: the console loop (`console.rs`) feeds it and `ui` draws it.

pub mod alerts;
pub mod attention;
pub mod commands;
pub mod containment;
pub mod detection;
pub mod effect;
pub mod facilitation;
pub mod filter;
pub mod folding;
pub mod inspect;
pub mod keymap;
pub mod keys;
pub mod lists;
pub mod logs;
pub mod message;
pub mod mitigation;
pub mod narration;
pub mod original;
pub mod palette;
pub mod picture;
pub mod playbook;
pub mod signals;
pub mod state;
pub mod status;
pub mod update;
