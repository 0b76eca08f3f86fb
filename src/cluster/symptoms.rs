//! Symptoms read off the health model: crashlooping workloads, pods pending too long, NotReady
//! and pressured nodes, stuck rollouts, bursts of Warning events (the golden signals are
//! `observe`'s). Each is a candidate timeline event with its source and the objects involved.
//! Computed from aggregates, never by walking every pod. Pure functions.

use std::collections::BTreeSet;

use super::model::ClusterModel;
use super::rows::OwnerKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymptomKind {
    NodeNotReady,
    CrashLooping,
    StuckRollout,
    PendingTooLong,
    NodePressure,
    WarningEvents,
}

impl SymptomKind {
    /// Its name in the journal: `crashlooping`, `node_not_ready`...
    pub fn as_str(self) -> &'static str {
        match self {
            SymptomKind::NodeNotReady => "node_not_ready",
            SymptomKind::CrashLooping => "crashlooping",
            SymptomKind::StuckRollout => "stuck_rollout",
            SymptomKind::PendingTooLong => "pending_too_long",
            SymptomKind::NodePressure => "node_pressure",
            SymptomKind::WarningEvents => "warning_events",
        }
    }
}

/// Something a responder should know, offered to the incident timeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symptom {
    pub kind: SymptomKind,
    /// What it is about: `deployment shop/checkout`, `node node-3`.
    pub subject: String,
    pub message: String,
    /// The Kubernetes objects involved.
    pub objects: Vec<String>,
}

/// Where symptoms come from, for the timeline's source field.
pub const SOURCE: &str = "cluster";

fn kind_name(k: OwnerKind) -> &'static str {
    match k {
        OwnerKind::Deployment => "deployment",
        OwnerKind::DaemonSet => "daemonset",
        OwnerKind::StatefulSet => "statefulset",
        OwnerKind::Other => "workload",
    }
}

/// Thresholds for the symptoms.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// A pod pending longer than this (seconds) is a signal.
    pub pending_secs: i64,
    /// This many Warning events with one reason is a signal.
    pub warning_burst: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pending_secs: 120,
            warning_burst: 10,
        }
    }
}

/// The signals the model shows at `now` (seconds since the epoch), most severe first.
pub fn symptoms(m: &ClusterModel, now: i64, t: Thresholds) -> Vec<Symptom> {
    let mut out = Vec::new();
    for ((_, name), n) in &m.nodes {
        if !n.ready {
            let why = if n.unknown {
                "stopped reporting (Ready=Unknown)"
            } else {
                "is NotReady"
            };
            out.push(Symptom {
                kind: SymptomKind::NodeNotReady,
                subject: format!("node {name}"),
                message: format!("node {name} {why}"),
                objects: vec![format!("node/{name}")],
            });
        } else if n.pressure() {
            let mut what = Vec::new();
            if n.memory_pressure {
                what.push("memory");
            }
            if n.disk_pressure {
                what.push("disk");
            }
            if n.pid_pressure {
                what.push("PID");
            }
            out.push(Symptom {
                kind: SymptomKind::NodePressure,
                subject: format!("node {name}"),
                message: format!("node {name} reports {} pressure", what.join(" and ")),
                objects: vec![format!("node/{name}")],
            });
        }
    }
    for ((ns, kind, name), c) in &m.pods_per_workload {
        if c.crashlooping > 0 {
            let k = kind_name(*kind);
            out.push(Symptom {
                kind: SymptomKind::CrashLooping,
                subject: format!("{k} {ns}/{name}"),
                message: format!(
                    "{} of {} pods of {k} {ns}/{name} are in CrashLoopBackOff",
                    c.crashlooping, c.pods
                ),
                objects: vec![format!("{k}/{name}")],
            });
        }
    }
    for ((ns, kind, name), w) in &m.workloads {
        if w.deadline_exceeded {
            let k = kind_name(*kind);
            out.push(Symptom {
                kind: SymptomKind::StuckRollout,
                subject: format!("{k} {ns}/{name}"),
                message: format!(
                    "rollout of {k} {ns}/{name} exceeded its progress deadline ({} of {} updated, {} available)",
                    w.updated, w.desired, w.available
                ),
                objects: vec![format!("{k}/{name}")],
            });
        }
    }
    let stuck: Vec<_> = m
        .pending
        .iter()
        .filter(|(_, created)| now - **created > t.pending_secs)
        .collect();
    if !stuck.is_empty() {
        let namespaces: BTreeSet<&str> = stuck.iter().map(|((ns, _), _)| &**ns).collect();
        out.push(Symptom {
            kind: SymptomKind::PendingTooLong,
            subject: format!("{} pending pods", stuck.len()),
            message: format!(
                "{} pods pending for more than {}s (in {})",
                stuck.len(),
                t.pending_secs,
                namespaces.into_iter().collect::<Vec<_>>().join(", ")
            ),
            objects: stuck
                .iter()
                .take(20)
                .map(|((ns, n), _)| format!("pod/{ns}/{n}"))
                .collect(),
        });
    }
    for (reason, count) in &m.warnings_by_reason {
        if *count >= t.warning_burst {
            out.push(Symptom {
                kind: SymptomKind::WarningEvents,
                subject: format!("{reason} events"),
                message: format!("{count} Warning events with reason {reason}"),
                objects: Vec::new(),
            });
        }
    }
    out.sort();
    out
}

/// Signals that appeared and cleared between two evaluations (by kind and subject).
pub fn changes(before: &[Symptom], after: &[Symptom]) -> (Vec<Symptom>, Vec<Symptom>) {
    let key = |s: &Symptom| (s.kind, s.subject.clone());
    let was: BTreeSet<_> = before.iter().map(key).collect();
    let is: BTreeSet<_> = after.iter().map(key).collect();
    let appeared = after.iter().filter(|s| !was.contains(&key(s))).cloned().collect();
    let cleared = before.iter().filter(|s| !is.contains(&key(s))).cloned().collect();
    (appeared, cleared)
}
