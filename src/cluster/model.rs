//! The compact health model of one cluster: rows per node, workload, pod and Warning event,
//! plus aggregates kept current on every change (no frame walks every pod), and each source's
//! freshness. It is plain data changed by `apply`; it does no I/O and draws nothing.

use crate::text::CleanText;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::rows::{NodeRow, Owner, OwnerKind, Phase, PodRow, WarningRow, WorkloadRow};
use crate::freshness::Freshness;

/// A namespaced object's key; cluster-scoped objects have an empty namespace.
pub type Key = (CleanText, CleanText);

/// A watched resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Nodes,
    Pods,
    Deployments,
    DaemonSets,
    StatefulSets,
    Events,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Nodes,
        Resource::Pods,
        Resource::Deployments,
        Resource::DaemonSets,
        Resource::StatefulSets,
        Resource::Events,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Resource::Nodes => "nodes",
            Resource::Pods => "pods",
            Resource::Deployments => "deployments",
            Resource::DaemonSets => "daemonsets",
            Resource::StatefulSets => "statefulsets",
            Resource::Events => "events",
        }
    }
}

/// A change from a watcher, already projected to rows.
#[derive(Debug, Clone)]
pub enum Change<R> {
    /// A (re)list starts, cluster-wide or in one namespace: rows of that scope not seen
    /// before `Listed` are gone.
    Relist(Option<CleanText>),
    Apply(Key, R),
    Delete(Key),
    /// The (re)list of that scope is complete.
    Listed(Option<CleanText>),
}

/// What watchers send to the model's owner.
#[derive(Debug, Clone)]
pub enum Update {
    Node(Change<NodeRow>),
    Pod(Change<PodRow>),
    Workload(OwnerKind, Change<WorkloadRow>),
    Warning(Change<WarningRow>),
    Freshness(Resource, Freshness),
    /// The source now follows these namespaces one by one (cluster-wide list was forbidden).
    Fallback(Resource, Vec<String>),
    /// The API server stopped answering the periodic probe (since: when it last answered), or
    /// answers again. Watches on a frozen server send nothing, not even an error.
    ApiServer(Option<(i64, CleanText)>),
    /// Changes a watcher read together, in order: one message where a list of 150,000 pods
    /// would otherwise wake the model's owner 150,000 times (`cargo bench --bench cluster_model`).
    Burst(Vec<Update>),
}

/// Counts kept current on every change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub nodes: u32,
    pub nodes_ready: u32,
    pub nodes_not_ready: u32,
    pub nodes_cordoned: u32,
    pub nodes_pressure: u32,
    pub pods: u32,
    pub pods_ready: u32,
    pub pods_pending: u32,
    pub pods_running: u32,
    pub pods_failed: u32,
    pub pods_succeeded: u32,
    pub pods_crashlooping: u32,
    pub pods_terminating: u32,
}

/// Pod counts for one workload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodCounts {
    pub pods: u32,
    pub ready: u32,
    pub crashlooping: u32,
    pub restarts: u32,
    pub oomkilled: u32,
    /// The most recent termination message seen among the pods.
    pub last_message: Option<CleanText>,
    /// The pods' names, so one workload's pods are found without walking every pod.
    pub names: std::collections::HashSet<CleanText>,
}

/// (namespace, kind, name) of a workload.
pub type WorkloadKey = (CleanText, OwnerKind, CleanText);

#[derive(Debug, Default)]
pub struct ClusterModel {
    pub nodes: HashMap<Key, NodeRow>,
    pub pods: HashMap<Key, PodRow>,
    pub workloads: HashMap<WorkloadKey, WorkloadRow>,
    pub warnings: HashMap<Key, WarningRow>,
    pub totals: Totals,
    pub pods_per_node: HashMap<CleanText, u32>,
    pub pods_per_workload: HashMap<WorkloadKey, PodCounts>,
    /// Pending pods and when they were created, for "pending too long".
    pub pending: BTreeMap<Key, i64>,
    pub warnings_by_reason: BTreeMap<CleanText, u32>,
    /// Each source's own freshness, as its watcher reports it; `shown` adds the API server's.
    pub freshness: BTreeMap<Resource, Freshness>,
    /// The API server has not answered the probe since this time, with why.
    pub server_silent: Option<(i64, CleanText)>,
    pub fallback: BTreeMap<Resource, Vec<String>>,
    relisting: HashMap<(Resource, Option<CleanText>), HashSet<Key>>,
    /// Namespaces listed so far by sources that follow namespace by namespace.
    listed: HashSet<(Resource, CleanText)>,
    /// Updates applied, for tests and benchmarks.
    pub applied: u64,
    /// The rows came from the last recorded picture, taken at this time (seconds since the
    /// epoch), and not every watch has listed yet: what is shown may be out of date.
    pub recorded: Option<i64>,
}

fn workload_key(ns: &CleanText, owner: &Owner) -> WorkloadKey {
    (ns.clone(), owner.kind, owner.name.clone())
}

impl ClusterModel {
    pub fn new() -> Self {
        let mut m = ClusterModel::default();
        for s in Resource::ALL {
            m.freshness.insert(s, Freshness::Connecting);
        }
        m
    }

    /// How current `source` is: its watcher's word, unless the API server has stopped
    /// answering, which makes live data stale since the server last answered.
    pub fn shown(&self, source: Resource) -> Freshness {
        let own = self.freshness.get(&source).cloned().unwrap_or(Freshness::Connecting);
        match (&self.server_silent, own) {
            (Some((since, error)), Freshness::Live { .. }) => Freshness::Reconnecting {
                since: *since,
                error: error.clone(),
            },
            (_, own) => own,
        }
    }

    /// Every source has finished its first list (in every namespace, for a fallback source):
    /// the picture is whole, though it may since have gone stale (and stays on screen).
    pub fn complete(&self) -> bool {
        Resource::ALL.iter().all(|s| {
            self.freshness
                .get(s)
                .is_some_and(|f| matches!(f, Freshness::Live { .. } | Freshness::Reconnecting { .. }))
                && self.fallback.get(s).is_none_or(|namespaces| {
                    namespaces
                        .iter()
                        .all(|ns| self.listed.contains(&(*s, CleanText::line(ns.as_str()))))
                })
        })
    }

    fn mark_listed(&mut self, source: Resource, scope: &Option<CleanText>) {
        if let Some(ns) = scope {
            self.listed.insert((source, ns.clone()));
        }
    }

    pub fn apply(&mut self, update: Update) {
        self.applied += 1;
        match update {
            Update::Node(c) => self.change(Resource::Nodes, c, Self::set_node, Self::remove_node),
            Update::Pod(c) => self.change(Resource::Pods, c, Self::set_pod, Self::remove_pod),
            Update::Workload(kind, c) => {
                let source = match kind {
                    OwnerKind::DaemonSet => Resource::DaemonSets,
                    OwnerKind::StatefulSet => Resource::StatefulSets,
                    _ => Resource::Deployments,
                };
                match c {
                    Change::Apply(k, row) => {
                        self.seen(source, &k);
                        self.workloads.insert((k.0, kind, k.1), row);
                    }
                    Change::Delete(k) => {
                        self.workloads.remove(&(k.0, kind, k.1));
                    }
                    Change::Relist(scope) => {
                        self.relisting.insert((source, scope), HashSet::new());
                    }
                    Change::Listed(scope) => {
                        self.mark_listed(source, &scope);
                        if let Some(seen) = self.relisting.remove(&(source, scope.clone())) {
                            self.workloads.retain(|(ns, k, n), _| {
                                *k != kind
                                    || scope.as_ref().is_some_and(|s| s != ns)
                                    || seen.contains(&(ns.clone(), n.clone()))
                            });
                        }
                    }
                }
            }
            Update::Warning(c) => self.change(Resource::Events, c, Self::set_warning, Self::remove_warning),
            Update::Freshness(s, f) => {
                self.freshness.insert(s, f);
                // Every watch has answered (listed, or said why not): the live picture stands.
                if self.recorded.is_some()
                    && Resource::ALL
                        .iter()
                        .all(|s| !matches!(self.freshness.get(s), None | Some(Freshness::Connecting)))
                {
                    self.recorded = None;
                }
            }
            Update::Fallback(s, namespaces) => {
                self.fallback.insert(s, namespaces);
            }
            Update::ApiServer(silent) => self.server_silent = silent,
            Update::Burst(updates) => updates.into_iter().for_each(|u| self.apply(u)),
        }
    }

    fn seen(&mut self, source: Resource, key: &Key) {
        for scope in [None, Some(key.0.clone())] {
            if let Some(set) = self.relisting.get_mut(&(source, scope)) {
                set.insert(key.clone());
            }
        }
    }

    fn change<R>(
        &mut self,
        source: Resource,
        change: Change<R>,
        set: fn(&mut Self, Key, R),
        remove: fn(&mut Self, &Key),
    ) {
        match change {
            Change::Apply(k, row) => {
                self.seen(source, &k);
                set(self, k, row);
            }
            Change::Delete(k) => remove(self, &k),
            Change::Relist(scope) => {
                // A list into no rows finds none gone: the keys it sees need not be kept (at
                // 150,000 pods that set is a fifth of the model while it is built).
                let held = match source {
                    Resource::Nodes => self.nodes.len(),
                    Resource::Pods => self.pods.len(),
                    Resource::Events => self.warnings.len(),
                    _ => 1,
                };
                if held > 0 {
                    self.relisting.insert((source, scope), HashSet::new());
                } else {
                    self.relisting.remove(&(source, scope));
                }
            }
            Change::Listed(scope) => {
                self.mark_listed(source, &scope);
                let Some(seen) = self.relisting.remove(&(source, scope.clone())) else {
                    return;
                };
                let stale = |k: &&Key| scope.as_ref().is_none_or(|s| *s == k.0) && !seen.contains(*k);
                let gone: Vec<Key> = match source {
                    Resource::Nodes => self.nodes.keys().filter(stale).cloned().collect(),
                    Resource::Pods => self.pods.keys().filter(stale).cloned().collect(),
                    Resource::Events => self.warnings.keys().filter(stale).cloned().collect(),
                    _ => Vec::new(),
                };
                for k in gone {
                    remove(self, &k);
                }
            }
        }
    }

    fn set_node(&mut self, key: Key, row: NodeRow) {
        if let Some(old) = self.nodes.remove(&key) {
            self.count_node(&old, -1);
        }
        self.count_node(&row, 1);
        self.nodes.insert(key, row);
    }

    fn remove_node(&mut self, key: &Key) {
        if let Some(old) = self.nodes.remove(key) {
            self.count_node(&old, -1);
        }
    }

    fn count_node(&mut self, n: &NodeRow, d: i32) {
        let t = &mut self.totals;
        let add = |v: &mut u32, yes: bool| {
            if yes {
                *v = v.saturating_add_signed(d);
            }
        };
        add(&mut t.nodes, true);
        add(&mut t.nodes_ready, n.ready);
        add(&mut t.nodes_not_ready, !n.ready);
        add(&mut t.nodes_cordoned, n.unschedulable);
        add(&mut t.nodes_pressure, n.pressure());
    }

    fn set_pod(&mut self, key: Key, row: PodRow) {
        if let Some(old) = self.pods.remove(&key) {
            self.count_pod(&key, &old, -1);
        }
        self.count_pod(&key, &row, 1);
        self.pods.insert(key, row);
    }

    fn remove_pod(&mut self, key: &Key) {
        if let Some(old) = self.pods.remove(key) {
            self.count_pod(key, &old, -1);
        }
    }

    /// The pods of one workload, by name.
    pub fn pods_of<'a>(&'a self, workload: &WorkloadKey) -> impl Iterator<Item = (&'a CleanText, &'a PodRow)> + 'a {
        let ns = workload.0.clone();
        self.pods_per_workload
            .get(workload)
            .into_iter()
            .flat_map(|c| c.names.iter())
            .filter_map(move |name| self.pods.get_key_value(&(ns.clone(), name.clone())))
            .map(|((_, name), p)| (name, p))
    }

    /// The workload's pod in the worst state (crashlooping, then not ready, then most
    /// restarts; ties by name): the one to recycle or to read the log of.
    pub fn worst_pod(&self, workload: &WorkloadKey) -> Option<&CleanText> {
        self.pods_of(workload)
            .max_by_key(|(pod, p)| (p.crashlooping(), !p.ready, p.restarts, std::cmp::Reverse(*pod)))
            .map(|(pod, _)| pod)
    }

    fn count_pod(&mut self, key: &Key, p: &PodRow, d: i32) {
        let t = &mut self.totals;
        let add = |v: &mut u32, yes: bool| {
            if yes {
                *v = v.saturating_add_signed(d);
            }
        };
        add(&mut t.pods, true);
        add(&mut t.pods_ready, p.ready);
        add(&mut t.pods_pending, p.phase == Phase::Pending);
        add(&mut t.pods_running, p.phase == Phase::Running);
        add(&mut t.pods_failed, p.phase == Phase::Failed);
        add(&mut t.pods_succeeded, p.phase == Phase::Succeeded);
        add(&mut t.pods_crashlooping, p.crashlooping());
        add(&mut t.pods_terminating, p.terminating);
        if let Some(node) = &p.node {
            let n = self.pods_per_node.entry(node.clone()).or_default();
            *n = n.saturating_add_signed(d);
            if *n == 0 {
                self.pods_per_node.remove(node);
            }
        }
        if let Some(owner) = &p.owner {
            let wk = workload_key(&key.0, owner);
            let c = self.pods_per_workload.entry(wk.clone()).or_default();
            c.pods = c.pods.saturating_add_signed(d);
            if d > 0 {
                c.names.insert(key.1.clone());
            } else {
                c.names.remove(&key.1);
            }
            if p.ready {
                c.ready = c.ready.saturating_add_signed(d);
            }
            if p.crashlooping() {
                c.crashlooping = c.crashlooping.saturating_add_signed(d);
            }
            if p.last_termination().map(CleanText::as_str) == Some("OOMKilled") {
                c.oomkilled = c.oomkilled.saturating_add_signed(d);
            }
            c.restarts = c.restarts.saturating_add_signed(d * p.restarts as i32);
            if d > 0 && p.last_message().is_some() {
                c.last_message = p.last_message().cloned();
            }
            if c.pods == 0 {
                self.pods_per_workload.remove(&wk);
            }
        }
        if p.phase == Phase::Pending && !p.terminating {
            if d > 0 {
                self.pending.insert(key.clone(), p.created);
            } else {
                self.pending.remove(key);
            }
        }
    }

    fn set_warning(&mut self, key: Key, row: WarningRow) {
        self.remove_warning(&key);
        *self.warnings_by_reason.entry(row.reason.clone()).or_default() += row.count;
        self.warnings.insert(key, row);
    }

    fn remove_warning(&mut self, key: &Key) {
        if let Some(old) = self.warnings.remove(key)
            && let Some(n) = self.warnings_by_reason.get_mut(&old.reason)
        {
            *n = n.saturating_sub(old.count);
            if *n == 0 {
                self.warnings_by_reason.remove(&old.reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::Trouble;

    fn key(ns: &str, n: &str) -> Key {
        (CleanText::line(ns), CleanText::line(n))
    }

    #[test]
    fn a_silent_api_server_makes_live_data_stale_and_the_picture_stays_whole() {
        let mut m = ClusterModel::new();
        for s in Resource::ALL {
            m.apply(Update::Freshness(s, Freshness::Live { since: 100 }));
        }
        assert!(m.complete());
        m.apply(Update::ApiServer(Some((160, CleanText::line("no answer within 3s")))));
        assert!(matches!(
            m.shown(Resource::Pods),
            Freshness::Reconnecting { since: 160, .. }
        ));
        assert!(m.complete(), "what was listed stays the picture, marked stale");
        // A watch of its own failing keeps its own words; the server answering again clears only
        // what the silence made stale.
        let e = CleanText::line("connection reset");
        m.apply(Update::Freshness(
            Resource::Nodes,
            Freshness::after_failure(e, Some(150)),
        ));
        m.apply(Update::ApiServer(None));
        assert!(m.shown(Resource::Pods).is_live());
        assert!(matches!(
            m.shown(Resource::Nodes),
            Freshness::Reconnecting { since: 150, .. }
        ));
        assert!(m.complete());
    }

    fn pod(phase: Phase, ready: bool, crash: bool, node: &str) -> PodRow {
        PodRow {
            phase,
            ready,
            restarts: if crash { 3 } else { 0 },
            trouble: Trouble {
                waiting: crash.then(|| CleanText::line("CrashLoopBackOff")),
                last_termination: None,
                last_message: None,
                reason: None,
            }
            .boxed(),
            node: Some(CleanText::line(node)),
            owner: Some(Owner {
                kind: OwnerKind::Deployment,
                name: CleanText::line("web"),
            }),
            created: 0,
            terminating: false,
        }
    }

    #[test]
    fn aggregates_follow_every_change() {
        let mut m = ClusterModel::new();
        m.apply(Update::Pod(Change::Apply(
            key("shop", "a"),
            pod(Phase::Running, true, false, "n1"),
        )));
        m.apply(Update::Pod(Change::Apply(
            key("shop", "b"),
            pod(Phase::Pending, false, false, "n1"),
        )));
        assert_eq!((m.totals.pods, m.totals.pods_ready, m.totals.pods_pending), (2, 1, 1));
        assert_eq!(m.pending.len(), 1);
        m.apply(Update::Pod(Change::Apply(
            key("shop", "b"),
            pod(Phase::Running, false, true, "n2"),
        )));
        assert_eq!(
            (m.totals.pods, m.totals.pods_pending, m.totals.pods_crashlooping),
            (2, 0, 1)
        );
        assert!(m.pending.is_empty());
        let web = &m.pods_per_workload[&(CleanText::line("shop"), OwnerKind::Deployment, CleanText::line("web"))];
        assert_eq!((web.pods, web.ready, web.crashlooping, web.restarts), (2, 1, 1, 3));
        assert_eq!(m.pods_per_node.get("n1"), Some(&1));
        let wk = (CleanText::line("shop"), OwnerKind::Deployment, CleanText::line("web"));
        let names = |m: &ClusterModel| {
            let mut n: Vec<String> = m.pods_of(&wk).map(|(name, _)| name.to_string()).collect();
            n.sort();
            n
        };
        assert_eq!(names(&m), ["a", "b"]);
        // Same name, other namespace: not this workload's.
        m.apply(Update::Pod(Change::Apply(
            key("other", "a"),
            pod(Phase::Running, true, false, "n1"),
        )));
        assert_eq!(names(&m), ["a", "b"]);
        m.apply(Update::Pod(Change::Delete(key("shop", "a"))));
        assert_eq!(m.totals.pods, 2);
        assert_eq!(names(&m), ["b"]);
        m.apply(Update::Pod(Change::Delete(key("other", "a"))));
        assert!(!m.pods_per_node.contains_key("n1"));
    }

    #[test]
    fn a_relist_drops_what_vanished_meanwhile() {
        let mut m = ClusterModel::new();
        for n in ["a", "b", "c"] {
            m.apply(Update::Pod(Change::Apply(
                key("shop", n),
                pod(Phase::Running, true, false, "n1"),
            )));
        }
        m.apply(Update::Pod(Change::Relist(None)));
        m.apply(Update::Pod(Change::Apply(
            key("shop", "a"),
            pod(Phase::Running, true, false, "n1"),
        )));
        m.apply(Update::Pod(Change::Apply(
            key("shop", "d"),
            pod(Phase::Running, true, false, "n1"),
        )));
        m.apply(Update::Pod(Change::Listed(None)));
        let mut names: Vec<&str> = m.pods.keys().map(|k| &*k.1).collect();
        names.sort();
        assert_eq!(names, ["a", "d"]);
        assert_eq!(m.totals.pods, 2);
        assert_eq!(m.pods_per_node.get("n1"), Some(&2));
    }

    #[test]
    fn a_first_list_keeps_no_set_of_what_it_saw_and_a_relist_after_it_still_drops_what_vanished() {
        let mut m = ClusterModel::new();
        m.apply(Update::Pod(Change::Relist(None)));
        for n in ["a", "b"] {
            m.apply(Update::Pod(Change::Apply(
                key("shop", n),
                pod(Phase::Running, true, false, "n1"),
            )));
        }
        assert!(
            m.relisting.is_empty(),
            "a list into no rows has nothing to compare with"
        );
        m.apply(Update::Pod(Change::Listed(None)));
        assert_eq!(m.totals.pods, 2);
        m.apply(Update::Pod(Change::Relist(None)));
        m.apply(Update::Pod(Change::Apply(
            key("shop", "b"),
            pod(Phase::Running, true, false, "n1"),
        )));
        m.apply(Update::Pod(Change::Listed(None)));
        assert_eq!(m.pods.keys().map(|k| &*k.1).collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn a_pod_row_stays_small() {
        // 150,000 of them, in a map that doubles as it grows: every word counts twice.
        assert!(std::mem::size_of::<PodRow>() <= 64, "{}", std::mem::size_of::<PodRow>());
    }
}
