//! Keeping the cluster's last picture for the next console: a minute after it last changed
//! and was kept, and at quit, once the live watches have listed it (a picture still the
//! recorded one is not kept again). Nothing is kept where `state.picture` is None (a drill).

use super::effect::Effect;
use super::state::AppState;
use crate::cluster::picture::Picture;

/// How often a changed picture is kept.
pub const KEEP_EVERY: i64 = 60;

/// When the picture was last kept, and the model's change count then.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Kept {
    pub at: i64,
    pub applied: u64,
}

/// The picture, if it is live and has changed since it was last kept.
fn due(state: &mut AppState) -> Option<Picture> {
    let kept = state.picture?;
    let m = &state.model;
    if m.recorded.is_some() || !m.complete() || m.applied == kept.applied {
        return None;
    }
    state.picture = Some(Kept {
        at: state.now,
        applied: m.applied,
    });
    Some(Picture::of(m, state.now))
}

/// Time passed: keep the picture when it is due.
pub fn tick(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.picture.is_some_and(|k| state.now - k.at >= KEEP_EVERY)
        && let Some(p) = due(state)
    {
        fx.push(Effect::KeepPicture(Box::new(p)));
    }
}

/// The console is closing: the picture to keep, if it changed.
pub fn before_quit(state: &mut AppState) -> Option<Picture> {
    due(state)
}

/// Why an action may not start: the picture is the recorded one, not yet confirmed live.
pub fn held(state: &AppState) -> Option<String> {
    let at = state.model.recorded?;
    Some(format!(
        "the cluster shown is the picture recorded {} ago; actions wait until the watches have \
         listed the live cluster",
        crate::cluster::describe::age(state.now - at)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{Change, Resource, Update};
    use crate::freshness::Freshness;
    use crate::text::CleanText;

    fn state() -> AppState {
        let mode = crate::app::state::Mode::Live {
            context: CleanText::line("prod"),
        };
        let mut s = AppState::new(mode, 1_000);
        s.picture = Some(Kept::default());
        s
    }

    fn kept(fx: &[Effect]) -> usize {
        fx.iter().filter(|e| matches!(e, Effect::KeepPicture(_))).count()
    }

    #[test]
    fn a_live_picture_is_kept_a_minute_after_it_changed_and_not_while_it_is_the_recorded_one() {
        let mut s = state();
        let mut fx = Vec::new();
        s.now = 1_100;
        tick(&mut s, &mut fx);
        assert_eq!(kept(&fx), 0, "not listed yet");
        for r in Resource::ALL {
            s.model.apply(Update::Freshness(r, Freshness::Live { since: 1_000 }));
        }
        tick(&mut s, &mut fx);
        assert_eq!(kept(&fx), 1);
        s.now = 1_130;
        s.model.apply(Update::Warning(Change::Relist(None)));
        tick(&mut s, &mut fx);
        assert_eq!(kept(&fx), 1, "not a minute yet");
        s.now = 1_170;
        tick(&mut s, &mut fx);
        assert_eq!(kept(&fx), 2);
        s.now = 1_300;
        tick(&mut s, &mut fx);
        assert_eq!(kept(&fx), 2, "nothing changed");
        s.model.recorded = Some(900);
        s.model.apply(Update::Warning(Change::Relist(None)));
        assert!(before_quit(&mut s).is_none(), "the recorded picture is not kept again");
        let mut drill = state();
        drill.picture = None;
        assert!(before_quit(&mut drill).is_none());
    }

    #[test]
    fn actions_are_held_while_the_picture_is_the_recorded_one() {
        let mut s = state();
        assert_eq!(held(&s), None);
        s.model.recorded = Some(1_000 - 150);
        let why = held(&s).expect("held");
        assert!(
            why.starts_with("the cluster shown is the picture recorded 2m30s ago"),
            "{why}"
        );
        assert_eq!(s.why_not(crate::app::keymap::KeyAction::Cordon), Some(why.clone()));
        let mut fx = Vec::new();
        crate::app::containment::trigger(
            &mut s,
            &mut fx,
            crate::actions::Action::Cordon { node: "node-1".into() },
        );
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(s.notice.as_ref().map(|n| n.text.to_string()), Some(why));
    }
}
