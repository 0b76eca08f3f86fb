//! The incident's follow-ups, folded from the journal: each action item recorded (named by the
//! number of the entry that opened it), who owns it, when it is due, how urgent it is and where
//! it stands, and what `followup #N ...` asks of one.

use jiff::Timestamp;
use jiff::civil::Date;

use super::model::{Entry, Event, FollowUpState, Priority};

/// One follow-up as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The entry that opened it: `#seq` names it.
    pub seq: u64,
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub priority: Option<Priority>,
    pub ticket: Option<String>,
    pub state: FollowUpState,
    pub opened_at: Timestamp,
    /// When it was last marked done or dropped (absent while open).
    pub settled_at: Option<Timestamp>,
}

/// How a follow-up stands against a day: what a list flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Done,
    Dropped,
    /// Open, its due date this many days past.
    Overdue(i64),
    DueToday,
    /// Open, due within the week (this many days).
    DueSoon(i64),
    /// Open, due later or with no date.
    Open,
}

impl Standing {
    /// The flag a list shows, empty for an open item with nothing pressing.
    pub fn flag(self) -> String {
        match self {
            Standing::Done => "done".into(),
            Standing::Dropped => "dropped".into(),
            Standing::Overdue(1) => "OVERDUE by 1 day".into(),
            Standing::Overdue(d) => format!("OVERDUE by {d} days"),
            Standing::DueToday => "due today".into(),
            Standing::DueSoon(1) => "due tomorrow".into(),
            Standing::DueSoon(d) => format!("due in {d} days"),
            Standing::Open => String::new(),
        }
    }
}

impl FollowUp {
    pub fn is_open(&self) -> bool {
        self.state == FollowUpState::Open
    }

    /// Where it stands on `today`.
    pub fn standing(&self, today: Date) -> Standing {
        match (self.state, self.due) {
            (FollowUpState::Done, _) => Standing::Done,
            (FollowUpState::Dropped, _) => Standing::Dropped,
            (FollowUpState::Open, None) => Standing::Open,
            (FollowUpState::Open, Some(due)) => {
                let days = i64::from(today.until(due).map(|s| s.get_days()).unwrap_or(0));
                match days {
                    d if d < 0 => Standing::Overdue(-d),
                    0 => Standing::DueToday,
                    d if d <= 7 => Standing::DueSoon(d),
                    _ => Standing::Open,
                }
            }
        }
    }

    /// `owner bob, due 2026-12-08, high priority, OPS-12`: what is known besides the title.
    pub fn particulars(&self) -> Vec<String> {
        particulars(self.owner.as_deref(), self.due, self.priority, self.ticket.as_deref())
    }
}

/// `owner bob, due 2026-12-08, high priority, OPS-12`: the words for what is given.
pub fn particulars(
    owner: Option<&str>,
    due: Option<Date>,
    priority: Option<Priority>,
    ticket: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(o) = owner {
        out.push(format!("owner {o}"));
    }
    if let Some(d) = due {
        out.push(format!("due {d}"));
    }
    if let Some(p) = priority {
        out.push(format!("{p} priority"));
    }
    if let Some(t) = ticket {
        out.push(t.to_string());
    }
    out
}

/// Folds one entry into `list` (entries that are not about follow-ups change nothing).
pub fn apply(list: &mut Vec<FollowUp>, e: &Entry) {
    match &e.event {
        Event::ActionItem {
            title,
            owner,
            due,
            ticket,
            priority,
        } => list.push(FollowUp {
            seq: e.seq,
            title: title.clone(),
            owner: owner.clone(),
            due: *due,
            priority: *priority,
            ticket: ticket.clone(),
            state: FollowUpState::Open,
            opened_at: e.time,
            settled_at: None,
        }),
        Event::ActionItemChanged {
            item,
            state,
            owner,
            due,
            ticket,
            priority,
            ..
        } => {
            if let Some(f) = list.iter_mut().find(|f| f.seq == *item) {
                if let Some(s) = state {
                    f.state = *s;
                    f.settled_at = (*s != FollowUpState::Open).then_some(e.time);
                }
                if owner.is_some() {
                    f.owner.clone_from(owner);
                }
                if due.is_some() {
                    f.due = *due;
                }
                if ticket.is_some() {
                    f.ticket.clone_from(ticket);
                }
                if priority.is_some() {
                    f.priority = *priority;
                }
            }
        }
        _ => {}
    }
}

/// What may change on a follow-up: each field present is its new value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub state: Option<FollowUpState>,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub priority: Option<Priority>,
    pub ticket: Option<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// What `followup WORDS` asks, on the palette or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Record a new follow-up.
    Record {
        title: String,
        owner: Option<String>,
        due: Option<Date>,
        priority: Option<Priority>,
        ticket: Option<String>,
    },
    /// Change follow-up `#seq`.
    Change { seq: u64, changes: Changes },
}

/// `followup TITLE [owner=NAME] [due=YYYY-MM-DD] [priority=high|medium|low] [ticket=ID]`
/// records one (the `key=value` words may come anywhere; the others are the title);
/// `followup #N [done|dropped|open] [key=value ...]` changes one.
pub fn asked(words: &[&str]) -> Result<Asked, String> {
    let mut changes = Changes::default();
    let mut rest = Vec::new();
    for w in words {
        match w.split_once('=') {
            Some(("owner", v)) if !v.is_empty() => changes.owner = Some(v.trim_start_matches('@').to_string()),
            Some(("due", v)) => {
                changes.due = Some(
                    v.parse::<Date>()
                        .map_err(|_| format!("followup: due={v} is not a date such as 2026-12-08"))?,
                )
            }
            Some(("priority", v)) => changes.priority = Some(v.parse().map_err(|e| format!("followup: {e}"))?),
            Some(("ticket", v)) if !v.is_empty() => changes.ticket = Some(v.to_string()),
            _ => rest.push(*w),
        }
    }
    if let [n, more @ ..] = rest.as_slice()
        && let Some(seq) = n.strip_prefix('#').and_then(|n| n.parse::<u64>().ok())
    {
        match more {
            [] => {}
            [state] => changes.state = Some(state.parse()?),
            _ => {
                return Err(format!(
                    "followup #{seq}: after the number, say done, dropped or open, and key=value changes; not {:?}",
                    more.join(" ")
                ));
            }
        }
        if changes.is_empty() {
            return Err(format!(
                "followup #{seq} needs a change: done, dropped, open, owner=, due=, priority= or ticket="
            ));
        }
        return Ok(Asked::Change { seq, changes });
    }
    if rest.is_empty() {
        return Err(
            "followup needs a title: followup Add a canary stage owner=bob due=2026-12-08 priority=high".into(),
        );
    }
    Ok(Asked::Record {
        title: rest.join(" "),
        owner: changes.owner,
        due: changes.due,
        priority: changes.priority,
        ticket: changes.ticket,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::change;
    use crate::incident::testing::{entry, opened_with as incident};

    fn recorded(seq: u64, title: &str, due: Option<Date>) -> Entry {
        entry(
            seq,
            "bob",
            Event::ActionItem {
                title: title.into(),
                owner: None,
                due,
                ticket: None,
                priority: None,
            },
        )
    }

    #[test]
    fn a_follow_up_is_named_by_its_entry_and_changed_field_by_field() {
        let mut entries = vec![recorded(2, "Add a canary", None), recorded(3, "Alert on pools", None)];
        let i = incident(&entries);
        let changes = Changes {
            owner: Some("carol".into()),
            priority: Some(Priority::High),
            ..Changes::default()
        };
        entries.push(entry(4, "carol", change::follow_up(&i, 3, changes).expect("allowed")));
        let i = incident(&entries);
        let done = Changes {
            state: Some(FollowUpState::Done),
            owner: Some("carol".into()),
            ..Changes::default()
        };
        // The owner is carol already: only the state is written.
        let event = change::follow_up(&i, 3, done).expect("allowed");
        assert_eq!(
            event,
            Event::ActionItemChanged {
                item: 3,
                title: "Alert on pools".into(),
                state: Some(FollowUpState::Done),
                owner: None,
                due: None,
                ticket: None,
                priority: None,
            }
        );
        entries.push(entry(5, "carol", event));
        let i = incident(&entries);
        let [canary, pools] = i.follow_ups.as_slice() else {
            panic!("two follow-ups: {:?}", i.follow_ups)
        };
        assert_eq!(
            (canary.seq, canary.state, canary.owner.as_deref()),
            (2, FollowUpState::Open, None)
        );
        assert_eq!(
            (pools.seq, pools.state, pools.owner.as_deref(), pools.priority),
            (3, FollowUpState::Done, Some("carol"), Some(Priority::High))
        );
        assert_eq!(pools.settled_at, Some(entries[3].time));
        assert_eq!(pools.particulars(), ["owner carol", "high priority"]);
        // Reopened: no longer settled.
        let reopen = Changes {
            state: Some(FollowUpState::Open),
            ..Changes::default()
        };
        entries.push(entry(6, "carol", change::follow_up(&i, 3, reopen).expect("allowed")));
        assert_eq!(incident(&entries).follow_ups[1].settled_at, None);

        let again = Changes {
            state: Some(FollowUpState::Done),
            ..Changes::default()
        };
        let refused = change::follow_up(&i, 3, again.clone()).expect_err("done already");
        assert!(refused.0.contains("already so (done)"), "{refused:?}");
        let refused = change::follow_up(&i, 9, again).expect_err("no such follow-up");
        assert!(refused.0.contains("no follow-up #9: there are #2, #3"), "{refused:?}");
    }

    #[test]
    fn an_open_follow_up_is_flagged_against_the_day() {
        let today = jiff::civil::date(2026, 12, 7);
        let standing = |due: Option<Date>, state: FollowUpState| {
            let mut f = incident(&[recorded(2, "x", due)]).follow_ups.remove(0);
            f.state = state;
            f.standing(today)
        };
        let open = FollowUpState::Open;
        assert_eq!(
            standing(Some(jiff::civil::date(2026, 12, 4)), open),
            Standing::Overdue(3)
        );
        assert_eq!(standing(Some(today), open), Standing::DueToday);
        assert_eq!(
            standing(Some(jiff::civil::date(2026, 12, 8)), open),
            Standing::DueSoon(1)
        );
        assert_eq!(
            standing(Some(jiff::civil::date(2026, 12, 14)), open),
            Standing::DueSoon(7)
        );
        assert_eq!(standing(Some(jiff::civil::date(2026, 12, 15)), open), Standing::Open);
        assert_eq!(standing(None, open), Standing::Open);
        // Done or dropped is never overdue.
        assert_eq!(
            standing(Some(jiff::civil::date(2026, 1, 1)), FollowUpState::Done),
            Standing::Done
        );
        assert_eq!(
            standing(Some(jiff::civil::date(2026, 1, 1)), FollowUpState::Dropped),
            Standing::Dropped
        );
        assert_eq!(Standing::Overdue(3).flag(), "OVERDUE by 3 days");
        assert_eq!(Standing::DueSoon(1).flag(), "due tomorrow");
    }
}
