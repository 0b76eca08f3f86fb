//! The inspect view: one object's describe, YAML or events, read from the API server when
//! opened (the executor fetches; `update` keeps the lines), scrolled from the top and searched
//! with `/`. Opened on whatever the health pane has selected.

use super::effect::Effect;
use super::state::AppState;
use crate::cluster::inspect::{Target, View};
use crate::text::CleanText;

#[derive(Debug, Clone, PartialEq)]
pub struct InspectView {
    pub target: Target,
    pub view: View,
    /// None until the server answers.
    pub lines: Option<Vec<CleanText>>,
    pub error: Option<CleanText>,
    /// The first line shown.
    pub scroll: usize,
    /// Only lines holding this text are shown.
    pub search: Option<String>,
}

/// Opens `view` of `target`, replacing the open one (its search goes, its place is kept when
/// only the view changes).
pub fn open(state: &mut AppState, fx: &mut Vec<Effect>, target: Target, view: View) {
    state.inspect = Some(InspectView {
        target: target.clone(),
        view,
        lines: None,
        error: None,
        scroll: 0,
        search: None,
    });
    fx.push(Effect::Inspect {
        target,
        view,
        now: state.event_time(),
    });
}

/// The server's answer, for the view that asked (a late one for another object is dropped).
pub fn arrived(state: &mut AppState, target: &Target, view: View, result: Result<Vec<CleanText>, CleanText>) {
    let Some(v) = state.inspect.as_mut().filter(|v| v.target == *target && v.view == view) else {
        return;
    };
    match result {
        Ok(lines) => v.lines = Some(lines),
        Err(e) => v.error = Some(e),
    }
    state.dirty = true;
}

/// The lines shown: those holding the search (case-insensitive), or all.
pub fn visible(v: &InspectView) -> Vec<&CleanText> {
    let lines = v.lines.iter().flatten();
    match v.search.as_deref().map(str::to_lowercase).filter(|s| !s.is_empty()) {
        Some(s) => lines.filter(|l| l.to_lowercase().contains(&s)).collect(),
        None => lines.collect(),
    }
}

/// Scrolls by `d` lines.
pub fn scroll(v: &mut InspectView, d: isize) {
    let len = visible(v).len();
    let s = v.scroll as isize + d;
    v.scroll = s.clamp(0, len.saturating_sub(1) as isize) as usize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Mode;
    use crate::cluster::inspect::Kind;

    fn target(name: &str) -> Target {
        Target {
            kind: Kind::Pod,
            namespace: CleanText::line("shop"),
            name: CleanText::line(name),
        }
    }

    #[test]
    fn an_answer_is_kept_only_by_the_view_that_asked_and_the_search_narrows_it() {
        let mut s = AppState::new(Mode::Live { context: "x".into() }, 0);
        let mut fx = Vec::new();
        open(&mut s, &mut fx, target("web-1"), View::Yaml);
        assert!(matches!(&fx[..], [Effect::Inspect { view: View::Yaml, .. }]));
        let lines = |ls: &[&str]| Ok(ls.iter().map(|l| CleanText::line(l)).collect());
        arrived(&mut s, &target("web-2"), View::Yaml, lines(&["other"]));
        arrived(&mut s, &target("web-1"), View::Describe, lines(&["other view"]));
        assert_eq!(s.inspect.as_ref().unwrap().lines, None);
        arrived(
            &mut s,
            &target("web-1"),
            View::Yaml,
            lines(&["kind: Pod", "  image: web:2", "  phase: Running"]),
        );
        let v = s.inspect.as_mut().unwrap();
        v.search = Some("IMAGE".into());
        assert_eq!(visible(v).len(), 1);
        scroll(v, 5);
        assert_eq!(v.scroll, 0, "cannot scroll past the last line shown");
    }
}
