//! Where the detector's findings go in the journal: a detection of a scope that no open
//! incident covers opens one (declared by the detector, with a title, a severity and the
//! scope as its service); one that an open incident covers is added to it, raising its
//! severity when worse; one already there (another console or `warroom watch` saw the same
//! deviation) is left alone. A scope that deviates together with one the detector opened an
//! incident about minutes ago joins that incident. Filing holds a lock beside the journals so that two processes
//! never open two incidents for one deviation.

use std::collections::BTreeSet;
use std::path::PathBuf;

use jiff::Timestamp;

use super::incidents::Incidents;
use super::journal;
use super::model::{Actor, Declared, DetectionRecord, Draft, Event, IncidentId, Origin, Played, Severity, Status};
use super::state::Incident;

/// Who the detector writes as.
pub fn detector() -> Actor {
    Actor::named("warroom detector")
}

/// Two detections of one scope whose onsets are this close are one deviation (seconds).
const SAME_ONSET: i64 = 600;

/// What became of a detection.
#[derive(Debug, Clone, PartialEq)]
pub enum Filed {
    Opened(IncidentId),
    /// Added to an open incident, and its severity raised to this when the detection's is worse.
    Extended(IncidentId, Option<Severity>),
    /// The incident already holds it (filed by another process).
    Known(IncidentId),
}

impl Filed {
    pub fn id(&self) -> &IncidentId {
        match self {
            Filed::Opened(id) | Filed::Extended(id, _) | Filed::Known(id) => id,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    #[error("{path}: {source}")]
    Lock { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] super::store::StoreError),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    /// Where the incidents are kept refused (the team's database, say).
    #[error(transparent)]
    Kept(Box<dyn std::error::Error + Send + Sync>),
}

fn kept<E: std::error::Error + Send + Sync + 'static>(e: E) -> FilingError {
    FilingError::Kept(Box::new(e))
}

/// A deviation that began this close to the first one the detector opened an incident about,
/// deviating with it, joins that incident instead of opening its own (seconds).
const JOINS_WITHIN: i64 = 15 * 60;

/// An open incident a detection goes to, its journal's entries, and whether the detection
/// joins it (its scope is not among the incident's services yet).
type Covering = (IncidentId, Incident, Vec<super::model::Entry>, bool);

/// The open incident (not resolved) that covers `record`'s scope, newest first; else one the
/// detector opened lately about a scope deviating together with it, which it joins.
fn covering(place: &mut impl Incidents, record: &DetectionRecord) -> Result<Option<Covering>, FilingError> {
    let mut ids = place.ids().map_err(kept)?;
    ids.reverse();
    let mut related = None;
    for id in ids {
        let Ok(read) = place.read(&id) else {
            continue;
        };
        let Ok(incident) = Incident::from_entries(&read.entries) else {
            continue;
        };
        if incident.status == Status::Resolved {
            continue;
        }
        if incident.services.contains(&record.scope) {
            return Ok(Some((id, incident, read.entries, false)));
        }
        // Onsets are on the clock the detector reads (a drill's own), journal times are not.
        let first_onset = read.entries.iter().find_map(|e| match &e.event {
            Event::Detected(d) => Some(d.onset.as_second()),
            _ => None,
        });
        let lately = first_onset.is_some_and(|t| (record.onset.as_second() - t).abs() <= JOINS_WITHIN);
        let together = incident.services.iter().any(|s| record.also_deviating.contains(s));
        if related.is_none() && incident.opened_by == detector().name && lately && together {
            related = Some((id, incident, read.entries, true));
        }
    }
    Ok(related)
}

/// Whether `entries` already hold this deviation: a detection of the scope with an onset close
/// to its own and every measure it has.
fn already_filed(entries: &[super::model::Entry], record: &DetectionRecord) -> bool {
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for e in entries {
        if let Event::Detected(d) = &e.event
            && d.scope == record.scope
            && (d.onset.as_second() - record.onset.as_second()).abs() <= SAME_ONSET
        {
            known.extend(d.findings.iter().map(|f| f.measure.as_str()));
        }
    }
    !known.is_empty() && record.findings.iter().all(|f| known.contains(f.measure.as_str()))
}

/// Files a detection: adds it to the open incident covering its scope, else opens one. In a
/// drill (`drill` says which, as far as it is known), `now` is the drill's virtual time and
/// every entry written is stamped with it.
pub fn file(
    place: &mut impl Incidents,
    record: DetectionRecord,
    title: &str,
    severity: Severity,
    drill: Option<&Played>,
    now: Timestamp,
) -> Result<Filed, FilingError> {
    let store = place.store().clone();
    std::fs::create_dir_all(store.dir()).map_err(|source| FilingError::Lock {
        path: store.dir().to_path_buf(),
        source,
    })?;
    let lock_path = store.dir().join(".filing.lock");
    // Held until filing is done (dropped at the end of this function).
    let _lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .and_then(|f| f.lock().map(|()| f))
        .map_err(|source| FilingError::Lock {
            path: lock_path.clone(),
            source,
        })?;
    // And the team's, where incidents are kept for several machines.
    place.hold_filing().map_err(kept)?;
    let filed = file_held(place, record, title, severity, drill, now);
    place.release_filing();
    filed
}

/// `file`, its locks held.
fn file_held(
    place: &mut impl Incidents,
    record: DetectionRecord,
    title: &str,
    severity: Severity,
    drill: Option<&Played>,
    now: Timestamp,
) -> Result<Filed, FilingError> {
    let stamp = |mut d: Draft| {
        d.drill_time = drill.map(|_| now);
        d
    };
    let entry = stamp(Draft::new(
        detector(),
        Origin::Automation,
        Event::Detected(record.clone()),
    ));
    if let Some((id, incident, entries, joins)) = covering(place, &record)? {
        if already_filed(&entries, &record) {
            return Ok(Filed::Known(id));
        }
        let mut journal = place.open(&id).map_err(kept)?;
        let reason = record.findings.first().map(|f| format!("the detector: {}", f.text));
        if joins {
            let mut services = incident.services.clone();
            services.push(record.scope.clone());
            let draft = stamp(Draft::new(
                detector(),
                Origin::Automation,
                Event::ImpactUpdated {
                    impact: incident.impact.clone(),
                    services,
                    components: incident.components.clone(),
                },
            ));
            place.append(&id, &mut journal, draft).map_err(kept)?;
        }
        place.append(&id, &mut journal, entry).map_err(kept)?;
        // Worse is smaller: SEV1 < SEV2.
        let was = incident.severity;
        let raised = (severity < was).then_some(severity);
        if raised.is_some() {
            let draft = stamp(Draft::new(
                detector(),
                Origin::Automation,
                Event::SeverityChanged {
                    from: was,
                    to: severity,
                    reason,
                },
            ));
            place.append(&id, &mut journal, draft).map_err(kept)?;
        }
        return Ok(Filed::Extended(id, raised));
    }
    let declare = |id: IncidentId| {
        let mut declared = Declared::new(id, title, severity);
        declared.services = vec![record.scope.clone()];
        declared.impact = record.findings.first().map(|f| f.text.clone()).unwrap_or_default();
        declared.drill = drill.is_some();
        declared.played = drill.filter(|p| !p.scenario.is_empty()).cloned();
        stamp(Draft::new(
            detector(),
            Origin::Automation,
            Event::IncidentOpened(declared),
        ))
    };
    let (id, mut journal, _) = place.open_new(now, &declare).map_err(kept)?;
    place.append(&id, &mut journal, entry.pinned(true)).map_err(kept)?;
    Ok(Filed::Opened(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::journal::Journal;
    use crate::incident::model::FindingRecord;
    use crate::incident::store::Store;

    fn record(scope: &str, onset: i64, measures: &[&str]) -> DetectionRecord {
        DetectionRecord {
            scope: scope.into(),
            onset: Timestamp::from_second(onset).expect("t"),
            findings: measures
                .iter()
                .map(|m| FindingRecord {
                    subject: scope.into(),
                    measure: m.to_string(),
                    value: 1.0,
                    band: None,
                    since: Timestamp::from_second(onset).expect("t"),
                    text: format!("{m} is off"),
                })
                .collect(),
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
        let checkout = |onset, m: &[&str]| record("shop/checkout", onset, m);
        let a = file(
            &mut store.clone(),
            checkout(0, &["errors"]),
            "Errors",
            Severity::Sev2,
            None,
            now,
        )
        .expect("a");
        let Filed::Opened(id) = a else { panic!("{a:?}") };
        let b = file(
            &mut store.clone(),
            checkout(5000, &["errors"]),
            "Errors",
            Severity::Sev3,
            None,
            now,
        )
        .expect("b");
        assert_eq!(
            b,
            Filed::Extended(id.clone(), None),
            "a milder detection leaves the severity"
        );
        let worse = file(
            &mut store.clone(),
            checkout(9000, &["errors"]),
            "Errors",
            Severity::Sev1,
            None,
            now,
        )
        .expect("worse");
        assert_eq!(worse, Filed::Extended(id.clone(), Some(Severity::Sev1)));
        let c = file(
            &mut store.clone(),
            record("shop/cart", 0, &["errors"]),
            "Errors",
            Severity::Sev3,
            None,
            now,
        )
        .expect("c");
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
        let d = file(
            &mut store.clone(),
            checkout(20_000, &["errors"]),
            "Errors",
            Severity::Sev2,
            None,
            now,
        )
        .expect("d");
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

    #[test]
    fn a_scope_deviating_together_with_a_new_detection_joins_its_incident() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().expect("t");
        let at = now.as_second();
        let node = file(
            &mut store.clone(),
            record("node/node-3", at, &["node_not_ready"]),
            "N",
            Severity::Sev2,
            None,
            now,
        )
        .expect("node");
        let mut search = record("search/index", at + 60, &["errors"]);
        search.also_deviating = vec!["node/node-3".into()];
        let joined = file(&mut store.clone(), search, "E", Severity::Sev2, None, now).expect("joined");
        assert_eq!(joined, Filed::Extended(node.id().clone(), None));
        let incident =
            Incident::from_entries(&journal::read(&store.path(node.id())).expect("read").entries).expect("incident");
        assert_eq!(incident.services, ["node/node-3", "search/index"]);
        // Alone, or long after, a deviation opens its own.
        let alone = file(
            &mut store.clone(),
            record("shop/cart", at + 60, &["errors"]),
            "E",
            Severity::Sev3,
            None,
            now,
        )
        .expect("alone");
        assert!(matches!(alone, Filed::Opened(_)), "{alone:?}");
        let mut late = record("web/api", at + 3600, &["errors"]);
        late.also_deviating = vec!["node/node-3".into()];
        let late = file(&mut store.clone(), late, "E", Severity::Sev3, None, now).expect("late");
        assert!(matches!(late, Filed::Opened(_)), "{late:?}");
    }

    #[test]
    fn the_same_deviation_filed_by_two_processes_is_kept_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().expect("t");
        let first = file(
            &mut store.clone(),
            record("shop/checkout", 1000, &["errors", "crashlooping"]),
            "E",
            Severity::Sev2,
            None,
            now,
        )
        .expect("first");
        // Another console saw it a poll later, with one of the measures.
        let again = file(
            &mut store.clone(),
            record("shop/checkout", 1015, &["errors"]),
            "E",
            Severity::Sev2,
            None,
            now,
        )
        .expect("again");
        assert_eq!(again, Filed::Known(first.id().clone()));
        // A measure it had not filed is news.
        let grown = file(
            &mut store.clone(),
            record("shop/checkout", 1015, &["errors", "latency_p99"]),
            "E",
            Severity::Sev2,
            None,
            now,
        )
        .expect("grown");
        assert_eq!(grown, Filed::Extended(first.id().clone(), None));
        assert_eq!(store.list().expect("list").len(), 1);
    }

    #[test]
    fn processes_filing_at_once_open_one_incident() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().expect("t");
        let filed: Vec<Filed> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..6)
                .map(|i| {
                    let store = Store::new(dir.path());
                    s.spawn(move || {
                        file(
                            &mut store.clone(),
                            record("shop/checkout", 1000 + i, &["errors"]),
                            "E",
                            Severity::Sev2,
                            None,
                            now,
                        )
                        .expect("file")
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("join")).collect()
        });
        let opened = filed.iter().filter(|f| matches!(f, Filed::Opened(_))).count();
        assert_eq!(opened, 1, "{filed:?}");
        assert!(filed.iter().all(|f| f.id() == filed[0].id()));
        assert_eq!(Store::new(dir.path()).list().expect("list").len(), 1);
    }
}
