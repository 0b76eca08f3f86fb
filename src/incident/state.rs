//! The incident as it stands, folded from its journal: title, severity, status, impact, who
//! held which role when, its hypotheses and follow-ups. A pure function of the entries; it must not read files or the
//! clock.

use jiff::Timestamp;

use super::model::{Declared, Entry, Event, IncidentId, Role, Severity, Status};

/// One person holding one role for a while. Handoffs are where one assignment ends and the
/// next begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub role: Role,
    pub person: String,
    pub assumed_at: Timestamp,
    pub renounced_at: Option<Timestamp>,
}

/// A status update that went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedUpdate {
    pub at: Timestamp,
    pub channel: String,
    pub external: bool,
    /// From the draft it came from; unknown for updates published without one.
    pub audience: Option<String>,
}

/// A status draft as last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDraft {
    pub draft_id: String,
    pub template: String,
    pub audience: String,
    pub channel: Option<String>,
    pub text: String,
    pub saved_at: Timestamp,
    /// The journal line of the last save.
    pub seq: u64,
    pub published: bool,
}

/// The current state of an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub impact: String,
    pub services: Vec<String>,
    pub components: Vec<String>,
    pub drill: bool,
    /// The drill played, when known.
    pub played: Option<super::model::Played>,
    /// Who declared it (`warroom detector` when the detector opened it).
    pub opened_by: String,
    /// The commander judged the detection that opened it a false positive.
    pub dismissed: bool,
    pub opened_at: Timestamp,
    /// The time of the last entry.
    pub last_at: Timestamp,
    /// Every role assignment, in the order they began.
    pub assignments: Vec<Assignment>,
    /// The severity from each moment on: (since, severity), first one at opening.
    pub severities: Vec<(Timestamp, Severity)>,
    /// Status updates that went out, oldest first.
    pub status_updates: Vec<PublishedUpdate>,
    /// Status drafts in the order they were begun, each as last saved.
    pub drafts: Vec<SavedDraft>,
    /// Overdue updates already noted on the timeline: (audience, when it was due).
    pub overdue_noted: Vec<(String, Timestamp)>,
    /// Each alert the journal has recorded, by `alert_key`.
    pub alerts: std::collections::BTreeMap<String, JournaledAlert>,
    /// The cluster signals the journal has as standing now, by `signal_key`, with their words.
    pub signals: std::collections::BTreeMap<String, (String, String, String)>,
    /// Every hypothesis put forward, in the order they were opened.
    pub hypotheses: Vec<super::hypotheses::Hypothesis>,
    /// Every follow-up recorded, in the order they were recorded.
    pub follow_ups: Vec<super::follow_ups::FollowUp>,
    /// The entries that are pinned: written pinned, or pinned later.
    pub pinned: std::collections::BTreeSet<u64>,
    /// The number of the last entry.
    pub last_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAnIncident {
    #[error("the journal is empty (its creation was interrupted)")]
    Empty,
    #[error("the journal's first line is a {0:?}, not incident_opened")]
    FirstLine(String),
}

/// An alert as the journal last told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournaledAlert {
    pub alert: String,
    pub labels: std::collections::BTreeMap<String, String>,
    /// Whether it is still firing, by the journal's account.
    pub firing: bool,
}

/// An alert's identity in the journal: its name and labels, as `Name{k=v,...}`.
pub fn alert_key(alert: &str, labels: &std::collections::BTreeMap<String, String>) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{alert}{{{}}}", labels.join(","))
}

/// The key a cluster signal is journaled under: its kind and what it is about.
pub fn signal_key(signal: &str, subject: &str) -> String {
    format!("{signal} {subject}")
}

impl Incident {
    /// Whether journaling `event` (an alert firing or resolving, a signal appearing or
    /// clearing) would tell the journal something new: not an alert it already has firing, nor
    /// one it has not seen fire; likewise for signals.
    pub fn is_news(&self, event: &Event) -> bool {
        match event {
            Event::AlertFiring { alert, labels, .. } => !self.alert_firing(&alert_key(alert, labels)),
            Event::AlertResolved { alert, labels } => self.alert_firing(&alert_key(alert, labels)),
            Event::SignalAppeared { signal, subject, .. } => !self.signals.contains_key(&signal_key(signal, subject)),
            Event::SignalCleared { signal, subject, .. } => self.signals.contains_key(&signal_key(signal, subject)),
            _ => true,
        }
    }

    /// Whether the journal has the alert `key` firing.
    pub fn alert_firing(&self, key: &str) -> bool {
        self.alerts.get(key).is_some_and(|a| a.firing)
    }

    /// The worst severity the incident ever had (SEV1 is worst).
    pub fn worst_severity(&self) -> Severity {
        self.severities.iter().map(|(_, s)| *s).min().unwrap_or(self.severity)
    }

    /// Folds the entries of one journal, which must begin with `incident_opened`.
    pub fn from_entries(entries: &[Entry]) -> Result<Incident, NotAnIncident> {
        let first = entries.first().ok_or(NotAnIncident::Empty)?;
        let Event::IncidentOpened(declared) = &first.event else {
            return Err(NotAnIncident::FirstLine(first.event.kind().to_string()));
        };
        let mut incident = Incident::declared(declared, first.time);
        incident.opened_by = first.actor.name.clone();
        incident.last_seq = first.seq;
        if first.pinned {
            incident.pinned.insert(first.seq);
        }
        for e in &entries[1..] {
            incident.apply(e);
        }
        Ok(incident)
    }

    fn declared(d: &Declared, at: Timestamp) -> Incident {
        Incident {
            id: d.id.clone(),
            title: d.title.clone(),
            severity: d.severity,
            status: d.status,
            impact: d.impact.clone(),
            services: d.services.clone(),
            components: d.components.clone(),
            drill: d.drill,
            played: d.played.clone(),
            opened_by: String::new(),
            dismissed: false,
            opened_at: at,
            last_at: at,
            assignments: Vec::new(),
            severities: vec![(at, d.severity)],
            status_updates: Vec::new(),
            drafts: Vec::new(),
            overdue_noted: Vec::new(),
            alerts: Default::default(),
            signals: Default::default(),
            hypotheses: Vec::new(),
            follow_ups: Vec::new(),
            pinned: Default::default(),
            last_seq: 0,
        }
    }

    /// Applies one more entry.
    pub fn apply(&mut self, e: &Entry) {
        self.last_at = self.last_at.max(e.time);
        self.last_seq = self.last_seq.max(e.seq);
        if e.pinned {
            self.pinned.insert(e.seq);
        }
        super::hypotheses::apply(&mut self.hypotheses, e);
        super::follow_ups::apply(&mut self.follow_ups, e);
        match &e.event {
            Event::AlertFiring { alert, labels, .. } | Event::AlertResolved { alert, labels } => {
                let firing = matches!(e.event, Event::AlertFiring { .. });
                self.alerts.insert(
                    alert_key(alert, labels),
                    JournaledAlert {
                        alert: alert.clone(),
                        labels: labels.clone(),
                        firing,
                    },
                );
            }
            Event::SignalAppeared {
                signal,
                subject,
                message,
            } => {
                self.signals.insert(
                    signal_key(signal, subject),
                    (signal.clone(), subject.clone(), message.clone()),
                );
            }
            Event::SignalCleared { signal, subject, .. } => {
                self.signals.remove(&signal_key(signal, subject));
            }
            Event::DetectionDismissed { .. } => self.dismissed = true,
            Event::Pinned { seq } => {
                self.pinned.insert(*seq);
            }
            Event::StatusChanged { to, .. } => self.status = *to,
            Event::SeverityChanged { to, .. } => {
                self.severity = *to;
                self.severities.push((e.time, *to));
            }
            Event::ImpactUpdated {
                impact,
                services,
                components,
            } => {
                self.impact = impact.clone();
                self.services = services.clone();
                self.components = components.clone();
            }
            Event::RoleChanged { role, from, to } => self.hand_over(e.time, *role, from, to),
            Event::StatusUpdatePublished { channel, external, .. } => self.status_updates.push(PublishedUpdate {
                at: e.time,
                channel: channel.clone(),
                external: *external,
                audience: None,
            }),
            Event::StatusDraftSaved {
                draft_id,
                template,
                audience,
                channel,
                text,
            } => {
                let saved = SavedDraft {
                    draft_id: draft_id.clone(),
                    template: template.clone(),
                    audience: audience.clone(),
                    channel: channel.clone(),
                    text: text.clone(),
                    saved_at: e.time,
                    seq: e.seq,
                    published: false,
                };
                match self.drafts.iter_mut().find(|d| d.draft_id == *draft_id) {
                    Some(d) => {
                        *d = SavedDraft {
                            published: d.published,
                            ..saved
                        }
                    }
                    None => self.drafts.push(saved),
                }
            }
            Event::StatusDraftPublished {
                draft_id,
                audience,
                channel,
            } => {
                if let Some(d) = self.drafts.iter_mut().find(|d| d.draft_id == *draft_id) {
                    d.published = true;
                }
                if let Some(u) = self
                    .status_updates
                    .iter_mut()
                    .rev()
                    .find(|u| u.channel == *channel && u.audience.is_none())
                {
                    u.audience = Some(audience.clone());
                }
            }
            Event::StatusUpdateOverdue { audience, due_at } => self.overdue_noted.push((audience.clone(), *due_at)),
            _ => {}
        }
    }

    fn hand_over(&mut self, at: Timestamp, role: Role, from: &Option<String>, to: &Option<String>) {
        for a in self
            .assignments
            .iter_mut()
            .filter(|a| a.role == role && a.renounced_at.is_none())
        {
            let leaving = from.as_deref() == Some(a.person.as_str())
                || (role.single_holder() && to.is_some())
                || to.as_deref() == Some(a.person.as_str());
            if leaving {
                a.renounced_at = Some(at);
            }
        }
        if let Some(person) = to {
            self.assignments.push(Assignment {
                role,
                person: person.clone(),
                assumed_at: at,
                renounced_at: None,
            });
        }
    }

    /// Who holds `role` now.
    pub fn holders(&self, role: Role) -> Vec<&str> {
        self.assignments
            .iter()
            .filter(|a| a.role == role && a.renounced_at.is_none())
            .map(|a| a.person.as_str())
            .collect()
    }

    /// The draft a restarted console should offer again: the most recently saved one that has
    /// not been published.
    pub fn latest_unpublished_draft(&self) -> Option<&SavedDraft> {
        self.drafts.iter().filter(|d| !d.published).max_by_key(|d| d.seq)
    }

    /// The incident commander now, if anyone.
    /// Opened by the detector and neither taken in hand by a commander nor dismissed yet.
    pub fn awaits_a_commander(&self) -> bool {
        self.opened_by == super::filing::detector().name
            && self.commander().is_none()
            && !self.dismissed
            && self.status != Status::Resolved
    }

    pub fn commander(&self) -> Option<&str> {
        self.holders(Role::Commander).first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Origin};

    fn entry(seq: u64, minute: i64, event: Event) -> Entry {
        Entry {
            seq,
            time: Timestamp::from_second(1_790_000_000 + minute * 60).expect("time"),
            drill_time: None,
            actor: Actor::named("alice"),
            source: Origin::Human,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn opened() -> Event {
        Event::IncidentOpened(Declared::new(
            "INC-20261124-001".parse().expect("id"),
            "Checkout errors",
            Severity::Sev2,
        ))
    }

    fn role(role: Role, from: Option<&str>, to: Option<&str>) -> Event {
        Event::RoleChanged {
            role,
            from: from.map(Into::into),
            to: to.map(Into::into),
        }
    }

    #[test]
    fn handoffs_fall_out_of_role_changes() {
        let i = Incident::from_entries(&[
            entry(1, 0, opened()),
            entry(2, 1, role(Role::Commander, None, Some("alice"))),
            entry(3, 2, role(Role::Observer, None, Some("carol"))),
            entry(4, 3, role(Role::Observer, None, Some("dave"))),
            // A handoff that does not name the outgoing commander still ends her term.
            entry(5, 10, role(Role::Commander, None, Some("bob"))),
            entry(6, 12, role(Role::Observer, Some("carol"), None)),
        ])
        .expect("incident");
        assert_eq!(i.commander(), Some("bob"));
        assert_eq!(i.holders(Role::Observer), ["dave"]);
        let alice = &i.assignments[0];
        assert_eq!(alice.person, "alice");
        assert_eq!(alice.renounced_at, Some(i.assignments[3].assumed_at));
        assert_eq!(i.assignments[1].renounced_at, Some(i.last_at));
    }

    #[test]
    fn severity_status_and_impact_follow_the_journal() {
        let i = Incident::from_entries(&[
            entry(1, 0, opened()),
            entry(
                2,
                5,
                Event::SeverityChanged {
                    from: Severity::Sev2,
                    to: Severity::Sev1,
                    reason: None,
                },
            ),
            entry(
                3,
                9,
                Event::StatusChanged {
                    from: Status::Investigating,
                    to: Status::Identified,
                    reason: None,
                },
            ),
            entry(
                4,
                11,
                Event::ImpactUpdated {
                    impact: "5% of checkouts fail".into(),
                    services: vec!["checkout".into()],
                    components: vec![],
                },
            ),
        ])
        .expect("incident");
        assert_eq!(i.severity, Severity::Sev1);
        assert_eq!(i.status, Status::Identified);
        assert_eq!(i.impact, "5% of checkouts fail");
        assert_eq!(i.severities.len(), 2);
    }

    #[test]
    fn a_journal_must_start_with_the_declaration() {
        assert_eq!(Incident::from_entries(&[]), Err(NotAnIncident::Empty));
        assert_eq!(
            Incident::from_entries(&[entry(1, 0, Event::Note { text: "x".into() })]),
            Err(NotAnIncident::FirstLine("note".into()))
        );
    }
}
