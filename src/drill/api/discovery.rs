//! Discovery documents (`/api`, `/apis`, one resource list per group-version), `/version`
//! and the OpenAPI v2 document, built from the resource catalogue.

use serde_json::{Value, json};

use crate::drill::kinds::{self, ResourceKind};

/// The groups served besides core, with their one version each.
pub const GROUPS: &[(&str, &str)] = &[
    ("apps", "v1"),
    ("policy", "v1"),
    ("networking.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
];

pub fn api_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}],
    })
}

pub fn api_group_list() -> Value {
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(group: &str) -> Option<Value> {
    let (g, v) = GROUPS.iter().find(|(g, _)| *g == group)?;
    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
    Some(json!({"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": [gv.clone()], "preferredVersion": gv}))
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
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
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
            resources.push(sub(
                "pods/eviction",
                true,
                "Eviction",
                Some(("policy", "v1")),
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
        ("networking.k8s.io", "v1") => {}
        _ => return None,
    }
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.4-warroom-drill",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-24T00:00:00Z",
        "goVersion": "go1.23.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}
