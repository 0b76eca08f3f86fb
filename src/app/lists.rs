//! The health pane's full lists: every node, workload, pod or Warning event the model holds,
//! with the usual columns, a filter, a sort and a cursor. The list keeps only the keys of its
//! rows in order; frames look each row up in the model, so drawing never walks the cluster.
//! The order is recomputed when the filter or sort changes and when the model settles (at most
//! every few seconds for a large list, so a busy cluster does not re-sort on every update).

use crate::cluster::describe::age;
use crate::cluster::inspect::{Kind, Target};
use crate::cluster::model::{ClusterModel, Key, WorkloadKey};
use crate::cluster::rows::OwnerKind;
use crate::text::CleanText;

use super::effect::Effect;
use super::state::{AppState, Subject};

/// Lists at most this long are re-sorted every time the model settles; longer ones every
/// `RESORT_EVERY` seconds.
const RESORT_AT_ONCE: usize = 10_000;
const RESORT_EVERY: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Nodes,
    Workloads,
    Pods,
    Events,
}

impl ListKind {
    pub const ALL: [ListKind; 4] = [ListKind::Nodes, ListKind::Workloads, ListKind::Pods, ListKind::Events];

    pub fn title(self) -> &'static str {
        match self {
            ListKind::Nodes => "Nodes",
            ListKind::Workloads => "Workloads",
            ListKind::Pods => "Pods",
            ListKind::Events => "Warning events",
        }
    }

    /// The list a palette word names (`pods`, `po`, `deploy`, `no`...).
    pub fn named(word: &str) -> Option<ListKind> {
        Some(match word {
            "nodes" | "node" | "no" => ListKind::Nodes,
            "workloads" | "workload" | "deployments" | "deploy" | "statefulsets" | "sts" | "daemonsets" | "ds" => {
                ListKind::Workloads
            }
            "pods" | "pod" | "po" => ListKind::Pods,
            "events" | "event" | "ev" => ListKind::Events,
            _ => return None,
        })
    }

    /// Column headings, widths (the last column takes the rest) and which go first when the
    /// pane is narrow (0: always shown; higher numbers are hidden first).
    pub fn columns(self) -> &'static [(&'static str, u16, u8)] {
        match self {
            ListKind::Nodes => &[
                ("NAME", 28, 0),
                ("STATUS", 28, 0),
                ("PODS", 10, 0),
                ("PRESSURE", 18, 1),
                ("ZONE", 12, 2),
            ],
            ListKind::Workloads => &[
                ("NAMESPACE", 14, 0),
                ("KIND", 12, 1),
                ("NAME", 28, 0),
                ("READY", 9, 0),
                ("UP-TO-DATE", 11, 3),
                ("AVAILABLE", 10, 2),
                ("STATE", 20, 0),
                ("IMAGE", 30, 1),
            ],
            ListKind::Pods => &[
                ("NAMESPACE", 14, 1),
                ("NAME", 40, 0),
                ("READY", 6, 0),
                ("STATUS", 18, 0),
                ("RESTARTS", 9, 0),
                ("AGE", 7, 2),
                ("NODE", 20, 1),
            ],
            ListKind::Events => &[
                ("LAST SEEN", 10, 0),
                ("NAMESPACE", 14, 1),
                ("REASON", 20, 0),
                ("OBJECT", 36, 0),
                ("COUNT", 6, 2),
                ("MESSAGE", 40, 0),
            ],
        }
    }
}

/// One row's key in the model (rows that sort alike keep this order: by namespace and name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    Node(CleanText),
    Workload(WorkloadKey),
    Pod(Key),
    Event(Key),
}

/// How a cell sorts: numbers as numbers, the rest as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Order {
    Number(i64),
    Text(String),
}

/// One cell: what is shown, and the number it sorts by when it does not sort by its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub number: Option<i64>,
}

impl Cell {
    /// How the cell sorts (its text moved, not copied).
    pub fn into_order(self) -> Order {
        match self.number {
            Some(n) => Order::Number(n),
            None => Order::Text(self.text),
        }
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell {
        text: s.into(),
        number: None,
    }
}

fn number(shown: impl Into<String>, n: i64) -> Cell {
    Cell {
        text: shown.into(),
        number: Some(n),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListView {
    pub kind: ListKind,
    /// Rows that hold this text (case-insensitive, in any column) are shown.
    pub filter: Option<String>,
    pub sort: usize,
    pub descending: bool,
    /// The rows in order, after the filter.
    pub rows: Vec<RowKey>,
    pub cursor: usize,
    /// The model changed since `rows` was made.
    pub stale: bool,
    /// When `rows` was made (wall clock).
    pub made: i64,
}

fn owner_kind(k: OwnerKind) -> &'static str {
    match k {
        OwnerKind::Deployment => "Deployment",
        OwnerKind::StatefulSet => "StatefulSet",
        OwnerKind::DaemonSet => "DaemonSet",
        OwnerKind::Other => "Other",
    }
}

/// The cells of `row` as the list shows them; None when the model no longer holds it.
pub fn cells(model: &ClusterModel, row: &RowKey, now: i64) -> Option<Vec<Cell>> {
    Some(match row {
        RowKey::Node(name) => {
            let n = model.nodes.get(&(CleanText::default(), name.clone()))?;
            let mut status = if n.unknown {
                "Unknown".to_string()
            } else if n.ready {
                "Ready".to_string()
            } else {
                "NotReady".to_string()
            };
            if n.unschedulable {
                status.push_str(",SchedulingDisabled");
            }
            let pods = model.pods_per_node.get(name).copied().unwrap_or(0);
            let pressure: Vec<&str> = [
                (n.memory_pressure, "memory"),
                (n.disk_pressure, "disk"),
                (n.pid_pressure, "pid"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, w)| *w)
            .collect();
            vec![
                text(name.to_string()),
                text(status),
                number(format!("{pods}/{}", n.pod_capacity), i64::from(pods)),
                text(if pressure.is_empty() {
                    "-".into()
                } else {
                    pressure.join(",")
                }),
                text(n.zone.as_deref().unwrap_or("-")),
            ]
        }
        RowKey::Workload(key) => {
            let w = model.workloads.get(key)?;
            let state = if w.deadline_exceeded {
                "deadline exceeded"
            } else if w.paused {
                "paused"
            } else if w.rolling {
                "rolling out"
            } else if w.ready < w.desired {
                "short"
            } else {
                "ok"
            };
            vec![
                text(key.0.to_string()),
                text(owner_kind(key.1)),
                text(key.2.to_string()),
                number(
                    format!("{}/{}", w.ready, w.desired),
                    i64::from(w.desired) - i64::from(w.ready),
                ),
                number(w.updated.to_string(), i64::from(w.updated)),
                number(w.available.to_string(), i64::from(w.available)),
                text(state),
                text(w.image.as_deref().unwrap_or("-")),
            ]
        }
        RowKey::Pod(key) => {
            let p = model.pods.get(key)?;
            let status = p.status();
            vec![
                text(key.0.to_string()),
                text(key.1.to_string()),
                text(if p.ready { "yes" } else { "no" }),
                text(status),
                number(p.restarts.to_string(), i64::from(p.restarts)),
                number(age(now - p.created), -p.created),
                text(p.node.as_deref().unwrap_or("-")),
            ]
        }
        RowKey::Event(key) => {
            let e = model.warnings.get(key)?;
            vec![
                number(age(now - e.last_seen), -e.last_seen),
                text(key.0.to_string()),
                text(e.reason.to_string()),
                text(e.object.to_string()),
                number(e.count.to_string(), i64::from(e.count)),
                text(e.message.to_string()),
            ]
        }
    })
}

fn keys(model: &ClusterModel, kind: ListKind) -> Vec<RowKey> {
    match kind {
        ListKind::Nodes => model.nodes.keys().map(|k| RowKey::Node(k.1.clone())).collect(),
        ListKind::Workloads => model.workloads.keys().cloned().map(RowKey::Workload).collect(),
        ListKind::Pods => model.pods.keys().cloned().map(RowKey::Pod).collect(),
        ListKind::Events => model.warnings.keys().cloned().map(RowKey::Event).collect(),
    }
}

/// Makes the list's rows again from the model: filtered, sorted (ties by the rows' keys),
/// the cursor kept on the same row when it is still there.
pub fn remake(view: &mut ListView, model: &ClusterModel, now: i64) {
    let selected = view.rows.get(view.cursor).cloned();
    let filter = view.filter.as_deref().map(str::to_lowercase);
    let mut rows: Vec<(Order, RowKey)> = keys(model, view.kind)
        .into_iter()
        .filter_map(|k| {
            let mut cells = cells(model, &k, now)?;
            if let Some(f) = &filter
                && !cells.iter().any(|c| c.text.to_lowercase().contains(f.as_str()))
            {
                return None;
            }
            let order = if view.sort < cells.len() {
                cells.swap_remove(view.sort).into_order()
            } else {
                Order::Number(0)
            };
            Some((order, k))
        })
        .collect();
    rows.sort_unstable_by(|a, b| {
        let by = if view.descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
        by.then_with(|| a.1.cmp(&b.1))
    });
    view.rows = rows.into_iter().map(|(_, k)| k).collect();
    view.cursor = selected
        .and_then(|s| view.rows.iter().position(|r| *r == s))
        .unwrap_or(view.cursor)
        .min(view.rows.len().saturating_sub(1));
    view.stale = false;
    view.made = now;
}

/// Opens list `kind` in the health pane (over the needs-attention view), holding only the rows
/// `filter` names; the log, inspect view or drill-down drawn over it closes.
pub fn open(state: &mut AppState, fx: &mut Vec<Effect>, kind: ListKind, filter: Option<String>) {
    let mut view = ListView {
        kind,
        filter,
        sort: 0,
        descending: false,
        rows: Vec::new(),
        cursor: 0,
        stale: true,
        made: 0,
    };
    remake(&mut view, &state.model, state.event_time());
    super::logs::close(state, fx);
    state.inspect = None;
    state.detail = None;
    state.list = Some(view);
}

/// The next list after the open one (nodes, workloads, pods, events), or the first.
pub fn next(state: &mut AppState, fx: &mut Vec<Effect>) {
    let kind = match &state.list {
        None => ListKind::Nodes,
        Some(v) => {
            let i = ListKind::ALL.iter().position(|k| *k == v.kind).unwrap_or(0);
            ListKind::ALL[(i + 1) % ListKind::ALL.len()]
        }
    };
    open(state, fx, kind, None);
}

/// Sorts by the next column; past the last, the order turns around and starts again.
pub fn sort(state: &mut AppState) {
    let now = state.event_time();
    if let Some(v) = &mut state.list {
        v.sort += 1;
        if v.sort >= v.kind.columns().len() {
            v.sort = 0;
            v.descending = !v.descending;
        }
        remake(v, &state.model, now);
    }
}

/// Reverses the order of the sorted column.
pub fn reverse(state: &mut AppState) {
    let now = state.event_time();
    if let Some(v) = &mut state.list {
        v.descending = !v.descending;
        remake(v, &state.model, now);
    }
}

/// Sets the list's filter (None: every row).
pub fn filter(state: &mut AppState, filter: Option<String>) {
    let now = state.event_time();
    if let Some(v) = &mut state.list {
        v.filter = filter;
        v.cursor = 0;
        remake(v, &state.model, now);
    }
}

/// The model settled: a short list follows at once, a long one is marked for the next tick.
pub fn settled(state: &mut AppState) {
    let now = state.event_time();
    if let Some(v) = &mut state.list {
        if v.rows.len() <= RESORT_AT_ONCE {
            remake(v, &state.model, now);
        } else {
            v.stale = true;
        }
    }
}

/// A second passed: a long list that changed is made again every few seconds.
pub fn tick(state: &mut AppState) {
    let now = state.event_time();
    if let Some(v) = &mut state.list
        && v.stale
        && now - v.made >= RESORT_EVERY
    {
        remake(v, &state.model, now);
        state.dirty = true;
    }
}

/// Moves the cursor by `d` rows.
pub fn move_cursor(view: &mut ListView, d: isize) {
    let c = view.cursor as isize + d;
    view.cursor = c.clamp(0, view.rows.len().saturating_sub(1) as isize) as usize;
}

/// The object the list's cursor is on (for an event, the object it is about).
pub fn selected(view: &ListView, model: &ClusterModel) -> Option<Target> {
    view.rows.get(view.cursor).and_then(|r| target(r, model))
}

/// The object a list row is about: itself, or for an event the object it is about.
pub fn target(row: &RowKey, model: &ClusterModel) -> Option<Target> {
    let subject = match row {
        RowKey::Node(n) => Subject::Node(n.clone()),
        RowKey::Workload(key) => Subject::Workload(key.clone()),
        RowKey::Pod(key) => Subject::Pod(key.clone()),
        RowKey::Event(key) => {
            let e = model.warnings.get(key)?;
            let (kind, name) = e.object.split_once('/')?;
            let kind = Kind::of_event_object(kind)?;
            return Some(Target {
                kind,
                namespace: if kind == Kind::Node {
                    CleanText::default()
                } else {
                    key.0.clone()
                },
                name: CleanText::line(name),
            });
        }
    };
    subject.target()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{Change, Update};
    use crate::cluster::rows::{NodeRow, Phase, PodRow, Trouble};

    fn pod(restarts: u32, created: i64, node: &str) -> PodRow {
        PodRow {
            phase: Phase::Running,
            ready: restarts == 0,
            restarts,
            trouble: Trouble {
                waiting: (restarts > 3).then(|| CleanText::line("CrashLoopBackOff")),
                last_termination: None,
                last_message: None,
                reason: None,
            }
            .boxed(),
            node: Some(CleanText::line(node)),
            owner: None,
            created,
            terminating: false,
        }
    }

    fn model() -> ClusterModel {
        let mut m = ClusterModel::new();
        for (name, restarts, created, node) in [
            ("web-a", 0, 100, "node-1"),
            ("web-b", 9, 200, "node-2"),
            ("api-c", 1, 300, "node-1"),
        ] {
            let key = (CleanText::line("shop"), CleanText::line(name));
            m.apply(Update::Pod(Change::Apply(key, pod(restarts, created, node))));
        }
        let node = NodeRow {
            ready: false,
            unknown: false,
            memory_pressure: true,
            disk_pressure: false,
            pid_pressure: false,
            unschedulable: true,
            pod_capacity: 110,
            zone: None,
        };
        m.apply(Update::Node(Change::Apply(
            (CleanText::default(), CleanText::line("node-1")),
            node,
        )));
        m
    }

    fn names(v: &ListView) -> Vec<String> {
        v.rows
            .iter()
            .map(|r| match r {
                RowKey::Pod(k) => k.1.to_string(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn view(kind: ListKind) -> ListView {
        ListView {
            kind,
            filter: None,
            sort: 0,
            descending: false,
            rows: Vec::new(),
            cursor: 0,
            stale: true,
            made: 0,
        }
    }

    #[test]
    fn pods_sort_by_any_column_and_filter_on_any_column() {
        let m = model();
        let mut v = view(ListKind::Pods);
        v.sort = 1;
        remake(&mut v, &m, 1000);
        assert_eq!(names(&v), ["api-c", "web-a", "web-b"]);
        // By restarts, most first: a number, not text ("9" > "10" as text).
        v.sort = 4;
        v.descending = true;
        remake(&mut v, &m, 1000);
        assert_eq!(names(&v), ["web-b", "api-c", "web-a"]);
        // By age: the oldest pod first when ascending by age.
        v.sort = 5;
        v.descending = true;
        remake(&mut v, &m, 1000);
        assert_eq!(names(&v), ["web-a", "web-b", "api-c"]);
        // The filter matches any column: the node's name.
        v.cursor = 1;
        v.filter = Some("NODE-1".into());
        remake(&mut v, &m, 1000);
        assert_eq!(names(&v), ["web-a", "api-c"]);
        assert_eq!(v.cursor, 1, "the cursor stays on api-c, still there");
        let row = cells(
            &m,
            &RowKey::Pod((CleanText::line("shop"), CleanText::line("web-b"))),
            1000,
        )
        .unwrap();
        let shown: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(shown, ["shop", "web-b", "no", "CrashLoopBackOff", "9", "13m", "node-2"]);
    }

    #[test]
    fn a_node_row_says_what_kubectl_would() {
        let m = model();
        let row = cells(&m, &RowKey::Node(CleanText::line("node-1")), 0).unwrap();
        let shown: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(shown, ["node-1", "NotReady,SchedulingDisabled", "2/110", "memory", "-"]);
    }

    #[test]
    fn a_row_gone_from_the_model_leaves_the_list_when_it_is_made_again() {
        let mut m = model();
        let mut v = view(ListKind::Pods);
        remake(&mut v, &m, 0);
        m.apply(Update::Pod(Change::Delete((
            CleanText::line("shop"),
            CleanText::line("web-b"),
        ))));
        assert!(cells(&m, &v.rows[0], 0).is_some());
        remake(&mut v, &m, 0);
        assert_eq!(v.rows.len(), 2);
    }
}
