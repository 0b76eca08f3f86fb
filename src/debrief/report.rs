//! The debrief as Markdown: each objective met or missed with its time, what went well and
//! what to practise, the team's timeline beside the scenario's faults (in a replay, beside the
//! real team's, with where the players' timeline left the recording), and this run against
//! earlier runs of the same scenario. A pure function of what it is given.

use std::fmt::Write;

use jiff::SignedDuration;
use warroom_drill::scenario::Scenario;

use super::RealTeam;
use super::score::{MILESTONES, Run, first_fault};
use crate::incident::metrics::format_duration;
use crate::incident::model::{Entry, Event};
use crate::incident::timeline::{describe, utc};
use warroom_drill::Branch;

/// One earlier run of the scenario: its incident and its score.
pub struct Earlier {
    pub incident: String,
    pub run: Run,
}

/// When and with what change the players' timeline left the recording: the drill's `branched`
/// (any client's first change) told as the console's action when the console made it; without
/// it, the console's first action that succeeded.
fn left_the_recording(entries: &[Entry], branched: Option<&Branch>) -> Option<(jiff::Timestamp, String)> {
    let first_action = entries.iter().find(|e| matches!(e.event, Event::ActionSucceeded(_)));
    let Some(b) = branched else {
        return first_action.map(|e| (e.incident_time(), describe(&e.event)));
    };
    // The console journals a request before it is sent; the drill's clock may have run a
    // little further when it was applied.
    let requested_by_console = entries.iter().any(|e| {
        matches!(e.event, Event::ActionRequested(_)) && e.incident_time() <= b.at + SignedDuration::from_secs(1)
    });
    Some(match first_action {
        Some(e) if requested_by_console => (b.at, describe(&e.event)),
        _ => (
            b.at,
            format!(
                "{} changed from outside the console (kubectl or another client)",
                b.object
            ),
        ),
    })
}

/// Renders the debrief of `incident` (its journal's `entries`, scored as `run`).
pub fn render(
    incident: &str,
    entries: &[Entry],
    scenario: &Scenario,
    run: &Run,
    earlier: &[Earlier],
    real_team: Option<&RealTeam>,
    branched: Option<&Branch>,
) -> String {
    let mut out = String::new();
    let title = entries
        .iter()
        .find_map(|e| match &e.event {
            Event::IncidentOpened(d) => Some(d.title.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let _ = writeln!(out, "# Debrief: {incident} — {}\n", inline(&title));
    let _ = writeln!(out, "Drill `{}`: {}.\n", scenario.name, inline(&scenario.title));
    if run.timed_from_fault {
        let _ = writeln!(
            out,
            "Times are the drill's, counted from the first fault ({} on the drill's clock).\n",
            utc(run.zero)
        );
    } else {
        let _ = writeln!(
            out,
            "The journal does not say when the drill started: times are counted from the \
             incident's opening ({}).\n",
            utc(run.zero)
        );
    }

    let _ = writeln!(out, "## Objectives\n");
    if run.scores.is_empty() {
        let _ = writeln!(out, "The scenario states no objectives.\n");
    } else {
        let _ = writeln!(out, "| Objective | Target | Measured | Result |\n|---|---|---|---|");
        for s in &run.scores {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&s.objective),
                cell(&s.target),
                cell(&s.measured),
                if s.met { "met" } else { "**missed**" }
            );
        }
        let _ = writeln!(out, "\n{} of {} objectives met.\n", run.met(), run.scores.len());
        let _ = writeln!(out, "## What went well\n");
        list(&mut out, run.scores.iter().filter(|s| s.met));
        let _ = writeln!(out, "## What to practise\n");
        list(&mut out, run.scores.iter().filter(|s| !s.met));
    }

    let _ = writeln!(out, "## Timeline\n");
    let _ = writeln!(
        out,
        "The scenario's faults and the facilitator's asides (what players could not see) beside \
         what the team did.\n"
    );
    if let Some(real) = real_team {
        let _ = writeln!(
            out,
            "A replay of {}: the real team's entries are beside the players', on the recording's \
             clock.",
            inline(&real.incident)
        );
        let _ = match left_the_recording(entries, branched) {
            Some((at, change)) => writeln!(
                out,
                "The players' timeline left the recording at {}, with their first change to the \
                 cluster: {}.\n",
                when(at.duration_since(run.zero)),
                inline(&change)
            ),
            None => writeln!(
                out,
                "The players changed nothing: their cluster followed the recording throughout.\n"
            ),
        };
    }
    let _ = writeln!(out, "| When | Who | What |\n|---|---|---|");
    let mut rows: Vec<(SignedDuration, String, String)> = Vec::new();
    let first_fault = first_fault(scenario);
    for f in &scenario.faults {
        let f = f.get();
        let at = SignedDuration::from_millis(f.at.millis - first_fault);
        let what = f.note.clone().unwrap_or_else(|| "a fault of the scenario".into());
        rows.push((at, "scenario".into(), what));
    }
    for e in entries.iter().filter(|e| worth_a_row(&e.event)) {
        let at = e.incident_time().duration_since(run.zero);
        let who = match &e.event {
            Event::Aside { .. } => format!("{} (facilitator)", e.actor.name),
            _ => e.actor.name.clone(),
        };
        rows.push((at, who, describe(&e.event)));
    }
    for e in real_team
        .iter()
        .flat_map(|r| &r.entries)
        .filter(|e| worth_a_row(&e.event))
    {
        let at = e.incident_time().duration_since(run.zero);
        rows.push((at, format!("{} (real team)", e.actor.name), describe(&e.event)));
    }
    rows.sort_by_key(|(at, ..)| *at);
    for (at, who, what) in rows {
        let _ = writeln!(out, "| {} | {} | {} |", when(at), cell(&who), cell(&what));
    }
    if let Some(r) = scenario.recovery {
        let _ = writeln!(
            out,
            "\nThe scenario's intended fix brings every service back under its SLO within {r}."
        );
    }

    let _ = writeln!(out, "\n## Earlier runs of `{}`\n", scenario.name);
    if earlier.is_empty() {
        let _ = writeln!(out, "This is the first run kept for this scenario.");
    } else {
        let _ = write!(out, "| Run |");
        for m in MILESTONES {
            let _ = write!(out, " {m} |");
        }
        let _ = writeln!(out, " objectives met |\n|---|{}---|", "---|".repeat(MILESTONES.len()));
        for e in earlier {
            row(&mut out, &e.incident, &e.run);
        }
        row(&mut out, &format!("{incident} (this run)"), run);
    }
    crate::text::printable(&out)
}

fn row(out: &mut String, name: &str, run: &Run) {
    let _ = write!(out, "| {} |", cell(name));
    for m in run.milestones {
        let _ = write!(out, " {} |", m.map_or("–".to_string(), format_duration));
    }
    let _ = writeln!(out, " {} of {} |", run.met(), run.scores.len());
}

/// What the timeline shows: the team's decisions and acts (and the facilitator's asides), not
/// every alert and step.
fn worth_a_row(e: &Event) -> bool {
    matches!(
        e,
        Event::IncidentOpened(_)
            | Event::Aside { .. }
            | Event::StatusChanged { .. }
            | Event::SeverityChanged { .. }
            | Event::RoleChanged { .. }
            | Event::Decision { .. }
            | Event::ChecklistStarted { .. }
            | Event::ActionSucceeded(_)
            | Event::ActionFailed(_)
            | Event::StatusUpdatePublished { .. }
            | Event::DetectionDismissed { .. }
    )
}

fn list<'a>(out: &mut String, scores: impl Iterator<Item = &'a super::score::Score>) {
    let mut any = false;
    for s in scores {
        any = true;
        let _ = writeln!(
            out,
            "- {}: {} ({})",
            s.objective,
            inline(&s.measured),
            inline(&s.target)
        );
    }
    if !any {
        let _ = writeln!(out, "- nothing");
    }
    out.push('\n');
}

/// `T+3m 10s`, or `T-20s` before the first fault (to the second).
fn when(d: SignedDuration) -> String {
    let d = SignedDuration::from_secs(d.as_secs());
    match (d.is_negative(), d.is_zero()) {
        (_, true) => "T+0s".into(),
        (true, _) => format!("T-{}", format_duration(d.abs())),
        (false, _) => format!("T+{}", format_duration(d)),
    }
}

fn inline(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Text for a table cell: one line, no column breaks.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::super::score::score;
    use super::super::score::tests::{entry, opened, scenario, succeeded};
    use super::*;
    use crate::incident::model::Actor;

    fn rows(debrief: &str) -> Vec<&str> {
        debrief.lines().filter(|l| l.starts_with("| T")).collect()
    }

    #[test]
    fn a_replays_debrief_sets_the_real_teams_timeline_beside_the_players() {
        let scenario = scenario();
        let players = [
            entry(1, 1.0, opened()),
            entry(2, 4.0, succeeded("rollback", "deployment/checkout -n shop")),
        ];
        let run = score(&players, &scenario);
        let mut late = entry(3, 9.0, succeeded("rollback", "deployment/checkout -n shop"));
        late.actor = Actor::named("bob");
        let real = RealTeam {
            incident: "INC-20261120-004".into(),
            entries: vec![
                entry(
                    1,
                    3.0,
                    Event::Decision {
                        text: "roll back".into(),
                    },
                ),
                late,
            ],
        };
        let with = render("INC-1", &players, &scenario, &run, &[], Some(&real), None);
        let without = render("INC-1", &players, &scenario, &run, &[], None, None);
        let added: Vec<&str> = rows(&with)
            .into_iter()
            .filter(|r| !rows(&without).contains(r))
            .collect();
        // The first fault is two minutes in: T+1m is the decision at minute 3, T+7m bob's rollback.
        assert_eq!(
            added,
            [
                "| T+1m 00s | alice (real team) | Decision: roll back |",
                "| T+7m 00s | bob (real team) | Action succeeded: rollback deployment/checkout -n shop |"
            ],
            "{with}"
        );
        let players_rollback = rows(&with).iter().position(|r| r.starts_with("| T+2m 00s | alice |"));
        let real_rollback = rows(&with).iter().position(|r| r.contains("bob (real team)"));
        assert!(players_rollback < real_rollback, "one timeline, in time order: {with}");
        assert!(
            with.contains("A replay of INC-20261120-004")
                && with.contains(
                    "left the recording at T+2m 00s, with their first change to the cluster: Action succeeded: rollback"
                ),
            "{with}"
        );
        assert!(!without.contains("real team") && !without.contains("left the recording"));
        let idle = render("INC-1", &players[..1], &scenario, &run, &[], Some(&real), None);
        assert!(idle.contains("The players changed nothing"), "{idle}");
    }

    #[test]
    fn a_replays_debrief_says_where_kubectl_left_the_recording_before_the_console_did() {
        let scenario = scenario();
        let real = RealTeam {
            incident: "INC-20261120-004".into(),
            entries: Vec::new(),
        };
        let rollback = || crate::incident::model::ActionRecord {
            action_id: "a".into(),
            action: "rollback".into(),
            target: "deployment/checkout -n shop".into(),
            parameters: serde_json::Value::Null,
            response: serde_json::Value::Null,
            error: None,
            identity: None,
        };
        let players = [
            entry(1, 1.0, opened()),
            entry(2, 4.0, Event::ActionRequested(rollback())),
            entry(3, 4.0, succeeded("rollback", "deployment/checkout -n shop")),
        ];
        let run = score(&players, &scenario);
        let at = |minute: i64| players[0].incident_time() + SignedDuration::from_mins(minute - 1);
        // kubectl scaled checkout at minute 3, before the console's rollback at minute 4.
        let kubectl = Branch {
            at: at(3),
            object: "Deployment shop/checkout".into(),
        };
        let text = render("INC-1", &players, &scenario, &run, &[], Some(&real), Some(&kubectl));
        assert!(
            text.contains(
                "left the recording at T+1m 00s, with their first change to the cluster: Deployment \
                 shop/checkout changed from outside the console (kubectl or another client)."
            ),
            "{text}"
        );
        // The console's own rollback, as the drill saw it applied.
        let console = Branch { at: at(4), ..kubectl };
        let text = render("INC-1", &players, &scenario, &run, &[], Some(&real), Some(&console));
        assert!(
            text.contains(
                "left the recording at T+2m 00s, with their first change to the cluster: Action \
                 succeeded: rollback deployment/checkout -n shop."
            ),
            "{text}"
        );
    }
}
