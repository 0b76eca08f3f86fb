//! The catalogue of Kubernetes resources the drill cluster serves: group, version, names, verbs.
//! Discovery, routing, tables and the OpenAPI document all read this one list; nothing here holds state.

/// One served resource type (e.g. `apps/v1` `deployments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceKind {
    /// API group; empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// Plural resource name used in paths (`pods`).
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub verbs: &'static [&'static str],
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl ResourceKind {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Path prefix of the group-version: `/api/v1` or `/apis/apps/v1`.
    pub fn group_version_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

pub const NAMESPACES: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    short_names: &["ns"],
    verbs: &["create", "delete", "get", "list", "patch", "update", "watch"],
};
pub const NODES: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    short_names: &["no"],
    verbs: RW,
};
pub const PODS: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    short_names: &["po"],
    verbs: RW,
};
pub const EVENTS: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    verbs: RW,
};
pub const SERVICES: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    short_names: &["svc"],
    verbs: RW,
};
pub const ENDPOINTS: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    short_names: &["ep"],
    verbs: RW,
};
pub const ENDPOINT_SLICES: ResourceKind = ResourceKind {
    group: "discovery.k8s.io",
    version: "v1",
    plural: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
    short_names: &[],
    verbs: RW,
};
pub const CONFIG_MAPS: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    short_names: &["cm"],
    verbs: RW,
};
/// Secrets are served as Kubernetes serves them (`data` base64); the request log and the
/// flight recorder never keep their data.
pub const SECRETS: ResourceKind = ResourceKind {
    group: "",
    version: "v1",
    plural: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    short_names: &[],
    verbs: RW,
};
pub const DEPLOYMENTS: ResourceKind = ResourceKind {
    group: "apps",
    version: "v1",
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    short_names: &["deploy"],
    verbs: RW,
};
pub const REPLICASETS: ResourceKind = ResourceKind {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    short_names: &["rs"],
    verbs: RW,
};
pub const DAEMONSETS: ResourceKind = ResourceKind {
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    namespaced: true,
    short_names: &["ds"],
    verbs: RW,
};
pub const STATEFULSETS: ResourceKind = ResourceKind {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    short_names: &["sts"],
    verbs: RW,
};
pub const CONTROLLER_REVISIONS: ResourceKind = ResourceKind {
    group: "apps",
    version: "v1",
    plural: "controllerrevisions",
    singular: "controllerrevision",
    kind: "ControllerRevision",
    namespaced: true,
    short_names: &[],
    verbs: RW,
};
pub const PDBS: ResourceKind = ResourceKind {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    kind: "PodDisruptionBudget",
    namespaced: true,
    short_names: &["pdb"],
    verbs: RW,
};
pub const NETWORK_POLICIES: ResourceKind = ResourceKind {
    group: "networking.k8s.io",
    version: "v1",
    plural: "networkpolicies",
    singular: "networkpolicy",
    kind: "NetworkPolicy",
    namespaced: true,
    short_names: &["netpol"],
    verbs: RW,
};
pub const INGRESSES: ResourceKind = ResourceKind {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    singular: "ingress",
    kind: "Ingress",
    namespaced: true,
    short_names: &["ing"],
    verbs: RW,
};
pub const AUTOSCALERS: ResourceKind = ResourceKind {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    short_names: &["hpa"],
    verbs: RW,
};

/// HorizontalPodAutoscalers at autoscaling/v1: the same objects as `AUTOSCALERS`, converted
/// (`api::autoscaling_v1`); only what `kubectl autoscale` and a reader need is served.
pub const AUTOSCALERS_V1: ResourceKind = ResourceKind {
    version: "v1",
    verbs: &["create", "delete", "get", "list"],
    ..AUTOSCALERS
};

/// Every resource with objects in the store, in discovery order.
pub const ALL: &[ResourceKind] = &[
    NAMESPACES,
    NODES,
    PODS,
    EVENTS,
    SERVICES,
    ENDPOINTS,
    ENDPOINT_SLICES,
    CONFIG_MAPS,
    SECRETS,
    DEPLOYMENTS,
    REPLICASETS,
    DAEMONSETS,
    STATEFULSETS,
    CONTROLLER_REVISIONS,
    PDBS,
    NETWORK_POLICIES,
    INGRESSES,
    AUTOSCALERS,
];

/// Finds the resource served at `group`/`version`/`plural`.
pub fn find(group: &str, version: &str, plural: &str) -> Option<ResourceKind> {
    ALL.iter()
        .chain([AUTOSCALERS_V1].iter())
        .find(|k| k.group == group && k.version == version && k.plural == plural)
        .copied()
}
