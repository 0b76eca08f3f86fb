//! The inspect view: one object's describe, YAML or events, read from the API server when
//! opened (the executor fetches; `update` keeps the lines), scrolled from the top and searched
//! with `/`. Opened on whatever the health pane has selected, or on the evidence a timeline
//! entry names (read from beside the journal).

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

/// Opens the evidence the selected timeline entry names, in the health pane (which takes the
/// focus, to scroll it); says so when the entry names none.
pub fn open_evidence(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(kept) = state.selected_entry().and_then(|e| e.evidence.clone()) else {
        state.tell("the selected timeline entry holds no evidence".into(), true);
        return;
    };
    let Some(target) = Target::parse(&kept.subject) else {
        state.tell(format!("evidence of {} cannot be shown here", kept.subject), true);
        return;
    };
    super::logs::close(state, fx);
    state.focus = super::state::Pane::Health;
    state.inspect = Some(InspectView {
        target: target.clone(),
        view: View::Evidence,
        lines: None,
        error: None,
        scroll: 0,
        search: None,
    });
    fx.push(Effect::ReadEvidence {
        target,
        file: kept.file,
        sha256: kept.sha256,
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

    #[test]
    fn the_evidence_a_timeline_entry_names_opens_in_the_health_pane_and_other_entries_say_they_hold_none() {
        use crate::app::state::{EvidenceFile, Pane, TimelineEntry};
        let mut s = AppState::new(Mode::Live { context: "x".into() }, 0);
        let row = |text: &str, evidence: Option<EvidenceFile>| TimelineEntry {
            at: 0,
            source: CleanText::line("alice"),
            kind: "note".into(),
            text: CleanText::line(text),
            severe: false,
            pinned: false,
            seq: Some(1),
            arrived: 0,
            undo: None,
            folded: None,
            evidence,
        };
        let kept = EvidenceFile {
            subject: "pod shop/web-1".into(),
            file: "INC-1.evidence/ab.json".into(),
            sha256: "ab".into(),
        };
        s.timeline.push(row("Evidence captured", Some(kept)));
        s.timeline.push(row("a note", None));
        s.focus = Pane::Timeline;
        let mut fx = Vec::new();
        open_evidence(&mut s, &mut fx);
        assert!(fx.is_empty() && s.inspect.is_none(), "the newest row is a note");
        s.timeline_scroll = 1;
        open_evidence(&mut s, &mut fx);
        assert!(
            matches!(&fx[..], [Effect::ReadEvidence { target, file, sha256, .. }]
                if *target == self::target("web-1") && file == "INC-1.evidence/ab.json" && sha256 == "ab"),
            "{fx:?}"
        );
        let v = s.inspect.as_ref().expect("open");
        assert_eq!((v.view, s.focus), (View::Evidence, Pane::Health));
        arrived(
            &mut s,
            &target("web-1"),
            View::Evidence,
            Ok(vec![CleanText::line("kind: Pod")]),
        );
        assert_eq!(
            s.inspect.as_ref().and_then(|v| v.lines.clone()).map(|l| l.len()),
            Some(1)
        );
    }
}
