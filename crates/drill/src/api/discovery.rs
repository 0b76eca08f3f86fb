//! Discovery documents (`/api`, `/apis`, one resource list per group-version), `/version`
//! and the OpenAPI v2 document, built from the resource catalogue. The scenario's `apiserver`
//! section decides which eviction API is offered (policy/v1, or v1beta1 as a 1.21 server).

use serde_json::{Value, json};

use crate::kinds::{self, ResourceKind};
use crate::scenario::model::{ApiServer, EvictionApi};

/// The groups served besides core, with their one version each.
pub const GROUPS: &[(&str, &str)] = &[
    ("apps", "v1"),
    ("policy", "v1"),
    ("autoscaling", "v2"),
    ("networking.k8s.io", "v1"),
    ("discovery.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
    ("authentication.k8s.io", "v1"),
    (super::resource_metrics::GROUP, super::resource_metrics::VERSION),
];

pub fn api_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}],
    })
}

/// The versions of a group (the preferred first), as this server offers them.
fn versions(group: &str, version: &str, server: &ApiServer) -> Vec<String> {
    let mut all = vec![version.to_string()];
    if group == "policy" && server.eviction() == EvictionApi::V1beta1 {
        all.push("v1beta1".into());
    }
    // SelfSubjectReview's beta stays served beside v1: kubectl 1.27 asks for it.
    if group == "authentication.k8s.io" {
        all.push("v1beta1".into());
    }
    // `kubectl autoscale` creates v1 objects up to kubectl 1.32.
    if group == "autoscaling" {
        all.push("v1".into());
    }
    all
}

/// The groups this server serves.
fn groups(server: &ApiServer) -> impl Iterator<Item = &'static (&'static str, &'static str)> + '_ {
    GROUPS
        .iter()
        .filter(|(g, _)| *g != "authentication.k8s.io" || server.self_subject_review())
}

fn group_json(group: &str, version: &str, server: &ApiServer) -> Value {
    let gvs: Vec<Value> = versions(group, version, server)
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
}

pub fn api_group_list(server: &ApiServer) -> Value {
    let groups: Vec<Value> = groups(server).map(|(g, v)| group_json(g, v, server)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(group: &str, server: &ApiServer) -> Option<Value> {
    let (g, v) = groups(server).find(|(g, _)| *g == group)?;
    let mut doc = group_json(g, v, server);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn categories(k: &ResourceKind) -> Value {
    match k.plural {
        "pods" | "deployments" | "replicasets" | "daemonsets" | "statefulsets" => json!(["all"]),
        _ => json!([]),
    }
}

fn resource(k: &ResourceKind) -> Value {
    json!({
        "name": k.plural,
        "singularName": k.singular,
        "namespaced": k.namespaced,
        "kind": k.kind,
        "verbs": k.verbs,
        "shortNames": k.short_names,
        "categories": categories(k),
    })
}

fn sub(name: &str, namespaced: bool, kind: &str, group: Option<(&str, &str)>, verbs: &[&str]) -> Value {
    let mut v = json!({"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": verbs});
    if let Some((g, ver)) = group {
        v["group"] = json!(g);
        v["version"] = json!(ver);
    }
    v
}

/// The APIResourceList of a group-version, or None when it is not served.
pub fn resource_list(group: &str, version: &str, server: &ApiServer) -> Option<Value> {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut resources: Vec<Value> = kinds::ALL
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .map(resource)
        .collect();
    match (group, version) {
        ("", "v1") => {
            let policy_version = match server.eviction() {
                EvictionApi::V1 => "v1",
                EvictionApi::V1beta1 => "v1beta1",
            };
            resources.push(sub(
                "pods/eviction",
                true,
                "Eviction",
                Some(("policy", policy_version)),
                &["create"],
            ));
            resources.push(sub("pods/status", true, "Pod", None, &["get", "patch", "update"]));
            resources.push(sub("nodes/status", false, "Node", None, &["get", "patch", "update"]));
            resources.push(sub(
                "namespaces/status",
                false,
                "Namespace",
                None,
                &["get", "patch", "update"],
            ));
        }
        ("apps", "v1") => {
            for p in ["deployments", "replicasets", "statefulsets"] {
                resources.push(sub(
                    &format!("{p}/scale"),
                    true,
                    "Scale",
                    Some(("autoscaling", "v1")),
                    &["get", "patch", "update"],
                ));
            }
            for p in ["deployments", "replicasets", "statefulsets", "daemonsets"] {
                let kind = kinds::ALL.iter().find(|k| k.plural == p).map(|k| k.kind).unwrap_or("");
                resources.push(sub(
                    &format!("{p}/status"),
                    true,
                    kind,
                    None,
                    &["get", "patch", "update"],
                ));
            }
        }
        ("policy", "v1") => {
            resources.push(sub(
                "poddisruptionbudgets/status",
                true,
                "PodDisruptionBudget",
                None,
                &["get", "patch", "update"],
            ));
        }
        ("authorization.k8s.io", "v1") => {
            resources.push(json!({"name": "selfsubjectaccessreviews", "singularName": "selfsubjectaccessreview", "namespaced": false,
                                  "kind": "SelfSubjectAccessReview", "verbs": ["create"]}));
            resources.push(
                json!({"name": "selfsubjectrulesreviews", "singularName": "selfsubjectrulesreview", "namespaced": true,
                                  "kind": "SelfSubjectRulesReview", "verbs": ["create"]}),
            );
        }
        // Served as an (empty) document only where an older server is drilled; its only use
        // here is the eviction subresource listed under /api/v1.
        ("policy", "v1beta1") if server.eviction() == EvictionApi::V1beta1 => {}
        ("authentication.k8s.io", "v1" | "v1beta1") if server.self_subject_review() => {
            resources.push(
                json!({"name": "selfsubjectreviews", "singularName": "selfsubjectreview", "namespaced": false,
                                  "kind": "SelfSubjectReview", "verbs": ["create"]}),
            );
        }
        ("autoscaling", "v1") => resources.push(resource(&kinds::AUTOSCALERS_V1)),
        ("autoscaling", "v2") => {
            resources.push(sub(
                "horizontalpodautoscalers/status",
                true,
                "HorizontalPodAutoscaler",
                None,
                &["get", "patch", "update"],
            ));
        }
        (super::resource_metrics::GROUP, super::resource_metrics::VERSION) => {
            resources.extend(super::resource_metrics::resources());
        }
        ("networking.k8s.io", "v1") | ("discovery.k8s.io", "v1") => {}
        _ => return None,
    }
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

/// `/version`, as the server the scenario plays.
pub fn version(server: &ApiServer) -> Value {
    json!({
        "major": "1",
        "minor": server.minor_patch().0.to_string(),
        "gitVersion": format!("{}-warroom-drill", server.git_version()),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-24T00:00:00Z",
        "goVersion": "go1.23.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}
