//! The real team's journal beside a replayed recording: the facilitator's timeline shows each of
//! its entries once the drill's clock passes the moment it was written (and takes them back when
//! a seek goes before them), and `:drill seek #N` finds the moment of entry N.

use jiff::Timestamp;

use super::state::{AppState, TimelineEntry};
use crate::incident::model::Entry;
use crate::incident::timeline::describe;
use crate::text::CleanText;

/// What the timeline calls the real team's entries (filter the timeline with `kind:original`).
pub const KIND: &str = "original";

/// The journal of the incident that was recorded, as the replay shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    /// The incident's id, as its journal names it.
    pub incident: String,
    pub entries: Vec<OriginalEntry>,
    /// How many of `entries` the timeline shows now.
    shown: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OriginalEntry {
    pub seq: u64,
    /// When it was written, on the clock the recording (and so the replay) runs on.
    pub at: Timestamp,
    pub who: CleanText,
    pub text: CleanText,
}

impl Original {
    pub fn new(incident: &str, entries: &[Entry]) -> Original {
        Original {
            incident: incident.to_string(),
            entries: entries
                .iter()
                .map(|e| OriginalEntry {
                    seq: e.seq,
                    at: e.incident_time(),
                    who: CleanText::line(&e.actor.name),
                    text: CleanText::line(&describe(&e.event)),
                })
                .collect(),
            shown: 0,
        }
    }

    /// The moment entry `seq` was written, or why there is none.
    pub fn moment_of(&self, seq: u64) -> Result<Timestamp, String> {
        match self.entries.iter().find(|e| e.seq == seq) {
            Some(e) => Ok(e.at),
            None => Err(format!(
                "{} has no entry #{seq} (it has #{} to #{})",
                self.incident,
                self.entries.first().map_or(0, |e| e.seq),
                self.entries.last().map_or(0, |e| e.seq)
            )),
        }
    }
}

/// Brings the facilitator's timeline to the drill's clock `now` (seconds): the real team's
/// entries written by then are shown, later ones (after a seek back) taken away.
pub fn follow_clock(state: &mut AppState, now: i64) {
    if !state.facilitating {
        return;
    }
    let Some(original) = state.original.as_mut() else {
        return;
    };
    let due = original.entries.partition_point(|e| e.at.as_second() <= now);
    if due == original.shown {
        return;
    }
    if due < original.shown {
        // Those shown are exactly those written by then: what is later has to go.
        state.timeline.retain(|t| t.kind != KIND || t.at <= now);
    }
    let incident = original.incident.clone();
    let arriving: Vec<OriginalEntry> = original.entries.get(original.shown..due).unwrap_or_default().to_vec();
    original.shown = due;
    for e in arriving {
        let entry = TimelineEntry {
            at: e.at.as_second(),
            source: CleanText::line(&format!("{incident} · {}", e.who)),
            kind: KIND.to_string(),
            text: CleanText::line(&format!("real team #{}: {}", e.seq, e.text)),
            severe: false,
            pinned: false,
            // Not in this incident's journal: nothing here pins or undoes it.
            seq: None,
            arrived: state.now,
            undo: None,
            folded: None,
            evidence: None,
        };
        super::narration::add_entry(state, entry);
    }
    state.dirty = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::effect::Effect;
    use crate::app::facilitation::{Facilitation, Seek};
    use crate::app::state::Mode;
    use crate::incident::model::{Actor, Event, Origin};

    fn entry(seq: u64, at: i64, who: &str, text: &str) -> Entry {
        Entry {
            seq,
            time: Timestamp::from_second(at + 7).expect("time"),
            drill_time: Some(Timestamp::from_second(at).expect("time")),
            actor: Actor::named(who),
            source: Origin::Human,
            pinned: false,
            event: Event::Note { text: text.into() },
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn replaying(facilitating: bool) -> AppState {
        let mode = Mode::Drill {
            title: CleanText::line("replay"),
            clock: None,
        };
        let mut state = AppState::new(mode, 5_000);
        state.facilitating = facilitating;
        state.original = Some(Original::new(
            "INC-20261201-001",
            &[
                entry(1, 1_000, "alice", "checkout is failing"),
                entry(2, 1_060, "bob", "rolling back"),
                entry(3, 1_200, "alice", "recovered"),
            ],
        ));
        state
    }

    fn shown(state: &AppState) -> Vec<String> {
        state
            .timeline
            .iter()
            .filter(|t| t.kind == KIND)
            .map(|t| format!("{} {}", t.source, t.text))
            .collect()
    }

    #[test]
    fn the_real_teams_entries_appear_as_the_clock_passes_them_and_go_when_it_goes_back() {
        let mut s = replaying(true);
        follow_clock(&mut s, 999);
        assert!(
            shown(&s).is_empty(),
            "nothing was written before the recording's 1,000th second"
        );
        follow_clock(&mut s, 1_060);
        assert_eq!(
            shown(&s),
            [
                "INC-20261201-001 · alice real team #1: checkout is failing",
                "INC-20261201-001 · bob real team #2: rolling back"
            ]
        );
        assert!(
            s.timeline.iter().all(|t| t.seq.is_none()),
            "not the players' journal's entries"
        );
        follow_clock(&mut s, 1_300);
        assert_eq!(shown(&s).len(), 3);
        follow_clock(&mut s, 1_030);
        assert_eq!(
            shown(&s),
            ["INC-20261201-001 · alice real team #1: checkout is failing"]
        );
        follow_clock(&mut s, 1_200);
        assert_eq!(shown(&s).len(), 3, "each shown once after going back and forth");
    }

    #[test]
    fn a_console_opened_on_a_paused_replay_shows_what_the_real_team_wrote_by_then() {
        // A reopened replay: the console starts with the drill's clock, which stands still.
        let clock = crate::app::message::DrillClock {
            now: 1_060,
            start: 900,
            speed: 1.0,
            paused: true,
        };
        let mut s = replaying(true);
        if let crate::app::state::Mode::Drill { clock: shown_clock, .. } = &mut s.mode {
            *shown_clock = Some(clock.clone());
        }
        let _ = crate::app::update::update(&mut s, crate::app::message::Msg::Clock(clock));
        assert_eq!(shown(&s).len(), 2, "{:?}", shown(&s));
    }

    #[test]
    fn only_the_facilitator_sees_the_real_teams_journal() {
        let mut s = replaying(false);
        follow_clock(&mut s, 2_000);
        assert!(shown(&s).is_empty());
    }

    #[test]
    fn seeking_to_an_entry_goes_to_the_moment_it_was_written() {
        let mut s = replaying(true);
        let fx = typed(&mut s, "drill seek #2");
        let seeks: Vec<&Effect> = fx.iter().filter(|e| matches!(e, Effect::Facilitate(_))).collect();
        let expected = Timestamp::from_second(1_060).expect("time").to_string();
        assert!(
            matches!(seeks.as_slice(), [Effect::Facilitate(Facilitation::Seek(Seek::To(t)))] if *t == expected),
            "{seeks:?}"
        );
        for (line, told) in [
            ("drill seek #9", "INC-20261201-001 has no entry #9 (it has #1 to #3)"),
            ("drill seek soon", "is not a time into the recording"),
        ] {
            let fx = typed(&mut s, line);
            assert!(!fx.iter().any(|e| matches!(e, Effect::Facilitate(_))), "{line}");
            let message = s.notice.as_ref().map(|m| m.text.to_string()).unwrap_or_default();
            assert!(message.contains(told), "{line}: {message}");
        }
        s.original = None;
        typed(&mut s, "drill seek #2");
        let message = s.notice.as_ref().map(|m| m.text.to_string()).unwrap_or_default();
        assert!(message.contains("needs the real team's journal"), "{message}");
    }

    /// `line` typed on the palette and entered: the effects asked for.
    fn typed(s: &mut AppState, line: &str) -> Vec<Effect> {
        use crate::app::message::Msg;
        use crate::app::update::update;
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
        let mut fx = update(s, key(KeyCode::Char(':')));
        fx.extend(update(s, Msg::Paste(line.into())));
        fx.extend(update(s, key(KeyCode::Enter)));
        fx
    }
}
