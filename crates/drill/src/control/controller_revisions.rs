//! The history kube-controller-manager keeps for StatefulSets and DaemonSets: one
//! ControllerRevision per pod template (`{owner}-{hash}`, controlled by the owner, labelled with
//! the template's labels plus `controller-revision-hash`, annotated as the owner), whose `data`
//! is the strategic merge patch `kubectl rollout undo` sends back: `{"spec":{"template":{...,
//! "$patch":"replace"}}}`. A template that comes back re-uses its old object with the revision
//! number raised; revisions beyond `revisionHistoryLimit` that no pod runs are deleted.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::control::deployments::{same_template, template_hash};
use crate::kinds;
use crate::sim::{Sim, controller_ref};
use crate::store::Stored;

/// The label naming a pod's (and a revision's) template hash.
pub const REVISION_HASH: &str = "controller-revision-hash";

/// The revision a workload's current template is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRevision {
    /// The ControllerRevision's name, `{owner}-{hash}`.
    pub name: String,
    pub hash: String,
    pub number: i64,
}

/// The pod template stored in a revision's `data` (without the `$patch` directive).
pub fn revision_template(revision: &Value) -> Value {
    let mut t = revision.pointer("/data/spec/template").cloned().unwrap_or(json!({}));
    if let Some(m) = t.as_object_mut() {
        m.remove("$patch");
    }
    t
}

/// The `data` the controllers store: a patch that replaces the whole pod template, written as
/// Go writes the typed template (`creationTimestamp: null`), so that kubectl, which compares
/// it byte for byte with the workload's own template, sees when they already match.
fn revision_data(template: &Value) -> Value {
    let mut t = template.clone();
    if !t.is_object() {
        t = json!({});
    }
    if !t["metadata"].is_object() {
        t["metadata"] = json!({});
    }
    t["metadata"]["creationTimestamp"] = Value::Null;
    t["$patch"] = json!("replace");
    json!({"spec": {"template": t}})
}

impl Sim {
    /// Brings `owner`'s ControllerRevisions up to date with its template and returns the one it
    /// runs. `in_use` names revisions (by object name) that live pods still run: never pruned.
    pub(crate) fn sync_revisions(&mut self, owner: &Stored, in_use: &BTreeSet<String>) -> Option<UpdateRevision> {
        let v = owner.value();
        let ns = owner.namespace.to_string();
        let template = v.pointer("/spec/template").cloned().unwrap_or(json!({}));
        // (name, hash, number, template)
        let mut history: Vec<(String, String, i64, Value)> = self
            .owned(&kinds::CONTROLLER_REVISIONS, &ns, &owner.uid)
            .into_iter()
            .filter_map(|(_, ns, n)| self.get(&kinds::CONTROLLER_REVISIONS, &ns, &n))
            .map(|r| {
                let rv = r.value();
                let hash = r.label(REVISION_HASH).unwrap_or("").to_string();
                let number = rv.get("revision").and_then(Value::as_i64).unwrap_or(0);
                (r.name.to_string(), hash, number, revision_template(&rv))
            })
            .collect();
        history.sort_by_key(|h| h.2);
        let max = history.last().map(|h| h.2).unwrap_or(0);
        let equal = history
            .iter()
            .filter(|h| same_template(&h.3, &template))
            .max_by_key(|h| h.2)
            .cloned();
        let update = match equal {
            Some((name, hash, number, _)) if number == max => UpdateRevision { name, hash, number },
            Some((name, hash, _, _)) => {
                // Rolled back: the old object becomes the newest revision.
                self.modify(kinds::CONTROLLER_REVISIONS, &ns, &name, |r| {
                    r["revision"] = json!(max + 1)
                })?;
                UpdateRevision {
                    name,
                    hash,
                    number: max + 1,
                }
            }
            None => self.create_revision(owner, &v, &template, max + 1)?,
        };
        self.prune_revisions(owner, &v, &update, in_use);
        Some(update)
    }

    fn create_revision(&mut self, owner: &Stored, v: &Value, template: &Value, number: i64) -> Option<UpdateRevision> {
        let ns = owner.namespace.to_string();
        // A name taken by another template gets a new hash, as the collision count does.
        let mut hash = template_hash(template);
        for collision in 1..10 {
            if self
                .get(&kinds::CONTROLLER_REVISIONS, &ns, &format!("{}-{hash}", owner.name))
                .is_none()
            {
                break;
            }
            hash = template_hash(&json!([template, collision]));
        }
        let name = format!("{}-{hash}", owner.name);
        let mut labels = template.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
        if !labels.is_object() {
            labels = json!({});
        }
        labels[REVISION_HASH] = json!(hash);
        let annotations = v.pointer("/metadata/annotations").cloned().unwrap_or(Value::Null);
        let revision = json!({
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": controller_ref(owner),
            },
            "data": revision_data(template),
            "revision": number,
        });
        match self.create_object(kinds::CONTROLLER_REVISIONS, revision) {
            Ok(_) => Some(UpdateRevision { name, hash, number }),
            Err(e) => {
                tracing::warn!(error = %e, revision = name, "controller revision not created");
                None
            }
        }
    }

    /// Deletes the oldest revisions beyond the owner's `revisionHistoryLimit` (default 10)
    /// that neither the template nor a live pod uses.
    fn prune_revisions(&mut self, owner: &Stored, v: &Value, update: &UpdateRevision, in_use: &BTreeSet<String>) {
        let ns = owner.namespace.to_string();
        let limit = v
            .pointer("/spec/revisionHistoryLimit")
            .and_then(Value::as_i64)
            .unwrap_or(10)
            .max(0) as usize;
        let current = v.pointer("/status/currentRevision").and_then(Value::as_str);
        let mut old: Vec<(i64, String)> = self
            .owned(&kinds::CONTROLLER_REVISIONS, &ns, &owner.uid)
            .into_iter()
            .filter_map(|(_, ns, n)| self.get(&kinds::CONTROLLER_REVISIONS, &ns, &n))
            .filter(|r| *r.name != *update.name && Some(&*r.name) != current)
            .filter(|r| !in_use.contains(&*r.name))
            .map(|r| {
                let n = r.value().get("revision").and_then(Value::as_i64).unwrap_or(0);
                (n, r.name.to_string())
            })
            .collect();
        if old.len() <= limit {
            return;
        }
        old.sort();
        let extra = old.len() - limit;
        for (_, name) in old.into_iter().take(extra) {
            self.remove_object(&kinds::CONTROLLER_REVISIONS, &ns, &name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    const SCENARIO: &str = r#"
name: revisions
title: revisions
start: "2026-11-24T14:00:00Z"
nodes: [{name: node, count: 2}]
workloads:
  - {kind: StatefulSet, name: db, namespace: data, replicas: 2, revisions: [{image: "db:0"}]}
"#;

    /// (name, revision, image) of db's revisions, oldest first.
    fn revisions(sim: &Sim) -> Vec<(String, i64, String)> {
        let mut out: Vec<(String, i64, String)> = sim
            .store
            .iter(&kinds::CONTROLLER_REVISIONS, Some("data"))
            .map(|r| {
                let v = r.value();
                let image = revision_template(&v)
                    .pointer("/spec/containers/0/image")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (r.name.to_string(), v["revision"].as_i64().unwrap_or(0), image)
            })
            .collect();
        out.sort_by_key(|r| r.1);
        out
    }

    fn set_image(sim: &mut Sim, image: &str) {
        sim.modify(kinds::STATEFULSETS, "data", "db", |s| {
            s["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
        });
        let later = sim.now + jiff::SignedDuration::from_mins(5);
        sim.advance_to(later);
    }

    #[test]
    fn history_is_bounded_and_a_template_that_comes_back_reuses_its_revision() {
        let scenario = crate::scenario::parse("revisions.yaml", SCENARIO).expect("scenario");
        let start = jiff::Timestamp::from_second(1_795_615_200).expect("start");
        let mut sim = Sim::new(scenario, 7, Clock::new(start, 1.0, true), 10_000);
        assert_eq!(revisions(&sim).len(), 1);
        for i in 1..=12 {
            set_image(&mut sim, &format!("db:{i}"));
        }
        let history = revisions(&sim);
        assert_eq!(
            history.len(),
            11,
            "10 old revisions kept, plus the one running: {history:?}"
        );
        assert_eq!(
            history.first().map(|r| r.2.as_str()),
            Some("db:2"),
            "the oldest went first"
        );
        let newest = history.last().cloned().expect("newest");
        assert_eq!((newest.1, newest.2.as_str()), (13, "db:12"));
        let status = sim.get(&kinds::STATEFULSETS, "data", "db").expect("sts").value();
        assert_eq!(status["status"]["updateRevision"], newest.0);
        assert_eq!(status["status"]["currentRevision"], newest.0, "rolled out");
        // Back to db:5: its object is re-used with the next number; nothing new is created.
        let old = history.iter().find(|r| r.2 == "db:5").cloned().expect("db:5 kept");
        set_image(&mut sim, "db:5");
        let after = revisions(&sim);
        assert_eq!(after.len(), 11);
        assert_eq!(after.last(), Some(&(old.0.clone(), 14, "db:5".to_string())));
        let owner = sim
            .get(&kinds::CONTROLLER_REVISIONS, "data", &old.0)
            .expect("revision")
            .value();
        assert_eq!(owner["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        assert_eq!(owner["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(owner["metadata"]["labels"]["app"], "db");
        // Deleting the StatefulSet takes its history with it.
        sim.remove_object(&kinds::STATEFULSETS, "data", "db");
        assert!(revisions(&sim).is_empty());
    }

    #[test]
    fn data_replaces_the_template_and_reads_back() {
        let t =
            json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "pg:16"}]}});
        let data = revision_data(&t);
        assert_eq!(data["spec"]["template"]["$patch"], "replace");
        let mut read = t.clone();
        read["metadata"]["creationTimestamp"] = Value::Null;
        assert_eq!(revision_template(&json!({"data": data})), read);
    }
}
