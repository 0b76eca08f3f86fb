//! Renders kubectl's `meta.k8s.io/v1` Table columns and rows for the kinds the drill
//! cluster serves, ported from the apiserver's printers (`pkg/printers/internalversion`).
//! Pure functions over `serde_json::Value`: no I/O, and odd or partial objects never panic.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

/// One `TableColumnDefinition`.
struct Col {
    name: &'static str,
    ty: &'static str,
    format: &'static str,
    priority: i32,
    description: &'static str,
}

impl Col {
    /// A priority-0 column (always shown).
    const fn new(name: &'static str, ty: &'static str, description: &'static str) -> Col {
        Col {
            name,
            ty,
            format: "",
            priority: 0,
            description,
        }
    }

    /// A priority-1 column (shown by `-o wide`).
    const fn wide(name: &'static str, ty: &'static str, description: &'static str) -> Col {
        Col {
            name,
            ty,
            format: "",
            priority: 1,
            description,
        }
    }
}

// Descriptions follow the apiserver (literal strings, or the swagger doc it cites).
const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";
const READY_PODS_DESC: &str = "Number of the pod with ready state";

const NAME: Col = Col {
    name: "Name",
    ty: "string",
    format: "name",
    priority: 0,
    description: NAME_DESC,
};
const AGE: Col = Col::new("Age", "string", AGE_DESC);
const CONTAINERS: Col = Col::wide("Containers", "string", CONTAINERS_DESC);
const IMAGES: Col = Col::wide("Images", "string", IMAGES_DESC);

const POD_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    Col::new(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
    ),
    Col::new(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    Col::wide(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    ),
    Col::wide(
        "Node",
        "string",
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
    ),
    Col::wide(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
    ),
    Col::wide(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
    ),
];

const NODE_ADDRESSES_DESC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

const NODE_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Status", "string", "The status of the node"),
    Col::new("Roles", "string", "The roles of the node"),
    AGE,
    Col::new("Version", "string", "Kubelet Version reported by the node."),
    Col::wide("Internal-IP", "string", NODE_ADDRESSES_DESC),
    Col::wide("External-IP", "string", NODE_ADDRESSES_DESC),
    Col::wide(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    Col::wide(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    Col::wide(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    ),
];

const EVENT_COLUMNS: &[Col] = &[
    Col::new(
        "Last Seen",
        "string",
        "The time at which the most recent occurrence of this event was recorded.",
    ),
    Col::new(
        "Type",
        "string",
        "Type of this event (Normal, Warning), new types could be added in the future",
    ),
    Col::new(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    Col::new("Object", "string", "The object that this event is about."),
    Col::wide(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
    ),
    Col::wide(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
    ),
    Col::new(
        "Message",
        "string",
        "A human-readable description of the status of this operation.",
    ),
    Col::wide(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    Col::wide("Count", "string", "The number of times this event has occurred."),
    Col {
        name: "Name",
        ty: "string",
        format: "name",
        priority: 1,
        description: NAME_DESC,
    },
];

const DEPLOYMENT_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Ready", "string", READY_PODS_DESC),
    Col::new(
        "Up-to-date",
        "string",
        "Total number of non-terminating pods targeted by this deployment that have the desired template spec.",
    ),
    Col::new(
        "Available",
        "string",
        "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    Col::wide(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
    ),
];

const REPLICA_SET_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Desired",
        "integer",
        "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
    ),
    Col::new(
        "Current",
        "integer",
        "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset",
    ),
    Col::new(
        "Ready",
        "integer",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    Col::wide(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const DAEMON_SET_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    Col::new(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    Col::new(
        "Ready",
        "integer",
        "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
    ),
    Col::new(
        "Up-to-date",
        "integer",
        "The total number of nodes that are running updated daemon pod",
    ),
    Col::new(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    Col::new(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    Col::wide(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const STATEFUL_SET_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Ready", "string", READY_PODS_DESC),
    AGE,
    CONTAINERS,
    IMAGES,
];

const CONTROLLER_REVISION_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Controller", "string", "Controller of the object"),
    Col::new(
        "Revision",
        "string",
        "Revision indicates the revision of the state represented by Data.",
    ),
    AGE,
];

const PDB_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Min Available",
        "string",
        "The minimum number of pods that must be available.",
    ),
    Col::new(
        "Max Unavailable",
        "string",
        "The maximum number of pods that may be unavailable.",
    ),
    Col::new(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE,
];

const NETWORK_POLICY_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Pod-Selector",
        "string",
        "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.",
    ),
    AGE,
];

const NAMESPACE_COLUMNS: &[Col] = &[NAME, Col::new("Status", "string", "The status of the namespace"), AGE];

const FALLBACK_COLUMNS: &[Col] = &[NAME, AGE];

fn columns(kind: &str) -> &'static [Col] {
    match kind {
        "Namespace" => NAMESPACE_COLUMNS,
        "Node" => NODE_COLUMNS,
        "Pod" => POD_COLUMNS,
        "Event" => EVENT_COLUMNS,
        "Deployment" => DEPLOYMENT_COLUMNS,
        "ReplicaSet" => REPLICA_SET_COLUMNS,
        "DaemonSet" => DAEMON_SET_COLUMNS,
        "StatefulSet" => STATEFUL_SET_COLUMNS,
        "ControllerRevision" => CONTROLLER_REVISION_COLUMNS,
        "PodDisruptionBudget" => PDB_COLUMNS,
        "NetworkPolicy" => NETWORK_POLICY_COLUMNS,
        _ => FALLBACK_COLUMNS,
    }
}

/// The Table `columnDefinitions` for `kind`: a JSON array of
/// `{"name","type","format","description","priority"}` objects, priority-1 columns
/// being the ones `kubectl get -o wide` adds. Unknown kinds get Name and Age.
pub fn column_definitions(kind: &str) -> Value {
    Value::Array(
        columns(kind)
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.ty,
                    "format": c.format,
                    "description": c.description,
                    "priority": c.priority,
                })
            })
            .collect(),
    )
}

/// The cells of one Table row for `object` of `kind`, one per column of
/// [`column_definitions`] (wide columns included, as the real server always sends them).
/// Ages are measured against `now`.
pub fn row_cells(kind: &str, object: &Value, now: Timestamp) -> Vec<Value> {
    match kind {
        "Namespace" => namespace_cells(object, now),
        "Node" => node_cells(object, now),
        "Pod" => pod_cells(object, now),
        "Event" => event_cells(object, now),
        "Deployment" => deployment_cells(object, now),
        "ReplicaSet" => replica_set_cells(object, now),
        "DaemonSet" => daemon_set_cells(object, now),
        "StatefulSet" => stateful_set_cells(object, now),
        "ControllerRevision" => controller_revision_cells(object, now),
        "PodDisruptionBudget" => pdb_cells(object, now),
        "NetworkPolicy" => network_policy_cells(object, now),
        _ => vec![name_of(object).into(), age(object, now).into()],
    }
}

/// kubectl's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration): a succinct
/// duration with ~2-3 significant figures, e.g. `45s`, `119s`, `2m1s`, `10m`, `3h1m`, `8h`,
/// `2d1h`, `8d`, `2y1d`, `8y`. Below -1s it is `<invalid>`; within a second of zero, `0s`.
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

// ---------------------------------------------------------------------------
// Value navigation: every accessor tolerates missing or odd-typed fields.

/// Go's zero `time.Time` (what an unset `metav1.Time` decodes to).
const GO_ZERO_TIME: Timestamp = Timestamp::constant(-62_135_596_800, 0);
/// Go's `time.Duration` range; `time.Since` saturates to it.
const GO_MAX_DURATION: SignedDuration = SignedDuration::new(9_223_372_036, 854_775_807);
const GO_MIN_DURATION: SignedDuration = SignedDuration::new(-9_223_372_036, -854_775_808);

fn present(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).is_some_and(|x| !x.is_null())
}

fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn flag(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).and_then(Value::as_bool).unwrap_or(false)
}

fn as_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        Some(i)
    } else if let Some(u) = v.as_u64() {
        Some(i64::try_from(u).unwrap_or(i64::MAX))
    } else {
        // `as` saturates (and maps NaN to 0), so this cannot panic.
        v.as_f64().map(|f| f as i64)
    }
}

fn int(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(as_int).unwrap_or(0)
}

fn list<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn object<'a>(v: &'a Value, ptr: &str) -> Option<&'a Map<String, Value>> {
    v.pointer(ptr).and_then(Value::as_object)
}

/// A `metav1.Time`/`MicroTime` field; missing or unparseable reads as Go's zero time.
fn time(v: &Value, ptr: &str) -> Timestamp {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .unwrap_or(GO_ZERO_TIME)
}

/// `translateTimestampSince`: `<unknown>` for a zero time, else the human age.
fn since(t: Timestamp, now: Timestamp) -> String {
    if t == GO_ZERO_TIME {
        return "<unknown>".to_string();
    }
    let d = now.duration_since(t).clamp(GO_MIN_DURATION, GO_MAX_DURATION);
    human_duration(d)
}

fn name_of(v: &Value) -> &str {
    text(v, "/metadata/name")
}

fn age(v: &Value, now: Timestamp) -> String {
    since(time(v, "/metadata/creationTimestamp"), now)
}

/// `spec.replicas`, which API defaulting sets to 1 when unset.
fn desired_replicas(v: &Value) -> i64 {
    match v.pointer("/spec/replicas") {
        None | Some(Value::Null) => 1,
        Some(x) => as_int(x).unwrap_or(0),
    }
}

/// `layoutContainerCells`: container names and images, comma-joined.
fn container_cells(v: &Value, ptr: &str) -> (String, String) {
    let containers = list(v, ptr);
    let names: Vec<&str> = containers.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "/image")).collect();
    (names.join(","), images.join(","))
}

/// `labels.FormatLabels`: sorted `k=v` pairs, or `<none>`.
fn format_labels(map: Option<&Map<String, Value>>) -> String {
    let mut pairs: Vec<String> = map
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        "<none>".to_string()
    } else {
        pairs.join(",")
    }
}

// ---------------------------------------------------------------------------
// Label selectors (metav1.LabelSelectorAsSelector + labels.Selector.String).

/// The selector's string form; `Err` where the apiserver's conversion would fail.
fn selector_string(sel: Option<&Value>) -> Result<String, ()> {
    let sel = match sel {
        None | Some(Value::Null) => return Ok(String::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(()),
    };
    let match_labels = match sel.get("matchLabels") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(()),
    };
    let expressions: &[Value] = match sel.get("matchExpressions") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return Err(()),
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (key, value) in match_labels.into_iter().flatten() {
        let value = value.as_str().ok_or(())?;
        if !is_qualified_name(key) || !is_label_value(value) {
            return Err(());
        }
        reqs.push((key.clone(), format!("{key}={value}")));
    }
    for expr in expressions {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
        let op = expr.get("operator").and_then(Value::as_str).unwrap_or("");
        let mut values: Vec<&str> = match expr.get("values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().map(|x| x.as_str().ok_or(())).collect::<Result<_, _>>()?,
            Some(_) => return Err(()),
        };
        if !is_qualified_name(key) || !values.iter().all(|v| is_label_value(v)) {
            return Err(());
        }
        values.sort_unstable();
        let rendered = match op {
            "In" | "NotIn" if values.is_empty() => return Err(()),
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" | "DoesNotExist" if !values.is_empty() => return Err(()),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return Err(()),
        };
        reqs.push((key.to_string(), rendered));
    }
    // `Selector.Add` sorts requirements by key (insertion sort, so stable here).
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reqs.into_iter().map(|(_, r)| r).collect::<Vec<_>>().join(","))
}

/// `metav1.FormatLabelSelector`: `<error>` when invalid, `<none>` when empty.
fn format_label_selector(sel: Option<&Value>) -> String {
    match selector_string(sel) {
        Err(()) => "<error>".to_string(),
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
    }
}

/// Matches `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 bytes.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: u8| c.is_ascii_alphanumeric();
    let inner = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => b.len() <= 63 && edge(f) && edge(l) && b.iter().all(|&c| inner(c)),
        _ => false,
    }
}

fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
            match (b.first(), b.last()) {
                (Some(&f), Some(&l)) => edge(f) && edge(l) && b.iter().all(|&c| edge(c) || c == b'-'),
                _ => false,
            }
        })
}

/// `validation.IsQualifiedName`: `[prefix/]name`, prefix a DNS-1123 subdomain.
fn is_qualified_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [name] => is_label_name(name),
        [prefix, name] => is_dns1123_subdomain(prefix) && is_label_name(name),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Per-kind printers.

fn namespace_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![name_of(v).into(), text(v, "/status/phase").into(), age(v, now).into()]
}

fn node_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    // The last Ready condition wins, as with the Go map the printer builds.
    let ready = list(v, "/status/conditions")
        .iter()
        .rev()
        .find(|c| text(c, "/type") == "Ready");
    let mut status = vec![match ready {
        Some(c) if text(c, "/status") == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if flag(v, "/spec/unschedulable") {
        status.push("SchedulingDisabled");
    }

    let mut roles = BTreeSet::new();
    for (key, value) in object(v, "/metadata/labels").into_iter().flatten() {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if key == "kubernetes.io/role" {
            match value.as_str() {
                Some(role) if !role.is_empty() => {
                    roles.insert(role.to_string());
                }
                _ => {}
            }
        }
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };

    let address = |ty: &str| {
        list(v, "/status/addresses")
            .iter()
            .find(|a| text(a, "/type") == ty)
            .map_or_else(|| "<none>".to_string(), |a| text(a, "/address").to_string())
    };
    let info = |field: &str| {
        let s = text(v, &format!("/status/nodeInfo/{field}"));
        if s.is_empty() { "<unknown>" } else { s }.to_string()
    };

    vec![
        name_of(v).into(),
        status.join(",").into(),
        roles.into(),
        age(v, now).into(),
        text(v, "/status/nodeInfo/kubeletVersion").into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ]
}

fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let init_specs = list(pod, "/spec/initContainers");
    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut total_containers = list(pod, "/spec/containers").len() as i64;
    let mut ready_containers: i64 = 0;
    let mut last_restart = GO_ZERO_TIME;
    let mut last_restartable_init_restart = GO_ZERO_TIME;

    let phase = text(pod, "/status/phase");
    let status_reason = text(pod, "/status/reason");
    let mut reason = if status_reason.is_empty() { phase } else { status_reason }.to_string();

    let conditions = list(pod, "/status/conditions");
    if conditions
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }

    let is_restartable = |c: &Value| text(c, "/restartPolicy") == "Always";
    // Looked up by name; a later duplicate wins, as with the printer's map.
    let restartable_by_name = |name: &str| {
        init_specs
            .iter()
            .rev()
            .find(|c| text(c, "/name") == name)
            .is_some_and(is_restartable)
    };
    total_containers += init_specs.iter().filter(|c| is_restartable(c)).count() as i64;

    let last_termination =
        |cs: &Value| present(cs, "/lastState/terminated").then(|| time(cs, "/lastState/terminated/finishedAt"));

    let mut initializing = false;
    for (i, cs) in list(pod, "/status/initContainerStatuses").iter().enumerate() {
        let count = int(cs, "/restartCount");
        restarts = restarts.saturating_add(count);
        let finished = last_termination(cs);
        if let Some(t) = finished {
            last_restart = last_restart.max(t);
        }
        let restartable = restartable_by_name(text(cs, "/name"));
        if restartable {
            restartable_init_restarts = restartable_init_restarts.saturating_add(count);
            if let Some(t) = finished {
                last_restartable_init_restart = last_restartable_init_restart.max(t);
            }
        }
        let terminated = present(cs, "/state/terminated");
        let exit_code = int(cs, "/state/terminated/exitCode");
        let waiting_reason = text(cs, "/state/waiting/reason");
        if terminated && exit_code == 0 {
            continue;
        } else if restartable && flag(cs, "/started") {
            if flag(cs, "/ready") {
                ready_containers += 1;
            }
            continue;
        } else if terminated {
            // Initialization failed.
            let why = text(cs, "/state/terminated/reason");
            let signal = int(cs, "/state/terminated/signal");
            reason = if !why.is_empty() {
                format!("Init:{why}")
            } else if signal != 0 {
                format!("Init:Signal:{signal}")
            } else {
                format!("Init:ExitCode:{exit_code}")
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .find(|c| text(c, "/type") == "Initialized")
        .is_some_and(|c| text(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        for cs in list(pod, "/status/containerStatuses").iter().rev() {
            restarts = restarts.saturating_add(int(cs, "/restartCount"));
            if let Some(t) = last_termination(cs) {
                last_restart = last_restart.max(t);
            }
            let waiting_reason = text(cs, "/state/waiting/reason");
            let terminated = present(cs, "/state/terminated");
            let terminated_reason = text(cs, "/state/terminated/reason");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if terminated && !terminated_reason.is_empty() {
                reason = terminated_reason.to_string();
            } else if terminated {
                let signal = int(cs, "/state/terminated/signal");
                reason = if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{}", int(cs, "/state/terminated/exitCode"))
                };
            } else if flag(cs, "/ready") && present(cs, "/state/running") {
                has_running = true;
                ready_containers += 1;
            }
        }
        // Back to Running if at least one container is still running.
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    if present(pod, "/metadata/deletionTimestamp") {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    let restarts_cell = if restarts != 0 && last_restart != GO_ZERO_TIME {
        format!("{restarts} ({} ago)", since(last_restart, now))
    } else {
        restarts.to_string()
    };

    // v1 -> internal conversion: a set status.podIP is authoritative over podIPs.
    let mut pod_ip = text(pod, "/status/podIP");
    if pod_ip.is_empty() {
        pod_ip = text(pod, "/status/podIPs/0/ip");
    }
    let or_none = |s: &str| if s.is_empty() { "<none>" } else { s }.to_string();

    let gates = list(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_conditions = gates
            .iter()
            .filter(|g| {
                let ty = text(g, "/conditionType");
                conditions
                    .iter()
                    .find(|c| text(c, "/type") == ty)
                    .is_some_and(|c| text(c, "/status") == "True")
            })
            .count();
        format!("{true_conditions}/{}", gates.len())
    };

    vec![
        name_of(pod).into(),
        format!("{ready_containers}/{total_containers}").into(),
        reason.into(),
        restarts_cell.into(),
        age(pod, now).into(),
        or_none(pod_ip).into(),
        or_none(text(pod, "/spec/nodeName")).into(),
        or_none(text(pod, "/status/nominatedNodeName")).into(),
        readiness_gates.into(),
    ]
}

fn event_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let first_ts = time(v, "/firstTimestamp");
    let first_seen = if first_ts == GO_ZERO_TIME {
        since(time(v, "/eventTime"), now)
    } else {
        since(first_ts, now)
    };
    let last_ts = time(v, "/lastTimestamp");
    let mut last_seen = if last_ts == GO_ZERO_TIME {
        first_seen.clone()
    } else {
        since(last_ts, now)
    };
    let mut count = int(v, "/count");
    if present(v, "/series") {
        last_seen = since(time(v, "/series/lastObservedTime"), now);
        count = int(v, "/series/count");
    } else if count == 0 {
        // Singleton events don't have a count set in the new API.
        count = 1;
    }

    let kind = text(v, "/involvedObject/kind").to_lowercase();
    let target_name = text(v, "/involvedObject/name");
    let target = if target_name.is_empty() {
        kind
    } else {
        format!("{kind}/{target_name}")
    };

    let first_non_empty = |a: &'static str, b: &'static str| {
        let s = text(v, a);
        if s.is_empty() { text(v, b) } else { s }
    };
    let component = first_non_empty("/source/component", "/reportingComponent");
    let instance = first_non_empty("/source/host", "/reportingInstance");
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };

    vec![
        last_seen.into(),
        text(v, "/type").into(),
        text(v, "/reason").into(),
        target.into(),
        text(v, "/involvedObject/fieldPath").into(),
        source.into(),
        text(v, "/message").trim().into(),
        first_seen.into(),
        count.into(),
        name_of(v).into(),
    ]
}

fn deployment_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    let selector = selector_string(v.pointer("/spec/selector")).unwrap_or_else(|()| "<invalid>".to_string());
    vec![
        name_of(v).into(),
        format!("{}/{}", int(v, "/status/readyReplicas"), desired_replicas(v)).into(),
        int(v, "/status/updatedReplicas").into(),
        int(v, "/status/availableReplicas").into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        selector.into(),
    ]
}

fn replica_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        desired_replicas(v).into(),
        int(v, "/status/replicas").into(),
        int(v, "/status/readyReplicas").into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        format_label_selector(v.pointer("/spec/selector")).into(),
    ]
}

fn daemon_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        int(v, "/status/desiredNumberScheduled").into(),
        int(v, "/status/currentNumberScheduled").into(),
        int(v, "/status/numberReady").into(),
        int(v, "/status/updatedNumberScheduled").into(),
        int(v, "/status/numberAvailable").into(),
        format_labels(object(v, "/spec/template/spec/nodeSelector")).into(),
        age(v, now).into(),
        names.into(),
        images.into(),
        format_label_selector(v.pointer("/spec/selector")).into(),
    ]
}

fn stateful_set_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(v, "/spec/template/spec/containers");
    vec![
        name_of(v).into(),
        format!("{}/{}", int(v, "/status/readyReplicas"), desired_replicas(v)).into(),
        age(v, now).into(),
        names.into(),
        images.into(),
    ]
}

fn controller_revision_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    let controller = list(v, "/metadata/ownerReferences")
        .iter()
        .find(|r| flag(r, "/controller"))
        .map_or_else(
            || "<none>".to_string(),
            |r| {
                let name = text(r, "/name");
                let kind = text(r, "/kind");
                let api_version = text(r, "/apiVersion");
                // schema.ParseGroupVersion: "" and "v1" have no group, "g/v" has group g.
                let group = match api_version.split_once('/') {
                    Some((group, rest)) if !rest.contains('/') => group,
                    _ => "",
                };
                let group_kind = if group.is_empty() {
                    kind.to_string()
                } else {
                    format!("{kind}.{group}")
                };
                if group_kind.is_empty() {
                    name.to_string()
                } else {
                    format!("{}/{name}", group_kind.to_lowercase())
                }
            },
        );
    vec![
        name_of(v).into(),
        controller.into(),
        int(v, "/revision").into(),
        age(v, now).into(),
    ]
}

/// An `IntOrString` field, or `N/A` when unset.
fn int_or_string(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(n @ Value::Number(_)) => as_int(n).map_or_else(|| n.to_string(), |i| i.to_string()),
        _ => "N/A".to_string(),
    }
}

fn pdb_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name_of(v).into(),
        int_or_string(v, "/spec/minAvailable").into(),
        int_or_string(v, "/spec/maxUnavailable").into(),
        int(v, "/status/disruptionsAllowed").into(),
        age(v, now).into(),
    ]
}

fn network_policy_cells(v: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name_of(v).into(),
        format_label_selector(v.pointer("/spec/podSelector")).into(),
        age(v, now).into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2024-05-01T12:00:00Z";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    /// An RFC 3339 timestamp `secs` seconds before [`NOW`].
    fn ago(secs: i64) -> String {
        (now() - SignedDuration::from_secs(secs)).to_string()
    }

    fn cells(kind: &str, object: Value) -> Vec<Value> {
        let row = row_cells(kind, &object, now());
        let columns = column_definitions(kind);
        assert_eq!(
            row.len(),
            columns.as_array().unwrap().len(),
            "{kind}: one cell per column"
        );
        row
    }

    fn column_names(kind: &str) -> Vec<(String, i64)> {
        column_definitions(kind)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["priority"].as_i64().unwrap()))
            .collect()
    }

    fn pod_status(pod: Value) -> String {
        cells("Pod", pod)[2].as_str().unwrap().to_string()
    }

    #[test]
    fn human_duration_boundaries() {
        let s = SignedDuration::from_secs;
        let ms = SignedDuration::from_millis;
        let cases = [
            (s(-3), "<invalid>"),
            (s(-2), "<invalid>"),
            (ms(-1999), "0s"),
            (s(-1), "0s"),
            (s(0), "0s"),
            (ms(999), "0s"),
            (s(1), "1s"),
            (s(45), "45s"),
            (s(119), "119s"),
            (s(120), "2m"),
            (s(121), "2m1s"),
            (s(3 * 60 + 12), "3m12s"),
            (s(9 * 60 + 59), "9m59s"),
            (s(10 * 60), "10m"),
            (s(10 * 60 + 59), "10m"),
            (s(179 * 60 + 59), "179m"),
            (s(3 * 3600), "3h"),
            (s(3 * 3600 + 60), "3h1m"),
            (s(7 * 3600 + 59 * 60 + 59), "7h59m"),
            (s(8 * 3600), "8h"),
            (s(47 * 3600 + 3599), "47h"),
            (s(48 * 3600), "2d"),
            (s(49 * 3600), "2d1h"),
            (s(191 * 3600), "7d23h"),
            (s(192 * 3600), "8d"),
            (s(729 * 86400), "729d"),
            (s(730 * 86400), "2y"),
            (s(731 * 86400), "2y1d"),
            (s(2919 * 86400), "7y364d"),
            (s(2920 * 86400), "8y"),
            (s(3000 * 86400), "8y"),
            (s(36500 * 86400), "100y"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn age_is_unknown_without_timestamp_and_saturates_like_go() {
        let now = now();
        assert_eq!(age(&json!({}), now), "<unknown>");
        assert_eq!(age(&json!({"metadata": {"creationTimestamp": 7}}), now), "<unknown>");
        assert_eq!(
            age(&json!({"metadata": {"creationTimestamp": "garbage"}}), now),
            "<unknown>"
        );
        assert_eq!(
            age(&json!({"metadata": {"creationTimestamp": "0001-01-01T00:00:00Z"}}), now),
            "<unknown>"
        );
        // Go's time.Since saturates at ~292 years.
        assert_eq!(
            age(&json!({"metadata": {"creationTimestamp": "1000-01-01T00:00:00Z"}}), now),
            "292y"
        );
        // A creation time in the future.
        assert_eq!(
            age(&json!({"metadata": {"creationTimestamp": ago(-60)}}), now),
            "<invalid>"
        );
    }

    #[test]
    fn column_definitions_shape() {
        let cols = column_definitions("Pod");
        let first = &cols[0];
        assert_eq!(first["name"], "Name");
        assert_eq!(first["type"], "string");
        assert_eq!(first["format"], "name");
        assert_eq!(first["priority"], 0);
        assert!(
            first["description"]
                .as_str()
                .unwrap()
                .starts_with("Name must be unique")
        );
        assert_eq!(cols[1]["format"], "");
        assert_eq!(
            column_names("Pod"),
            [
                ("Name", 0),
                ("Ready", 0),
                ("Status", 0),
                ("Restarts", 0),
                ("Age", 0),
                ("IP", 1),
                ("Node", 1),
                ("Nominated Node", 1),
                ("Readiness Gates", 1),
            ]
            .map(|(n, p)| (n.to_string(), p))
        );
        assert_eq!(
            column_names("Event"),
            [
                ("Last Seen", 0),
                ("Type", 0),
                ("Reason", 0),
                ("Object", 0),
                ("Subobject", 1),
                ("Source", 1),
                ("Message", 0),
                ("First Seen", 1),
                ("Count", 1),
                ("Name", 1),
            ]
            .map(|(n, p)| (n.to_string(), p))
        );
        assert_eq!(
            column_names("SomethingElse"),
            [("Name", 0), ("Age", 0)].map(|(n, p)| (n.to_string(), p))
        );
    }

    #[test]
    fn every_kind_renders_an_empty_or_hostile_object() {
        let kinds = [
            "Namespace",
            "Node",
            "Pod",
            "Event",
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "ControllerRevision",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "Widget",
        ];
        let hostile = json!({
            "metadata": {"name": 5, "labels": [1], "ownerReferences": {"x": 1},
                         "creationTimestamp": {}, "deletionTimestamp": 3},
            "spec": {"containers": "nope", "initContainers": [null, 4],
                     "replicas": "three", "selector": "app=x", "podSelector": [],
                     "template": {"spec": {"containers": [{"name": 1}, 7],
                                           "nodeSelector": {"a": 1}}},
                     "readinessGates": [{}], "minAvailable": true},
            "status": {"phase": 9, "conditions": "x", "replicas": 1.0e300,
                       "readyReplicas": -5, "restartCount": u64::MAX,
                       "containerStatuses": [null, {"restartCount": i64::MAX,
                            "lastState": {"terminated": {"finishedAt": 1}}},
                            {"restartCount": i64::MAX}],
                       "initContainerStatuses": [{"state": {"terminated": "x"}}],
                       "addresses": [{"type": "InternalIP"}]},
            "series": {"count": "many"},
            "revision": null
        });
        for kind in kinds {
            for object in [json!({}), json!(null), json!([1, 2]), hostile.clone()] {
                let row = cells(kind, object);
                assert!(row.iter().all(|c| c.is_string() || c.is_i64()), "{kind}: {row:?}");
            }
        }
        let pod = cells("Pod", json!({}));
        assert_eq!(
            pod,
            vec![
                json!(""),
                json!("0/0"),
                json!(""),
                json!("0"),
                json!("<unknown>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
            ]
        );
    }

    fn running_pod() -> Value {
        json!({
            "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": ago(3600)},
            "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "nginx:1.27"}]},
            "status": {
                "phase": "Running",
                "podIP": "10.244.1.7",
                "podIPs": [{"ip": "10.244.1.7"}],
                "conditions": [
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "True"},
                    {"type": "ContainersReady", "status": "True"},
                    {"type": "PodScheduled", "status": "True"}
                ],
                "containerStatuses": [{
                    "name": "app", "ready": true, "restartCount": 0, "started": true,
                    "state": {"running": {"startedAt": ago(3500)}}
                }]
            }
        })
    }

    #[test]
    fn pod_running() {
        assert_eq!(
            cells("Pod", running_pod()),
            vec![
                json!("web-1"),
                json!("1/1"),
                json!("Running"),
                json!("0"),
                json!("60m"),
                json!("10.244.1.7"),
                json!("node-a"),
                json!("<none>"),
                json!("<none>"),
            ]
        );
    }

    #[test]
    fn pod_crash_loop_back_off_with_restart_age() {
        let pod = json!({
            "metadata": {"name": "api-7d9f", "creationTimestamp": ago(1800)},
            "spec": {"containers": [{"name": "api"}, {"name": "sidecar"}]},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [
                    {"name": "api", "ready": false, "restartCount": 3,
                     "state": {"waiting": {"reason": "CrashLoopBackOff",
                                           "message": "back-off 40s restarting failed container"}},
                     "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                                  "finishedAt": ago(45)}}},
                    {"name": "sidecar", "ready": true, "restartCount": 1,
                     "state": {"running": {"startedAt": ago(1700)}},
                     "lastState": {"terminated": {"exitCode": 0, "reason": "Completed",
                                                  "finishedAt": ago(1700)}}}
                ]
            }
        });
        let row = cells("Pod", pod);
        assert_eq!(row[1], "1/2");
        assert_eq!(row[2], "CrashLoopBackOff");
        // Restarts sum over containers; the age is of the latest termination.
        assert_eq!(row[3], "4 (45s ago)");
        assert_eq!(row[4], "30m");
    }

    #[test]
    fn pod_restarts_minutes_ago() {
        let mut pod = running_pod();
        pod["status"]["containerStatuses"][0]["restartCount"] = json!(2);
        pod["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(5 * 60 + 10)}});
        assert_eq!(cells("Pod", pod.clone())[3], "2 (5m10s ago)");
        // Without a finish time the age is left off.
        pod["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1}});
        assert_eq!(cells("Pod", pod)[3], "2");
    }

    #[test]
    fn pod_oom_killed_error_and_exit_codes() {
        let terminated = |state: Value| {
            json!({
                "metadata": {"name": "batch"},
                "spec": {"containers": [{"name": "main"}]},
                "status": {"phase": "Running", "containerStatuses": [
                    {"name": "main", "ready": false, "restartCount": 0, "state": {"terminated": state}}
                ]}
            })
        };
        assert_eq!(
            pod_status(terminated(json!({"exitCode": 137, "reason": "OOMKilled"}))),
            "OOMKilled"
        );
        assert_eq!(
            pod_status(terminated(json!({"exitCode": 1, "reason": "Error"}))),
            "Error"
        );
        assert_eq!(pod_status(terminated(json!({"exitCode": 2}))), "ExitCode:2");
        assert_eq!(pod_status(terminated(json!({"exitCode": 0, "signal": 9}))), "Signal:9");
    }

    #[test]
    fn pod_completed_and_completed_but_running() {
        let completed = json!({
            "metadata": {"name": "job-x"},
            "spec": {"containers": [{"name": "main"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [
                {"name": "main", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
            ]}
        });
        let row = cells("Pod", completed);
        assert_eq!(row[1], "0/1");
        assert_eq!(row[2], "Completed");

        // One container completed, another still running: Running or NotReady.
        let mut mixed = json!({
            "metadata": {"name": "mixed"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [
                    {"name": "a", "ready": false, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "b", "ready": true, "state": {"running": {}}}
                ]}
        });
        assert_eq!(pod_status(mixed.clone()), "Running");
        mixed["status"]["conditions"][0]["status"] = json!("False");
        assert_eq!(pod_status(mixed), "NotReady");
    }

    #[test]
    fn pod_container_creating_and_pending() {
        let creating = json!({
            "metadata": {"name": "new"},
            "spec": {"nodeName": "node-b", "containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "ContainerCreating"}}}
            ]}
        });
        assert_eq!(pod_status(creating), "ContainerCreating");

        let unscheduled = json!({
            "metadata": {"name": "pending"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
            ]}
        });
        let row = cells("Pod", unscheduled);
        assert_eq!(row[1], "0/1");
        assert_eq!(row[2], "Pending");
        assert_eq!(row[6], "<none>");

        let gated = json!({
            "metadata": {"name": "gated"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
            ]}
        });
        assert_eq!(pod_status(gated), "SchedulingGated");
    }

    #[test]
    fn pod_terminating_evicted_and_node_lost() {
        let mut pod = running_pod();
        pod["metadata"]["deletionTimestamp"] = json!(ago(-30));
        assert_eq!(pod_status(pod.clone()), "Terminating");

        // A terminal pod being deleted keeps its phase-derived status.
        let mut done = pod.clone();
        done["status"]["phase"] = json!("Succeeded");
        done["status"]["containerStatuses"][0]["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        assert_eq!(pod_status(done), "Completed");

        pod["status"]["reason"] = json!("NodeLost");
        assert_eq!(pod_status(pod), "Unknown");

        let evicted = json!({
            "metadata": {"name": "evicted"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Failed", "reason": "Evicted",
                       "message": "The node was low on resource: memory."}
        });
        let row = cells("Pod", evicted);
        assert_eq!(row[1], "0/1");
        assert_eq!(row[2], "Evicted");

        let node_lost = json!({
            "metadata": {"name": "lost"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "reason": "NodeLost"}
        });
        assert_eq!(pod_status(node_lost), "NodeLost");
    }

    #[test]
    fn pod_init_containers() {
        let base = |init_statuses: Value, conditions: Value| {
            json!({
                "metadata": {"name": "init-pod"},
                "spec": {"initContainers": [{"name": "migrate"}, {"name": "warm"}],
                         "containers": [{"name": "app"}]},
                "status": {"phase": "Pending", "conditions": conditions,
                    "initContainerStatuses": init_statuses,
                    "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
                        "state": {"waiting": {"reason": "PodInitializing"}}}]}
            })
        };
        let running_first = base(
            json!([
                {"name": "migrate", "restartCount": 0, "state": {"running": {}}},
                {"name": "warm", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
            ]),
            json!([]),
        );
        assert_eq!(pod_status(running_first), "Init:0/2");

        let second = base(
            json!([
                {"name": "migrate", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "warm", "state": {"running": {}}}
            ]),
            json!([]),
        );
        assert_eq!(pod_status(second), "Init:1/2");

        let crashing = base(
            json!([
                {"name": "migrate", "restartCount": 4,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(20)}}},
                {"name": "warm", "state": {"waiting": {"reason": "PodInitializing"}}}
            ]),
            json!([]),
        );
        let row = cells("Pod", crashing);
        assert_eq!(row[2], "Init:CrashLoopBackOff");
        assert_eq!(row[3], "4 (20s ago)");

        let failed = base(
            json!([{"name": "migrate", "state": {"terminated": {"exitCode": 3}}}]),
            json!([]),
        );
        assert_eq!(pod_status(failed), "Init:ExitCode:3");
        let errored = base(
            json!([{"name": "migrate", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]),
            json!([]),
        );
        assert_eq!(pod_status(errored), "Init:Error");

        // Once initialized, the app containers decide; init restarts no longer count.
        let done = base(
            json!([
                {"name": "migrate", "restartCount": 2,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "warm", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
            ]),
            json!([{"type": "Initialized", "status": "True"}]),
        );
        let row = cells("Pod", done);
        assert_eq!(row[2], "PodInitializing");
        assert_eq!(row[3], "0");
    }

    #[test]
    fn pod_sidecar_init_container_counts() {
        let pod = json!({
            "metadata": {"name": "mesh"},
            "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
                     "containers": [{"name": "app"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true,
                    "restartCount": 1, "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(600)}}}],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                    "state": {"running": {}}}]}
        });
        let row = cells("Pod", pod);
        assert_eq!(row[1], "2/2");
        assert_eq!(row[2], "Running");
        assert_eq!(row[3], "1 (10m ago)");
    }

    #[test]
    fn pod_wide_columns() {
        let mut pod = running_pod();
        pod["status"]["podIP"] = json!("");
        pod["status"]["podIPs"] = json!([{"ip": "fd00::7"}, {"ip": "10.0.0.7"}]);
        pod["status"]["nominatedNodeName"] = json!("node-z");
        pod["spec"]["readinessGates"] = json!([
            {"conditionType": "example.com/lb-ready"},
            {"conditionType": "example.com/warm"}
        ]);
        pod["status"]["conditions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "example.com/lb-ready", "status": "True"}));
        let row = cells("Pod", pod);
        assert_eq!(
            row[5..],
            [json!("fd00::7"), json!("node-a"), json!("node-z"), json!("1/2")]
        );
    }

    fn node(conditions: Value) -> Value {
        json!({
            "metadata": {"name": "node-a", "creationTimestamp": ago(9 * 86400 + 3600),
                         "labels": {"kubernetes.io/hostname": "node-a",
                                    "node-role.kubernetes.io/control-plane": "",
                                    "node-role.kubernetes.io/worker": "true"}},
            "spec": {},
            "status": {
                "conditions": conditions,
                "addresses": [{"type": "Hostname", "address": "node-a"},
                              {"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.8.0-45-generic",
                             "containerRuntimeVersion": "containerd://1.7.24"}
            }
        })
    }

    #[test]
    fn node_ready_and_wide() {
        let row = cells(
            "Node",
            node(json!([
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady"}
            ])),
        );
        assert_eq!(
            row,
            vec![
                json!("node-a"),
                json!("Ready"),
                json!("control-plane,worker"),
                json!("9d"),
                json!("v1.32.4"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian GNU/Linux 12 (bookworm)"),
                json!("6.8.0-45-generic"),
                json!("containerd://1.7.24"),
            ]
        );
    }

    #[test]
    fn node_statuses() {
        let mut cordoned = node(json!([{"type": "Ready", "status": "True"}]));
        cordoned["spec"]["unschedulable"] = json!(true);
        assert_eq!(cells("Node", cordoned)[1], "Ready,SchedulingDisabled");

        let not_ready = node(json!([{"type": "Ready", "status": "False"}]));
        assert_eq!(cells("Node", not_ready)[1], "NotReady");
        let unknown_status = node(json!([{"type": "Ready", "status": "Unknown"}]));
        assert_eq!(cells("Node", unknown_status)[1], "NotReady");

        let mut no_conditions = node(json!([]));
        no_conditions["spec"]["unschedulable"] = json!(true);
        assert_eq!(cells("Node", no_conditions)[1], "Unknown,SchedulingDisabled");

        let bare = cells("Node", json!({"metadata": {"name": "n"}}));
        assert_eq!(bare[1], "Unknown");
        assert_eq!(bare[2], "<none>");
        assert_eq!(bare[4], "");
        assert_eq!(bare[5..], ["<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);

        let legacy_role = json!({"metadata": {"name": "n", "labels": {"kubernetes.io/role": "master"}}});
        assert_eq!(cells("Node", legacy_role)[2], "master");
    }

    #[test]
    fn event_rows() {
        let event = json!({
            "metadata": {"name": "web-1.17c2a1b2c3d4e5f6", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop",
                               "fieldPath": "spec.containers{app}"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container app in pod web-1_shop\n",
            "source": {"component": "kubelet", "host": "node-a"},
            "firstTimestamp": ago(600),
            "lastTimestamp": ago(45),
            "count": 7,
            "type": "Warning"
        });
        assert_eq!(
            cells("Event", event),
            vec![
                json!("45s"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web-1"),
                json!("spec.containers{app}"),
                json!("kubelet, node-a"),
                json!("Back-off restarting failed container app in pod web-1_shop"),
                json!("10m"),
                json!(7),
                json!("web-1.17c2a1b2c3d4e5f6"),
            ]
        );

        // events.k8s.io-style: eventTime, reporting fields, series, no count.
        let new_style = json!({
            "metadata": {"name": "e2"},
            "involvedObject": {"kind": "Node"},
            "eventTime": "2024-05-01T11:58:00.123456Z",
            "reportingComponent": "node-controller",
            "reason": "RegisteredNode",
            "type": "Normal"
        });
        let row = cells("Event", new_style.clone());
        assert_eq!(row[0], "119s");
        assert_eq!(row[3], "node");
        assert_eq!(row[5], "node-controller");
        assert_eq!(row[7], "119s");
        assert_eq!(row[8], 1);

        let mut series = new_style;
        series["series"] = json!({"count": 12, "lastObservedTime": ago(5)});
        let row = cells("Event", series);
        assert_eq!(row[0], "5s");
        assert_eq!(row[8], 12);

        let bare = cells("Event", json!({}));
        assert_eq!(bare[0], "<unknown>");
        assert_eq!(bare[7], "<unknown>");
        assert_eq!(bare[8], 1);
    }

    #[test]
    fn deployment_rows() {
        let deployment = json!({
            "metadata": {"name": "web", "creationTimestamp": ago(2 * 86400 + 5 * 3600)},
            "spec": {"replicas": 3,
                     "selector": {"matchLabels": {"app": "web", "tier": "frontend"}},
                     "template": {"spec": {"containers": [
                         {"name": "nginx", "image": "nginx:1.27"},
                         {"name": "exporter", "image": "nginx/nginx-prometheus-exporter:1.1"}
                     ]}}},
            "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2}
        });
        assert_eq!(
            cells("Deployment", deployment),
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("2d5h"),
                json!("nginx,exporter"),
                json!("nginx:1.27,nginx/nginx-prometheus-exporter:1.1"),
                json!("app=web,tier=frontend"),
            ]
        );
        // Unset replicas default to 1; a missing selector prints empty.
        let bare = cells("Deployment", json!({"metadata": {"name": "d"}}));
        assert_eq!(bare[1], "0/1");
        assert_eq!(bare[2], 0);
        assert_eq!(bare[7], "");
        let invalid = cells(
            "Deployment",
            json!({"spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Bogus"}]}}}),
        );
        assert_eq!(invalid[7], "<invalid>");
    }

    #[test]
    fn replica_set_rows() {
        let rs = json!({
            "metadata": {"name": "web-5d8f7c9b6d", "creationTimestamp": ago(300)},
            "spec": {"replicas": 3,
                     "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d8f7c9b6d"}},
                     "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
            "status": {"replicas": 3, "readyReplicas": 1}
        });
        assert_eq!(
            cells("ReplicaSet", rs),
            vec![
                json!("web-5d8f7c9b6d"),
                json!(3),
                json!(3),
                json!(1),
                json!("5m"),
                json!("nginx"),
                json!("nginx:1.27"),
                json!("app=web,pod-template-hash=5d8f7c9b6d"),
            ]
        );
        let scaled_down = cells("ReplicaSet", json!({"spec": {"replicas": 0}}));
        assert_eq!(scaled_down[1], 0);
        assert_eq!(scaled_down[7], "<none>");
    }

    #[test]
    fn daemon_set_rows() {
        let ds = json!({
            "metadata": {"name": "node-exporter", "creationTimestamp": ago(40 * 86400)},
            "spec": {"selector": {"matchLabels": {"app": "node-exporter"}},
                     "template": {"spec": {
                         "nodeSelector": {"kubernetes.io/os": "linux", "disk": "ssd"},
                         "containers": [{"name": "exporter", "image": "prom/node-exporter:v1.8.2"}]}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                       "updatedNumberScheduled": 3, "numberAvailable": 2}
        });
        assert_eq!(
            cells("DaemonSet", ds),
            vec![
                json!("node-exporter"),
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("disk=ssd,kubernetes.io/os=linux"),
                json!("40d"),
                json!("exporter"),
                json!("prom/node-exporter:v1.8.2"),
                json!("app=node-exporter"),
            ]
        );
        assert_eq!(cells("DaemonSet", json!({}))[6], "<none>");
    }

    #[test]
    fn stateful_set_rows() {
        let sts = json!({
            "metadata": {"name": "db", "creationTimestamp": ago(7 * 3600 + 30 * 60)},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "postgres", "image": "postgres:16"}]}}},
            "status": {"replicas": 3, "readyReplicas": 3}
        });
        assert_eq!(
            cells("StatefulSet", sts),
            vec![
                json!("db"),
                json!("3/3"),
                json!("7h30m"),
                json!("postgres"),
                json!("postgres:16"),
            ]
        );
        assert_eq!(cells("StatefulSet", json!({}))[1], "0/1");
    }

    #[test]
    fn controller_revision_rows() {
        let cr = json!({
            "metadata": {"name": "db-7f9c5d", "creationTimestamp": ago(90),
                         "ownerReferences": [
                             {"apiVersion": "v1", "kind": "ConfigMap", "name": "other"},
                             {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                              "controller": true}]},
            "revision": 2
        });
        assert_eq!(
            cells("ControllerRevision", cr),
            vec![json!("db-7f9c5d"), json!("statefulset.apps/db"), json!(2), json!("90s")]
        );
        let core = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "v1", "kind": "Pod", "name": "p", "controller": true}]}});
        assert_eq!(cells("ControllerRevision", core)[1], "pod/p");
        assert_eq!(cells("ControllerRevision", json!({}))[1], "<none>");
    }

    #[test]
    fn pdb_rows() {
        let pdb = json!({
            "metadata": {"name": "web-pdb", "creationTimestamp": ago(3 * 86400)},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2}
        });
        assert_eq!(
            cells("PodDisruptionBudget", pdb),
            vec![json!("web-pdb"), json!("2"), json!("N/A"), json!(1), json!("3d")]
        );
        let pct = json!({"spec": {"maxUnavailable": "25%"}});
        let row = cells("PodDisruptionBudget", pct);
        assert_eq!(row[1..4], [json!("N/A"), json!("25%"), json!(0)]);
    }

    #[test]
    fn network_policy_rows() {
        let np = json!({
            "metadata": {"name": "allow-frontend", "creationTimestamp": ago(120)},
            "spec": {"podSelector": {
                "matchLabels": {"app": "api"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["web", "backend"]},
                    {"key": "env", "operator": "NotIn", "values": ["dev"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "team", "operator": "Exists"}
                ]}}
        });
        assert_eq!(
            cells("NetworkPolicy", np),
            vec![
                json!("allow-frontend"),
                json!("app=api,!canary,env notin (dev),team,tier in (backend,web)"),
                json!("2m"),
            ]
        );
        let deny_all = json!({"metadata": {"name": "default-deny"}, "spec": {"podSelector": {}}});
        assert_eq!(cells("NetworkPolicy", deny_all)[1], "<none>");
        let bad = json!({"spec": {"podSelector": {"matchLabels": {"bad key!": "x"}}}});
        assert_eq!(cells("NetworkPolicy", bad)[1], "<error>");
        let empty_in = json!({"spec": {"podSelector": {"matchExpressions": [
            {"key": "a", "operator": "In", "values": []}]}}});
        assert_eq!(cells("NetworkPolicy", empty_in)[1], "<error>");
    }

    #[test]
    fn namespace_and_fallback_rows() {
        let ns = json!({
            "metadata": {"name": "shop", "creationTimestamp": ago(86400)},
            "status": {"phase": "Active"}
        });
        assert_eq!(
            cells("Namespace", ns),
            vec![json!("shop"), json!("Active"), json!("24h")]
        );
        let mut terminating = json!({"metadata": {"name": "old"}, "status": {"phase": "Terminating"}});
        assert_eq!(cells("Namespace", terminating.clone())[1], "Terminating");
        terminating["metadata"]["creationTimestamp"] = json!(ago(50));
        assert_eq!(cells("Namespace", terminating)[2], "50s");

        let widget = json!({"metadata": {"name": "w", "creationTimestamp": ago(600)}});
        assert_eq!(cells("Widget", widget), vec![json!("w"), json!("10m")]);
    }

    #[test]
    fn label_name_validation() {
        assert!(is_qualified_name("app"));
        assert!(is_qualified_name("app.kubernetes.io/name"));
        assert!(is_qualified_name("node-role.kubernetes.io/control-plane"));
        assert!(!is_qualified_name(""));
        assert!(!is_qualified_name("/name"));
        assert!(!is_qualified_name("Example.com/name"));
        assert!(!is_qualified_name("a/b/c"));
        assert!(!is_qualified_name("-app"));
        assert!(!is_qualified_name(&"a".repeat(64)));
        assert!(is_label_value(""));
        assert!(is_label_value("v1.2_3-x"));
        assert!(!is_label_value("has space"));
    }
}
