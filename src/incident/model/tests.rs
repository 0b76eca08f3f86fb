//! The words round-trip through the journal's JSON and parse as people type them.

use super::*;

#[test]
fn ids_parse_and_print() {
    let id: IncidentId = "inc-20261124-007".parse().expect("valid");
    assert_eq!(id.as_str(), "INC-20261124-007");
    assert_eq!(id.day(), "20261124");
    assert_eq!(id.number(), 7);
    assert_eq!(
        IncidentId::new(jiff::civil::date(2026, 11, 24), 1234).as_str(),
        "INC-20261124-1234"
    );
    for bad in [
        "INC-2026112-001",
        "../etc/passwd",
        "INC-20261124-",
        "INC-20261124-0a1",
        "INC-20261124-001/x",
    ] {
        assert!(bad.parse::<IncidentId>().is_err(), "{bad} accepted");
    }
}

#[test]
fn severities_statuses_roles_parse() {
    assert_eq!("2".parse::<Severity>(), Ok(Severity::Sev2));
    assert_eq!("sev-1".parse::<Severity>(), Ok(Severity::Sev1));
    assert!("5".parse::<Severity>().is_err());
    assert_eq!("closed".parse::<Status>(), Ok(Status::Resolved));
    assert_eq!("ops-lead".parse::<Role>(), Ok(Role::OpsLead));
    assert!(Role::Commander.single_holder());
    assert!(!Role::Observer.single_holder());
}

#[test]
fn events_round_trip_through_kind_and_payload() {
    let e = Event::SeverityChanged {
        from: Severity::Sev2,
        to: Severity::Sev1,
        reason: Some("checkout down".into()),
    };
    let v = serde_json::to_value(&e).expect("serializes");
    assert_eq!(v["kind"], "severity_changed");
    assert_eq!(e.kind(), "severity_changed");
    let payload = v["payload"].clone();
    assert_eq!(
        payload,
        serde_json::json!({"from": "SEV2", "to": "SEV1", "reason": "checkout down"})
    );
    assert_eq!(Event::from_parts("severity_changed", payload), e);
}

#[test]
fn unknown_kinds_are_kept_not_rejected() {
    let e = Event::from_parts("pager_escalated", serde_json::json!({"to": "sre"}));
    assert_eq!(
        e,
        Event::Unrecognized {
            kind: "pager_escalated".into(),
            payload: serde_json::json!({"to": "sre"})
        }
    );
    assert_eq!(e.kind(), "pager_escalated");
}
