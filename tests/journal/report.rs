//! `warroom report` against a golden file: four journals (one opened by the detector, one still
//! open, one drill) read together on a fixed day, and through the binary: counts, recurring
//! services and follow-ups from journals written by the command line, and `--since`.

use std::path::Path;

use jiff::Timestamp;
use warroom::incident::model::{
    Actor, CauseRecord, Declared, DetectionRecord, Entry, Event, FollowUpState, IncidentId, Origin, Priority, Severity,
    Status,
};
use warroom::incident::report;

/// Builds one incident's entries, each `minutes` after `start`.
struct Journal {
    start: Timestamp,
    entries: Vec<Entry>,
}

impl Journal {
    fn opened(id: &str, start: &str, sev: Severity, services: &[&str], by: &str, drill: bool) -> Journal {
        let mut d = Declared::new(id.parse::<IncidentId>().expect("id"), "an incident", sev);
        d.services = services.iter().map(|s| s.to_string()).collect();
        d.drill = drill;
        let mut j = Journal {
            start: start.parse().expect("start"),
            entries: Vec::new(),
        };
        let origin = if by == "warroom detector" {
            Origin::Automation
        } else {
            Origin::Human
        };
        j.at(0, by, origin, Event::IncidentOpened(d));
        j
    }

    fn at(&mut self, minutes: i64, who: &str, source: Origin, event: Event) -> &mut Journal {
        self.entries.push(Entry {
            seq: self.entries.len() as u64 + 1,
            time: self.start + jiff::SignedDuration::from_mins(minutes),
            drill_time: None,
            actor: Actor::named(who),
            source,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        });
        self
    }

    fn human(&mut self, minutes: i64, event: Event) -> &mut Journal {
        self.at(minutes, "alice", Origin::Human, event)
    }

    fn status(&mut self, minutes: i64, from: Status, to: Status) -> &mut Journal {
        self.human(minutes, Event::StatusChanged { from, to, reason: None })
    }

    fn follow_up(&mut self, minutes: i64, title: &str, due: Option<&str>) -> u64 {
        self.human(
            minutes,
            Event::ActionItem {
                title: title.into(),
                owner: Some("bob".into()),
                due: due.map(|d| d.parse().expect("due")),
                ticket: None,
                priority: Some(Priority::Medium),
            },
        );
        self.entries.len() as u64
    }

    fn settle(&mut self, minutes: i64, item: u64, state: FollowUpState) -> &mut Journal {
        self.human(
            minutes,
            Event::ActionItemChanged {
                item,
                title: String::new(),
                state: Some(state),
                owner: None,
                due: None,
                ticket: None,
                priority: None,
            },
        )
    }
}

fn journals() -> Vec<Journal> {
    let mut checkout = Journal::opened(
        "INC-20261101-001",
        "2026-11-01T10:00:00Z",
        Severity::Sev2,
        &["checkout"],
        "alice",
        false,
    );
    checkout
        .at(
            -2,
            "prometheus",
            Origin::Prometheus,
            Event::AlertFiring {
                alert: "CheckoutErrors".into(),
                labels: Default::default(),
                summary: String::new(),
                starts_at: None,
            },
        )
        .human(
            1,
            Event::SeverityChanged {
                from: Severity::Sev2,
                to: Severity::Sev1,
                reason: None,
            },
        )
        .human(
            3,
            Event::ChecklistStarted {
                checklist: "bad-deploy".into(),
            },
        )
        .status(10, Status::Investigating, Status::Identified)
        .status(20, Status::Identified, Status::Monitoring)
        .status(45, Status::Monitoring, Status::Resolved);
    checkout.follow_up(50, "Add a canary stage", Some("2026-11-20"));
    checkout.follow_up(51, "Alert on pool exhaustion", Some("2026-12-20"));
    let docs = checkout.follow_up(52, "Document the rollback", None);
    checkout.settle(60, docs, FollowUpState::Done);

    let mut payments = Journal::opened(
        "INC-20261110-001",
        "2026-11-10T08:00:00Z",
        Severity::Sev3,
        &["checkout", "payments"],
        "warroom detector",
        false,
    );
    payments.at(
        0,
        "warroom detector",
        Origin::Automation,
        Event::Detected(DetectionRecord {
            scope: "shop/payments".into(),
            onset: "2026-11-10T07:55:00Z".parse().expect("onset"),
            findings: Vec::new(),
            causes: vec![CauseRecord {
                object: "node/node-3".into(),
                at: "2026-11-10T07:54:00Z".parse().expect("at"),
                score: 3,
                why: "went NotReady".into(),
            }],
            also_deviating: Vec::new(),
            mitigations: Vec::new(),
        }),
    );
    payments
        .human(4, Event::Note { text: "looking".into() })
        .status(10, Status::Investigating, Status::Monitoring)
        .status(30, Status::Monitoring, Status::Resolved);
    let retire = payments.follow_up(31, "Retire node-3's hardware", None);
    payments.settle(40, retire, FollowUpState::Dropped);

    let mut search = Journal::opened(
        "INC-20261120-001",
        "2026-11-20T12:00:00Z",
        Severity::Sev2,
        &["search"],
        "carol",
        false,
    );
    search.human(
        2,
        Event::Note {
            text: "still looking".into(),
        },
    );

    let mut drill = Journal::opened(
        "INC-20261125-001",
        "2026-11-25T09:00:00Z",
        Severity::Sev2,
        &["checkout"],
        "dave",
        true,
    );
    drill
        .human(
            2,
            Event::ChecklistStarted {
                checklist: "bad-deploy".into(),
            },
        )
        .status(15, Status::Investigating, Status::Resolved);
    drill.follow_up(16, "Practise the drain", None);

    vec![checkout, payments, search, drill]
}

#[test]
fn the_report_matches_the_golden_file() {
    let journals = journals();
    let built = report::build(
        journals.iter().map(|j| j.entries.as_slice()),
        jiff::civil::date(2026, 12, 7),
    );
    // The figures the golden file shows, checked by hand once more.
    assert_eq!((built.incidents.count, built.drills.count), (3, 1));
    assert_eq!(built.incidents.by_service["checkout"].len(), 2);
    assert_eq!(built.incidents.follow_ups.overdue, 1);
    assert_eq!((built.incidents.detected, built.incidents.dismissed), (1, 0));
    let md = report::markdown(&built, "every incident (as of 2026-12-07)");
    crate::postmortem::compare_or_update(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/report.md"),
        &md,
    );
}

/// Through the binary, on journals the command line wrote: drills apart, a service in two
/// incidents recurs, follow-ups counted, and `--since` leaves out what was opened before.
#[test]
fn the_report_reads_every_journal_and_keeps_drills_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let run = |args: &[&str]| {
        let out = crate::support::warroom(d)
            .args(args)
            .env("WARROOM_ACTOR", "alice")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let new = |title: &str, service: &str, extra: &[&str]| {
        let mut args = vec!["incident", "new", "--title", title, "--sev", "2", "--service", service];
        args.extend_from_slice(extra);
        run(&args).trim().to_string()
    };
    let first = new("Checkout 500s", "checkout", &["--started", "10m ago"]);
    let second = new("Checkout slow", "checkout", &[]);
    new("Game day", "checkout", &["--drill"]);
    run(&["incident", "close", &first]);
    run(&["incident", "action-item", &first, "Add a canary", "--due", "2020-01-01"]);
    run(&["incident", "action-item", &second, "Tune the pool"]);
    run(&["incident", "followup", &second, "#2", "done"]);

    let md = run(&["report"]);
    assert!(md.contains("2 incident(s): SEV2 2."), "{md}");
    assert!(
        md.contains(&format!("| checkout | 2 ({first}, {second}) | **yes** |")),
        "{md}"
    );
    assert!(
        md.contains("2 recorded: 1 done, 0 dropped, 1 open (1 overdue). 50% settled."),
        "{md}"
    );
    assert!(md.contains("| MTTR | detected → resolved | 1 |"), "{md}");
    let drills = md.split("## Drills").nth(1).expect("the drills' section");
    assert!(drills.contains("1 drill(s): SEV2 1."), "{drills}");

    let later = run(&["report", "--since", "2999-01-01"]);
    assert!(later.contains("incidents opened since 2999-01-01"), "{later}");
    assert_eq!(later.matches("None in this period.").count(), 2, "{later}");
    let out = crate::support::warroom(d)
        .args(["report", "--since", "lately"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since \"lately\" is neither a span"));
}
