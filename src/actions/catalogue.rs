//! The typed catalogue of containment and mitigation actions: what each one is done to, the permissions it
//! needs, how firmly it must be confirmed and how it reads in the journal. Plain data; the
//! Kubernetes calls live in `kube.rs`, the Alertmanager ones (silence, expire a silence) in
//! `silence.rs`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One containment action with its target and parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum Action {
    Cordon {
        node: String,
    },
    Uncordon {
        node: String,
    },
    Drain {
        node: String,
    },
    /// Delete one pod so its controller replaces it (recycle).
    DeletePod {
        namespace: String,
        pod: String,
    },
    // Journal lines written before other kinds existed say `"deployment":"checkout"`: the
    // alias reads them as Deployments.
    RolloutRestart {
        namespace: String,
        #[serde(alias = "deployment")]
        workload: Workload,
    },
    /// Roll back to `revision` (the previous one when None).
    RolloutUndo {
        namespace: String,
        #[serde(alias = "deployment")]
        workload: Workload,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revision: Option<i64>,
    },
    /// Deployments only (as kubectl); other kinds are refused, see [`Action::refusal`].
    RolloutPause {
        namespace: String,
        #[serde(alias = "deployment")]
        workload: Workload,
    },
    RolloutResume {
        namespace: String,
        #[serde(alias = "deployment")]
        workload: Workload,
    },
    /// Through the scale subresource: Deployments and StatefulSets.
    Scale {
        namespace: String,
        #[serde(alias = "deployment")]
        workload: Workload,
        replicas: i32,
    },
    /// Set one container's image (`kubectl set image`); `container` may be left out when the
    /// workload runs one.
    SetImage {
        namespace: String,
        workload: Workload,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        container: Option<String>,
        image: String,
    },
    /// Set the bounds of the HorizontalPodAutoscaler that scales the workload (min = max pins
    /// it); without `min`, its min is kept.
    Autoscale {
        namespace: String,
        workload: Workload,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i32>,
        max: i32,
    },
    /// Set keys of a ConfigMap (None removes one) and restart the workloads that read it.
    EditConfig {
        namespace: String,
        config_map: String,
        set: BTreeMap<String, Option<String>>,
    },
    /// Remove the labels its Services select a pod by, so no traffic reaches it while it runs
    /// on for inspection (its controller replaces it).
    TakeOutOfService {
        namespace: String,
        pod: String,
    },
    /// Put back the labels `TakeOutOfService` removed.
    ReturnToService {
        namespace: String,
        pod: String,
    },
    /// A NetworkPolicy for the pods matching `selector` that denies all their traffic but to and
    /// from the `allow`ed peers.
    Isolate {
        namespace: String,
        selector: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        allow: Vec<Peer>,
    },
    /// Delete a NetworkPolicy made by `Isolate`.
    RemoveIsolation {
        namespace: String,
        policy: String,
    },
    /// Silence the alerts matching every label (equality matchers) in Alertmanager.
    Silence {
        matchers: BTreeMap<String, String>,
        minutes: u32,
    },
    /// Expire a silence before its end.
    ExpireSilence {
        id: String,
    },
}

/// The kinds of workload the rollout and scale actions act on.
/// The one object an action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActedOn<'a> {
    Node(&'a str),
    Pod { namespace: &'a str, name: &'a str },
    Workload { namespace: &'a str, workload: &'a Workload },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    /// The API resource (group `apps`): `statefulsets`.
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployments",
            WorkloadKind::StatefulSet => "statefulsets",
            WorkloadKind::DaemonSet => "daemonsets",
        }
    }

    /// As the API names the kind: `StatefulSet`.
    pub fn kind(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    /// As kubectl and the journal write it in a target: `statefulset`.
    pub fn word(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
        }
    }

    /// Reads the names kubectl accepts: `deploy`, `sts`, `statefulsets`, `DaemonSet`...
    pub fn parse(word: &str) -> Option<WorkloadKind> {
        match word.to_ascii_lowercase().as_str() {
            "deploy" | "deployment" | "deployments" => Some(WorkloadKind::Deployment),
            "sts" | "statefulset" | "statefulsets" => Some(WorkloadKind::StatefulSet),
            "ds" | "daemonset" | "daemonsets" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }
}

/// The workload a rollout or scale action is done to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub name: String,
}

impl Workload {
    pub fn new(kind: WorkloadKind, name: impl Into<String>) -> Workload {
        Workload {
            kind,
            name: name.into(),
        }
    }

    pub fn deployment(name: impl Into<String>) -> Workload {
        Workload::new(WorkloadKind::Deployment, name)
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.word(), self.name)
    }
}

/// `{"kind":"StatefulSet","name":"db"}`, or a bare name: a Deployment (the old journal shape).
impl<'de> Deserialize<'de> for Workload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Workload, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Deployment(String),
            Full { kind: WorkloadKind, name: String },
        }
        Ok(match Shape::deserialize(d)? {
            Shape::Deployment(name) => Workload::deployment(name),
            Shape::Full { kind, name } => Workload { kind, name },
        })
    }
}

/// The verb names, as the journal, keymaps and playbooks spell them.
pub const VERBS: &[&str] = &[
    "cordon",
    "uncordon",
    "drain",
    "delete_pod",
    "rollout_restart",
    "rollout_undo",
    "rollout_pause",
    "rollout_resume",
    "scale",
    "set_image",
    "autoscale",
    "edit_config",
    "take_out_of_service",
    "return_to_service",
    "isolate",
    "remove_isolation",
    "silence",
    "expire_silence",
];

/// One permission an action needs, asked with a SelfSubjectAccessReview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub subresource: Option<&'static str>,
    /// Empty for cluster-scoped resources or all namespaces.
    pub namespace: String,
    pub name: Option<String>,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        if let Some(s) = self.subresource {
            write!(f, "/{s}")?;
        }
        if !self.namespace.is_empty() {
            write!(f, " -n {}", self.namespace)?;
        }
        Ok(())
    }
}

/// How an action must be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// y confirms; anything else (and Enter) is No.
    YesNo,
    /// The user types this word (the target's name).
    TypeName(String),
}

/// The label every object warroom creates carries, so it can be found and removed.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "warroom");
/// The label on an isolating NetworkPolicy.
pub const ISOLATION_LABEL: &str = "warroom.dev/isolate";

/// Patching a workload (or its `subresource`) in `namespace`.
pub(crate) fn patch_workload(namespace: &str, workload: &Workload, subresource: Option<&'static str>) -> Access {
    access(
        "patch",
        "apps",
        workload.kind.resource(),
        subresource,
        namespace,
        Some(&workload.name),
    )
}

fn access(
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: Option<&'static str>,
    namespace: &str,
    name: Option<&str>,
) -> Access {
    Access {
        verb,
        group,
        resource,
        subresource,
        namespace: namespace.to_string(),
        name: name.map(str::to_string),
    }
}

impl Action {
    /// The verb, e.g. `rollout_undo`.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Cordon { .. } => "cordon",
            Action::Uncordon { .. } => "uncordon",
            Action::Drain { .. } => "drain",
            Action::DeletePod { .. } => "delete_pod",
            Action::RolloutRestart { .. } => "rollout_restart",
            Action::RolloutUndo { .. } => "rollout_undo",
            Action::RolloutPause { .. } => "rollout_pause",
            Action::RolloutResume { .. } => "rollout_resume",
            Action::Scale { .. } => "scale",
            Action::SetImage { .. } => "set_image",
            Action::Autoscale { .. } => "autoscale",
            Action::EditConfig { .. } => "edit_config",
            Action::TakeOutOfService { .. } => "take_out_of_service",
            Action::ReturnToService { .. } => "return_to_service",
            Action::Isolate { .. } => "isolate",
            Action::RemoveIsolation { .. } => "remove_isolation",
            Action::Silence { .. } => "silence",
            Action::ExpireSilence { .. } => "expire_silence",
        }
    }

    /// What a responder calls it, e.g. `rollout undo`.
    pub fn title(&self) -> &'static str {
        match self {
            Action::Cordon { .. } => "cordon",
            Action::Uncordon { .. } => "uncordon",
            Action::Drain { .. } => "drain",
            Action::DeletePod { .. } => "recycle pod",
            Action::RolloutRestart { .. } => "rollout restart",
            Action::RolloutUndo { .. } => "rollout undo",
            Action::RolloutPause { .. } => "rollout pause",
            Action::RolloutResume { .. } => "rollout resume",
            Action::Scale { .. } => "scale",
            Action::SetImage { .. } => "set image",
            Action::Autoscale { .. } => "autoscale",
            Action::EditConfig { .. } => "edit config",
            Action::TakeOutOfService { .. } => "take out of service",
            Action::ReturnToService { .. } => "return to service",
            Action::Isolate { .. } => "isolate",
            Action::RemoveIsolation { .. } => "remove isolation",
            Action::Silence { .. } => "silence",
            Action::ExpireSilence { .. } => "expire silence",
        }
    }

    /// The one object it changes: a node, a pod or a workload; none for isolation, ConfigMap
    /// edits and silences, which act on something else.
    pub fn acted_on(&self) -> Option<ActedOn<'_>> {
        Some(match self {
            Action::Cordon { node } | Action::Uncordon { node } | Action::Drain { node } => ActedOn::Node(node),
            Action::DeletePod { namespace, pod }
            | Action::TakeOutOfService { namespace, pod }
            | Action::ReturnToService { namespace, pod } => ActedOn::Pod { namespace, name: pod },
            Action::RolloutRestart { namespace, workload }
            | Action::RolloutUndo {
                namespace, workload, ..
            }
            | Action::RolloutPause { namespace, workload }
            | Action::RolloutResume { namespace, workload }
            | Action::Scale {
                namespace, workload, ..
            }
            | Action::SetImage {
                namespace, workload, ..
            }
            | Action::Autoscale {
                namespace, workload, ..
            } => ActedOn::Workload { namespace, workload },
            Action::Isolate { .. }
            | Action::RemoveIsolation { .. }
            | Action::EditConfig { .. }
            | Action::Silence { .. }
            | Action::ExpireSilence { .. } => return None,
        })
    }

    /// The object it is done to, as the journal writes it: `node/node-7`,
    /// `deployment/checkout -n shop`.
    pub fn target(&self) -> String {
        match (self, self.acted_on()) {
            (_, Some(ActedOn::Node(node))) => format!("node/{node}"),
            (_, Some(ActedOn::Pod { namespace, name })) => format!("pod/{name} -n {namespace}"),
            (_, Some(ActedOn::Workload { namespace, workload })) => format!("{workload} -n {namespace}"),
            (
                Action::Isolate {
                    namespace,
                    selector,
                    allow,
                },
                None,
            ) => {
                let mut s = format!("pods {} -n {namespace}", selector_string(selector));
                if !allow.is_empty() {
                    let peers: Vec<String> = allow.iter().map(Peer::to_string).collect();
                    s.push_str(&format!(" but for {}", peers.join(" ")));
                }
                s
            }
            (Action::RemoveIsolation { namespace, policy }, None) => format!("networkpolicy/{policy} -n {namespace}"),
            (
                Action::EditConfig {
                    namespace, config_map, ..
                },
                None,
            ) => format!("configmap/{config_map} -n {namespace}"),
            (Action::Silence { matchers, .. }, None) => format!("alerts {{{}}}", selector_string(matchers)),
            (Action::ExpireSilence { id }, None) => format!("silence/{id}"),
            (_, None) => unreachable!("every action on no one object is named above"),
        }
    }

    /// The name a user types to confirm a risky action.
    pub fn target_name(&self) -> String {
        match (self, self.acted_on()) {
            (_, Some(ActedOn::Node(name) | ActedOn::Pod { name, .. })) => name.to_string(),
            (_, Some(ActedOn::Workload { workload, .. })) => workload.name.clone(),
            (Action::Isolate { selector, .. }, None) => selector_string(selector),
            (Action::RemoveIsolation { policy, .. }, None) => policy.clone(),
            (Action::EditConfig { config_map, .. }, None) => config_map.clone(),
            (Action::Silence { matchers, .. }, None) => matchers
                .get("alertname")
                .cloned()
                .unwrap_or_else(|| selector_string(matchers)),
            (Action::ExpireSilence { id }, None) => id.clone(),
            (_, None) => unreachable!("every action on no one object is named above"),
        }
    }

    /// Whether `other` changes the same thing the same way, so that it must not start while
    /// this one is in flight: a rollback of one workload is one action, whichever revision
    /// it was retargeted to.
    pub fn same_change(&self, other: &Action) -> bool {
        match (self, other) {
            (
                Action::RolloutUndo {
                    namespace, workload, ..
                },
                Action::RolloutUndo {
                    namespace: n,
                    workload: w,
                    ..
                },
            ) => namespace == n && workload == w,
            _ => self == other,
        }
    }

    /// The parameters for the journal (the whole action, tagged by verb).
    pub fn parameters(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The permissions it needs, each asked before anything is sent.
    pub fn needs(&self) -> Vec<Access> {
        match self {
            Action::Cordon { node } | Action::Uncordon { node } => {
                vec![access("patch", "", "nodes", None, "", Some(node))]
            }
            Action::Drain { node } => vec![
                access("patch", "", "nodes", None, "", Some(node)),
                access("list", "", "pods", None, "", None),
                access("create", "", "pods", Some("eviction"), "", None),
            ],
            Action::DeletePod { namespace, pod } => {
                vec![access("create", "", "pods", Some("eviction"), namespace, Some(pod))]
            }
            Action::TakeOutOfService { namespace, pod } | Action::ReturnToService { namespace, pod } => vec![
                access("list", "", "services", None, namespace, None),
                access("patch", "", "pods", None, namespace, Some(pod)),
            ],
            Action::RolloutRestart { namespace, workload }
            | Action::RolloutPause { namespace, workload }
            | Action::RolloutResume { namespace, workload } => {
                vec![patch_workload(namespace, workload, None)]
            }
            Action::RolloutUndo {
                namespace, workload, ..
            } => {
                // The history: ReplicaSets for a Deployment, ControllerRevisions otherwise.
                let history = match workload.kind {
                    WorkloadKind::Deployment => "replicasets",
                    WorkloadKind::StatefulSet | WorkloadKind::DaemonSet => "controllerrevisions",
                };
                vec![
                    access("list", "apps", history, None, namespace, None),
                    patch_workload(namespace, workload, None),
                ]
            }
            Action::Scale {
                namespace, workload, ..
            } => vec![
                patch_workload(namespace, workload, Some("scale")),
                // The incident's stamp goes on the workload itself.
                patch_workload(namespace, workload, None),
            ],
            Action::SetImage {
                namespace, workload, ..
            } => vec![
                access(
                    "get",
                    "apps",
                    workload.kind.resource(),
                    None,
                    namespace,
                    Some(&workload.name),
                ),
                patch_workload(namespace, workload, None),
            ],
            Action::Autoscale { namespace, .. } => vec![
                access("list", "autoscaling", "horizontalpodautoscalers", None, namespace, None),
                access(
                    "patch",
                    "autoscaling",
                    "horizontalpodautoscalers",
                    None,
                    namespace,
                    None,
                ),
            ],
            Action::EditConfig {
                namespace, config_map, ..
            } => {
                let mut needs = vec![access("patch", "", "configmaps", None, namespace, Some(config_map))];
                // Which workloads read it is known only from their templates: finding them
                // needs these; the dry run asks to restart each one it finds.
                for kind in [
                    WorkloadKind::Deployment,
                    WorkloadKind::StatefulSet,
                    WorkloadKind::DaemonSet,
                ] {
                    needs.push(access("list", "apps", kind.resource(), None, namespace, None));
                }
                needs
            }
            Action::Isolate { namespace, .. } => vec![access(
                "create",
                "networking.k8s.io",
                "networkpolicies",
                None,
                namespace,
                None,
            )],
            Action::RemoveIsolation { namespace, policy } => vec![access(
                "delete",
                "networking.k8s.io",
                "networkpolicies",
                None,
                namespace,
                Some(policy),
            )],
            // Alertmanager has no access review: only read-only mode refuses these.
            Action::Silence { .. } | Action::ExpireSilence { .. } => Vec::new(),
        }
    }

    /// Why this action cannot apply to its target at all, whoever asks (as kubectl refuses
    /// it): pause and resume are for Deployments, and a DaemonSet has no replica count.
    /// Checked before any request is sent.
    pub fn refusal(&self) -> Option<String> {
        match self {
            Action::RolloutPause { workload, .. } | Action::RolloutResume { workload, .. }
                if workload.kind != WorkloadKind::Deployment =>
            {
                Some(format!(
                    "{} works on deployments only: {workload} cannot be paused or resumed",
                    self.title()
                ))
            }
            Action::Scale { workload, .. } | Action::Autoscale { workload, .. }
                if workload.kind == WorkloadKind::DaemonSet =>
            {
                Some(format!(
                    "a daemonset runs one pod per node: {workload} has no replica count to scale"
                ))
            }
            Action::Autoscale { max, .. } if *max < 1 => {
                Some(format!("an autoscaler's max must be at least 1, not {max}"))
            }
            Action::Autoscale {
                min: Some(min), max, ..
            } if *min < 1 || min > max => Some(format!(
                "an autoscaler's bounds must be 1 <= min <= max, not min {min}, max {max}"
            )),
            Action::EditConfig { set, .. } if set.is_empty() => Some("edit config needs at least one KEY=VALUE".into()),
            Action::SetImage { image, .. } if image.trim().is_empty() || image.chars().any(char::is_whitespace) => {
                Some(format!("{image:?} is not an image reference"))
            }
            _ => None,
        }
    }

    /// Whether it acts on Alertmanager rather than the Kubernetes API.
    pub fn is_alerting(&self) -> bool {
        matches!(self, Action::Silence { .. } | Action::ExpireSilence { .. })
    }

    /// How firmly to confirm, given how many objects the dry run says it touches: drain,
    /// isolate and anything touching more than one object need the target's name typed.
    pub fn confirm(&self, objects_touched: usize) -> Confirm {
        let firm = matches!(self, Action::Drain { .. } | Action::Isolate { .. }) || objects_touched > 1;
        if firm {
            Confirm::TypeName(self.target_name())
        } else {
            Confirm::YesNo
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.title(), self.target())?;
        match self {
            Action::Scale { replicas, .. } => write!(f, " to {replicas}"),
            Action::SetImage { container, image, .. } => match container {
                Some(c) => write!(f, " {c}={image}"),
                None => write!(f, " to {image}"),
            },
            Action::Autoscale {
                min: Some(min), max, ..
            } => write!(f, " between {min} and {max}"),
            Action::Autoscale { min: None, max, .. } => write!(f, " up to {max}"),
            Action::EditConfig { set, .. } => write!(f, " {}", config_words(set)),
            Action::RolloutUndo { revision: Some(r), .. } => write!(f, " to revision {r}"),
            Action::Silence { minutes, .. } => write!(f, " for {}", crate::actions::silence::duration_words(*minutes)),
            _ => Ok(()),
        }
    }
}

/// `KEY=VALUE OTHER-` as `kubectl set env` writes setting and removing keys.
pub fn config_words(set: &BTreeMap<String, Option<String>>) -> String {
    set.iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => format!("{k}-"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `app=web,tier=front`.
/// Pods an isolation still lets traffic to and from: those matching `selector` in `namespace`
/// (the isolated pods' own when absent). Written `[NAMESPACE/]KEY=VALUE[,KEY=VALUE]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Peer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub selector: BTreeMap<String, String>,
}

impl Peer {
    /// Reads `frontend-ns/app=web,tier=edge` or `app=web`.
    pub fn parse(text: &str) -> Result<Peer, String> {
        let (namespace, labels) = match text.split_once('/') {
            Some((ns, rest)) if !ns.is_empty() => (Some(ns.to_string()), rest),
            _ => (None, text),
        };
        let mut selector = BTreeMap::new();
        for pair in labels.split(',') {
            let (k, v) = pair
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("{text:?} is not a peer: [NAMESPACE/]KEY=VALUE[,KEY=VALUE]"))?;
            selector.insert(k.to_string(), v.to_string());
        }
        Ok(Peer { namespace, selector })
    }

    /// Its NetworkPolicy peer: the pods, in the named namespace when there is one.
    pub fn policy_peer(&self) -> serde_json::Value {
        let mut peer = serde_json::json!({"podSelector": {"matchLabels": self.selector}});
        if let Some(ns) = &self.namespace {
            peer["namespaceSelector"] = serde_json::json!({"matchLabels": {"kubernetes.io/metadata.name": ns}});
        }
        peer
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&selector_string(&self.selector))
    }
}

pub fn selector_string(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The NetworkPolicy name `Isolate` uses for a selector: stable, so isolating twice finds the
/// same policy, and a valid DNS label however the labels are spelled.
pub fn isolation_policy_name(selector: &BTreeMap<String, String>) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(selector_string(selector).as_bytes());
    format!("warroom-isolate-{}", &hex::encode(digest)[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_read_as_written_and_old_isolations_still_read() {
        let p = Peer::parse("monitoring/app=prometheus,tier=core").expect("a peer");
        assert_eq!(p.namespace.as_deref(), Some("monitoring"));
        assert_eq!(p.to_string(), "monitoring/app=prometheus,tier=core");
        assert_eq!(
            p.policy_peer()["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "monitoring"
        );
        assert_eq!(
            Peer::parse("app=web").expect("a peer").policy_peer()["namespaceSelector"],
            serde_json::Value::Null
        );
        assert!(Peer::parse("web").is_err());
        assert!(Peer::parse("ns/=x").is_err());
        // Journaled before peers existed: no `allow`, and none written when there is none.
        let old: Action =
            serde_json::from_value(serde_json::json!({"verb": "isolate", "namespace": "s", "selector": {"app": "d"}}))
                .expect("an old isolation");
        assert_eq!(old.parameters().get("allow"), None);
    }

    #[test]
    fn verbs_list_matches_the_variants() {
        let all = [
            Action::Cordon { node: "n".into() },
            Action::Uncordon { node: "n".into() },
            Action::Drain { node: "n".into() },
            Action::DeletePod {
                namespace: "s".into(),
                pod: "p".into(),
            },
            Action::RolloutRestart {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
            },
            Action::RolloutUndo {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
                revision: None,
            },
            Action::RolloutPause {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
            },
            Action::RolloutResume {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
            },
            Action::Scale {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
                replicas: 1,
            },
            Action::SetImage {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
                container: None,
                image: "web:2".into(),
            },
            Action::Autoscale {
                namespace: "s".into(),
                workload: Workload::deployment("d"),
                min: Some(2),
                max: 10,
            },
            Action::EditConfig {
                namespace: "s".into(),
                config_map: "c".into(),
                set: BTreeMap::from([("K".into(), Some("v".into()))]),
            },
            Action::TakeOutOfService {
                namespace: "s".into(),
                pod: "p".into(),
            },
            Action::ReturnToService {
                namespace: "s".into(),
                pod: "p".into(),
            },
            Action::Isolate {
                namespace: "s".into(),
                selector: BTreeMap::from([("app".into(), "d".into())]),
                allow: Vec::new(),
            },
            Action::RemoveIsolation {
                namespace: "s".into(),
                policy: "x".into(),
            },
            Action::Silence {
                matchers: BTreeMap::from([("alertname".into(), "X".into())]),
                minutes: 60,
            },
            Action::ExpireSilence { id: "abc".into() },
        ];
        let verbs: Vec<&str> = all.iter().map(Action::verb).collect();
        assert_eq!(verbs, VERBS);
        for a in &all {
            assert_eq!(a.parameters()["verb"], a.verb(), "{a}");
            // Alertmanager has no access review; everything on the Kubernetes API asks first.
            assert_eq!(a.needs().is_empty(), a.is_alerting(), "{a}");
        }
    }

    #[test]
    fn drain_and_isolate_and_wide_changes_need_the_name_typed() {
        let cordon = Action::Cordon { node: "node-7".into() };
        assert_eq!(cordon.confirm(1), Confirm::YesNo);
        let drain = Action::Drain { node: "node-7".into() };
        assert_eq!(drain.confirm(1), Confirm::TypeName("node-7".into()));
        let restart = Action::RolloutRestart {
            namespace: "shop".into(),
            workload: Workload::deployment("web"),
        };
        assert_eq!(restart.confirm(3), Confirm::TypeName("web".into()));
        assert_eq!(restart.target(), "deployment/web -n shop");
    }

    #[test]
    fn journal_lines_of_the_deployment_only_shape_read_as_deployments() {
        let old: Action =
            serde_json::from_str(r#"{"verb":"scale","namespace":"shop","deployment":"checkout","replicas":6}"#)
                .expect("the old shape parses");
        let expected = Action::Scale {
            namespace: "shop".into(),
            workload: Workload::deployment("checkout"),
            replicas: 6,
        };
        assert_eq!(old, expected);
        let undo: Action =
            serde_json::from_str(r#"{"verb":"rollout_undo","namespace":"shop","deployment":"checkout","revision":2}"#)
                .expect("parses");
        assert_eq!(undo.target(), "deployment/checkout -n shop");
        // The new shape names the kind, and reads back.
        let sts = Action::RolloutRestart {
            namespace: "data".into(),
            workload: Workload::new(WorkloadKind::StatefulSet, "db"),
        };
        let v = sts.parameters();
        assert_eq!(v["workload"], serde_json::json!({"kind": "StatefulSet", "name": "db"}));
        assert_eq!(serde_json::from_value::<Action>(v).expect("reads back"), sts);
        assert_eq!(sts.target(), "statefulset/db -n data");
        assert_eq!(sts.needs()[0].resource, "statefulsets");
        let undo = Action::RolloutUndo {
            namespace: "data".into(),
            workload: Workload::new(WorkloadKind::DaemonSet, "agent"),
            revision: None,
        };
        let needs: Vec<&str> = undo.needs().iter().map(|a| a.resource).collect();
        assert_eq!(needs, ["controllerrevisions", "daemonsets"]);
    }

    #[test]
    fn pause_is_for_deployments_and_a_daemonset_has_no_scale() {
        let ds = Workload::new(WorkloadKind::DaemonSet, "agent");
        let sts = Workload::new(WorkloadKind::StatefulSet, "db");
        let ns = || "shop".to_string();
        let pause = |w: &Workload| Action::RolloutPause {
            namespace: ns(),
            workload: w.clone(),
        };
        let scale = |w: &Workload| Action::Scale {
            namespace: ns(),
            workload: w.clone(),
            replicas: 2,
        };
        assert!(pause(&Workload::deployment("web")).refusal().is_none());
        assert!(pause(&ds).refusal().is_some_and(|r| r.contains("deployments only")));
        assert!(pause(&sts).refusal().is_some());
        assert!(scale(&sts).refusal().is_none());
        assert_eq!(scale(&sts).needs()[0].to_string(), "patch statefulsets/scale -n shop");
        assert!(scale(&ds).refusal().is_some_and(|r| r.contains("one pod per node")));
        let restart = Action::RolloutRestart {
            namespace: ns(),
            workload: ds.clone(),
        };
        assert!(restart.refusal().is_none());
        assert_eq!(WorkloadKind::parse("sts"), Some(WorkloadKind::StatefulSet));
        assert_eq!(WorkloadKind::parse("DaemonSet"), Some(WorkloadKind::DaemonSet));
        assert_eq!(WorkloadKind::parse("pod"), None);
    }

    #[test]
    fn isolation_names_are_stable_dns_labels() {
        let s = BTreeMap::from([("app".to_string(), "We\u{1b}ird/Name".to_string())]);
        let n = isolation_policy_name(&s);
        assert_eq!(n, isolation_policy_name(&s.clone()));
        assert!(
            n.len() <= 63
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }
}
