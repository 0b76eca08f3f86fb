//! The drill scenario file format: a cluster (namespaces, nodes, workloads), how images behave
//! when they run, a script of faults at virtual times, the dynamics of recovery, and RBAC
//! denials. Plain data with serde and a JSON Schema; loading and checks live in `load`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quantity::{Duration, Quantity};

pub use warroom_files::yaml::At;

/// A drill scenario.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    /// Short identifier, e.g. `bad-deploy`.
    pub name: String,
    /// One line for the drill banner.
    pub title: String,
    /// What the facilitator should know: the story, the intended fix.
    #[serde(default)]
    pub description: String,
    /// Virtual time at which the drill starts (RFC 3339); by default, when it is started, so
    /// ages look right to kubectl. Pin it for repeatable runs.
    #[serde(default)]
    pub start: Option<String>,
    /// Default random seed (the command line may override it).
    #[serde(default)]
    pub seed: u64,
    /// Namespaces to create (those used by workloads are created anyway).
    #[serde(default)]
    pub namespaces: Vec<String>,
    pub nodes: Vec<At<NodeSpec>>,
    #[serde(default)]
    pub workloads: Vec<At<WorkloadSpec>>,
    /// How containers running each image behave. Images not listed start and become ready.
    #[serde(default)]
    pub images: BTreeMap<String, ImageBehaviour>,
    #[serde(default)]
    pub faults: Vec<At<Fault>>,
    #[serde(default)]
    pub dynamics: Dynamics,
    #[serde(default)]
    pub rbac: Rbac,
    /// How the drill's API server presents itself (to drill an older server).
    #[serde(default)]
    pub apiserver: ApiServer,
    /// Alerting rules evaluated on the virtual clock. When absent, each service with traffic
    /// gets multi-window burn-rate alerts, and the cluster gets crashloop, replica, node and
    /// latency alerts.
    #[serde(default)]
    pub alerts: Option<Vec<At<AlertRule>>>,
    /// How long after the intended fix (the description says which) every service is back
    /// under its SLO on the error-ratio panel, in virtual time, e.g. `8m`. Debriefs and the
    /// end-to-end tests hold the fix to it.
    #[serde(default)]
    pub recovery: Option<Duration>,
    /// How much metrics history is backfilled before the start (default `3d`); `8d` gives a
    /// detector the same hour a week earlier.
    #[serde(default)]
    pub history: Option<Duration>,
    /// What the team is measured on; the debrief scores each objective met or missed.
    #[serde(default)]
    pub objectives: Option<At<Objectives>>,
}

/// What a drill measures the team on. Times are virtual, counted from the first fault (from
/// the start when the scenario has none); every part is optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Objectives {
    /// An incident is declared (by a person or the detector) within this long.
    #[serde(default)]
    pub declare: Option<Duration>,
    /// A containment or mitigation action succeeds within this long.
    #[serde(default)]
    pub contain: Option<Duration>,
    /// The incident is mitigated (its status monitoring or resolved) within this long.
    #[serde(default)]
    pub mitigate: Option<Duration>,
    /// The incident is resolved within this long.
    #[serde(default)]
    pub resolve: Option<Duration>,
    /// While the incident is open a status update goes out at least this often, the first
    /// within this long of declaring.
    #[serde(default)]
    pub updates: Option<Duration>,
    /// The playbook the team is expected to follow (its id, e.g. `bad-deploy`).
    #[serde(default)]
    pub playbook: Option<String>,
    /// Actions that must not be taken.
    #[serde(default)]
    pub forbidden: Vec<At<Forbidden>>,
    /// Roles someone must take (`commander`, `ops`, `comms`, `scribe`).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// The actions warroom journals, by the names the journal gives them (the console's own list;
/// a test there keeps the two the same).
pub const ACTIONS: &[&str] = &[
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

/// The roles a responder can take, as the console's `:role` spells them.
pub const ROLES: &[&str] = &["commander", "ops", "comms", "scribe", "observer"];

/// An action the team must not take (e.g. draining the last healthy node).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Forbidden {
    /// The action as the journal names it: `drain`, `cordon`, `scale`, `rollout_undo`...
    pub action: String,
    /// Only on this target, as the journal writes it (`node/node-1`, `deployment/checkout -n
    /// shop`); on any when absent.
    #[serde(default)]
    pub target: Option<String>,
    /// Why not, for the debrief.
    pub why: String,
}

/// A workload's healthy golden signals.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Signals {
    /// Fraction of requests answered with a 5xx when every replica is healthy.
    #[serde(default = "default_error_ratio")]
    pub error_ratio: f64,
    /// Median request latency when healthy.
    #[serde(default = "default_latency")]
    pub latency: Duration,
    /// The availability objective over 30 days (e.g. 0.999).
    #[serde(default = "default_objective")]
    pub objective: f64,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            error_ratio: default_error_ratio(),
            latency: default_latency(),
            objective: default_objective(),
        }
    }
}

fn default_error_ratio() -> f64 {
    0.0002
}
fn default_latency() -> Duration {
    Duration { millis: 40 }
}
fn default_objective() -> f64 {
    0.999
}

/// An alerting rule as Prometheus writes one.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlertRule {
    /// The alert name (`alertname` label).
    pub alert: String,
    /// A PromQL expression; every result element is an alert.
    pub expr: String,
    /// How long the expression must hold before the alert fires (pending until then).
    #[serde(default, rename = "for")]
    pub for_: Duration,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One node, or `count` nodes named `name-1` … `name-N`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSpec {
    pub name: String,
    /// Create this many nodes with the name as prefix.
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default = "default_node_cpu")]
    pub cpu: Quantity,
    #[serde(default = "default_node_memory")]
    pub memory: Quantity,
    #[serde(default = "default_max_pods")]
    pub max_pods: u32,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// e.g. `control-plane`; shown in the ROLES column.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The node starts cordoned.
    #[serde(default)]
    pub unschedulable: bool,
    /// The kubelet's version (`v1.32.4`); the API server's when absent.
    #[serde(default)]
    pub kubelet_version: Option<String>,
}

fn default_node_cpu() -> Quantity {
    Quantity::parse("8").expect("valid default")
}
fn default_node_memory() -> Quantity {
    Quantity::parse("32Gi").expect("valid default")
}
fn default_max_pods() -> u32 {
    110
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, Default)]
pub enum WorkloadKind {
    #[default]
    Deployment,
    DaemonSet,
    StatefulSet,
}

/// A workload and its history.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadSpec {
    #[serde(default)]
    pub kind: WorkloadKind,
    pub name: String,
    pub namespace: String,
    /// Desired replicas (ignored for DaemonSets).
    #[serde(default = "one")]
    pub replicas: u32,
    /// Extra labels on the workload and its pods (`app: NAME` is always set).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The images of past revisions, oldest first; the last is running at the start.
    pub revisions: Vec<Revision>,
    #[serde(default)]
    pub resources: Resources,
    /// What each pod actually uses (drives saturation and noisy-neighbour faults).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// A PodDisruptionBudget for the workload's pods.
    #[serde(default)]
    pub pdb: Option<Pdb>,
    /// A HorizontalPodAutoscaler (autoscaling/v2) scaling the workload on its pods' CPU.
    #[serde(default)]
    pub autoscaler: Option<Autoscaler>,
    /// A ConfigMap `NAME-config` its pods read as environment variables at start.
    #[serde(default)]
    pub config: Option<WorkloadConfig>,
    /// The Service that sends it traffic (and the `service` label of its metrics); defaults to
    /// the workload name. Workloads naming the same one share it: its selector is `app:
    /// SERVICE`, and each sets a `track` so their own selectors do not overlap (a canary beside
    /// the stable release).
    #[serde(default)]
    pub service: Option<String>,
    /// A `track` label on the workload's selector and pods (`stable`, `canary`).
    #[serde(default)]
    pub track: Option<String>,
    /// Requests per second the service receives at the start (metrics; 0 = no traffic).
    #[serde(default)]
    pub traffic: f64,
    /// How the service answers when healthy: its baseline 5xx ratio, median latency and SLO
    /// (golden-signal metrics and the burn-rate alerts; used only with `traffic`).
    #[serde(default)]
    pub signals: Signals,
    /// The services it calls while answering: a callee's failures fail that share of its
    /// requests too, and a callee's latency adds to its own (a dependency failure cascades).
    #[serde(default)]
    pub calls: Vec<Call>,
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Deployment rolling-update limits (Kubernetes defaults: 25% each).
    #[serde(default)]
    pub max_surge: Option<u32>,
    #[serde(default)]
    pub max_unavailable: Option<u32>,
    #[serde(default = "default_progress_deadline")]
    pub progress_deadline: Duration,
    /// Pods mount an emptyDir volume (drain needs --delete-emptydir-data).
    #[serde(default)]
    pub empty_dir: bool,
}

/// A service a workload calls, and on what share of its requests.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Call {
    /// The workload called, `namespace/name` (one that receives traffic).
    pub workload: WorkloadRef,
    /// The share of the caller's requests that call it, above 0 and at most 1.
    #[serde(default = "all")]
    pub share: f64,
}

fn all() -> f64 {
    1.0
}

fn one() -> u32 {
    1
}
fn default_progress_deadline() -> Duration {
    Duration::from_secs(600)
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Revision {
    pub image: String,
    /// Recorded as the `kubernetes.io/change-cause` annotation.
    #[serde(default)]
    pub change_cause: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    #[serde(default = "default_cpu_request")]
    pub cpu: Quantity,
    #[serde(default = "default_memory_request")]
    pub memory: Quantity,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            cpu: default_cpu_request(),
            memory: default_memory_request(),
        }
    }
}

fn default_cpu_request() -> Quantity {
    Quantity::parse("250m").expect("valid default")
}
fn default_memory_request() -> Quantity {
    Quantity::parse("256Mi").expect("valid default")
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Usage {
    #[serde(default)]
    pub cpu: Option<Quantity>,
    #[serde(default)]
    pub memory: Option<Quantity>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pdb {
    #[serde(default)]
    pub min_available: Option<u32>,
    #[serde(default)]
    pub max_unavailable: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadConfig {
    /// The ConfigMap's keys and values at the start.
    pub data: BTreeMap<String, String>,
    /// Keys the app cannot start without, with the value it needs: a container started while
    /// its ConfigMap lacks one, or holds another value, crashes (CrashLoopBackOff).
    #[serde(default)]
    pub requires: BTreeMap<String, String>,
    /// The crashed container's last words (default: a panic naming the key).
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaler {
    #[serde(default = "one")]
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// The average CPU use it keeps, in percent of the pods' request.
    #[serde(default = "default_cpu_utilization")]
    pub cpu_utilization: u32,
}

fn default_cpu_utilization() -> u32 {
    80
}

/// How a container running an image behaves.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageBehaviour {
    /// Seconds from start to ready (default: dynamics.readyAfter).
    #[serde(default)]
    pub ready_after: Option<Duration>,
    /// The container exits this long after starting, every time (CrashLoopBackOff).
    #[serde(default)]
    pub crash: Option<Crash>,
    /// The container is OOMKilled this long after starting (a leak).
    #[serde(default)]
    pub oom_after: Option<Duration>,
    /// The image cannot be pulled (ErrImagePull / ImagePullBackOff).
    #[serde(default)]
    pub pull_error: bool,
    /// Never becomes ready (failing readiness probe) though it keeps running.
    #[serde(default)]
    pub never_ready: bool,
    /// Runs and is ready, but this fraction of the requests it serves fail (a bad canary).
    #[serde(default)]
    pub error_ratio: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Crash {
    pub after: Duration,
    #[serde(default = "default_exit_code")]
    pub exit_code: i32,
    /// The last log line, shown as the termination message.
    #[serde(default)]
    pub message: Option<String>,
}

fn default_exit_code() -> i32 {
    1
}

/// Something that happens at a virtual time after the start. Exactly one kind of fault is set.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Fault {
    pub at: Duration,
    /// Shown to the facilitator; not to responders.
    #[serde(default)]
    pub note: Option<String>,
    /// A rollout of a new image (the bad deploy).
    #[serde(default)]
    pub rollout: Option<RolloutFault>,
    /// A node condition changes: `Ready` False/Unknown makes it NotReady.
    #[serde(default)]
    pub node_condition: Option<NodeConditionFault>,
    /// Some of the workload's running pods are OOMKilled once.
    #[serde(default)]
    pub oom_kill: Option<OomKillFault>,
    /// The workload's pods start using more (a noisy neighbour saturating its nodes).
    #[serde(default)]
    pub usage: Option<UsageFault>,
    /// A workload is scaled, as an autoscaler or someone outside the war room would.
    #[serde(default)]
    pub scale: Option<ScaleFault>,
    /// A workload's ConfigMap is changed (a bad config push), and the workload restarted if
    /// asked, as a deploy pipeline would.
    #[serde(default)]
    pub config: Option<ConfigFault>,
    /// A workload's traffic changes to `factor` times the scenario's (a surge, or a lull): its
    /// pods' CPU and latency follow, and past twice their baseline load requests fail.
    #[serde(default)]
    pub traffic: Option<TrafficFault>,
    /// A workload's Service is edited to select other labels (a typo in a deploy): with a
    /// selector no pod matches, or none at all, it has no endpoints, gets no requests, and the
    /// services that call it fail.
    #[serde(default)]
    pub service: Option<ServiceFault>,
}

/// A workload reference `namespace/name`.
pub type WorkloadRef = String;

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolloutFault {
    pub workload: WorkloadRef,
    pub image: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeConditionFault {
    pub node: String,
    /// `Ready`, `MemoryPressure`, `DiskPressure`, `PIDPressure` or `NetworkUnavailable`.
    pub condition: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OomKillFault {
    pub workload: WorkloadRef,
    #[serde(default = "one")]
    pub pods: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UsageFault {
    pub workload: WorkloadRef,
    #[serde(default)]
    pub cpu: Option<Quantity>,
    #[serde(default)]
    pub memory: Option<Quantity>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScaleFault {
    pub workload: WorkloadRef,
    pub replicas: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFault {
    pub workload: WorkloadRef,
    /// Keys set to new values; a null removes the key.
    pub set: BTreeMap<String, Option<String>>,
    /// Restart the workload afterwards (`kubectl rollout restart`), so its pods read the change.
    #[serde(default)]
    pub restart: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceFault {
    pub workload: WorkloadRef,
    /// The Service's new selector; `{}` selects nothing.
    pub selector: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrafficFault {
    pub workload: WorkloadRef,
    /// Times the scenario's traffic (3 = a threefold surge; 1 = back to normal).
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dynamics {
    /// Scheduling to container start (pull and create).
    #[serde(default = "d_start")]
    pub container_start: Duration,
    /// Container start to ready, unless the image says otherwise.
    #[serde(default = "d_ready")]
    pub ready_after: Duration,
    /// A deleted pod's termination grace.
    #[serde(default = "d_terminate")]
    pub termination_grace: Duration,
    /// How long pods stay on a NotReady node before they are evicted.
    #[serde(default = "d_eviction")]
    pub node_eviction_timeout: Duration,
    /// First crash back-off; it doubles up to `maxBackoff`.
    #[serde(default = "d_backoff")]
    pub crash_backoff: Duration,
    #[serde(default = "d_max_backoff")]
    pub max_backoff: Duration,
    /// Memory use over this fraction of a node's memory raises MemoryPressure.
    #[serde(default = "d_pressure")]
    pub memory_pressure_ratio: f64,
}

fn d_start() -> Duration {
    Duration::from_secs(3)
}
fn d_ready() -> Duration {
    Duration::from_secs(5)
}
fn d_terminate() -> Duration {
    Duration::from_secs(2)
}
fn d_eviction() -> Duration {
    Duration::from_secs(60)
}
fn d_backoff() -> Duration {
    Duration::from_secs(10)
}
fn d_max_backoff() -> Duration {
    Duration::from_secs(300)
}
fn d_pressure() -> f64 {
    0.9
}

impl Default for Dynamics {
    fn default() -> Self {
        Dynamics {
            container_start: d_start(),
            ready_after: d_ready(),
            termination_grace: d_terminate(),
            node_eviction_timeout: d_eviction(),
            crash_backoff: d_backoff(),
            max_backoff: d_max_backoff(),
            memory_pressure_ratio: d_pressure(),
        }
    }
}

/// How the drill's API server presents itself, so clients' fallbacks for older servers can
/// be drilled. By default it is a current server; `version: "1.21"` plays a 1.21 server, whose
/// defaults (eviction API, SelfSubjectReview, the nodes' kubelets) follow from the version.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApiServer {
    /// The Kubernetes version it reports (`/version`), `1.N` or `1.N.P`, from 1.21 on; 1.32.4
    /// when absent.
    #[serde(default)]
    pub version: Option<At<String>>,
    /// The eviction API offered for `pods/eviction`: policy/v1 from 1.22, policy/v1beta1 before.
    #[serde(default)]
    pub eviction: Option<At<EvictionApi>>,
    /// Whether the server answers SelfSubjectReview (`kubectl auth whoami`): from 1.28 on.
    #[serde(default)]
    pub self_subject_review: Option<At<bool>>,
}

/// The oldest and newest Kubernetes minor versions the drill can play (policy/v1
/// PodDisruptionBudgets, which the drill serves, arrived in 1.21).
pub const OLDEST_MINOR: u32 = 21;
pub const NEWEST_MINOR: u32 = 35;
/// The server's version when the scenario names none.
const DEFAULT_VERSION: (u32, u32) = (32, 4);

impl ApiServer {
    /// (minor, patch) of the version it plays; the default when absent or unreadable (a bad
    /// version is reported when the scenario is checked).
    pub fn minor_patch(&self) -> (u32, u32) {
        self.version
            .as_ref()
            .and_then(|v| parse_version(v.get()))
            .unwrap_or(DEFAULT_VERSION)
    }

    /// e.g. `v1.32.4`.
    pub fn git_version(&self) -> String {
        let (minor, patch) = self.minor_patch();
        format!("v1.{minor}.{patch}")
    }

    pub fn eviction(&self) -> EvictionApi {
        match &self.eviction {
            Some(e) => *e.get(),
            None if self.minor_patch().0 < 22 => EvictionApi::V1beta1,
            None => EvictionApi::V1,
        }
    }

    pub fn self_subject_review(&self) -> bool {
        match &self.self_subject_review {
            Some(s) => *s.get(),
            None => self.minor_patch().0 >= 28,
        }
    }
}

/// `1.N`, `1.N.P` or with a leading `v`: Some((N, P)) for N in the range the drill plays.
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next().unwrap_or("0"));
    if major != "1" || parts.next().is_some() {
        return None;
    }
    let (minor, patch) = (minor.parse().ok()?, patch.parse().ok()?);
    (OLDEST_MINOR..=NEWEST_MINOR).contains(&minor).then_some((minor, patch))
}

/// Which eviction API the server offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum EvictionApi {
    /// Kubernetes 1.22 and later.
    #[default]
    #[serde(rename = "policy/v1")]
    V1,
    /// As a 1.21 server: discovery offers only policy/v1beta1, and a policy/v1 Eviction is
    /// refused.
    #[serde(rename = "policy/v1beta1")]
    V1beta1,
}

impl EvictionApi {
    /// `policy/v1` or `policy/v1beta1`.
    pub fn group_version(self) -> &'static str {
        match self {
            EvictionApi::V1 => "policy/v1",
            EvictionApi::V1beta1 => "policy/v1beta1",
        }
    }
}

/// Verbs the drill's user may not use, so RBAC refusals can be drilled.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rbac {
    #[serde(default)]
    pub deny: Vec<Denial>,
    /// The user's name as the drill cluster reports it.
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Denial {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete` or `*`.
    pub verb: String,
    /// Plural resource, optionally with subresource: `pods`, `pods/eviction`, `nodes`, `*`.
    pub resource: String,
    /// Limit to one namespace; all when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Deny only requests across all namespaces (a namespaced role, no cluster role).
    #[serde(default)]
    pub cluster_wide: bool,
}

impl Denial {
    /// Whether this denial covers the request.
    pub fn covers(&self, verb: &str, resource: &str, subresource: Option<&str>, namespace: &str) -> bool {
        let verb_ok = self.verb == "*" || self.verb == verb;
        let full = match subresource {
            Some(sub) => format!("{resource}/{sub}"),
            None => resource.to_string(),
        };
        let res_ok = self.resource == "*" || self.resource == full;
        let ns_ok =
            self.namespace.as_deref().is_none_or(|n| n == namespace) && (!self.cluster_wide || namespace.is_empty());
        verb_ok && res_ok && ns_ok
    }
}
