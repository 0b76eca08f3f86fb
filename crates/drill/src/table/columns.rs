//! The columns of each kind's Table, names, types, priorities and descriptions as the
//! apiserver's printers declare them (`-o wide` shows priority 1).

/// One `TableColumnDefinition`.
pub(super) struct Col {
    pub(super) name: &'static str,
    pub(super) ty: &'static str,
    pub(super) format: &'static str,
    pub(super) priority: i32,
    pub(super) description: &'static str,
}

impl Col {
    /// A priority-0 column (always shown).
    pub(super) const fn new(name: &'static str, ty: &'static str, description: &'static str) -> Col {
        Col {
            name,
            ty,
            format: "",
            priority: 0,
            description,
        }
    }

    /// A priority-1 column (shown by `-o wide`).
    pub(super) const fn wide(name: &'static str, ty: &'static str, description: &'static str) -> Col {
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
pub(super) const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

pub(super) const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

pub(super) const CONTAINERS_DESC: &str = "Names of each container in the template.";

pub(super) const IMAGES_DESC: &str = "Images referenced by each container in the template.";

pub(super) const READY_PODS_DESC: &str = "Number of the pod with ready state";

pub(super) const NAME: Col = Col {
    name: "Name",
    ty: "string",
    format: "name",
    priority: 0,
    description: NAME_DESC,
};

pub(super) const AGE: Col = Col::new("Age", "string", AGE_DESC);

pub(super) const CONTAINERS: Col = Col::wide("Containers", "string", CONTAINERS_DESC);

pub(super) const IMAGES: Col = Col::wide("Images", "string", IMAGES_DESC);

pub(super) const POD_COLUMNS: &[Col] = &[
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

pub(super) const NODE_ADDRESSES_DESC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

pub(super) const NODE_COLUMNS: &[Col] = &[
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

pub(super) const EVENT_COLUMNS: &[Col] = &[
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

pub(super) const DEPLOYMENT_COLUMNS: &[Col] = &[
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

pub(super) const REPLICA_SET_COLUMNS: &[Col] = &[
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

pub(super) const DAEMON_SET_COLUMNS: &[Col] = &[
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

pub(super) const STATEFUL_SET_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Ready", "string", READY_PODS_DESC),
    AGE,
    CONTAINERS,
    IMAGES,
];

pub(super) const CONTROLLER_REVISION_COLUMNS: &[Col] = &[
    NAME,
    Col::new("Controller", "string", "Controller of the object"),
    Col::new(
        "Revision",
        "string",
        "Revision indicates the revision of the state represented by Data.",
    ),
    AGE,
];

pub(super) const PDB_COLUMNS: &[Col] = &[
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

pub(super) const NETWORK_POLICY_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Pod-Selector",
        "string",
        "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.",
    ),
    AGE,
];

pub(super) const SERVICE_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Type",
        "string",
        "type determines how the Service is exposed. Defaults to ClusterIP.",
    ),
    Col::new(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly.",
    ),
    Col::new(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
    ),
    Col::new(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service.",
    ),
    AGE,
    Col::wide(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector.",
    ),
];

const DATA: Col = Col::new(
    "Data",
    "string",
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
);

pub(super) const CONFIG_MAP_COLUMNS: &[Col] = &[NAME, DATA, AGE];

pub(super) const SECRET_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data.",
    ),
    DATA,
    AGE,
];

pub(super) const ENDPOINTS_COLUMNS: &[Col] = &[NAME, Col::new("Endpoints", "string", "Endpoints of the service"), AGE];

pub(super) const ENDPOINT_SLICE_COLUMNS: &[Col] = &[
    NAME,
    Col::new("AddressType", "string", "The IP protocol for this slice"),
    Col::new("Ports", "string", "The ports for this slice"),
    Col::new("Endpoints", "string", "First 3 endpoints for this slice"),
    AGE,
];

pub(super) const NAMESPACE_COLUMNS: &[Col] = &[NAME, Col::new("Status", "string", "The status of the namespace"), AGE];

pub(super) const INGRESS_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Class",
        "string",
        "The name of the IngressClass resource that should be used to determine which controller will implement this ingress resource.",
    ),
    Col::new(
        "Hosts",
        "string",
        "Hosts that incoming requests are matched against before the ingress rule",
    ),
    Col::new(
        "Address",
        "string",
        "Address is a list containing ingress points for the load-balancer",
    ),
    Col::new("Ports", "string", "Ports of TLS configurations that open"),
    AGE,
];

pub(super) const AUTOSCALER_COLUMNS: &[Col] = &[
    NAME,
    Col::new(
        "Reference",
        "string",
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
    ),
    Col::new(
        "Targets",
        "string",
        "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.",
    ),
    Col::new(
        "MinPods",
        "string",
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
    ),
    Col::new(
        "MaxPods",
        "string",
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
    ),
    Col::new(
        "Replicas",
        "string",
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
    ),
    AGE,
];

pub(super) const FALLBACK_COLUMNS: &[Col] = &[NAME, AGE];

pub(super) fn columns(kind: &str) -> &'static [Col] {
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
        "Service" => SERVICE_COLUMNS,
        "ConfigMap" => CONFIG_MAP_COLUMNS,
        "Endpoints" => ENDPOINTS_COLUMNS,
        "EndpointSlice" => ENDPOINT_SLICE_COLUMNS,
        "Secret" => SECRET_COLUMNS,
        "HorizontalPodAutoscaler" => AUTOSCALER_COLUMNS,
        "Ingress" => INGRESS_COLUMNS,
        _ => FALLBACK_COLUMNS,
    }
}
