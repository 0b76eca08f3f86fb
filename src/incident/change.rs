//! Changes people make to an incident's state (severity, status, roles), built from the
//! incident as it stands, or refused with the reason ("already SEV1"). Shared by the command
//! line and the console's palette so both refuse the same things.

use super::model::{Event, Role, Severity, Status};
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
