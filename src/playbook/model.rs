//! The playbook file format: when a playbook applies (alert names, labels, drill faults, the
//! cluster's symptoms; the file calls them `signals`) and its ordered steps (check, action,
//! comms, decision), each with text, an optional action binding, the expected outcome and a
//! time box. Plain data with serde.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::{Action, Workload, WorkloadKind};
use warroom_files::yaml::At;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Playbook {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub applies_when: AppliesWhen,
    pub steps: Vec<At<Step>>,
}

/// When a playbook is suggested: any listed alert firing, any listed signal seen, any listed
/// drill fault in the scenario; labels narrow alert matches.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppliesWhen {
    #[serde(default)]
    pub alerts: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Drill scenario fault kinds: rollout, nodeCondition, oomKill, usage, scale, traffic, config,
    /// service.
    #[serde(default)]
    pub faults: Vec<At<String>>,
    /// Cluster signals: node_not_ready, crash_looping, stuck_rollout, pending_too_long,
    /// node_pressure, warning_events.
    #[serde(default)]
    pub signals: Vec<At<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Check,
    Action,
    Comms,
    Decision,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Action => "action",
            StepKind::Comms => "comms",
            StepKind::Decision => "decision",
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub text: String,
    #[serde(default)]
    pub action: Option<Binding>,
    #[serde(default)]
    pub expect: Option<String>,
    /// How long the step should take, e.g. `5m`, `90s`.
    #[serde(default)]
    pub time_box: Option<String>,
}

/// An action a step runs with one key: a verb and a target taken from the selection or fixed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Binding {
    pub verb: String,
    /// `selection` (the default), or fixed fields.
    #[serde(default)]
    pub target: TargetSpec,
    #[serde(default)]
    pub replicas: Option<i32>,
    #[serde(default)]
    pub revision: Option<i64>,
    /// For `set_image`: the image, and the container when the workload runs several.
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    /// For `autoscale`: the autoscaler's new bounds (its min is kept when left out).
    #[serde(default)]
    pub min: Option<i32>,
    #[serde(default)]
    pub max: Option<i32>,
    /// For `isolate`: the peers still allowed, each `[NAMESPACE/]KEY=VALUE[,KEY=VALUE]`.
    #[serde(default)]
    pub allow: Vec<String>,
    /// For `edit_config`: the ConfigMap and the keys to set (null removes one).
    #[serde(default)]
    pub config_map: Option<String>,
    #[serde(default)]
    pub set: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TargetSpec {
    #[default]
    #[serde(skip)]
    Selection,
    Named(String),
    Fixed(Fixed),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Fixed {
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub deployment: Option<String>,
    #[serde(default)]
    pub stateful_set: Option<String>,
    #[serde(default)]
    pub daemon_set: Option<String>,
    #[serde(default)]
    pub pod: Option<String>,
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
}

impl Fixed {
    /// The one workload named (`deployment`, `statefulSet` or `daemonSet`), if any.
    fn workload(&self) -> Result<Option<Workload>, String> {
        let named: Vec<Workload> = [
            (WorkloadKind::Deployment, &self.deployment),
            (WorkloadKind::StatefulSet, &self.stateful_set),
            (WorkloadKind::DaemonSet, &self.daemon_set),
        ]
        .into_iter()
        .filter_map(|(kind, name)| name.as_ref().map(|n| Workload::new(kind, n.clone())))
        .collect();
        match named.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            _ => Err("the target names more than one workload: keep one of deployment, statefulSet, daemonSet".into()),
        }
    }
}

/// What the user has selected in the console, for bindings that take their target from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub node: Option<String>,
    pub namespace: Option<String>,
    pub deployment: Option<String>,
    /// The selected Deployment, StatefulSet or DaemonSet (rollout and scale act on it; when
    /// unset, `deployment` names a Deployment).
    pub workload: Option<Workload>,
    pub pod: Option<String>,
    /// Labels of the selected workload's pods (for isolate).
    pub labels: BTreeMap<String, String>,
}

impl Binding {
    /// The action this binding means for a selection; an error names what is missing.
    pub fn resolve(&self, selection: &Selection) -> Result<Action, String> {
        let workload = match &self.target {
            TargetSpec::Fixed(f) => f.workload()?,
            TargetSpec::Selection | TargetSpec::Named(_) => selection
                .workload
                .clone()
                .or_else(|| selection.deployment.clone().map(Workload::deployment)),
        };
        let fixed = match &self.target {
            TargetSpec::Fixed(f) => f.clone(),
            TargetSpec::Selection | TargetSpec::Named(_) => Fixed {
                node: selection.node.clone(),
                namespace: selection.namespace.clone(),
                deployment: selection.deployment.clone(),
                pod: selection.pod.clone(),
                selector: selection.labels.clone(),
                ..Fixed::default()
            },
        };
        let need = |v: &Option<String>, what: &str| {
            v.clone()
                .ok_or_else(|| format!("{} needs a {what}: select one first", self.verb))
        };
        let ns = || need(&fixed.namespace, "namespace");
        let dep = || {
            workload
                .clone()
                .ok_or_else(|| format!("{} needs a workload: select one first", self.verb))
        };
        Ok(match self.verb.as_str() {
            "cordon" => Action::Cordon {
                node: need(&fixed.node, "node")?,
            },
            "uncordon" => Action::Uncordon {
                node: need(&fixed.node, "node")?,
            },
            "drain" => Action::Drain {
                node: need(&fixed.node, "node")?,
            },
            "delete_pod" => Action::DeletePod {
                namespace: ns()?,
                pod: need(&fixed.pod, "pod")?,
            },
            "rollout_restart" => Action::RolloutRestart {
                namespace: ns()?,
                workload: dep()?,
            },
            "rollout_undo" => Action::RolloutUndo {
                namespace: ns()?,
                workload: dep()?,
                revision: self.revision,
            },
            "rollout_pause" => Action::RolloutPause {
                namespace: ns()?,
                workload: dep()?,
            },
            "rollout_resume" => Action::RolloutResume {
                namespace: ns()?,
                workload: dep()?,
            },
            "scale" => Action::Scale {
                namespace: ns()?,
                workload: dep()?,
                replicas: self
                    .replicas
                    .ok_or_else(|| "scale needs a replica count (prompted with the current one)".to_string())?,
            },
            "set_image" => Action::SetImage {
                namespace: ns()?,
                workload: dep()?,
                container: self.container.clone(),
                image: self
                    .image
                    .clone()
                    .ok_or_else(|| "set_image needs an image".to_string())?,
            },
            "autoscale" => Action::Autoscale {
                namespace: ns()?,
                workload: dep()?,
                min: self.min,
                max: self
                    .max
                    .ok_or_else(|| "autoscale needs max (min is kept when left out)".to_string())?,
            },
            "take_out_of_service" => Action::TakeOutOfService {
                namespace: ns()?,
                pod: need(&fixed.pod, "pod")?,
            },
            "return_to_service" => Action::ReturnToService {
                namespace: ns()?,
                pod: need(&fixed.pod, "pod")?,
            },
            "edit_config" => Action::EditConfig {
                namespace: ns()?,
                config_map: self
                    .config_map
                    .clone()
                    .ok_or_else(|| "edit_config needs configMap".to_string())?,
                set: self.set.clone(),
            },
            "isolate" => {
                if fixed.selector.is_empty() {
                    return Err("isolate needs a label selector: select a workload first".into());
                }
                Action::Isolate {
                    namespace: ns()?,
                    selector: fixed.selector,
                    allow: self
                        .allow
                        .iter()
                        .map(|p| crate::actions::catalogue::Peer::parse(p))
                        .collect::<Result<_, _>>()?,
                }
            }
            other => return Err(format!("{other:?} is not an action")),
        })
    }
}
