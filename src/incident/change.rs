//! Changes people make to an incident's state (severity, status, roles, pins, hypotheses),
//! built from the incident as it stands, or refused with the reason ("already SEV1"). Shared
//! by the command line and the console's palette so both refuse the same things.

use super::model::{Event, HypothesisState, Role, Severity, Status};
use super::state::Incident;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub fn severity(i: &Incident, to: Severity, reason: Option<String>) -> Result<Event, Refused> {
    if i.severity == to {
        return Err(Refused(format!("{} is already {to}", i.id)));
    }
    Ok(Event::SeverityChanged {
        from: i.severity,
        to,
        reason,
    })
}

/// Pins entry `seq`, which must exist and not be pinned already.
pub fn pin(i: &Incident, seq: u64) -> Result<Event, Refused> {
    if seq == 0 || seq > i.last_seq {
        return Err(Refused(format!("{} has no entry #{seq}", i.id)));
    }
    if i.pinned.contains(&seq) {
        return Err(Refused(format!("#{seq} is already pinned")));
    }
    Ok(Event::Pinned { seq })
}

/// The entry numbers that name what exists (`there are #3, #7`), or `none` when nothing does:
/// for a message refusing a number that names nothing.
fn numbers(seqs: impl Iterator<Item = u64>, none: &str) -> String {
    let names: Vec<String> = seqs.map(|s| format!("#{s}")).collect();
    if names.is_empty() {
        none.to_string()
    } else {
        format!("there are {}", names.join(", "))
    }
}

/// Hypothesis `#seq` moves to `to`.
pub fn hypothesis(i: &Incident, seq: u64, to: HypothesisState, reason: Option<String>) -> Result<Event, Refused> {
    let Some(h) = i.hypotheses.iter().find(|h| h.seq == seq) else {
        return Err(Refused(format!(
            "{} has no hypothesis #{seq}: {}",
            i.id,
            numbers(
                i.hypotheses.iter().map(|h| h.seq),
                "none has been put forward (:hypothesis TEXT)"
            )
        )));
    };
    if h.state == to {
        return Err(Refused(format!("hypothesis #{seq} is already {to}")));
    }
    Ok(Event::HypothesisChanged {
        hypothesis: seq,
        state: to,
        text: h.text.clone(),
        reason,
    })
}

/// Follow-up `#seq` changes as `changes` says; what it already is is left out, and a change
/// that changes nothing is refused.
pub fn follow_up(i: &Incident, seq: u64, changes: super::follow_ups::Changes) -> Result<Event, Refused> {
    let Some(f) = i.follow_ups.iter().find(|f| f.seq == seq) else {
        return Err(Refused(format!(
            "{} has no follow-up #{seq}: {}",
            i.id,
            numbers(
                i.follow_ups.iter().map(|f| f.seq),
                "none has been recorded (:followup TITLE)"
            )
        )));
    };
    let new = |was: Option<String>, now: Option<String>| now.filter(|n| was.as_ref() != Some(n));
    let event = Event::ActionItemChanged {
        item: seq,
        title: f.title.clone(),
        state: changes.state.filter(|s| *s != f.state),
        owner: new(f.owner.clone(), changes.owner),
        due: changes.due.filter(|d| f.due != Some(*d)),
        ticket: new(f.ticket.clone(), changes.ticket),
        priority: changes.priority.filter(|p| f.priority != Some(*p)),
    };
    if let Event::ActionItemChanged {
        state: None,
        owner: None,
        due: None,
        ticket: None,
        priority: None,
        ..
    } = event
    {
        return Err(Refused(format!("follow-up #{seq} is already so ({})", f.state)));
    }
    Ok(event)
}

/// What `followup WORDS` asked, as the event that records it.
pub fn follow_up_asked(i: &Incident, asked: super::follow_ups::Asked) -> Result<Event, Refused> {
    use super::follow_ups::Asked;
    match asked {
        Asked::Record {
            title,
            owner,
            due,
            priority,
            ticket,
        } => Ok(Event::ActionItem {
            title,
            owner,
            due,
            ticket,
            priority,
        }),
        Asked::Change { seq, changes } => follow_up(i, seq, changes),
    }
}

pub fn status(i: &Incident, to: Status, reason: Option<String>) -> Result<Event, Refused> {
    if i.status == to {
        return Err(Refused(format!("{} is already {to}", i.id)));
    }
    Ok(Event::StatusChanged {
        from: i.status,
        to,
        reason,
    })
}

/// `person` takes `role` (or, with `renounce`, gives it up); `me` is who is asking, the
/// default person.
pub fn role(i: &Incident, role: Role, person: Option<String>, renounce: bool, me: &str) -> Result<Event, Refused> {
    let holders = i.holders(role);
    if renounce {
        let who = match person {
            Some(p) => p,
            None if role.single_holder() => holders
                .first()
                .map(|h| h.to_string())
                .ok_or_else(|| Refused(format!("nobody is {role} of {}", i.id)))?,
            None => me.to_string(),
        };
        if !holders.contains(&who.as_str()) {
            return Err(Refused(format!("{who} is not {role} of {}", i.id)));
        }
        return Ok(Event::RoleChanged {
            role,
            from: Some(who),
            to: None,
        });
    }
    let who = person.unwrap_or_else(|| me.to_string());
    if holders.contains(&who.as_str()) {
        return Err(Refused(format!("{who} is already {role} of {}", i.id)));
    }
    let from = if role.single_holder() {
        holders.first().map(|h| h.to_string())
    } else {
        None
    };
    Ok(Event::RoleChanged {
        role,
        from,
        to: Some(who),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Declared, Draft, Origin};

    #[test]
    fn a_pin_names_an_entry_that_exists_and_is_not_pinned_yet() {
        let declared = Declared::new("INC-20261124-001".parse().expect("id"), "x", Severity::Sev2);
        let (_, first) = crate::incident::line::encode(
            1,
            "2026-11-24T21:40:00Z".parse().expect("t"),
            &Draft::new(Actor::named("a"), Origin::Human, Event::IncidentOpened(declared)),
            "0",
        )
        .expect("encode");
        let mut i = Incident::from_entries(std::slice::from_ref(&first)).expect("incident");
        assert_eq!(pin(&i, 1), Ok(Event::Pinned { seq: 1 }));
        assert!(pin(&i, 2).is_err(), "no entry #2 yet");
        assert!(pin(&i, 0).is_err());
        i.apply(&crate::incident::model::Entry {
            seq: 2,
            event: Event::Pinned { seq: 1 },
            ..first
        });
        assert_eq!(pin(&i, 1), Err(Refused("#1 is already pinned".into())));
    }
}
