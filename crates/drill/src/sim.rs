//! The simulation's single owner of state: the object store, the virtual clock, the scenario,
//! the seeded random source, the timer queue and the controllers' work queue. HTTP handlers
//! and the clock task call into it under one lock; controllers live in `control/`.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::clock::Clock;
use super::control::kubelet::PodRuntime;
use super::kinds::{self, ResourceKind};
use super::scenario::Scenario;
use super::store::{Store, StoreError, Stored};

/// Something a controller must look at again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Work {
    Deployment(String, String),
    ReplicaSet(String, String),
    DaemonSet(String, String),
    StatefulSet(String, String),
    Pdbs(String),
    /// The Endpoints and EndpointSlices of a namespace's Services.
    Endpoints(String),
    Schedule,
    NodePressure(String),
}

/// A timed event in virtual time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    Fault(usize),
    /// A kubelet step for a pod, valid only while the pod's generation counter matches.
    Pod {
        namespace: String,
        name: String,
        step: super::control::kubelet::Step,
        epoch: u64,
    },
    /// Pods on a NotReady node are evicted when this fires (if the node is still NotReady).
    NodeEviction {
        node: String,
        epoch: u64,
    },
    /// The kubelet re-checks memory use on a node under pressure.
    PressureCheck(String),
    /// A deployment's progress deadline.
    Deadline(String, String),
    /// A synthetic cluster's pods probed again (`Churn`), every virtual second.
    Churn,
    /// The next batch of a replayed recording.
    Replay(usize),
    /// The autoscaler controller's next pass over every HPA.
    Autoscale,
    /// A warm-up revision of a workload being rolled out before the drill starts.
    WarmupRevision {
        workload: usize,
        revision: usize,
    },
}

/// What is bound to a node: its pods and the sum of their requests.
#[derive(Debug, Clone, Default)]
pub struct NodeLoad {
    pub cpu: f64,
    pub memory: f64,
    pub pods: BTreeSet<(String, String)>,
}

/// One request the API served, for drills and tests to audit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    pub user_agent: String,
    pub status: u16,
    pub dry_run: bool,
    /// The apiVersion and kind of the body, where the handler reads one that can come in
    /// several versions (evictions: `policy/v1beta1 Eviction`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

pub struct Sim {
    pub store: Store,
    pub clock: Clock,
    pub scenario: Scenario,
    /// The virtual time the simulation has been brought up to.
    pub now: Timestamp,
    pub start: Timestamp,
    rng: ChaCha8Rng,
    timers: BinaryHeap<Reverse<(Timestamp, u64, Timer)>>,
    timer_seq: u64,
    pub(crate) work: BTreeSet<Work>,
    pub(crate) pods: HashMap<(String, String), PodRuntime>,
    /// Pods by their controller owner's UID, so controllers never walk every pod.
    by_owner: HashMap<String, BTreeSet<(String, String)>>,
    /// Pods with no controller owner, which a ReplicaSet selecting them adopts.
    pub(crate) orphans: BTreeSet<(String, String)>,
    /// Pods not bound to a node yet (the scheduler's queue).
    pub(crate) unbound: BTreeSet<(String, String)>,
    pub(crate) node_epochs: HashMap<String, u64>,
    /// The pods bound to each node and the sum of their requests.
    pub(crate) node_alloc: HashMap<String, NodeLoad>,
    /// Nodes whose MemoryPressure came from pods' usage (not from a scripted fault).
    pub(crate) pressure_from_usage: BTreeSet<String>,
    /// Workload usage overrides from faults: `ns/name` → (cpu cores, memory bytes).
    pub(crate) usage: HashMap<String, (Option<f64>, Option<f64>)>,
    /// Traffic surges from faults: `ns/name` → times the scenario's traffic.
    pub(crate) surges: HashMap<String, f64>,
    /// Each traffic workload's per-pod load (see `control::load`), refreshed at each scrape.
    pub(crate) loads: HashMap<String, f64>,
    /// Whether the autoscaler controller's timer is running.
    pub(crate) autoscaling: bool,
    /// Each HPA's recent recommendations, for scale-down stabilization.
    pub(crate) recommendations: HashMap<(String, String), Vec<(Timestamp, i64)>>,
    pub requests: Vec<RequestRecord>,
    pub(crate) event_index: HashMap<(String, String, String), (String, String)>,
    pub(crate) event_order: std::collections::VecDeque<(String, String)>,
    /// Emit per-pod lifecycle Events (off for synthetic scale clusters).
    pub pod_events: bool,
    /// The metrics' scrape schedule, once started (observations at exact step times).
    pub(crate) scraper: Option<super::metrics::observe::Scraper>,
    /// A synthetic cluster's pod status updates, if it churns.
    pub(crate) churn: Option<Churn>,
    /// The recording it replays, if it replays one (its controllers then stand still).
    pub(crate) replay: Option<super::replay::Replay>,
    /// What a replay told the monitoring stack since it last looked (recorded alerts and
    /// silences, seeks).
    pub(crate) replayed: Vec<super::metrics::replayed::Replayed>,
    /// The scenario's faults played so far (by index), each once, on time or injected early.
    pub(crate) played: BTreeSet<usize>,
    /// While a write is applied, the simulation stays at the time it is logged at (the clock
    /// runs on; the simulation catches up after).
    pub(crate) hold: Option<Timestamp>,
}

/// Pod status updates a synthetic cluster makes each virtual second, round the pods in turn.
#[derive(Debug, Clone)]
pub struct Churn {
    pub per_second: usize,
    pub cursor: usize,
    /// The pods taken in turn (those of the built cluster, in order).
    pub pods: Vec<(String, String)>,
}

impl Sim {
    /// An empty simulation at `start`, before any scenario objects exist.
    pub fn empty(scenario: Scenario, seed: u64, clock: Clock, log_capacity: usize) -> Self {
        let start = clock.now();
        Sim {
            store: Store::new(log_capacity),
            now: start,
            start,
            clock,
            scenario,
            rng: ChaCha8Rng::seed_from_u64(seed),
            timers: BinaryHeap::new(),
            timer_seq: 0,
            work: BTreeSet::new(),
            pods: HashMap::new(),
            by_owner: HashMap::new(),
            orphans: BTreeSet::new(),
            unbound: BTreeSet::new(),
            node_epochs: HashMap::new(),
            node_alloc: HashMap::new(),
            pressure_from_usage: BTreeSet::new(),
            usage: HashMap::new(),
            surges: HashMap::new(),
            loads: HashMap::new(),
            autoscaling: false,
            recommendations: HashMap::new(),
            requests: Vec::new(),
            event_index: HashMap::new(),
            event_order: Default::default(),
            pod_events: true,
            scraper: None,
            churn: None,
            replay: None,
            replayed: Vec::new(),
            played: BTreeSet::new(),
            hold: None,
        }
    }

    /// Pauses or resumes the clock, or sets its speed (×1 is real time), from now.
    pub(crate) fn set_pace(&mut self, paused: Option<bool>, speed: Option<f64>) -> Result<(), String> {
        if let Some(s) = speed
            && !(s.is_finite() && s >= 0.0)
        {
            return Err(format!("speed must be a non-negative number, not {s}"));
        }
        self.sync();
        if let Some(s) = speed {
            self.clock.set_speed(s);
        }
        match paused {
            Some(true) => self.clock.pause(),
            Some(false) => self.clock.resume(),
            None => {}
        }
        Ok(())
    }

    /// Schedules `timer` at virtual time `at`.
    pub fn at(&mut self, at: Timestamp, timer: Timer) {
        self.timer_seq += 1;
        self.timers.push(Reverse((at, self.timer_seq, timer)));
    }

    /// Schedules `timer` `after` from now.
    pub fn after(&mut self, after: SignedDuration, timer: Timer) {
        let at = self.now.checked_add(after).unwrap_or(self.now);
        self.at(at, timer);
    }

    /// Forgets every scheduled timer `drop` picks.
    pub(crate) fn drop_timers(&mut self, drop: impl Fn(&Timer) -> bool) {
        self.timers.retain(|Reverse((_, _, t))| !drop(t));
    }

    pub fn queue(&mut self, w: Work) {
        self.work.insert(w);
    }

    /// Brings the simulation to the clock's virtual time.
    pub fn sync(&mut self) {
        let now = self.clock.now();
        self.advance_to(self.hold.map_or(now, |h| h.min(now)));
    }

    /// Runs every timer due up to `target`, each at its own virtual time, then the controllers.
    /// Work a write left for the controllers is done first, at the time of the write, however
    /// long after it the simulation is next brought up to date.
    pub fn advance_to(&mut self, target: Timestamp) {
        self.reconcile();
        loop {
            let due = matches!(self.timers.peek(), Some(Reverse((t, _, _))) if *t <= target);
            if !due {
                break;
            }
            let Some(Reverse((t, _, timer))) = self.timers.pop() else {
                break;
            };
            self.scrape_until(t.as_millisecond(), false);
            if t > self.now {
                self.now = t;
            }
            self.fire(timer);
            self.reconcile();
        }
        if target > self.now {
            self.now = target;
        }
        self.reconcile();
        self.scrape_until(self.now.as_millisecond(), true);
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Fault(i) => self.apply_fault(i),
            Timer::Pod {
                namespace,
                name,
                step,
                epoch,
            } => self.pod_step(&namespace, &name, step, epoch),
            Timer::NodeEviction { node, epoch } => self.evict_unreachable(&node, epoch),
            Timer::PressureCheck(node) => self.queue(Work::NodePressure(node)),
            Timer::Deadline(ns, name) => self.queue(Work::Deployment(ns, name)),
            Timer::WarmupRevision { workload, revision } => self.warmup_revision(workload, revision),
            Timer::Churn => self.churn(),
            Timer::Replay(i) => self.replay_batch(i),
            Timer::Autoscale => self.autoscale(),
        }
    }

    /// Probes the next `per_second` pods again: each one's Ready condition gets a new
    /// `lastProbeTime`, a status update every watcher of pods sees.
    fn churn(&mut self) {
        let Some(mut churn) = self.churn.take() else { return };
        if churn.pods.is_empty() {
            churn.pods = self.pods.keys().cloned().collect();
            churn.pods.sort();
        }
        let keys = &churn.pods;
        let now = format_time(self.now);
        for i in 0..churn.per_second.min(keys.len()) {
            let (ns, name) = &keys[(churn.cursor + i) % keys.len()];
            let Some(pod) = self.store.get(&kinds::PODS, ns, name) else {
                continue;
            };
            let mut v = pod.value();
            if let Some(conditions) = v.pointer_mut("/status/conditions").and_then(Value::as_array_mut) {
                for c in conditions.iter_mut().filter(|c| c["type"] == "Ready") {
                    c["lastProbeTime"] = Value::from(now.as_str());
                }
            }
            let _ = self.store.update(kinds::PODS, v);
        }
        churn.cursor = (churn.cursor + churn.per_second) % churn.pods.len().max(1);
        self.churn = Some(churn);
        self.after(SignedDuration::from_secs(1), Timer::Churn);
    }

    /// Runs controllers until nothing is left to do (bounded, so a bug cannot hang the server).
    pub fn reconcile(&mut self) {
        for _ in 0..100_000 {
            let Some(w) = self.work.pop_first() else {
                return;
            };
            match w {
                Work::Deployment(ns, n) => self.reconcile_deployment(&ns, &n),
                Work::ReplicaSet(ns, n) => self.reconcile_replicaset(&ns, &n),
                Work::DaemonSet(ns, n) => self.reconcile_daemonset(&ns, &n),
                Work::StatefulSet(ns, n) => self.reconcile_statefulset(&ns, &n),
                Work::Pdbs(ns) => self.reconcile_pdbs(&ns),
                Work::Endpoints(ns) => self.reconcile_endpoints(&ns),
                Work::Schedule => self.schedule_pending(),
                Work::NodePressure(node) => self.check_node_pressure(&node),
            }
        }
        tracing::warn!("controllers did not settle after 100000 steps");
    }

    /// A fresh UID from the seeded source (same seed, same UIDs).
    pub fn uid(&mut self) -> String {
        let b: [u8; 16] = self.rng.random();
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A random pod-name suffix as Kubernetes makes them (5 chars, no vowels).
    pub fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    pub fn random_index(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.rng.random_range(0..n) }
    }

    /// RFC 3339 at second precision, as Kubernetes writes timestamps.
    pub fn timestamp(&self) -> String {
        format_time(self.now)
    }

    pub fn get(&self, kind: &ResourceKind, ns: &str, name: &str) -> Option<Arc<Stored>> {
        self.store.get(kind, ns, name)
    }

    /// Creates an object as a controller would (stamping uid and creation time when missing).
    pub fn create_object(&mut self, kind: ResourceKind, mut value: Value) -> Result<Arc<Stored>, StoreError> {
        let uid = self.uid();
        let ts = self.timestamp();
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.entry("uid").or_insert(Value::String(uid));
            meta.entry("creationTimestamp").or_insert(Value::String(ts));
        }
        let stored = self.store.create(kind, value)?;
        self.after_write(&stored);
        Ok(stored)
    }

    /// Writes a changed object and queues the controllers that care.
    pub fn update_object(&mut self, kind: ResourceKind, value: Value) -> Result<Arc<Stored>, StoreError> {
        let stored = self.store.update(kind, value)?;
        self.after_write(&stored);
        Ok(stored)
    }

    /// Reads an object, lets `f` change it, and writes it back if it changed.
    pub fn modify(
        &mut self,
        kind: ResourceKind,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Option<Arc<Stored>> {
        let current = self.store.get(&kind, ns, name)?;
        let before = current.value();
        let mut after = before.clone();
        f(&mut after);
        if after == before {
            return Some(current);
        }
        // Controllers write on top of whatever is there now; no conflict check.
        if let Some(meta) = after.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
        match self.update_object(kind, after) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(kind = kind.kind, ns, name, error = %e, "controller update refused");
                None
            }
        }
    }

    /// Removes an object for good and queues the controllers that care.
    pub fn remove_object(&mut self, kind: &ResourceKind, ns: &str, name: &str) -> Option<Arc<Stored>> {
        let gone = self.store.delete(kind, ns, name).ok()?;
        if kind.kind == "Pod" {
            let bound = self.pods.get(&(ns.to_string(), name.to_string())).filter(|r| !r.failed);
            if let Some(node) = bound.and_then(|r| r.node.clone()) {
                self.node_alloc_remove(&node, ns, name);
            }
            self.untrack_pod(&(ns.to_string(), name.to_string()));
            self.queue(Work::Schedule);
        }
        self.after_write(&gone);
        self.collect_garbage(&gone);
        Some(gone)
    }

    /// Deletes dependents whose controller owner is gone (background propagation).
    fn collect_garbage(&mut self, owner: &Stored) {
        let dependents: Vec<(ResourceKind, String, String)> = match owner.kind.kind {
            "Deployment" => self.owned(&kinds::REPLICASETS, &owner.namespace, &owner.uid),
            "ReplicaSet" => self.owned(&kinds::PODS, &owner.namespace, &owner.uid),
            "DaemonSet" | "StatefulSet" => {
                let mut all = self.owned(&kinds::PODS, &owner.namespace, &owner.uid);
                all.extend(self.owned(&kinds::CONTROLLER_REVISIONS, &owner.namespace, &owner.uid));
                all
            }
            "Namespace" => {
                let mut all = Vec::new();
                for k in kinds::ALL.iter().filter(|k| k.namespaced) {
                    for o in self.store.iter(k, Some(&owner.name)) {
                        all.push((*k, o.namespace.to_string(), o.name.to_string()));
                    }
                }
                all
            }
            _ => Vec::new(),
        };
        for (k, ns, name) in dependents {
            if k.kind == "Pod" {
                self.terminate_pod(&ns, &name, None);
            } else {
                self.remove_object(&k, &ns, &name);
            }
        }
    }

    /// Starts tracking a pod's kubelet state and indexes it.
    pub(crate) fn track_pod(&mut self, key: (String, String), runtime: PodRuntime) {
        self.index_owner(&key, runtime.owner_uid.as_deref());
        if runtime.node.is_none() {
            self.unbound.insert(key.clone());
        }
        self.pods.insert(key, runtime);
    }

    /// Indexes a pod under its controller owner, or among the orphans when it has none.
    fn index_owner(&mut self, key: &(String, String), owner: Option<&str>) {
        match owner {
            Some(owner) => {
                self.by_owner.entry(owner.to_string()).or_default().insert(key.clone());
            }
            None => {
                self.orphans.insert(key.clone());
            }
        }
    }

    /// Takes a pod out of the index `index_owner` put it in.
    fn unindex_owner(&mut self, key: &(String, String), owner: Option<&str>) {
        match owner {
            Some(owner) => {
                if let Some(set) = self.by_owner.get_mut(owner) {
                    set.remove(key);
                    if set.is_empty() {
                        self.by_owner.remove(owner);
                    }
                }
            }
            None => {
                self.orphans.remove(key);
            }
        }
    }

    /// Forgets a pod's controller owner (it let the pod go); the pod keeps running.
    pub(crate) fn disown_pod(&mut self, key: &(String, String)) {
        let Some(owner) = self.pods.get_mut(key).and_then(|rt| rt.owner_uid.take()) else {
            return;
        };
        self.unindex_owner(key, Some(&owner));
        self.index_owner(key, None);
    }

    /// Makes an orphan pod `owner_uid`'s (a controller adopted it).
    pub(crate) fn own_pod(&mut self, key: &(String, String), owner_uid: &str) {
        let Some(rt) = self.pods.get_mut(key) else {
            return;
        };
        rt.owner_uid = Some(owner_uid.to_string());
        self.unindex_owner(key, None);
        self.index_owner(key, Some(owner_uid));
    }

    pub(crate) fn untrack_pod(&mut self, key: &(String, String)) {
        let owner = self.pods.remove(key).and_then(|rt| rt.owner_uid);
        self.unindex_owner(key, owner.as_deref());
        self.unbound.remove(key);
    }

    /// Live pods (not terminating, not failed) whose controller owner has `uid`, by name.
    pub(crate) fn live_owned(&self, uid: &str) -> Vec<(&(String, String), &PodRuntime)> {
        self.by_owner
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|k| self.pods.get_key_value(k))
            .filter(|(_, r)| !r.terminating && !r.failed)
            .collect()
    }

    /// Objects of `kind` in `ns` whose controller owner has `uid`.
    pub fn owned(&self, kind: &ResourceKind, ns: &str, uid: &str) -> Vec<(ResourceKind, String, String)> {
        self.store
            .iter(kind, Some(ns))
            .filter(|o| owner_uid(&o.value()).as_deref() == Some(uid))
            .map(|o| (*kind, o.namespace.to_string(), o.name.to_string()))
            .collect()
    }

    fn after_write(&mut self, obj: &Stored) {
        // In a replay, whatever a player or a controller writes leaves the recording's timeline.
        if let Some(r) = self.replay.as_mut() {
            r.take_over(self.now, obj.kind.kind, &obj.namespace, &obj.name, &obj.uid);
            self.branch_signals(obj);
        }
        let ns = obj.namespace.to_string();
        match obj.kind.kind {
            "Deployment" => self.queue(Work::Deployment(ns, obj.name.to_string())),
            "DaemonSet" => self.queue(Work::DaemonSet(ns, obj.name.to_string())),
            "StatefulSet" => self.queue(Work::StatefulSet(ns, obj.name.to_string())),
            "PodDisruptionBudget" => self.queue(Work::Pdbs(ns)),
            "Service" => self.queue(Work::Endpoints(ns)),
            "HorizontalPodAutoscaler" => self.start_autoscaling(),
            "ReplicaSet" => {
                self.queue(Work::ReplicaSet(ns.clone(), obj.name.to_string()));
                if let Some((kind, name)) = obj.meta().owner()
                    && kind == "Deployment"
                {
                    self.queue(Work::Deployment(ns, name));
                }
            }
            "Pod" => {
                self.queue(Work::Pdbs(ns.clone()));
                self.queue(Work::Endpoints(ns.clone()));
                // An orphan relabeled may now be selected by a ReplicaSet, which adopts it.
                if self.orphans.contains(&(ns.clone(), obj.name.to_string())) {
                    let replicasets: Vec<String> = self
                        .store
                        .iter(&kinds::REPLICASETS, Some(&ns))
                        .map(|r| r.name.to_string())
                        .collect();
                    for name in replicasets {
                        self.queue(Work::ReplicaSet(ns.clone(), name));
                    }
                }
                if let Some((kind, name)) = obj.meta().owner() {
                    match kind.as_str() {
                        "ReplicaSet" => self.queue(Work::ReplicaSet(ns, name)),
                        "DaemonSet" => self.queue(Work::DaemonSet(ns, name)),
                        "StatefulSet" => self.queue(Work::StatefulSet(ns, name)),
                        _ => {}
                    }
                }
            }
            "Node" => {
                self.queue(Work::Schedule);
                let daemonsets: Vec<(String, String)> = self
                    .store
                    .iter(&kinds::DAEMONSETS, None)
                    .map(|d| (d.namespace.to_string(), d.name.to_string()))
                    .collect();
                for (ns, name) in daemonsets {
                    self.queue(Work::DaemonSet(ns, name));
                }
            }
            _ => {}
        }
    }
}

/// RFC 3339 at second precision.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The controller owner reference (kind, name) of an object.
/// The owner reference that controls an object (or its first one).
fn controlling_ref(v: &Value) -> Option<&Value> {
    crate::store::controlling(v.pointer("/metadata/ownerReferences")?)
}

pub fn owner_of(v: &Value) -> Option<(String, String)> {
    crate::store::kind_and_name(controlling_ref(v)?)
}

pub fn owner_uid(v: &Value) -> Option<String> {
    Some(controlling_ref(v)?.get("uid")?.as_str()?.to_string())
}

/// An owner reference pointing at `owner` as its controller.
pub fn controller_ref(owner: &Stored) -> Value {
    serde_json::json!([{
        "apiVersion": owner.kind.api_version(),
        "kind": owner.kind.kind,
        "name": &*owner.name,
        "uid": &*owner.uid,
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}
