//! Alerts reach the journal of the open incident as Alertmanager reports them: a new firing
//! alert once, its resolution once, and never the alerts that always fire, say nothing is
//! wrong, or (outside drills) began long before the incident.

use std::collections::BTreeMap;

use crate::support::update;
use warroom::app::effect::{Effect, IncidentChange};
use warroom::app::message::Msg;
use warroom::incident::follow::Followed;
use warroom::incident::model::{Declared, Event, Severity};
use warroom::observe::alertmanager::{Alert, AlertState, AlertStatus};
use warroom::observe::model::Update;

use crate::fixture::*;

fn alert(name: &str, severity: &str, started: i64) -> Alert {
    let labels: BTreeMap<String, String> = [("alertname", name), ("severity", severity), ("namespace", "shop")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Alert {
        labels,
        annotations: [("summary".to_string(), format!("{name} is firing"))].into(),
        starts_at: Some(jiff::Timestamp::from_second(started).expect("time")),
        ends_at: None,
        fingerprint: String::new(),
        receivers: vec![],
        status: AlertStatus {
            state: AlertState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
        },
    }
}

/// Opens an incident, a drill's or a live one.
fn declare(s: &mut crate::support::Console, drill: bool) {
    let event = Event::IncidentOpened(Declared {
        drill,
        ..Declared::new(
            "INC-20261124-001".parse().expect("id"),
            "Checkout errors",
            Severity::Sev2,
        )
    });
    update(s, Msg::Journal(Followed::Entry(Box::new(entry(1, event, false)))));
}

fn alertmanager_says(alerts: Vec<Alert>) -> Msg {
    Msg::Observe(Update::Alertmanager {
        alerts,
        silences: vec![],
    })
}

#[test]
fn alertmanagers_alerts_are_journaled_once_as_they_fire_and_resolve() {
    let mut s = state();
    // No incident open: nothing to journal.
    update(
        &mut s,
        alertmanager_says(vec![alert("ErrorBudgetBurn", "page", NOW - 600)]),
    );
    assert!(journal_effects(&s).is_empty(), "{:?}", s.effects);
    declare(&mut s, false);
    s.effects.clear();
    let crashloop = alert("KubePodCrashLooping", "warning", NOW - 600);
    update(
        &mut s,
        alertmanager_says(vec![
            crashloop.clone(),
            alert("Watchdog", "none", NOW - 86_400),
            alert("DiskAlmostFull", "info", NOW - 60),
            alert("NodeClockSkew", "warning", NOW - 3 * 86_400),
        ]),
    );
    let firing = Event::AlertFiring {
        alert: "KubePodCrashLooping".into(),
        labels: [("namespace", "shop"), ("severity", "warning")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        summary: "KubePodCrashLooping is firing".into(),
        starts_at: Some(jiff::Timestamp::from_second(NOW - 600).expect("time")),
    };
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Change(IncidentChange::Alert(firing.clone()))],
        "only the alert that belongs to the incident"
    );
    // Once the journal has it, Alertmanager saying it again writes nothing.
    update(&mut s, Msg::Journal(Followed::Entry(Box::new(entry(2, firing, false)))));
    s.effects.clear();
    update(&mut s, alertmanager_says(vec![crashloop]));
    assert!(journal_effects(&s).is_empty(), "{:?}", s.effects);
    // Gone from Alertmanager: resolved.
    update(&mut s, alertmanager_says(vec![]));
    assert_eq!(
        journal_effects(&s),
        vec![Effect::Change(IncidentChange::Alert(Event::AlertResolved {
            alert: "KubePodCrashLooping".into(),
            labels: [("namespace", "shop"), ("severity", "warning")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }))]
    );
}

#[test]
fn a_drills_alerts_all_belong_to_it_however_long_ago_its_clock_says_they_began() {
    let mut s = state();
    declare(&mut s, true);
    s.effects.clear();
    // A replay's clock is the recording's: its alerts began days before the wall clock.
    update(
        &mut s,
        alertmanager_says(vec![alert("ErrorBudgetBurn", "page", NOW - 3 * 86_400)]),
    );
    let written: Vec<String> = journal_effects(&s)
        .iter()
        .filter_map(|e| match e {
            Effect::Change(IncidentChange::Alert(Event::AlertFiring { alert, .. })) => Some(alert.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(written, ["ErrorBudgetBurn"]);
}
