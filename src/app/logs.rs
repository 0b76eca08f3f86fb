//! The log view: one pod's container log (the current run followed, or the previous run; its
//! last lines, or those since a time ago), kept in a bounded buffer, scrolled from the newest
//! line, searched with `/`.
//! Opened from a pod row of a drill-down; the executor streams, `update` only keeps lines.

use std::collections::VecDeque;

use super::effect::Effect;
use super::state::AppState;
use crate::cluster::logs::{LogEvent, LogRequest};
use crate::cluster::model::Key;
use crate::text::CleanText;

/// The most lines a log view keeps; older ones are dropped (and counted).
pub const KEEP: usize = 5000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub pod: Key,
    /// The previous (crashed) run's log instead of the current one's.
    pub previous: bool,
    /// The lines written in the last this many seconds instead of the last few hundred.
    pub since: Option<u64>,
    pub lines: VecDeque<CleanText>,
    /// Lines dropped from the front to stay within `KEEP`.
    pub dropped: u64,
    /// How many lines up from the newest the view is scrolled (0: following the end).
    pub from_bottom: usize,
    /// Why the stream stopped, when it has.
    pub ended: Option<String>,
    /// Only lines holding this text are shown.
    pub search: Option<String>,
}

impl LogView {
    /// The stream this view shows.
    pub fn request(&self) -> LogRequest {
        LogRequest {
            pod: self.pod.clone(),
            previous: self.previous,
            since: self.since,
        }
    }
}

/// Opens the log of `pod` (its previous run with `previous`), replacing any open one.
pub fn open(state: &mut AppState, fx: &mut Vec<Effect>, pod: Key, previous: bool) {
    reopen(
        state,
        fx,
        LogRequest {
            pod,
            previous,
            since: None,
        },
    );
}

fn reopen(state: &mut AppState, fx: &mut Vec<Effect>, request: LogRequest) {
    state.logs = Some(LogView {
        pod: request.pod.clone(),
        previous: request.previous,
        since: request.since,
        lines: VecDeque::new(),
        dropped: 0,
        from_bottom: 0,
        ended: None,
        search: None,
    });
    fx.push(Effect::FollowLogs(request));
}

/// The open log again, from `since` seconds ago (`None`: its last lines). Says so when no log
/// is open.
pub fn since(state: &mut AppState, fx: &mut Vec<Effect>, since: Option<u64>) {
    match &state.logs {
        Some(v) => {
            let request = LogRequest { since, ..v.request() };
            reopen(state, fx, request);
        }
        None => state.tell(
            "since applies to an open log: open one first (l on a pod)".into(),
            false,
        ),
    }
}

/// Closes the log view and stops its stream; its search goes with it.
pub fn close(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.logs.take().is_some() {
        fx.push(Effect::StopLogs);
    }
}

/// The other run of the same container: previous after current, current after previous.
pub fn toggle_previous(state: &mut AppState, fx: &mut Vec<Effect>) {
    if let Some(v) = &state.logs {
        let request = LogRequest {
            previous: !v.previous,
            ..v.request()
        };
        reopen(state, fx, request);
    }
}

/// What a stream produced, for the view that asked for it (a late answer for another pod or
/// run is dropped).
pub fn arrived(state: &mut AppState, request: &LogRequest, event: LogEvent) {
    let Some(v) = state.logs.as_mut().filter(|v| v.request() == *request) else {
        return;
    };
    match event {
        LogEvent::Lines(lines) => {
            let added = lines.len();
            v.lines.extend(lines);
            while v.lines.len() > KEEP {
                v.lines.pop_front();
                v.dropped += 1;
            }
            // Scrolled up: stay on the same lines while new ones arrive below.
            if v.from_bottom > 0 {
                v.from_bottom = (v.from_bottom + added).min(v.lines.len().saturating_sub(1));
            }
        }
        LogEvent::Ended => v.ended = Some("the stream ended".into()),
        LogEvent::Failed(why) => v.ended = Some(why.to_string()),
    }
    state.dirty = true;
}

/// Scrolls by `d` lines (negative: up, towards older lines).
pub fn scroll(state: &mut AppState, d: isize) {
    if let Some(v) = &mut state.logs {
        let len = visible(v).len();
        let from = v.from_bottom as isize - d;
        v.from_bottom = from.clamp(0, len.saturating_sub(1) as isize) as usize;
    }
}

/// The lines shown: those holding the search (case-insensitive), or all.
pub fn visible(v: &LogView) -> Vec<&CleanText> {
    match v.search.as_deref().map(str::to_lowercase).filter(|s| !s.is_empty()) {
        Some(s) => v
            .lines
            .iter()
            .filter(|l| l.as_str().to_lowercase().contains(&s))
            .collect(),
        None => v.lines.iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> LogView {
        LogView {
            pod: (CleanText::line("shop"), CleanText::line("web-1")),
            previous: false,
            since: None,
            lines: VecDeque::new(),
            dropped: 0,
            from_bottom: 0,
            ended: None,
            search: None,
        }
    }

    #[test]
    fn the_buffer_keeps_the_newest_lines_and_a_scrolled_view_stays_put() {
        let mut s = AppState::new(
            super::super::state::Mode::Live {
                context: CleanText::line("x"),
            },
            0,
        );
        s.logs = Some(view());
        let asked = s.logs.as_ref().unwrap().request();
        let batch = |from: usize, n: usize| {
            LogEvent::Lines(
                (from..from + n)
                    .map(|i| CleanText::line(&format!("line {i}")))
                    .collect(),
            )
        };
        arrived(&mut s, &asked, batch(0, KEEP + 10));
        let v = s.logs.as_ref().unwrap();
        assert_eq!((v.lines.len(), v.dropped), (KEEP, 10));
        assert_eq!(v.lines.front().unwrap().as_str(), "line 10");
        scroll(&mut s, -3);
        arrived(&mut s, &asked, batch(KEEP + 10, 2));
        assert_eq!(
            s.logs.as_ref().unwrap().from_bottom,
            5,
            "two new lines below keep the view on the same lines"
        );
        // Another run's answer, or the same run's from another time, is not this view's.
        let previous = LogRequest {
            previous: true,
            ..asked.clone()
        };
        let since = LogRequest {
            since: Some(600),
            ..asked.clone()
        };
        arrived(&mut s, &previous, LogEvent::Ended);
        arrived(&mut s, &since, LogEvent::Ended);
        assert_eq!(s.logs.as_ref().unwrap().ended, None);
        s.logs.as_mut().unwrap().search = Some("LINE 4999".into());
        assert_eq!(visible(s.logs.as_ref().unwrap()).len(), 1);
    }
}
