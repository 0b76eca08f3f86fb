//! What the detector is fed: golden-signal readings as samples of their service, and the
//! health model as samples (each followed service's workload pods not ready or crashlooping,
//! nodes gone bad) and as changes (rollouts, scaling, nodes, warnings). Reads the models;
//! changes only the detector's inputs.

use std::collections::HashMap;

use super::cause::ChangeLog;
use super::detector::{Detector, Sample, Subject};
use super::measure::Measure;
use crate::cluster::model::ClusterModel;
use crate::cluster::rows::OwnerKind;
use crate::observe::model::Reading;
use crate::text::CleanText;

/// The readings of detector measures as samples (other panels, and failed queries, left out;
/// "no data" is a gap).
pub fn readings(readings: &[Reading]) -> Vec<Sample> {
    let mut out: Vec<Sample> = readings
        .iter()
        .filter_map(|r| {
            let measure = Measure::of_panel(&r.panel)?;
            let value = r.result.as_ref().ok()?.unwrap_or(f64::NAN);
            Some(Sample {
                subject: Subject::service(&r.target.namespace, &r.target.service),
                measure,
                t: r.at,
                value,
            })
        })
        .collect();
    out.sort_by_key(|s| s.t);
    out
}

/// Samples of the cluster's condition at `t`: for each service in `scopes`, its workload's pods
/// not ready, crashlooping, pending and evicted; for each node that is bad now or was being watched, whether it
/// is NotReady and under pressure (healthy nodes never seen bad are not sampled, so a large
/// cluster costs nothing while well).
pub fn cluster<'a>(
    model: &ClusterModel,
    detector: &Detector,
    scopes: impl IntoIterator<Item = (&'a str, &'a str)>,
    t: i64,
) -> Vec<Sample> {
    let mut out = Vec::new();
    // Pending pods are few: counted by their owner, not by walking every pod.
    let mut pending: HashMap<(&str, &str), u32> = HashMap::new();
    for key in model.pending.keys() {
        if let Some(owner) = model.pods.get(key).and_then(|p| p.owner.as_ref()) {
            *pending.entry((key.0.as_str(), owner.name.as_str())).or_default() += 1;
        }
    }
    // Each followed service's workload is looked up (of whatever kind), not every workload walked.
    for (ns, name) in scopes {
        let (namespace, workload) = (CleanText::line(ns), CleanText::line(name));
        for kind in [
            OwnerKind::Deployment,
            OwnerKind::StatefulSet,
            OwnerKind::DaemonSet,
            OwnerKind::Other,
        ] {
            let key = (namespace.clone(), kind, workload.clone());
            let Some(counts) = model.pods_per_workload.get(&key) else {
                continue;
            };
            let subject = Subject::service(ns, name);
            let evicted = model
                .pods_of(&key)
                .filter(|(_, p)| p.reason().is_some_and(|r| r.as_str() == "Evicted"))
                .count();
            for (measure, value) in [
                (Measure::NotReady, counts.pods.saturating_sub(counts.ready)),
                (Measure::Crashlooping, counts.crashlooping),
                (Measure::Pending, pending.get(&(ns, name)).copied().unwrap_or(0)),
                (Measure::Evicted, u32::try_from(evicted).unwrap_or(u32::MAX)),
            ] {
                out.push(Sample {
                    subject: subject.clone(),
                    measure,
                    t,
                    value: f64::from(value),
                });
            }
        }
    }
    for ((_, name), node) in &model.nodes {
        let subject = Subject::Node(name.as_str().to_string());
        for (measure, bad) in [
            (Measure::NodeNotReady, !node.ready),
            (Measure::NodePressure, node.pressure()),
        ] {
            if bad || detector.tracks(&subject, measure) {
                out.push(Sample {
                    subject: subject.clone(),
                    measure,
                    t,
                    value: if bad { 1.0 } else { 0.0 },
                });
            }
        }
    }
    out
}

/// Tells the change log what the workloads, nodes and warnings look like at `t`.
pub fn changes(log: &mut ChangeLog, model: &ClusterModel, t: i64) {
    for ((ns, kind, name), w) in &model.workloads {
        log.workload(
            t,
            ns.as_str(),
            name.as_str(),
            *kind,
            w.revision.as_ref().map(|r| r.as_str()),
            w.image.as_ref().map(|i| i.as_str()),
            w.desired,
        );
    }
    for ((_, name), node) in &model.nodes {
        log.node(t, name.as_str(), node.ready, node.pressure());
    }
    for ((ns, _), w) in &model.warnings {
        log.warning(w.last_seen.min(t), ns.as_str(), w.object.as_str(), w.reason.as_str());
    }
}
