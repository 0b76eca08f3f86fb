//! What changed in the cluster, remembered for a while, and which of it most likely caused a
//! deviation: a rollout of the same workload just before onset first, then its scaling, a node
//! going bad, a rollout next door, warnings in its namespace. Fed from the health model's rows
//! as they change; stamped with the detector's time. Pure.

use std::collections::{HashMap, VecDeque};

use crate::cluster::rows::OwnerKind;

/// How long changes are remembered (seconds).
const REMEMBER: i64 = 2 * 3600;
/// How many objects' Warning reasons are remembered at most.
const MAX_WARNED_OBJECTS: usize = 50_000;
/// A template change and the revision the controller gives it this soon after are one rollout.
const SAME_ROLLOUT: i64 = 120;
/// Changes this long before onset (or less) can be its cause (seconds).
pub const WINDOW: i64 = 30 * 60;

/// A change seen in the cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// A workload's pod template moved to a new revision.
    Rollout {
        kind: OwnerKind,
        from_image: Option<String>,
        to_image: Option<String>,
        from_revision: Option<String>,
        to_revision: Option<String>,
    },
    Scaled {
        kind: OwnerKind,
        from: u32,
        to: u32,
    },
    /// A node stopped being Ready, or came under pressure.
    NodeWentBad {
        what: &'static str,
    },
    /// A Warning event reason newly seen on an object.
    Warning {
        reason: String,
        object: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: i64,
    /// `namespace/name` of the workload, or `node/name`.
    pub scope: String,
    pub namespace: Option<String>,
    pub kind: ChangeKind,
}

/// One candidate cause, with the words that explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub change: Change,
    pub score: u32,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Known {
    kind: OwnerKind,
    revision: Option<String>,
    image: Option<String>,
    desired: u32,
}

/// The changes of the last two hours and what each object looked like last.
#[derive(Debug, Default)]
pub struct ChangeLog {
    changes: VecDeque<Change>,
    /// By namespace, then name: looked up without building a key, as the model is walked on
    /// every settle.
    workloads: HashMap<String, HashMap<String, Known>>,
    nodes: HashMap<String, (bool, bool)>,
    /// Namespace → object → the Warning reasons seen on it.
    warnings: HashMap<String, HashMap<String, Vec<String>>>,
}

impl ChangeLog {
    fn push(&mut self, c: Change) {
        while self.changes.front().is_some_and(|f| f.at < c.at - REMEMBER) {
            self.changes.pop_front();
        }
        self.changes.push_back(c);
    }

    /// A workload as it is now; a rollout or a scaling since it was last seen is a change.
    /// The first sight of a workload is not.
    #[allow(clippy::too_many_arguments)]
    pub fn workload(
        &mut self,
        at: i64,
        namespace: &str,
        name: &str,
        kind: OwnerKind,
        revision: Option<&str>,
        image: Option<&str>,
        desired: u32,
    ) {
        let known = self.workloads.get(namespace).and_then(|w| w.get(name));
        if known.is_some_and(|k| {
            k.kind == kind && k.desired == desired && k.revision.as_deref() == revision && k.image.as_deref() == image
        }) {
            return;
        }
        let scope = format!("{namespace}/{name}");
        let now = Known {
            kind,
            revision: revision.map(str::to_string),
            image: image.map(str::to_string),
            desired,
        };
        let Some(before) = self
            .workloads
            .entry(namespace.to_string())
            .or_default()
            .insert(name.to_string(), now.clone())
        else {
            return;
        };
        if before.revision != now.revision || before.image != now.image {
            // The controller numbers the revision a moment after the template changed: one
            // rollout, seen in two steps, is one change.
            if let Some(Change {
                at: then,
                kind: ChangeKind::Rollout {
                    to_image, to_revision, ..
                },
                ..
            }) = self.changes.iter_mut().rev().find(|c| c.scope == scope)
                && at - *then <= SAME_ROLLOUT
                && *to_image == now.image
            {
                *to_revision = now.revision.clone();
                return;
            }
            self.push(Change {
                at,
                scope: scope.clone(),
                namespace: Some(namespace.to_string()),
                kind: ChangeKind::Rollout {
                    kind,
                    from_image: before.image,
                    to_image: now.image,
                    from_revision: before.revision,
                    to_revision: now.revision,
                },
            });
        }
        if before.desired != now.desired {
            self.push(Change {
                at,
                scope,
                namespace: Some(namespace.to_string()),
                kind: ChangeKind::Scaled {
                    kind,
                    from: before.desired,
                    to: now.desired,
                },
            });
        }
    }

    /// A node as it is now; becoming NotReady or coming under pressure is a change.
    pub fn node(&mut self, at: i64, name: &str, ready: bool, pressure: bool) {
        if self.nodes.get(name) == Some(&(ready, pressure)) {
            return;
        }
        let before = self.nodes.insert(name.to_string(), (ready, pressure));
        let Some((was_ready, was_pressed)) = before else { return };
        let what = if was_ready && !ready {
            "became NotReady"
        } else if !was_pressed && pressure {
            "came under pressure"
        } else {
            return;
        };
        self.push(Change {
            at,
            scope: format!("node/{name}"),
            namespace: None,
            kind: ChangeKind::NodeWentBad { what },
        });
    }

    /// A Warning event; each reason on each object is a change once.
    pub fn warning(&mut self, at: i64, namespace: &str, object: &str, reason: &str) {
        let seen = self.warnings.get(namespace).and_then(|o| o.get(object));
        if seen.is_some_and(|reasons| reasons.iter().any(|r| r == reason)) {
            return;
        }
        // Objects come and go; past this many the memory starts afresh (a warning seen again is
        // stamped with when it was last seen, so an old one is no cause of anything new).
        if self.warnings.values().map(HashMap::len).sum::<usize>() >= MAX_WARNED_OBJECTS {
            self.warnings.clear();
        }
        self.warnings
            .entry(namespace.to_string())
            .or_default()
            .entry(object.to_string())
            .or_default()
            .push(reason.to_string());
        self.push(Change {
            at,
            scope: format!("{namespace}/{object}"),
            namespace: Some(namespace.to_string()),
            kind: ChangeKind::Warning {
                reason: reason.to_string(),
                object: object.to_string(),
            },
        });
    }

    /// The rollouts remembered, newest last.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter()
    }

    /// Candidate causes of a deviation of `scope` that began at `onset` (`signal`: how the
    /// deviation is said, e.g. "the error ratio"), most likely first.
    pub fn causes(&self, scope: &str, onset: i64, signal: &str) -> Vec<Cause> {
        let namespace = scope.split_once('/').map(|(ns, _)| ns).filter(|ns| *ns != "node");
        let mut out: Vec<Cause> = self
            .changes
            .iter()
            .filter(|c| c.at <= onset + 60 && c.at >= onset - WINDOW)
            .filter_map(|c| {
                let before = minutes(onset - c.at);
                let same = c.scope == scope;
                let near = namespace.is_some() && c.namespace.as_deref() == namespace;
                let (score, why) = match &c.kind {
                    ChangeKind::Rollout {
                        to_image, to_revision, ..
                    } if same => (
                        90,
                        format!(
                            "the rollout to {} began {before} before {signal} left its band",
                            rollout_words(to_image.as_deref(), to_revision.as_deref())
                        ),
                    ),
                    ChangeKind::Rollout { .. } if near => (
                        30,
                        format!("{} was rolled out in the same namespace {before} before", c.scope),
                    ),
                    ChangeKind::Scaled { from, to, .. } if same => (
                        50,
                        format!("it was scaled from {from} to {to} replicas {before} before"),
                    ),
                    // A node's own condition is what deviates, not why; another node going bad
                    // at the same moment deviates with it (it is listed as such), and only one
                    // that went bad well before can be why.
                    ChangeKind::NodeWentBad { .. } if same => return None,
                    ChangeKind::NodeWentBad { .. } if namespace.is_none() && c.at > onset - 60 => return None,
                    ChangeKind::NodeWentBad { what } => (40, format!("{} {what} {before} before", c.scope)),
                    ChangeKind::Warning { reason, object } if near || same => {
                        (20, format!("warning {reason} on {object} {before} before"))
                    }
                    _ => return None,
                };
                // Nearer in time is likelier, among causes of one kind.
                let recency = u32::try_from((WINDOW - (onset - c.at).max(0)) / 60)
                    .unwrap_or(0)
                    .min(30);
                Some(Cause {
                    change: c.clone(),
                    score: score + recency / 6,
                    why,
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.cmp(&a.score).then(b.change.at.cmp(&a.change.at)));
        // One warning reason counts once, however many pods it was seen on.
        let mut reasons = Vec::new();
        out.retain(|c| match &c.change.kind {
            ChangeKind::Warning { reason, .. } if reasons.contains(reason) => false,
            ChangeKind::Warning { reason, .. } => {
                reasons.push(reason.clone());
                true
            }
            _ => true,
        });
        out
    }
}

fn rollout_words(image: Option<&str>, revision: Option<&str>) -> String {
    match (image, revision) {
        (Some(i), Some(r)) => format!("{i} (revision {r})"),
        (Some(i), None) => i.to_string(),
        (None, Some(r)) => format!("revision {r}"),
        (None, None) => "a new revision".into(),
    }
}

/// "3 min", "40 s", or "moments" for a change at (or just after) onset.
fn minutes(secs: i64) -> String {
    match secs {
        s if s <= 0 => "moments".into(),
        s if s < 120 => format!("{s} s"),
        s => format!("{} min", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rollout_of_the_deviating_service_just_before_onset_comes_first() {
        let mut log = ChangeLog::default();
        let d = OwnerKind::Deployment;
        log.workload(0, "shop", "checkout", d, Some("2"), Some("checkout:1.9.3"), 4);
        log.workload(0, "shop", "cart", d, Some("5"), Some("cart:3.2.0"), 3);
        log.node(0, "node-3", true, false);
        log.workload(1000, "shop", "cart", d, Some("6"), Some("cart:3.3.0"), 3);
        log.node(1100, "node-3", false, false);
        log.workload(1200, "shop", "checkout", d, Some("3"), Some("checkout:2.0.0"), 4);
        log.warning(1300, "shop", "pod/checkout-7-x", "BackOff");
        let causes = log.causes("shop/checkout", 1380, "the error ratio");
        let why: Vec<&str> = causes.iter().map(|c| c.why.as_str()).collect();
        assert_eq!(
            why[0], "the rollout to checkout:2.0.0 (revision 3) began 3 min before the error ratio left its band",
            "{why:?}"
        );
        assert!(why[1].starts_with("node/node-3 became NotReady"), "{why:?}");
        assert!(why.iter().any(|w| w.starts_with("shop/cart was rolled out")), "{why:?}");
        assert!(why.iter().any(|w| w.starts_with("warning BackOff")), "{why:?}");
        let ChangeKind::Rollout {
            from_image,
            from_revision,
            ..
        } = &causes[0].change.kind
        else {
            panic!("a rollout")
        };
        assert_eq!(
            (from_image.as_deref(), from_revision.as_deref()),
            (Some("checkout:1.9.3"), Some("2"))
        );
        // Too long before onset, nothing is a cause.
        assert!(
            log.causes("shop/checkout", 1200 + WINDOW + 600, "x")
                .iter()
                .all(|c| c.change.at != 1200)
        );
    }

    #[test]
    fn a_rollout_seen_before_and_after_its_revision_is_numbered_is_one_change() {
        let mut log = ChangeLog::default();
        let d = OwnerKind::Deployment;
        log.workload(0, "shop", "checkout", d, Some("2"), Some("checkout:1.9.3"), 4);
        log.workload(100, "shop", "checkout", d, Some("2"), Some("checkout:2.0.0"), 4);
        log.workload(101, "shop", "checkout", d, Some("3"), Some("checkout:2.0.0"), 4);
        let all: Vec<&Change> = log.changes().collect();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(
            all[0].kind,
            ChangeKind::Rollout {
                kind: d,
                from_image: Some("checkout:1.9.3".into()),
                to_image: Some("checkout:2.0.0".into()),
                from_revision: Some("2".into()),
                to_revision: Some("3".into()),
            }
        );
        // Rolled back later: a change of its own.
        log.workload(900, "shop", "checkout", d, Some("4"), Some("checkout:1.9.3"), 4);
        assert_eq!(log.changes().count(), 2);
    }

    #[test]
    fn a_node_is_not_caused_by_itself_nor_by_a_node_going_bad_with_it() {
        let mut log = ChangeLog::default();
        for n in ["node-1", "node-2", "node-3"] {
            log.node(0, n, true, false);
        }
        log.node(100, "node-3", false, false);
        log.node(400, "node-1", true, true);
        log.node(410, "node-2", true, true);
        let why: Vec<String> = log
            .causes("node/node-1", 430, "pressure")
            .into_iter()
            .map(|c| c.why)
            .collect();
        assert_eq!(why, ["node/node-3 became NotReady 5 min before"]);
    }

    #[test]
    fn a_first_sight_is_not_a_change() {
        let mut log = ChangeLog::default();
        log.workload(0, "shop", "checkout", OwnerKind::Deployment, Some("1"), Some("a"), 2);
        log.node(0, "n", false, true);
        assert_eq!(log.changes().count(), 0);
        log.workload(5, "shop", "checkout", OwnerKind::Deployment, Some("1"), Some("a"), 5);
        assert!(matches!(
            log.changes().next().map(|c| &c.kind),
            Some(ChangeKind::Scaled { from: 2, to: 5, .. })
        ));
    }
}
