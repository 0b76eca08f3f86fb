//! The drill debrief: one run scored against its scenario's objectives (`score`), written as
//! Markdown beside the incident's journal with the earlier runs of the same scenario
//! (`report`). Drills never count in real incidents' metrics; this is where they count.

pub mod recovery;
pub mod report;
pub mod score;

use std::path::PathBuf;

use warroom_drill::scenario::Scenario;

use crate::incident::journal;
use crate::incident::model::IncidentId;
use crate::incident::state::{Incident, NotAnIncident};
use crate::incident::store::Store;

pub use report::Earlier;

/// The journal of the real incident a replayed drill plays again: its debrief sets the players'
/// timeline beside the real team's.
#[derive(Debug, Clone, PartialEq)]
pub struct RealTeam {
    pub incident: String,
    pub entries: Vec<crate::incident::model::Entry>,
}
pub use score::{Run, Score, score};

#[derive(Debug, thiserror::Error)]
pub enum DebriefError {
    #[error(transparent)]
    Store(#[from] crate::incident::store::StoreError),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error(transparent)]
    NotAnIncident(#[from] NotAnIncident),
    #[error("{0} is not a drill: only drills are debriefed (a real incident gets a postmortem)")]
    NotADrill(IncidentId),
    #[error("cannot write the debrief {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Where the debrief of `id` is written: beside its journal.
pub fn path(store: &Store, id: &IncidentId) -> PathBuf {
    store.dir().join(format!("{id}-debrief.md"))
}

/// Scores the drill incident `id` against `scenario`, compares it with the earlier runs of the
/// scenario kept in `store`, and writes the debrief beside the journal. With `worst` (how the
/// services kept to their SLOs over the run, see `recovery`) it also scores how soon they came
/// back after the first containment against the scenario's `recovery:`. A replay's debrief
/// has the `real_team`'s timeline beside the players', and says where the players' timeline
/// left the recording (`branched`, the drill's word for it). Returns where, and the score.
pub fn write(
    store: &Store,
    id: &IncidentId,
    scenario: &Scenario,
    worst: Option<&[(jiff::Timestamp, f64)]>,
    real_team: Option<&RealTeam>,
    branched: Option<&warroom_drill::Branch>,
) -> Result<(PathBuf, Run), DebriefError> {
    let entries = journal::read(&store.existing(id)?)?.entries;
    if !Incident::from_entries(&entries)?.drill {
        return Err(DebriefError::NotADrill(id.clone()));
    }
    let mut run = score(&entries, scenario);
    if let (Some(within), Some(worst)) = (scenario.recovery, worst) {
        let back = recovery::score(&run, within.signed(), worst);
        run.scores.push(back);
    }
    let earlier = earlier_runs(store, id, scenario)?;
    let text = report::render(id.as_str(), &entries, scenario, &run, &earlier, real_team, branched);
    let path = path(store, id);
    std::fs::write(&path, text).map_err(|source| DebriefError::Write {
        path: path.clone(),
        source,
    })?;
    Ok((path, run))
}

/// The scenario's other runs kept in `store` (drill incidents that played it), oldest first;
/// a journal that cannot be read is left out.
fn earlier_runs(store: &Store, this: &IncidentId, scenario: &Scenario) -> Result<Vec<Earlier>, DebriefError> {
    let mut out = Vec::new();
    for id in store.list()?.into_iter().filter(|id| id != this) {
        let Ok(record) = journal::read(&store.path(&id)) else {
            continue;
        };
        let played_it = Incident::from_entries(&record.entries)
            .is_ok_and(|i| i.drill && i.played.is_some_and(|p| p.scenario == scenario.name));
        if played_it {
            out.push(Earlier {
                incident: id.to_string(),
                run: score(&record.entries, scenario),
            });
        }
    }
    Ok(out)
}
