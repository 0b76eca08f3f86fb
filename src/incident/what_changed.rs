//! What changed in the cluster around an incident, for the postmortem: from the flight
//! recording where there is one (rollouts with the images before and after, scaling, restarts,
//! ConfigMaps' data, nodes going bad and coming back, workloads made or removed), else from what
//! the journal says (the detector's likely causes, cluster changes recorded). Pure.

use std::fmt::Write;

use jiff::Timestamp;

use super::model::{Entry, Event};
use super::timeline::utc;

/// One change: when, to what, and what it was in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub at: Timestamp,
    /// `Deployment shop/checkout`, `Node node-3`, `ConfigMap shop/checkout-config`.
    pub object: String,
    /// `image shop/checkout:1.9.3 → shop/checkout:2.0.0`, `scaled 3 → 6`, `NotReady`.
    pub what: String,
}

/// What the journal says changed: the detector's likely causes (each once) and the cluster
/// changes recorded, oldest first.
pub fn from_journal(entries: &[Entry]) -> Vec<Changed> {
    let mut out: Vec<Changed> = Vec::new();
    for e in entries {
        match &e.event {
            Event::Detected(d) => {
                for c in &d.causes {
                    if !out.iter().any(|o| o.object == c.object && o.at == c.at) {
                        out.push(Changed {
                            at: c.at,
                            object: c.object.clone(),
                            what: c.why.clone(),
                        });
                    }
                }
            }
            Event::ClusterChange { object, summary, .. } => out.push(Changed {
                at: e.incident_time(),
                object: object.clone(),
                what: summary.clone(),
            }),
            _ => {}
        }
    }
    out.sort_by_key(|c| c.at);
    out
}

/// The postmortem's "What Changed" section: `recorded` (from the flight recording) when there
/// is one, else what the journal says.
pub fn section(out: &mut String, recorded: Option<&[Changed]>, entries: &[Entry]) {
    let _ = writeln!(out, "## What Changed\n");
    let journaled;
    let (changes, from) = match recorded {
        Some(r) => (r, "the flight recording beside the journal, on the cluster's clock"),
        None => {
            journaled = from_journal(entries);
            (
                journaled.as_slice(),
                "the journal (the detector's likely causes and the cluster changes it recorded)",
            )
        }
    };
    if changes.is_empty() {
        let _ = writeln!(
            out,
            "No change to a workload, ConfigMap or node was recorded{}.\n",
            if recorded.is_some() {
                " in the flight recording"
            } else {
                " in the journal, and there is no flight recording beside it"
            }
        );
        return;
    }
    let _ = writeln!(out, "From {from}:\n");
    let _ = writeln!(out, "| Time (UTC) | Object | Change |\n|---|---|---|");
    for c in changes {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            utc(c.at),
            super::postmortem::cell(&c.object),
            super::postmortem::cell(&c.what)
        );
    }
    out.push('\n');
}
