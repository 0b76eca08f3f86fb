//! The console's application core: messages in, one state, a pure `update`. No terminal, no
//! network: the console loop (`console.rs`) feeds it and `ui` draws it.

pub mod keys;
pub mod message;
pub mod state;
pub mod update;
