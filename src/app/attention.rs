//! What needs attention, computed from the model when it settles (not per frame): workloads
//! ranked by severity (crashlooping, stuck rollouts, unavailable replicas, rolling out) and
//! nodes that are not ready, under pressure or cordoned; and the drill-down rows of one.

use super::state::{Detail, DetailRow, HealthItem, Level, Subject};
use crate::cluster::model::ClusterModel;
use crate::cluster::rows::{OwnerKind, Phase, PodRow};
use crate::text::CleanText;

pub const BAD: &str = "✖";
pub const WARN: &str = "▲";

pub fn kind_name(k: OwnerKind) -> &'static str {
    match k {
        OwnerKind::Deployment => "deploy",
        OwnerKind::DaemonSet => "ds",
        OwnerKind::StatefulSet => "sts",
        OwnerKind::Other => "other",
    }
}

pub fn attention(m: &ClusterModel) -> Vec<HealthItem> {
    // Each item with how much of it is down (per mille of its replicas), to rank within a level:
    // a StatefulSet with 2 of 3 down comes before a DaemonSet with 1 of 5.
    let mut out: Vec<(HealthItem, u32)> = Vec::new();
    for (key, w) in &m.workloads {
        let (ns, k, name) = key;
        let pods = m.pods_per_workload.get(key);
        let crash = pods.map_or(0, |p| p.crashlooping);
        let unavailable = w.desired.saturating_sub(w.available);
        let down = |n: u32| (n.min(w.desired) * 1000).checked_div(w.desired).unwrap_or(0);
        let (rank, note, level) = if crash > 0 {
            (0, format!("{BAD} {crash} crashlooping"), Level::Failure)
        } else if w.deadline_exceeded {
            (1, format!("{BAD} rollout stuck"), Level::Failure)
        } else if unavailable > 0 {
            (3, format!("{WARN} {unavailable} unavailable"), Level::Warning)
        } else if w.rolling {
            (4, format!("{WARN} rolling out"), Level::Warning)
        } else {
            continue;
        };
        let label = format!(
            "{:<6} {}/{}  {}/{} ready, rev {}",
            kind_name(*k),
            ns,
            name,
            w.ready,
            w.desired,
            w.revision.as_deref().unwrap_or("-")
        );
        let last = if crash > 0 {
            pods.and_then(|p| p.last_message.clone())
        } else {
            None
        };
        let share = down(crash.max(unavailable));
        out.push((
            HealthItem {
                subject: Subject::Workload(key.clone()),
                rank,
                label,
                note,
                level,
                last,
            },
            share,
        ));
    }
    for ((_, name), n) in &m.nodes {
        let (rank, note, level) = if !n.ready {
            (2, format!("{BAD} not ready"), Level::Failure)
        } else if n.pressure() {
            (3, format!("{WARN} pressure"), Level::Warning)
        } else if n.unschedulable {
            (5, format!("{WARN} cordoned"), Level::Warning)
        } else {
            continue;
        };
        let pods = m.pods_per_node.get(name).copied().unwrap_or(0);
        out.push((
            HealthItem {
                subject: Subject::Node(name.clone()),
                rank,
                label: format!("node   {name}  {pods}/{} pods", n.pod_capacity),
                note,
                level,
                last: None,
            },
            1000,
        ));
    }
    out.sort_by(|(a, a_down), (b, b_down)| {
        (a.rank, std::cmp::Reverse(a_down), &a.label).cmp(&(b.rank, std::cmp::Reverse(b_down), &b.label))
    });
    out.into_iter().map(|(item, _)| item).collect()
}

fn pod_status(p: &PodRow) -> (String, Option<Level>) {
    let status = p.status().to_string();
    if p.terminating {
        return (status, Some(Level::Warning));
    }
    if p.waiting().is_some() {
        let level = if p.crashlooping() {
            Level::Failure
        } else {
            Level::Warning
        };
        return (status, Some(level));
    }
    if p.reason().is_some() {
        return (status, Some(Level::Failure));
    }
    match p.phase {
        Phase::Running if p.ready => (status, None),
        // The drill-down has no ready column: a running pod not ready says so.
        Phase::Running => (format!("{status}, not ready"), Some(Level::Warning)),
        Phase::Pending | Phase::Unknown => (status, Some(Level::Warning)),
        Phase::Failed => (status, Some(Level::Failure)),
        Phase::Succeeded => (status, None),
    }
}

/// The pods and warning events of a workload (its own pods) or node (walks every pod once),
/// when opened or when the model settles while it is open.
pub fn detail(m: &ClusterModel, subject: &Subject) -> Detail {
    let mut pods = Vec::new();
    let (title, mentions) = match subject {
        Subject::Workload((ns, k, name)) => {
            pods.extend(m.pods_of(&(ns.clone(), *k, name.clone())).map(|(pod, p)| (ns, pod, p)));
            (format!("{} {ns}/{name}", kind_name(*k)), name.as_str().to_string())
        }
        Subject::Node(node) => {
            for ((ns, pname), p) in &m.pods {
                if p.node.as_ref() == Some(node) {
                    pods.push((ns, pname, p));
                }
            }
            (format!("node {node}"), node.as_str().to_string())
        }
        Subject::Pod(key) => {
            if let Some(p) = m.pods.get(key) {
                pods.push((&key.0, &key.1, p));
            }
            (format!("pod {}/{}", key.0, key.1), key.1.as_str().to_string())
        }
    };
    pods.sort_by(|a, b| a.1.cmp(b.1));
    let pods = pods
        .into_iter()
        .map(|(ns, name, p)| {
            let (status, level) = pod_status(p);
            let node = p.node.as_ref().map_or(String::new(), |n| format!("  on {n}"));
            DetailRow {
                pod: Some((ns.clone(), name.clone())),
                name: name.clone(),
                status: format!("{status}  restarts {}{node}", p.restarts),
                level,
                message: p.last_message().or(p.last_termination()).cloned(),
            }
        })
        .collect();
    let mut events: Vec<_> = m
        .warnings
        .values()
        .filter(|w| w.object.as_str().contains(mentions.as_str()))
        .collect();
    events.sort_by_key(|w| std::cmp::Reverse(w.last_seen));
    let events = events
        .into_iter()
        .take(50)
        .map(|w| DetailRow {
            pod: None,
            name: w.object.clone(),
            status: format!("{} ×{}", w.reason, w.count),
            level: Some(Level::Warning),
            message: Some(CleanText::line(w.message.as_str())),
        })
        .collect();
    Detail {
        subject: subject.clone(),
        title,
        pods,
        events,
        cursor: 0,
    }
}
