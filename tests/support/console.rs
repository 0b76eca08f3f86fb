//! The console's core driven by a test as the console loop drives it: the state, and every
//! effect `update` has returned so far (the loop would hand them to its executor).

use std::ops::{Deref, DerefMut};

use warroom::app::effect::Effect;
use warroom::app::message::Msg;
use warroom::app::state::AppState;

pub struct Console {
    pub state: AppState,
    /// Every effect returned since the test last cleared them, in order.
    pub effects: Vec<Effect>,
}

impl Console {
    pub fn new(state: AppState) -> Console {
        Console {
            state,
            effects: Vec::new(),
        }
    }
}

impl Deref for Console {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.state
    }
}

impl DerefMut for Console {
    fn deref_mut(&mut self) -> &mut AppState {
        &mut self.state
    }
}

/// Applies `msg` as the console loop would, keeping the effects `update` returns.
pub fn update(c: &mut Console, msg: Msg) {
    let effects = warroom::app::update::update(&mut c.state, msg);
    c.effects.extend(effects);
}
