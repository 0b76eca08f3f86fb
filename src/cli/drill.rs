//! `warroom drill`: the console on an in-process drill cluster, started afresh with its drill
//! log in the data directory, replayed from a recording, or resumed where a drill incident
//! left it; or on a drill another process runs (`--join`); and keeping the drill logs no
//! incident needs from piling up.

use std::path::{Path, PathBuf};

use anyhow::Context;
use warroom_drill::{Drill, Options};

use crate::debrief::RealTeam;
use crate::incident::journal;
use crate::incident::model::IncidentId;
use crate::incident::store::Store;

/// `warroom drill`: the console on an in-process drill cluster: a new drill of the scenario
/// (its drill log kept in the data directory), a replayed recording, or, with `--incident` of
/// a drill incident, that incident's drill resumed where it was left. It facilitates the drill
/// unless it is the `player`s' (their facilitator joins it).
pub async fn run(
    scenario: Option<&Path>,
    replay: Option<(&Path, Option<&Path>)>,
    (speed, seed): (Option<f64>, Option<u64>),
    player: bool,
    console: crate::console::ConsoleOptions,
) -> anyhow::Result<()> {
    if let Some(speed) = speed.filter(|s| !(s.is_finite() && *s >= 0.0)) {
        anyhow::bail!("--speed must be a non-negative number, not {speed}");
    }
    let store = Store::new(&crate::incident::store::data_dir(console.data_dir.as_deref()));
    let resumed = match &console.incident {
        Some(id) => drill_to_resume(&store, id)?,
        None => None,
    };
    let options = Options {
        seed,
        speed: speed.unwrap_or(1.0),
        ..Options::default()
    };
    let listen = "127.0.0.1:0".parse().expect("a valid address");
    // Read before the drill starts: a journal refused starts nothing.
    let real_team = match (replay, &resumed) {
        (Some((recording, given)), _) => real_teams_journal(recording, given)?.map(std::sync::Arc::new),
        // A resumed replay shows the real team's journal it showed.
        (None, Some((_, log))) => match warroom_drill::drill_log::read(log).map(|r| r.header.recording) {
            Ok(Some(r)) => real_teams_journal(&r.path, r.journal.as_deref())?.map(std::sync::Arc::new),
            _ => None,
        },
        (None, None) => None,
    };
    let running = if let Some((id, log)) = resumed {
        if scenario.is_some() || replay.is_some() {
            anyhow::bail!("--incident {id} resumes the drill it was declared in; leave out the scenario or recording");
        }
        Drill::resume(&log, listen, &options, speed)
            .await
            .with_context(|| format!("cannot resume the drill of {id}"))?
    } else if let Some((recording, journal)) = replay {
        replay_logged(recording, journal, listen, options, &store).await?
    } else {
        start_logged(super::load_scenario(scenario)?, listen, options, &store).await?
    };
    let kubeconfig = crate::paths::state_dir().join("drill.kubeconfig");
    if let Err(e) = warroom_drill::write_kubeconfig(&kubeconfig, &running.url(), "warroom-drill") {
        tracing::warn!(error = %e, "drill kubeconfig not written");
    }
    tracing::info!(url = %running.url(), kubeconfig = %kubeconfig.display(), "drill cluster for the console");
    let facilitator = !player;
    crate::console::run(
        crate::console::Target::Drill {
            drill: running,
            facilitator,
            real_team,
        },
        console,
    )
    .await
}

/// The journal of the incident `recording` was made in: `given`, else the `.jsonl` beside it
/// when there is one. A journal that does not verify is refused, naming its line.
fn real_teams_journal(recording: &Path, given: Option<&Path>) -> anyhow::Result<Option<RealTeam>> {
    let beside = recording.with_extension("jsonl");
    let path = match given {
        Some(p) => p,
        None if beside.is_file() => &beside,
        None => return Ok(None),
    };
    let record = journal::read(path).with_context(|| format!("the real team's journal {}", path.display()))?;
    if let Some(p) = record.problems.first() {
        anyhow::bail!("the real team's journal {}:{}: {}", path.display(), p.line, p.problem);
    }
    let incident = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    tracing::info!(journal = %path.display(), entries = record.entries.len(), "the real team's journal beside the replay");
    Ok(Some(RealTeam {
        incident,
        entries: record.entries,
    }))
}

/// `warroom drill --join URL`: the console on a drill another process runs, as a player or,
/// with `facilitator`, as its facilitator. It follows `--incident`'s journal; the drill itself
/// is its host's to resume.
pub async fn join(url: &str, facilitator: bool, console: crate::console::ConsoleOptions) -> anyhow::Result<()> {
    let drill = crate::console::joined::Joined::join(url).await?;
    tracing::info!(url = %drill.url, facilitator, "joined a drill");
    crate::console::run(crate::console::Target::Joined { drill, facilitator }, console).await
}

/// The drill logged at `log` as it stood when its log stopped, for a debrief from a shell: its
/// scenario with the faults injected, and how the services kept to their SLOs since `since`
/// (the drill's start), read from its own Prometheus. The drill is rebuilt from a copy of the
/// log, paused, and stopped; the log itself is not touched.
pub fn replayed_for_debrief(
    log: &Path,
    since: Option<jiff::Timestamp>,
) -> anyhow::Result<(
    warroom_drill::scenario::Scenario,
    Option<crate::debrief::recovery::Worst>,
)> {
    let copy = std::env::temp_dir().join(format!("warroom-debrief-{}.jsonl", std::process::id()));
    std::fs::copy(log, &copy).with_context(|| format!("cannot read the drill log {}", log.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rebuilt = runtime.block_on(async {
        let options = Options {
            paused: true,
            ..Options::default()
        };
        let listen = "127.0.0.1:0".parse().expect("a valid address");
        let drill = Drill::resume(&copy, listen, &options, Some(0.0))
            .await
            .with_context(|| format!("cannot rebuild the drill logged in {}", log.display()))?;
        let scenario = drill.scenario();
        let worst = match since {
            Some(since) => {
                let prometheus = crate::observe::prometheus::Prometheus::from_endpoint(
                    &crate::observe::http::Endpoint::plain(drill.prometheus_url()),
                )?;
                let plan = crate::console::observing::drill_plan(&drill, None);
                crate::observe::budget::worst_over_budget(&prometheus, &plan, since)
                    .await
                    .ok()
            }
            None => None,
        };
        drill.stop();
        anyhow::Ok((scenario, worst))
    });
    // Nothing of the rebuilt drill is wanted any more; its metrics backfill is not waited for.
    runtime.shutdown_background();
    let _ = std::fs::remove_file(&copy);
    rebuilt
}

/// The drill log to resume for `--incident id`: none for a real incident, or a drill incident
/// no drill was played in yet (`warroom incident new --drill`): the console follows it on a new
/// drill. For a drill incident declared in a drill, that drill's log, or an error saying why it
/// cannot be resumed (starting its drill afresh would play its faults again).
fn drill_to_resume(store: &Store, id: &IncidentId) -> anyhow::Result<Option<(IncidentId, PathBuf)>> {
    let record = crate::incident::journal::read(&store.existing(id)?)?;
    let incident = crate::incident::state::Incident::from_entries(&record.entries)?;
    let Some(played) = incident.played.filter(|_| incident.drill) else {
        return Ok(None);
    };
    let Some(name) = played.log else {
        anyhow::bail!(
            "{id} is a drill incident whose drill was not logged (declared by an older warroom), \
             so its drill cannot be resumed; `warroom debrief {id}` and `warroom postmortem {id}` \
             still read its journal"
        );
    };
    let log = store.drills_dir().join(&name);
    if !log.is_file() {
        anyhow::bail!(
            "{id} was played on the drill logged in {}, which is not there: its drill cannot be resumed",
            log.display()
        );
    }
    Ok(Some((id.clone(), log)))
}

/// Starts `scenario`'s drill, keeping its log in `store`'s drills folder so that the incidents
/// declared in it can resume it and be debriefed; a drill that cannot keep its log (a
/// read-only data directory) still runs.
pub(super) async fn start_logged(
    scenario: warroom_drill::scenario::Scenario,
    listen: std::net::SocketAddr,
    mut options: Options,
    store: &Store,
) -> anyhow::Result<Drill> {
    prune_drill_logs(store, KEEP_UNCLAIMED);
    options.log = Some(new_drill_log(store, &scenario.name));
    match Drill::start(scenario.clone(), listen, &options).await {
        Ok(running) => Ok(running),
        Err(e) => {
            tracing::warn!(error = %e, "the drill keeps no log: its incidents cannot be resumed");
            options.log = None;
            Drill::start(scenario, listen, &options)
                .await
                .with_context(|| format!("cannot start the drill cluster on {listen}"))
        }
    }
}

/// Replays `recording` (the real team's `journal` beside it, when given), keeping its drill
/// log in `store`'s drills folder as `start_logged` does, so that an incident declared in the
/// replay resumes it where it was.
pub(super) async fn replay_logged(
    recording: &Path,
    journal: Option<&Path>,
    listen: std::net::SocketAddr,
    mut options: Options,
    store: &Store,
) -> anyhow::Result<Drill> {
    prune_drill_logs(store, KEEP_UNCLAIMED);
    let stem = recording
        .file_stem()
        .map_or_else(|| "recording".into(), |s| s.to_string_lossy().into_owned());
    options.log = Some(new_drill_log(store, &format!("replay-{stem}")));
    match Drill::replay(recording, journal, listen, &options).await {
        Ok(running) => Ok(running),
        Err(e) => {
            tracing::warn!(error = %e, "the replay did not start with its log; trying without (its incidents cannot be resumed)");
            options.log = None;
            Drill::replay(recording, journal, listen, &options)
                .await
                .with_context(|| format!("cannot replay {}", recording.display()))
        }
    }
}

/// A new drill log's path: the scenario, when (wall clock) and this process.
fn new_drill_log(store: &Store, scenario: &str) -> PathBuf {
    let when = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    store
        .drills_dir()
        .join(format!("{scenario}-{when}-{}.jsonl", std::process::id()))
}

/// How long a drill log no incident was declared in is kept (a drill can be reopened only
/// through its incident; the log of one nobody declared in is of no use after a while).
const KEEP_UNCLAIMED: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes the drill logs older than `keep` that no incident of `store` names. Best effort: what
/// cannot be read or removed is left, and said in the log file.
fn prune_drill_logs(store: &Store, keep: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(store.drills_dir()) else {
        return;
    };
    let old: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > keep))
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    if old.is_empty() {
        return;
    }
    let Ok(ids) = store.list() else {
        return;
    };
    let claimed: std::collections::BTreeSet<String> = ids
        .iter()
        .filter_map(|id| crate::incident::journal::read(&store.path(id)).ok())
        .filter_map(|r| crate::incident::state::Incident::from_entries(&r.entries).ok())
        .filter_map(|i| i.played.and_then(|p| p.log))
        .collect();
    for path in old {
        let named = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if named.is_some_and(|n| claimed.contains(&n)) {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!(log = %path.display(), "an old drill log no incident names was removed"),
            Err(e) => tracing::warn!(log = %path.display(), error = %e, "an old drill log cannot be removed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_drill_logs_no_incident_names_are_removed_and_the_rest_kept() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = Store::new(tmp.path());
        let drills = store.drills_dir();
        std::fs::create_dir_all(&drills).expect("drills/");
        for name in ["claimed.jsonl", "unclaimed.jsonl", "notes.txt"] {
            std::fs::write(drills.join(name), "{}\n").expect("written");
        }
        let mut declared = crate::incident::model::Declared::new(
            IncidentId::new(jiff::civil::date(2026, 12, 6), 1),
            "drill",
            crate::incident::model::Severity::Sev3,
        );
        declared.drill = true;
        declared.played = Some(crate::incident::model::Played {
            scenario: "bad-deploy".into(),
            start: None,
            log: Some("claimed.jsonl".into()),
        });
        store
            .open_new(jiff::Timestamp::now(), |_| {
                crate::incident::model::Draft::new(
                    crate::incident::model::Actor::named("alice"),
                    crate::incident::model::Origin::Human,
                    crate::incident::model::Event::IncidentOpened(declared.clone()),
                )
            })
            .expect("an incident");
        // Young logs are kept whoever names them.
        prune_drill_logs(&store, std::time::Duration::from_secs(3600));
        assert!(drills.join("unclaimed.jsonl").exists());
        // Old ones go unless an incident names them; other files are not drill logs.
        prune_drill_logs(&store, std::time::Duration::ZERO);
        assert!(drills.join("claimed.jsonl").exists());
        assert!(!drills.join("unclaimed.jsonl").exists());
        assert!(drills.join("notes.txt").exists());
    }

    #[test]
    fn the_real_teams_journal_is_the_one_beside_the_recording_or_the_one_named() {
        use crate::incident::journal::Journal;
        use crate::incident::model::{Actor, Draft, Event, Origin};
        let tmp = tempfile::tempdir().expect("tmp");
        let recording = tmp.path().join("INC-20261201-001.recording");
        std::fs::write(&recording, "warroom recording 1\n").expect("recording");
        assert_eq!(real_teams_journal(&recording, None).expect("none beside"), None);

        let note = |text: &str| Draft::new(Actor::named("alice"), Origin::Human, Event::Note { text: text.into() });
        let beside = tmp.path().join("INC-20261201-001.jsonl");
        let (mut journal, _) = Journal::create(&beside, note("checkout is failing")).expect("journal");
        journal.append(note("rolling back")).expect("appended");
        let original = real_teams_journal(&recording, None)
            .expect("read")
            .expect("found beside");
        assert_eq!(original.incident, "INC-20261201-001");
        assert_eq!(original.entries.len(), 2);
        assert_eq!(
            original.entries[1].event,
            Event::Note {
                text: "rolling back".into()
            }
        );

        let elsewhere = tmp.path().join("other.jsonl");
        Journal::create(&elsewhere, note("only this")).expect("journal");
        let named = real_teams_journal(&recording, Some(&elsewhere))
            .expect("read")
            .expect("named");
        assert_eq!(named.entries.len(), 1, "the journal named wins over the one beside");

        // A journal altered after the fact is refused, naming its line.
        let text = std::fs::read_to_string(&beside).expect("journal");
        std::fs::write(&beside, text.replace("rolling back", "rolled back")).expect("altered");
        let e = real_teams_journal(&recording, None).expect_err("altered");
        assert!(e.to_string().contains("INC-20261201-001.jsonl:2:"), "{e}");
        let missing = tmp.path().join("missing.jsonl");
        let e = real_teams_journal(&recording, Some(&missing)).expect_err("missing");
        assert!(format!("{e:#}").contains("missing.jsonl"), "{e:#}");
    }
}
