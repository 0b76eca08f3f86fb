//! Access reviews and the scenario's RBAC: SelfSubjectAccessReview answers, SelfSubjectReview
//! (`kubectl auth whoami`) answers, and the check every request passes before it touches the
//! store (a denied verb gets 403 Forbidden).

use serde_json::{Value, json};

use super::status::ApiError;
use crate::sim::Sim;

/// The user the drill cluster says you are.
pub fn user(sim: &Sim) -> String {
    sim.scenario
        .rbac
        .user
        .clone()
        .unwrap_or_else(|| "drill-commander".into())
}

/// The groups the drill cluster says you are in.
pub fn groups() -> Vec<&'static str> {
    vec!["system:authenticated"]
}

/// Answers a SelfSubjectReview (authentication.k8s.io/v1, or the v1beta1 kubectl 1.27 sends,
/// answered in the version asked): who the drill cluster says you are.
pub fn self_review(sim: &Sim, mut review: Value) -> Result<Value, ApiError> {
    if review.get("kind").and_then(Value::as_str) != Some("SelfSubjectReview") {
        return Err(ApiError::bad_request("the body must be a SelfSubjectReview"));
    }
    if review["apiVersion"] != "authentication.k8s.io/v1beta1" {
        review["apiVersion"] = json!("authentication.k8s.io/v1");
    }
    review["metadata"] = json!({"creationTimestamp": sim.timestamp()});
    review["status"] = json!({"userInfo": {"username": user(sim), "groups": groups()}});
    Ok(review)
}

/// Whether the scenario denies `verb` on `resource[/sub]` in `namespace`.
pub fn denied(sim: &Sim, verb: &str, resource: &str, sub: Option<&str>, namespace: &str) -> bool {
    sim.scenario
        .rbac
        .deny
        .iter()
        .any(|d| d.covers(verb, resource, sub, namespace))
}

/// 403 for a denied request, worded as the apiserver words it.
pub fn forbid(
    sim: &Sim,
    verb: &str,
    group: &str,
    resource: &str,
    sub: Option<&str>,
    name: Option<&str>,
    namespace: &str,
) -> Result<(), ApiError> {
    if !denied(sim, verb, resource, sub, namespace) {
        return Ok(());
    }
    let full = match sub {
        Some(s) => format!("{resource}/{s}"),
        None => resource.to_string(),
    };
    let what = match name {
        Some(n) => format!("{full} \"{n}\" is forbidden"),
        None => format!("{full} is forbidden"),
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    let mut e = ApiError::new(
        403,
        "Forbidden",
        format!(
            "{what}: User \"{}\" cannot {verb} resource \"{full}\" in API group \"{group}\" {scope}",
            user(sim)
        ),
    );
    e.details = Some(json!({"name": name.unwrap_or(""), "kind": resource}));
    Err(e)
}

/// Answers a SelfSubjectAccessReview.
pub fn access_review(sim: &Sim, mut review: Value) -> Result<Value, ApiError> {
    if review.get("kind").and_then(Value::as_str) != Some("SelfSubjectAccessReview") {
        return Err(ApiError::bad_request("the body must be a SelfSubjectAccessReview"));
    }
    let attrs = review.pointer("/spec/resourceAttributes").cloned();
    let (allowed, reason) = match attrs {
        Some(a) => {
            let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (verb, resource, ns) = (s("verb"), s("resource"), s("namespace"));
            let sub = Some(s("subresource")).filter(|x| !x.is_empty());
            if denied(sim, &verb, &resource, sub.as_deref(), &ns) {
                (false, format!("the drill scenario denies {verb} on {resource}"))
            } else {
                (true, "allowed by the drill scenario".to_string())
            }
        }
        None => (true, "non-resource URLs are allowed in drills".to_string()),
    };
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = if allowed {
        json!({"allowed": true, "reason": reason})
    } else {
        json!({"allowed": false, "denied": true, "reason": reason})
    };
    Ok(review)
}

/// Answers a SelfSubjectRulesReview (`kubectl auth can-i --list`).
pub fn rules_review(sim: &Sim, mut review: Value) -> Result<Value, ApiError> {
    if review.get("kind").and_then(Value::as_str) != Some("SelfSubjectRulesReview") {
        return Err(ApiError::bad_request("the body must be a SelfSubjectRulesReview"));
    }
    let denials: Vec<String> = sim
        .scenario
        .rbac
        .deny
        .iter()
        .map(|d| format!("{} {}", d.verb, d.resource))
        .collect();
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["status"] = json!({
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": !denials.is_empty(),
        "evaluationError": if denials.is_empty() { String::new() } else { format!("the drill scenario denies: {}", denials.join(", ")) },
    });
    Ok(review)
}
