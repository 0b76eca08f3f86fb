//! Scoring one drill run: each objective of the scenario met or missed, with the time measured
//! on the drill's clock from the first fault. A pure function of the journal's entries and the
//! scenario; it reads no file and no clock.

use jiff::{SignedDuration, Timestamp};
use warroom_drill::scenario::Scenario;
use warroom_drill::scenario::model::Objectives;

use crate::incident::metrics::format_duration;
use crate::incident::model::{Entry, Event, Role, Status};

/// Actions that change nothing in the cluster, so they do not count as containment.
const NOT_CONTAINMENT: &[&str] = &["silence", "expire_silence"];

/// One objective, as the run did against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// What is measured, e.g. `time to declare`.
    pub objective: String,
    /// What the scenario asks, e.g. `within 5m`.
    pub target: String,
    /// What the run did, e.g. `3m 10s` or `never`.
    pub measured: String,
    pub met: bool,
}

/// One run of a scenario, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The moment times are counted from: the first fault (the drill's start when it has
    /// none), on the drill's clock; the incident's opening when the drill's start is unknown.
    pub zero: Timestamp,
    /// Whether `zero` is the drill's own (false: the journal did not say when the drill
    /// started, so times count from the incident's opening).
    pub timed_from_fault: bool,
    pub scores: Vec<Score>,
    /// Each milestone's time from `zero`, for comparing runs: declared, contained, mitigated,
    /// resolved.
    pub milestones: [Option<SignedDuration>; 4],
}

impl Run {
    pub fn met(&self) -> usize {
        self.scores.iter().filter(|s| s.met).count()
    }
}

/// The milestones a run is compared on, in `Run::milestones` order.
pub const MILESTONES: [&str; 4] = ["declared", "contained", "mitigated", "resolved"];

/// How far into the drill its first fault plays, in milliseconds (0 when it has none).
pub fn first_fault(scenario: &Scenario) -> i64 {
    scenario.faults.iter().map(|f| f.get().at.millis).min().unwrap_or(0)
}

/// Scores `entries` (one drill incident's journal) against `scenario`'s objectives.
pub fn score(entries: &[Entry], scenario: &Scenario) -> Run {
    let objectives = scenario
        .objectives
        .as_ref()
        .map(|o| o.get().clone())
        .unwrap_or_default();
    let opened = entries.iter().find_map(|e| match &e.event {
        Event::IncidentOpened(d) => Some((e.incident_time(), d)),
        _ => None,
    });
    let first_fault = first_fault(scenario);
    let start = opened.and_then(|(_, d)| d.played.as_ref()?.start);
    let (zero, timed_from_fault) = match (start, opened) {
        (Some(s), _) => (s + SignedDuration::from_millis(first_fault), true),
        (None, Some((at, _))) => (at, false),
        (None, None) => (
            entries.first().map_or(Timestamp::UNIX_EPOCH, Entry::incident_time),
            false,
        ),
    };
    let since = |t: Timestamp| t.duration_since(zero).max(SignedDuration::ZERO);
    let first = |f: &dyn Fn(&Event) -> bool| entries.iter().find(|e| f(&e.event)).map(Entry::incident_time);

    let declared = opened.map(|(at, _)| at);
    let contained = first(&|e| matches!(e, Event::ActionSucceeded(a) if !NOT_CONTAINMENT.contains(&a.action.as_str())));
    let mitigated = first(&|e| matches!(e, Event::StatusChanged { to, .. } if *to >= Status::Monitoring));
    let resolved = entries
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.event,
                Event::StatusChanged {
                    to: Status::Resolved,
                    ..
                }
            )
        })
        .map(Entry::incident_time);
    let milestones = [declared, contained, mitigated, resolved].map(|t| t.map(since));

    let mut scores = Vec::new();
    let timed = [
        ("time to declare", objectives.declare, milestones[0]),
        ("time to first containment", objectives.contain, milestones[1]),
        ("time to mitigate", objectives.mitigate, milestones[2]),
        ("time to resolve", objectives.resolve, milestones[3]),
    ];
    for (objective, target, measured) in timed {
        let Some(target) = target else { continue };
        let limit = SignedDuration::from_millis(target.millis);
        scores.push(Score {
            objective: objective.to_string(),
            target: format!("within {target}"),
            measured: measured.map_or("never".to_string(), format_duration),
            met: measured.is_some_and(|m| m <= limit),
        });
    }
    if let Some(every) = objectives.updates {
        scores.push(cadence(entries, declared, resolved, every));
    }
    if let Some(expected) = &objectives.playbook {
        scores.push(playbook(entries, expected, &since));
    }
    scores.extend(forbidden(entries, &objectives, &since));
    scores.extend(roles(entries, &objectives));
    Run {
        zero,
        timed_from_fault,
        scores,
        milestones,
    }
}

/// Status updates at least every `every` while the incident was open (from its declaration
/// to its resolution, or its last entry): the longest wait is what is measured.
fn cadence(
    entries: &[Entry],
    declared: Option<Timestamp>,
    resolved: Option<Timestamp>,
    every: warroom_drill::scenario::quantity::Duration,
) -> Score {
    let target = format!("a status update at least every {every}");
    let Some(declared) = declared else {
        return Score {
            objective: "update cadence".into(),
            target,
            measured: "no incident".into(),
            met: false,
        };
    };
    let end = resolved.unwrap_or_else(|| entries.last().map_or(declared, Entry::incident_time));
    let mut last = declared;
    let mut longest = SignedDuration::ZERO;
    let mut sent = 0;
    for e in entries {
        if matches!(e.event, Event::StatusUpdatePublished { .. }) && e.incident_time() <= end {
            longest = longest.max(e.incident_time().duration_since(last));
            last = e.incident_time();
            sent += 1;
        }
    }
    longest = longest.max(end.duration_since(last));
    Score {
        objective: "update cadence".into(),
        target,
        measured: format!("{sent} update(s), longest wait {}", format_duration(longest)),
        met: longest <= SignedDuration::from_millis(every.millis),
    }
}

fn playbook(entries: &[Entry], expected: &str, since: &dyn Fn(Timestamp) -> SignedDuration) -> Score {
    let started: Vec<(&str, Timestamp)> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::ChecklistStarted { checklist } => Some((checklist.as_str(), e.incident_time())),
            _ => None,
        })
        .collect();
    let found = started.iter().find(|(id, _)| *id == expected);
    let measured = match (found, started.first()) {
        (Some((_, at)), _) => format!("followed at {}", format_duration(since(*at))),
        (None, Some((other, _))) => format!("{other} followed instead"),
        (None, None) => "no playbook followed".into(),
    };
    Score {
        objective: "playbook".into(),
        target: format!("follow {expected}"),
        measured,
        met: found.is_some(),
    }
}

fn forbidden(entries: &[Entry], objectives: &Objectives, since: &dyn Fn(Timestamp) -> SignedDuration) -> Vec<Score> {
    objectives
        .forbidden
        .iter()
        .map(|f| {
            let f = f.get();
            let taken = entries.iter().find(|e| {
                matches!(&e.event, Event::ActionSucceeded(a)
                    if a.action == f.action && f.target.as_ref().is_none_or(|t| *t == a.target))
            });
            let what = match &f.target {
                Some(t) => format!("{} {t}", f.action),
                None => f.action.clone(),
            };
            Score {
                objective: format!("must not {what}"),
                target: f.why.clone(),
                measured: match taken {
                    Some(e) => format!("taken at {}", format_duration(since(e.incident_time()))),
                    None => "not taken".into(),
                },
                met: taken.is_none(),
            }
        })
        .collect()
}

fn roles(entries: &[Entry], objectives: &Objectives) -> Vec<Score> {
    objectives
        .roles
        .iter()
        .map(|name| {
            let role = name.parse::<Role>().ok();
            let holder = entries.iter().find_map(|e| match &e.event {
                Event::RoleChanged {
                    role: r, to: Some(who), ..
                } if Some(*r) == role => Some(who.clone()),
                _ => None,
            });
            Score {
                objective: format!("{} role", role.map_or(name.clone(), |r| r.to_string())),
                target: "filled".into(),
                measured: holder
                    .clone()
                    .map_or("nobody took it".into(), |w| format!("taken by {w}")),
                met: holder.is_some(),
            }
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::incident::model::{ActionRecord, Actor, Declared, IncidentId, Origin, Played, Severity};

    /// The drill's clock started here; the scenario's first fault is 2 minutes in.
    pub(in crate::debrief) const START: i64 = 1_790_000_000;

    /// The built-in bad deploy (first fault 2 minutes in) with these objectives for its own.
    pub(in crate::debrief) fn scenario() -> Scenario {
        let builtin = warroom_drill::scenario::load::BUILTIN;
        let (before, rest) = builtin.split_once("objectives:").expect("the built-in has objectives");
        let after = &rest[rest.find("\nfaults:").expect("faults") + 1..];
        let text = format!(
            "{before}{after}objectives:\n  declare: 5m\n  contain: 10m\n  mitigate: 15m\n  resolve: 30m\n  updates: 10m\n  \
             playbook: bad-deploy\n  roles: [commander, comms]\n  forbidden:\n    - action: scale\n      \
             target: deployment/checkout -n shop\n      why: adds crashing pods\n",
        );
        warroom_drill::scenario::parse("test.yaml", &text).expect("scenario")
    }

    /// An entry at `minute` of the drill's clock; the wall clock runs 10 hours ahead (a drill
    /// pinned to another time), so only the drill's time can give the right answers.
    pub(in crate::debrief) fn entry(seq: u64, minute: f64, event: Event) -> Entry {
        let drill = Timestamp::from_second(START + (minute * 60.0) as i64).expect("time");
        Entry {
            seq,
            time: drill + SignedDuration::from_hours(10),
            drill_time: Some(drill),
            actor: Actor::named("alice"),
            source: Origin::Human,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    pub(in crate::debrief) fn opened() -> Event {
        let mut d = Declared::new(
            IncidentId::new(jiff::civil::date(2026, 11, 24), 1),
            "checkout",
            Severity::Sev2,
        );
        d.drill = true;
        d.played = Some(Played {
            scenario: "bad-deploy".into(),
            start: Some(Timestamp::from_second(START).expect("start")),
            log: None,
        });
        Event::IncidentOpened(d)
    }

    pub(in crate::debrief) fn succeeded(action: &str, target: &str) -> Event {
        Event::ActionSucceeded(ActionRecord {
            action_id: "a".into(),
            action: action.into(),
            target: target.into(),
            parameters: serde_json::Value::Null,
            response: serde_json::Value::Null,
            error: None,
            identity: None,
        })
    }

    fn status(to: Status) -> Event {
        Event::StatusChanged {
            from: Status::Investigating,
            to,
            reason: None,
        }
    }

    fn update() -> Event {
        Event::StatusUpdatePublished {
            channel: "#incident".into(),
            external: false,
            text: "we are on it".into(),
        }
    }

    fn by_name<'a>(run: &'a Run, name: &str) -> &'a Score {
        run.scores
            .iter()
            .find(|s| s.objective == name)
            .unwrap_or_else(|| panic!("no {name:?} in {:?}", run.scores))
    }

    #[test]
    fn a_good_run_meets_each_objective_timed_from_the_first_fault_on_the_drill_clock() {
        let entries = vec![
            entry(1, 4.0, opened()),
            entry(
                2,
                4.5,
                Event::RoleChanged {
                    role: Role::Commander,
                    from: None,
                    to: Some("alice".into()),
                },
            ),
            entry(
                3,
                5.0,
                Event::ChecklistStarted {
                    checklist: "bad-deploy".into(),
                },
            ),
            entry(4, 8.0, update()),
            entry(5, 9.0, succeeded("rollout_undo", "deployment/checkout -n shop")),
            entry(6, 12.0, status(Status::Monitoring)),
            entry(7, 16.0, update()),
            entry(8, 25.0, status(Status::Resolved)),
        ];
        let run = score(&entries, &scenario());
        assert!(run.timed_from_fault);
        assert_eq!(run.zero, Timestamp::from_second(START + 120).expect("t"));
        assert_eq!(by_name(&run, "time to declare").measured, "2m 00s");
        assert_eq!(by_name(&run, "time to first containment").measured, "7m 00s");
        assert_eq!(by_name(&run, "time to mitigate").measured, "10m 00s");
        assert_eq!(by_name(&run, "time to resolve").measured, "23m 00s");
        assert_eq!(by_name(&run, "playbook").measured, "followed at 3m 00s");
        assert_eq!(
            by_name(&run, "update cadence").measured,
            "2 update(s), longest wait 9m 00s"
        );
        assert_eq!(
            by_name(&run, "must not scale deployment/checkout -n shop").measured,
            "not taken"
        );
        assert_eq!(by_name(&run, "commander role").measured, "taken by alice");
        // Everything met but the comms role, which nobody took.
        let missed: Vec<&str> = run
            .scores
            .iter()
            .filter(|s| !s.met)
            .map(|s| s.objective.as_str())
            .collect();
        assert_eq!(missed, ["comms lead role"]);
        assert_eq!(
            run.milestones.map(|m| m.map(|d| d.as_secs())),
            [Some(120), Some(420), Some(600), Some(1380)]
        );
    }

    #[test]
    fn a_slow_run_misses_the_times_the_forbidden_action_and_the_cadence() {
        let entries = vec![
            entry(1, 9.0, opened()),
            entry(
                2,
                10.0,
                Event::ChecklistStarted {
                    checklist: "crashloop".into(),
                },
            ),
            entry(3, 11.0, succeeded("silence", "alertname=X")),
            entry(4, 13.0, succeeded("scale", "deployment/checkout -n shop")),
            entry(5, 40.0, status(Status::Resolved)),
        ];
        let run = score(&entries, &scenario());
        assert_eq!(by_name(&run, "time to declare").measured, "7m 00s");
        assert!(!by_name(&run, "time to declare").met);
        // The silence changed nothing in the cluster: the scale is the first containment.
        assert_eq!(by_name(&run, "time to first containment").measured, "11m 00s");
        assert_eq!(by_name(&run, "playbook").measured, "crashloop followed instead");
        let scaled = by_name(&run, "must not scale deployment/checkout -n shop");
        assert_eq!((scaled.measured.as_str(), scaled.met), ("taken at 11m 00s", false));
        let cadence = by_name(&run, "update cadence");
        assert_eq!(
            (cadence.measured.as_str(), cadence.met),
            ("0 update(s), longest wait 31m 00s", false)
        );
        assert_eq!(run.met(), 0, "{:?}", run.scores);
    }

    #[test]
    fn without_the_drills_start_times_count_from_the_opening() {
        let mut first = entry(1, 4.0, opened());
        if let Event::IncidentOpened(d) = &mut first.event {
            d.played = None;
        }
        let run = score(&[first, entry(2, 6.0, status(Status::Monitoring))], &scenario());
        assert!(!run.timed_from_fault);
        assert_eq!(by_name(&run, "time to mitigate").measured, "2m 00s");
    }

    #[test]
    fn the_drill_knows_the_actions_and_roles_the_console_has() {
        assert_eq!(
            warroom_drill::scenario::model::ACTIONS,
            crate::actions::catalogue::VERBS
        );
        for r in warroom_drill::scenario::model::ROLES {
            assert!(r.parse::<Role>().is_ok(), "{r}");
        }
    }
}
