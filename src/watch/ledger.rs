//! Where the detector's findings go in the journal: a detection of a scope that no open
//! incident covers opens one (declared by the detector, with a title, a severity and the
//! scope as its service); one that an open incident covers is added to it. Reads and writes
//! the incident store; decides nothing about what deviates.

use jiff::Timestamp;

use crate::incident::journal::{self, Journal};
use crate::incident::model::{Actor, Declared, DetectionRecord, Draft, Event, IncidentId, Origin, Severity, Status};
use crate::incident::state::Incident;
use crate::incident::store::Store;

/// Who the detector writes as.
pub fn detector() -> Actor {
    Actor::named("warroom detector")
}

/// What became of a detection.
#[derive(Debug, Clone, PartialEq)]
pub enum Filed {
    Opened(IncidentId),
    /// Added to an open incident, and its severity raised to this when the detection's is worse.
    Extended(IncidentId, Option<Severity>),
}

/// The open incident (not resolved) that covers `scope`, newest first, with its severity.
pub fn covering(store: &Store, scope: &str) -> anyhow::Result<Option<(IncidentId, Severity)>> {
    let mut ids = store.list()?;
    ids.reverse();
    for id in ids {
        let Ok(record) = journal::read(&store.path(&id)) else {
            continue;
        };
        let Ok(incident) = Incident::from_entries(&record.entries) else {
            continue;
        };
        if incident.status != Status::Resolved && incident.services.iter().any(|s| s == scope) {
            return Ok(Some((id, incident.severity)));
        }
    }
    Ok(None)
}

/// Files a detection: adds it to the open incident covering its scope, else opens one.
pub fn file(
    store: &Store,
    record: DetectionRecord,
    title: &str,
    severity: Severity,
    drill: bool,
    now: Timestamp,
) -> anyhow::Result<Filed> {
    let entry = Draft::new(detector(), Origin::Automation, Event::Detected(record.clone()));
    if let Some((id, was)) = covering(store, &record.scope)? {
        let mut journal = Journal::open(&store.path(&id))?;
        let reason = record.findings.first().map(|f| format!("the detector: {}", f.text));
        journal.append(entry)?;
        // Worse is smaller: SEV1 < SEV2.
        let raised = (severity < was).then_some(severity);
        if raised.is_some() {
            journal.append(Draft::new(
                detector(),
                Origin::Automation,
                Event::SeverityChanged {
                    from: was,
                    to: severity,
                    reason,
                },
            ))?;
        }
        return Ok(Filed::Extended(id, raised));
    }
    let (id, mut journal, _) = store.open_new(now, |id| {
        let mut declared = Declared::new(id, title, severity);
        declared.services = vec![record.scope.clone()];
        declared.impact = record.findings.first().map(|f| f.text.clone()).unwrap_or_default();
        declared.drill = drill;
        Draft::new(detector(), Origin::Automation, Event::IncidentOpened(declared))
    })?;
    journal.append(entry.pinned(true))?;
    Ok(Filed::Opened(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(scope: &str) -> DetectionRecord {
        DetectionRecord {
            scope: scope.into(),
            onset: Timestamp::UNIX_EPOCH,
            findings: Vec::new(),
            causes: Vec::new(),
            also_deviating: Vec::new(),
            mitigations: Vec::new(),
        }
    }

    #[test]
    fn a_scope_an_open_incident_covers_extends_it_and_a_resolved_one_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().expect("t");
        let a = file(&store, record("shop/checkout"), "Errors", Severity::Sev2, false, now).expect("a");
        let Filed::Opened(id) = a else { panic!("{a:?}") };
        let b = file(&store, record("shop/checkout"), "Errors", Severity::Sev3, false, now).expect("b");
        assert_eq!(
            b,
            Filed::Extended(id.clone(), None),
            "a milder detection leaves the severity"
        );
        let worse = file(&store, record("shop/checkout"), "Errors", Severity::Sev1, false, now).expect("worse");
        assert_eq!(worse, Filed::Extended(id.clone(), Some(Severity::Sev1)));
        let c = file(&store, record("shop/cart"), "Errors", Severity::Sev3, false, now).expect("c");
        assert!(matches!(c, Filed::Opened(ref other) if *other != id), "{c:?}");

        let mut j = Journal::open(&store.path(&id)).expect("open");
        j.append(Draft::new(
            Actor::named("alice"),
            Origin::Human,
            Event::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
            },
        ))
        .expect("resolve");
        let d = file(&store, record("shop/checkout"), "Errors", Severity::Sev2, false, now).expect("d");
        assert!(matches!(d, Filed::Opened(ref other) if *other != id), "{d:?}");
        let entries = journal::read(&store.path(&id)).expect("read").entries;
        let detected = entries.iter().filter(|e| matches!(e.event, Event::Detected(_))).count();
        assert_eq!(detected, 3);
        let raised = entries
            .iter()
            .filter(|e| matches!(e.event, Event::SeverityChanged { .. }))
            .count();
        assert_eq!(raised, 1);
        assert!(
            entries
                .iter()
                .all(|e| e.source != Origin::Automation || e.actor == detector())
        );
    }
}
