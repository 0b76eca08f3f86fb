//! The incident's hypotheses, folded from the journal: each explanation put forward (named by
//! the number of the entry that opened it), who owns it, and every move it made to testing,
//! confirmed or refuted, with why.

use jiff::Timestamp;

use super::model::{Entry, Event, HypothesisState};

/// One explanation and how it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hypothesis {
    /// The entry that opened it: `#seq` names it.
    pub seq: u64,
    pub text: String,
    pub state: HypothesisState,
    /// Who put it forward.
    pub by: String,
    /// Who owns it: who put it forward, or who last took it to testing.
    pub owner: String,
    pub opened_at: Timestamp,
    /// Every move after it was opened, oldest first.
    pub moves: Vec<Move>,
}

/// A hypothesis moved to `to` by `by` at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub at: Timestamp,
    pub by: String,
    pub to: HypothesisState,
    pub reason: Option<String>,
}

/// Folds one entry into `board` (entries that are not about hypotheses change nothing).
pub fn apply(board: &mut Vec<Hypothesis>, e: &Entry) {
    match &e.event {
        Event::HypothesisOpened { text } => board.push(Hypothesis {
            seq: e.seq,
            text: text.clone(),
            state: HypothesisState::Open,
            by: e.actor.name.clone(),
            owner: e.actor.name.clone(),
            opened_at: e.time,
            moves: Vec::new(),
        }),
        Event::HypothesisChanged {
            hypothesis,
            state,
            reason,
            ..
        } => {
            if let Some(h) = board.iter_mut().find(|h| h.seq == *hypothesis) {
                h.state = *state;
                if *state == HypothesisState::Testing {
                    h.owner = e.actor.name.clone();
                }
                h.moves.push(Move {
                    at: e.time,
                    by: e.actor.name.clone(),
                    to: *state,
                    reason: reason.clone(),
                });
            }
        }
        _ => {}
    }
}

/// What `hypothesis WORDS` asks, on the palette or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Put these words forward as a new hypothesis.
    PutForward(String),
    /// Move hypothesis `#seq` to `state`, with why.
    Move {
        seq: u64,
        state: HypothesisState,
        reason: Option<String>,
    },
}

/// `#N STATE [WHY]` moves one (the `#` may be left out); any other words put themselves
/// forward. `None` when there are no words.
pub fn asked(words: &[&str]) -> Option<Asked> {
    if let [n, state, why @ ..] = words
        && let Ok(seq) = n.trim_start_matches('#').parse::<u64>()
        && let Ok(state) = state.parse()
    {
        return Some(Asked::Move {
            seq,
            state,
            reason: (!why.is_empty()).then(|| why.join(" ")),
        });
    }
    (!words.is_empty()).then(|| Asked::PutForward(words.join(" ")))
}

#[cfg(test)]
mod tests {
    use crate::incident::change;
    use crate::incident::model::{Entry, Event, HypothesisState};
    use crate::incident::state::Incident;
    use crate::incident::testing::{entry, opened_with as incident};

    fn moved(i: &Incident, seq: u64, who: &str, to: HypothesisState, why: Option<&str>) -> Entry {
        let event = change::hypothesis(i, seq, to, why.map(Into::into)).expect("allowed");
        entry(i.last_seq + 1, who, event)
    }

    #[test]
    fn a_hypothesis_is_named_by_its_entry_and_owned_by_whoever_tests_it() {
        let mut entries = vec![
            entry(
                2,
                "alice",
                Event::HypothesisOpened {
                    text: "checkout 2.0.0 is bad".into(),
                },
            ),
            entry(
                3,
                "bob",
                Event::HypothesisOpened {
                    text: "node-3 is failing".into(),
                },
            ),
        ];
        let i = incident(&entries);
        entries.push(moved(&i, 2, "carol", HypothesisState::Testing, None));
        let i = incident(&entries);
        entries.push(moved(
            &i,
            2,
            "carol",
            HypothesisState::Confirmed,
            Some("the rollback fixed it"),
        ));
        let i = incident(&entries);
        entries.push(moved(&i, 3, "bob", HypothesisState::Refuted, Some("node-3 is healthy")));
        let i = incident(&entries);
        let board: Vec<(u64, HypothesisState, &str, &str)> = i
            .hypotheses
            .iter()
            .map(|h| (h.seq, h.state, h.by.as_str(), h.owner.as_str()))
            .collect();
        assert_eq!(
            board,
            [
                (2, HypothesisState::Confirmed, "alice", "carol"),
                (3, HypothesisState::Refuted, "bob", "bob"),
            ]
        );
        let first = &i.hypotheses[0];
        assert_eq!(first.moves.len(), 2);
        assert_eq!(first.moves[1].reason.as_deref(), Some("the rollback fixed it"));
        // The line reads on its own: it carries the hypothesis' words.
        let Event::HypothesisChanged { text, .. } = &entries[3].event else {
            panic!("{:?}", entries[3].event)
        };
        assert_eq!(text, "checkout 2.0.0 is bad");
    }

    #[test]
    fn moving_one_that_does_not_exist_or_is_already_there_is_refused() {
        let i = incident(&[entry(
            2,
            "alice",
            Event::HypothesisOpened {
                text: "bad config".into(),
            },
        )]);
        let e = change::hypothesis(&i, 5, HypothesisState::Testing, None).expect_err("no #5");
        assert_eq!(e.0, "INC-20261124-001 has no hypothesis #5: there are #2");
        let e = change::hypothesis(&i, 2, HypothesisState::Open, None).expect_err("already open");
        assert_eq!(e.0, "hypothesis #2 is already open");
        let none = incident(&[]);
        let e = change::hypothesis(&none, 1, HypothesisState::Testing, None).expect_err("none yet");
        assert!(e.0.contains("none has been put forward"), "{}", e.0);
    }
}
