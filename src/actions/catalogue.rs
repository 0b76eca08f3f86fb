//! The typed catalogue of containment actions: what each one is done to, the permissions it
//! needs, how firmly it must be confirmed and how it reads in the journal. Plain data; the
//! Kubernetes calls live in `kube.rs`. Alertmanager actions (silence, expire a silence) fit as
//! further variants with their own adapter; they are not here yet.

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
    RolloutRestart {
        namespace: String,
        deployment: String,
    },
    /// Roll back to `revision` (the previous one when None).
    RolloutUndo {
        namespace: String,
        deployment: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revision: Option<i64>,
    },
    RolloutPause {
        namespace: String,
        deployment: String,
    },
    RolloutResume {
        namespace: String,
        deployment: String,
    },
    Scale {
        namespace: String,
        deployment: String,
        replicas: i32,
    },
    /// A deny-all NetworkPolicy for the pods matching `selector`.
    Isolate {
        namespace: String,
        selector: BTreeMap<String, String>,
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
            Action::Isolate { .. } => "isolate",
            Action::RemoveIsolation { .. } => "remove isolation",
            Action::Silence { .. } => "silence",
            Action::ExpireSilence { .. } => "expire silence",
        }
    }

    /// The object it is done to, as the journal writes it: `node/node-7`,
    /// `deployment/checkout -n shop`.
    pub fn target(&self) -> String {
        match self {
            Action::Cordon { node } | Action::Uncordon { node } | Action::Drain { node } => format!("node/{node}"),
            Action::DeletePod { namespace, pod } => format!("pod/{pod} -n {namespace}"),
            Action::RolloutRestart { namespace, deployment }
            | Action::RolloutUndo {
                namespace, deployment, ..
            }
            | Action::RolloutPause { namespace, deployment }
            | Action::RolloutResume { namespace, deployment }
            | Action::Scale {
                namespace, deployment, ..
            } => format!("deployment/{deployment} -n {namespace}"),
            Action::Isolate { namespace, selector } => format!("pods {} -n {namespace}", selector_string(selector)),
            Action::RemoveIsolation { namespace, policy } => format!("networkpolicy/{policy} -n {namespace}"),
            Action::Silence { matchers, .. } => format!("alerts {{{}}}", selector_string(matchers)),
            Action::ExpireSilence { id } => format!("silence/{id}"),
        }
    }

    /// The name a user types to confirm a risky action.
    pub fn target_name(&self) -> String {
        match self {
            Action::Cordon { node } | Action::Uncordon { node } | Action::Drain { node } => node.clone(),
            Action::DeletePod { pod, .. } => pod.clone(),
            Action::RolloutRestart { deployment, .. }
            | Action::RolloutUndo { deployment, .. }
            | Action::RolloutPause { deployment, .. }
            | Action::RolloutResume { deployment, .. }
            | Action::Scale { deployment, .. } => deployment.clone(),
            Action::Isolate { selector, .. } => selector_string(selector),
            Action::RemoveIsolation { policy, .. } => policy.clone(),
            Action::Silence { matchers, .. } => matchers
                .get("alertname")
                .cloned()
                .unwrap_or_else(|| selector_string(matchers)),
            Action::ExpireSilence { id } => id.clone(),
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
            Action::DeletePod { namespace, pod } => vec![access("delete", "", "pods", None, namespace, Some(pod))],
            Action::RolloutRestart { namespace, deployment }
            | Action::RolloutPause { namespace, deployment }
            | Action::RolloutResume { namespace, deployment } => {
                vec![access(
                    "patch",
                    "apps",
                    "deployments",
                    None,
                    namespace,
                    Some(deployment),
                )]
            }
            Action::RolloutUndo {
                namespace, deployment, ..
            } => vec![
                access("list", "apps", "replicasets", None, namespace, None),
                access("patch", "apps", "deployments", None, namespace, Some(deployment)),
            ],
            Action::Scale {
                namespace, deployment, ..
            } => vec![access(
                "patch",
                "apps",
                "deployments",
                Some("scale"),
                namespace,
                Some(deployment),
            )],
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

    /// How firmly to confirm, given how many objects the dry run says it touches: drain,
    /// isolate and anything touching more than one object need the target's name typed.
    /// Whether it acts on Alertmanager rather than the Kubernetes API.
    pub fn is_alerting(&self) -> bool {
        matches!(self, Action::Silence { .. } | Action::ExpireSilence { .. })
    }

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
            Action::RolloutUndo { revision: Some(r), .. } => write!(f, " to revision {r}"),
            Action::Silence { minutes, .. } => write!(f, " for {}", crate::actions::silence::duration_words(*minutes)),
            _ => Ok(()),
        }
    }
}

/// `app=web,tier=front`.
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
                deployment: "d".into(),
            },
            Action::RolloutUndo {
                namespace: "s".into(),
                deployment: "d".into(),
                revision: None,
            },
            Action::RolloutPause {
                namespace: "s".into(),
                deployment: "d".into(),
            },
            Action::RolloutResume {
                namespace: "s".into(),
                deployment: "d".into(),
            },
            Action::Scale {
                namespace: "s".into(),
                deployment: "d".into(),
                replicas: 1,
            },
            Action::Isolate {
                namespace: "s".into(),
                selector: BTreeMap::from([("app".into(), "d".into())]),
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
            deployment: "web".into(),
        };
        assert_eq!(restart.confirm(3), Confirm::TypeName("web".into()));
        assert_eq!(restart.target(), "deployment/web -n shop");
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
