//! Replaying a flight recording: the recorded objects served on the drill clock, each change
//! at the virtual moment it was recorded, so that kubectl and the console see the cluster as it
//! was. Nothing reacts to the recording (it is what happened). When a player changes an
//! object, the timeline branches: that object, and whatever the controllers then change in
//! reacting to it (and what those own), is taken over from the recording, whose later changes
//! to them no longer apply. Recorded samples go to the monitoring stack whole (it shows them as
//! the clock passes them); recorded alerts and silences are told to it at their moment.

use std::collections::HashSet;

use jiff::Timestamp;
use serde_json::Value;
use warroom_recording::record::{ObjectKey, Record, Series};

use super::clock::Clock;
use super::control::kubelet::PodRuntime;
use super::kinds::{self, ResourceKind};
use super::metrics::replayed::Replayed;
use super::sim::{Sim, Timer};

/// The recording's changes, grouped by the moment they were recorded.
#[derive(Debug, Default)]
pub struct Replay {
    pub batches: Vec<(Timestamp, Vec<Record>)>,
    /// The recorded samples, until the monitoring stack takes them.
    pub samples: Vec<Series>,
    /// Records of kinds the drill does not serve, left out.
    pub skipped: usize,
    /// Objects taken over from the recording since a player changed the timeline: (kind,
    /// namespace, name), and their UIDs (what they own is taken over too).
    pub taken: HashSet<(String, String, String)>,
    pub taken_uids: HashSet<String>,
    /// Where the players' timeline left the recording, whichever client made the change.
    pub branched: Option<Branch>,
    /// The workloads (`namespace/name`) whose signals the drill's models make since the
    /// timeline branched, told to the monitoring stack once each.
    pub modelled: HashSet<String>,
}

/// The first change a player made to a replayed cluster: when (virtual time) and to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub at: Timestamp,
    /// `Deployment shop/checkout`.
    pub object: String,
}

impl Replay {
    /// `object` was written at `at` by a player or a controller (which writes only once a
    /// player has changed something): it is the drill's from now on.
    pub fn take_over(&mut self, at: Timestamp, kind: &str, namespace: &str, name: &str, uid: &str) {
        if self.branched.is_none() {
            let object = match namespace {
                "" => format!("{kind} {name}"),
                ns => format!("{kind} {ns}/{name}"),
            };
            self.branched = Some(Branch { at, object });
        }
        self.taken
            .insert((kind.to_string(), namespace.to_string(), name.to_string()));
        if !uid.is_empty() {
            self.taken_uids.insert(uid.to_string());
        }
    }

    /// Whether the recording still says what becomes of `key` (and of `object`, by its owner).
    fn recorded(&self, key: &ObjectKey, object: Option<&Value>) -> bool {
        let taken = self
            .taken
            .contains(&(key.kind.clone(), key.namespace.clone(), key.name.clone()));
        let owner_taken = object
            .and_then(super::sim::owner_uid)
            .is_some_and(|uid| self.taken_uids.contains(&uid));
        !taken && !owner_taken
    }
}

fn header(title: &str) -> crate::scenario::Scenario {
    let mut s: crate::scenario::Scenario = serde_saphyr::from_str(
        "name: replay\ntitle: \"Replay\"\ndescription: \"A flight recording, replayed.\"\nnodes: []\n",
    )
    .expect("the replay scenario header parses");
    s.title = title.to_string();
    s
}

/// The drill's kind for a recorded object's apiVersion and kind.
fn kind_of(api_version: &str, kind: &str) -> Option<ResourceKind> {
    kinds::ALL
        .iter()
        .find(|k| k.kind == kind && k.api_version() == api_version)
        .copied()
}

/// How long after the recording's first moment its recorder may take to list the cluster.
const LISTING_MS: i64 = 120_000;

/// The batch a replay starts at: the first, unless the recording begins with a recorder's empty
/// keyframe (it started recording before its first lists came in) and a keyframe of the whole
/// cluster follows soon after (written once every kind was listed): then that one, so the
/// replay's first moment shows the cluster, not its first few objects.
fn listed(batches: &[(Timestamp, Vec<Record>)]) -> usize {
    let keyframe = |batch: &[Record]| {
        batch.iter().find_map(|r| match r {
            Record::Keyframe { objects, .. } => Some(*objects),
            _ => None,
        })
    };
    if keyframe(&batches[0].1) != Some(0) {
        return 0;
    }
    let soon = batches[0].0 + jiff::SignedDuration::from_millis(LISTING_MS);
    batches
        .iter()
        .enumerate()
        .skip(1)
        .take_while(|(_, (at, _))| *at <= soon)
        .find(|(_, (_, batch))| keyframe(batch).is_some_and(|n| n > 0))
        .map_or(0, |(i, _)| i)
}

impl Sim {
    /// A simulation replaying `records` (a recording, oldest first), titled `title`, starting at
    /// the first moment that shows the whole cluster (see `listed`) with every object recorded
    /// by then.
    pub fn replaying(records: Vec<Record>, title: &str, log_capacity: usize) -> Result<Sim, String> {
        let mut batches: Vec<(Timestamp, Vec<Record>)> = Vec::new();
        let mut samples = Vec::new();
        for r in records {
            if let Record::Samples { series, .. } = r {
                samples.extend(series);
                continue;
            }
            let at = Timestamp::from_millisecond(r.at()).map_err(|e| format!("a record's time: {e}"))?;
            match batches.last_mut() {
                Some((t, batch)) if *t == at => batch.push(r),
                _ => batches.push((at, vec![r])),
            }
        }
        if batches.is_empty() {
            return Err("the recording holds no records".into());
        }
        let first = listed(&batches);
        let start = batches[first].0;
        let mut scenario = header(title);
        // A branch that runs a recorded image again sees it behave as it did.
        scenario.images = super::recorded_images::learned(batches.iter().flat_map(|(_, b)| b));
        let mut sim = Sim::empty(scenario, 1, Clock::new(start, 1.0, false), log_capacity);
        sim.pod_events = false;
        for (i, (at, _)) in batches.iter().enumerate().skip(first + 1) {
            sim.at(*at, Timer::Replay(i));
        }
        sim.replay = Some(Replay {
            batches,
            samples,
            ..Replay::default()
        });
        for i in 0..=first {
            sim.replay_batch(i);
        }
        Ok(sim)
    }

    /// Applies the `i`th batch of the recording to the store.
    pub(crate) fn replay_batch(&mut self, i: usize) {
        let Some(mut replay) = self.replay.take() else { return };
        let batch = replay.batches[i].1.clone();
        // Inside a keyframe: how many of its objects are still to come, and those seen.
        let mut keyframe: Option<(u64, HashSet<ObjectKey>)> = None;
        for r in batch {
            match r {
                Record::Keyframe { objects, .. } => {
                    keyframe = Some((objects, HashSet::new()));
                }
                Record::Applied { object, .. } => {
                    let Some(key) = ObjectKey::of(&object) else { continue };
                    if let Some((left, seen)) = keyframe.as_mut() {
                        *left = left.saturating_sub(1);
                        seen.insert(key.clone());
                    }
                    if !replay.recorded(&key, Some(&object)) {
                        continue;
                    }
                    match kind_of(&key.api_version, &key.kind) {
                        Some(kind) => self.replay_put(kind, object),
                        None => replay.skipped += 1,
                    }
                }
                Record::Deleted { key, .. } => {
                    if let Some(kind) = kind_of(&key.api_version, &key.kind)
                        && replay.recorded(&key, None)
                    {
                        self.replay_delete(&kind, &key.namespace, &key.name);
                    }
                }
                r @ (Record::Alerts { .. } | Record::Silences { .. }) => {
                    let at = r.at();
                    self.replayed.extend(Replayed::of(r, at));
                }
                Record::Samples { .. } => {}
            }
            if let Some((0, seen)) = &keyframe {
                self.replay_keep_only(seen, &replay);
                keyframe = None;
            }
        }
        if let Some((_, seen)) = &keyframe {
            self.replay_keep_only(seen, &replay);
        }
        self.replay = Some(replay);
    }

    /// Seeks the replay to `to` (back or forward, within the recording): the store holds what
    /// the recording held then (changed objects are written again, others removed, so
    /// watchers see the jump as changes), the clock reads `to`, and the changes after it are
    /// scheduled again. Not a replay: says why.
    pub fn replay_seek(&mut self, to: Timestamp) -> Result<(), String> {
        let Some(replay) = self.replay.as_mut() else {
            return Err("seeking works in a replay; a scenario's drill cannot go back".into());
        };
        // Seeking goes back to the recording's timeline: a branch is forgotten.
        replay.taken.clear();
        replay.taken_uids.clear();
        replay.branched = None;
        replay.modelled.clear();
        let replay = &*replay;
        let (first, last) = match (replay.batches.first(), replay.batches.last()) {
            (Some((a, _)), Some((b, _))) => (*a, *b),
            _ => return Err("the recording holds no records".into()),
        };
        if to < first || to > last {
            return Err(format!("{to} is outside the recording ({first} to {last})"));
        }
        // What the recording held at `to`: its objects, and Alertmanager's last alerts and
        // silences.
        let mut then = warroom_recording::objects::Objects::default();
        let (mut alerts, mut silences) = (None, None);
        for r in replay
            .batches
            .iter()
            .take_while(|(at, _)| *at <= to)
            .flat_map(|(_, b)| b)
        {
            then.apply(r);
            match r {
                Record::Alerts { .. } => alerts = Some(r),
                Record::Silences { .. } => silences = Some(r),
                _ => {}
            }
        }
        let mut told = vec![Replayed::Seek {
            to: to.as_millisecond(),
        }];
        told.extend(
            [alerts, silences]
                .into_iter()
                .flatten()
                .filter_map(|r| Replayed::of(r.clone(), to.as_millisecond())),
        );
        let pending: Vec<(usize, Timestamp)> = replay
            .batches
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at > to)
            .map(|(i, (at, _))| (i, *at))
            .collect();
        let keys = then.keys();
        let keep: HashSet<ObjectKey> = keys.iter().map(|k| (*k).clone()).collect();
        self.replay_keep_only(&keep, &Replay::default());
        for key in keys {
            if let (Some(kind), Some(object)) = (kind_of(&key.api_version, &key.kind), then.get(key)) {
                self.replay_put(kind, object);
            }
        }
        self.drop_timers(|t| matches!(t, Timer::Replay(_)));
        for (i, at) in pending {
            self.at(at, Timer::Replay(i));
        }
        self.clock.set(to);
        self.now = to;
        // The scrapes start over from `to`, as the samples do.
        if let Some(s) = self.scraper.as_mut() {
            s.pending.clear();
            s.next_ms = to.as_millisecond() + super::metrics::observe::SCRAPE_STEP_MS;
        }
        self.replayed.extend(told);
        Ok(())
    }

    /// After `obj` was written in a replay: the top-level workload it belongs to leaves the
    /// recording's signals too, and the monitoring stack is told so once.
    pub(crate) fn branch_signals(&mut self, obj: &super::store::Stored) {
        let (ns, name) = (&*obj.namespace, &*obj.name);
        let workload = match obj.kind.kind {
            "Deployment" | "StatefulSet" | "DaemonSet" => Some(format!("{ns}/{name}")),
            "ReplicaSet" => Some(match obj.meta().owner() {
                Some((_, owner)) => format!("{ns}/{owner}"),
                None => format!("{ns}/{name}"),
            }),
            "Pod" => self
                .pods
                .get(&(ns.to_string(), name.to_string()))
                .and_then(|rt| rt.workload.clone())
                .or_else(|| self.pod_workload(ns, &obj.value())),
            _ => None,
        };
        let at = self.now.as_millisecond();
        if let (Some(workload), Some(r)) = (workload, self.replay.as_mut())
            && r.modelled.insert(workload.clone())
        {
            let pods = self
                .pods
                .iter()
                .filter(|(_, rt)| rt.workload.as_deref() == Some(workload.as_str()))
                .map(|((_, pod), _)| pod.clone())
                .collect();
            self.replayed.push(Replayed::Branched { workload, pods, at });
        }
    }

    /// Stores a recorded object as it was (the store gives it a resourceVersion of its own).
    fn replay_put(&mut self, kind: ResourceKind, mut object: Value) {
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
        let (ns, name) = super::store::key_of(&kind, &object);
        // A recorded pod is known to the controllers as its kubelet's, so that a branch scales
        // it down or replaces it as it would any pod.
        let runtime = (kind.kind == "Pod").then(|| PodRuntime {
            workload: self.pod_workload(&ns, &object),
            ..recorded_pod(&object)
        });
        let stored = if self.store.get(&kind, &ns, &name).is_some() {
            self.store.update(kind, object)
        } else {
            self.store.create(kind, object)
        };
        match stored {
            Ok(_) => {
                if let Some(runtime) = runtime {
                    let key = (ns, name);
                    self.untrack_pod(&key);
                    self.track_pod(key, runtime);
                }
            }
            Err(e) => {
                tracing::warn!(kind = kind.kind, %ns, %name, error = %e, "a recorded object cannot be replayed");
            }
        }
    }

    /// Removes a recorded object (and a pod's kubelet state).
    fn replay_delete(&mut self, kind: &ResourceKind, ns: &str, name: &str) {
        let _ = self.store.delete(kind, ns, name);
        if kind.kind == "Pod" {
            self.untrack_pod(&(ns.to_string(), name.to_string()));
        }
    }

    /// After a keyframe: every object it did not list is gone, unless taken over.
    fn replay_keep_only(&mut self, keep: &HashSet<ObjectKey>, replay: &Replay) {
        for kind in kinds::ALL {
            let gone: Vec<(String, String)> = self
                .store
                .iter(kind, None)
                .filter(|o| {
                    let key = ObjectKey {
                        api_version: kind.api_version(),
                        kind: kind.kind.to_string(),
                        namespace: o.namespace.to_string(),
                        name: o.name.to_string(),
                    };
                    !keep.contains(&key) && replay.recorded(&key, None)
                })
                .map(|o| (o.namespace.to_string(), o.name.to_string()))
                .collect();
            for (ns, name) in gone {
                self.replay_delete(kind, &ns, &name);
            }
        }
    }
}

/// The kubelet's view of a recorded pod: its owner, node, image, restarts and whether it runs
/// and is ready, as its status says.
fn recorded_pod(pod: &Value) -> PodRuntime {
    let status = &pod["status"];
    let restarts = status["containerStatuses"][0]["restartCount"].as_u64().unwrap_or(0);
    let ready = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    let (cpu_request, memory_request) = super::control::kubelet::pod_requests(pod);
    PodRuntime {
        owner_uid: super::sim::owner_uid(pod),
        node: pod["spec"]["nodeName"].as_str().map(str::to_string),
        image: pod["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string(),
        running: status["phase"] == "Running",
        ready,
        restarts: u32::try_from(restarts).unwrap_or(u32::MAX),
        started_at: status["startTime"].as_str().map(str::to_string),
        cpu_request,
        memory_request,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, phase: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "resourceVersion": "991"},
               "spec": {"nodeName": "node-1"}, "status": {"phase": phase}})
    }

    #[test]
    fn changes_land_at_their_moment_and_a_keyframe_removes_what_it_does_not_list() {
        let t = 1_700_000_000_000;
        let applied = |at, name, phase| Record::Applied {
            at,
            object: pod(name, phase),
        };
        let key = |name: &str| ObjectKey {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: "shop".into(),
            name: name.into(),
        };
        let records = vec![
            Record::Keyframe { at: t, objects: 2 },
            applied(t, "a", "Pending"),
            applied(t, "b", "Running"),
            applied(t + 1000, "a", "Running"),
            Record::Deleted {
                at: t + 2000,
                key: key("b"),
            },
            applied(t + 2500, "c", "Running"),
            // A kind the drill does not serve is left out.
            Record::Applied {
                at: t + 2500,
                object: json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
            },
            // The recorder restarted: only a is there.
            Record::Keyframe {
                at: t + 3000,
                objects: 1,
            },
            applied(t + 3000, "a", "Succeeded"),
        ];
        let mut sim = Sim::replaying(records, "Replay of test", 1000).expect("replay");
        let phase = |sim: &Sim, name: &str| {
            sim.store
                .get(&kinds::PODS, "shop", name)
                .map(|p| p.value()["status"]["phase"].as_str().unwrap_or("").to_string())
        };
        assert_eq!(phase(&sim, "a").as_deref(), Some("Pending"));
        assert_eq!(phase(&sim, "b").as_deref(), Some("Running"));
        let start = sim.now;
        sim.advance_to(start + jiff::SignedDuration::from_millis(999));
        assert_eq!(phase(&sim, "a").as_deref(), Some("Pending"), "not yet");
        sim.advance_to(start + jiff::SignedDuration::from_millis(1000));
        assert_eq!(phase(&sim, "a").as_deref(), Some("Running"));
        sim.advance_to(start + jiff::SignedDuration::from_millis(2600));
        assert_eq!(phase(&sim, "b"), None, "deleted");
        assert_eq!(phase(&sim, "c").as_deref(), Some("Running"));
        assert_eq!(sim.replay.as_ref().map(|r| r.skipped), Some(1));
        sim.advance_to(start + jiff::SignedDuration::from_millis(3000));
        assert_eq!(phase(&sim, "a").as_deref(), Some("Succeeded"));
        assert_eq!(phase(&sim, "c"), None, "not in the keyframe");
        // Nothing reacts: no controller made or removed anything.
        assert_eq!(sim.store.count(&kinds::PODS), 1);

        // Back to the second moment, as if the rest had not happened yet; then on again.
        sim.replay_seek(start + jiff::SignedDuration::from_millis(1000))
            .expect("seek");
        assert_eq!(sim.clock.now(), start + jiff::SignedDuration::from_millis(1000));
        assert_eq!(phase(&sim, "a").as_deref(), Some("Running"));
        assert_eq!(phase(&sim, "b").as_deref(), Some("Running"), "b is back");
        assert_eq!(phase(&sim, "c"), None);
        sim.advance_to(start + jiff::SignedDuration::from_millis(2600));
        assert_eq!((phase(&sim, "b"), phase(&sim, "c").as_deref()), (None, Some("Running")));
        let outside = sim
            .replay_seek(start + jiff::SignedDuration::from_secs(60))
            .unwrap_err();
        assert!(outside.contains("outside the recording"), "{outside}");
        assert!(Sim::replaying(Vec::new(), "empty", 10).is_err());
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_796_000_000_000 + ms).expect("a time")
    }

    fn keyframe(ms: i64, objects: u64) -> (Timestamp, Vec<Record>) {
        (
            at(ms),
            vec![Record::Keyframe {
                at: at(ms).as_millisecond(),
                objects,
            }],
        )
    }

    fn applied(ms: i64) -> (Timestamp, Vec<Record>) {
        let object = serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}});
        (
            at(ms),
            vec![Record::Applied {
                at: at(ms).as_millisecond(),
                object,
            }],
        )
    }

    #[test]
    fn a_replay_starts_where_the_recorder_had_listed_the_cluster() {
        // A recorder that started before its first lists: an empty keyframe, the lists, then
        // the keyframe of the whole cluster.
        assert_eq!(
            listed(&[keyframe(0, 0), applied(40), keyframe(70, 12), applied(900)]),
            2
        );
        // A recording cut from a window that had listed long before starts at once.
        assert_eq!(listed(&[keyframe(0, 12), applied(40), keyframe(70, 12)]), 0);
        // An empty cluster, or a keyframe long after (the next piece of the window): no skip.
        assert_eq!(listed(&[keyframe(0, 0), applied(40), keyframe(LISTING_MS + 1, 12)]), 0);
        assert_eq!(listed(&[keyframe(0, 0), applied(40)]), 0);
    }
}
