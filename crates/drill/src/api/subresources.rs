//! Subresources: the eviction API (policy/v1 and v1beta1, refused with 429 while a
//! PodDisruptionBudget allows no disruption; only v1beta1 where the scenario drills a 1.21
//! server), the autoscaling/v1 scale subresource, and the refusal of what needs a running
//! container (exec, attach, port-forward, ephemeral containers: `kubectl exec|attach|cp|debug|
//! port-forward`).

use serde_json::{Value, json};

use super::request::{Query, Target};
use super::status::ApiError;
use super::write::{parse_body, validate};
use crate::control::pdbs::pdb_selector;
use crate::kinds;
use crate::patch::{self, PatchType};
use crate::scenario::model::EvictionApi;
use crate::sim::Sim;

/// Pod subresources that need a container running on a node.
pub const CONTAINER_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward", "ephemeralcontainers"];

/// The refusal of a subresource in `CONTAINER_SUBRESOURCES`: a Status kubectl can report (a
/// bare 404 makes `kubectl debug` dereference the missing details and crash).
pub fn no_containers(pod: &str, subresource: &str) -> ApiError {
    let what = match subresource {
        "portforward" => "forwarded to",
        "ephemeralcontainers" => "given a debug container",
        "attach" => "attached to",
        _ => "exec'd into",
    };
    let mut e = ApiError::new(
        405,
        "MethodNotAllowed",
        format!(
            "pod {pod:?} cannot be {what}: the drill cluster runs no containers; `kubectl logs {pod}` (and --previous) reads what it wrote"
        ),
    );
    e.details = Some(json!({"name": pod, "kind": "pods", "causes": [
        {"reason": "UnsupportedSubresource", "message": format!("pods/{subresource} is not served by a drill cluster"), "field": subresource}
    ]}));
    e
}

/// `apiVersion kind` of a JSON or YAML body, for the request log (empty when unreadable).
pub fn body_kind(body: &[u8], content_type: &str) -> String {
    let Ok(v) = parse_body(body, content_type) else {
        return String::new();
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    format!("{} {}", s("apiVersion"), s("kind")).trim().to_string()
}

/// POST pods/NAME/eviction. Returns the Status to send (201) and whether it was a dry run.
pub fn evict(
    sim: &mut Sim,
    target: &Target,
    name: &str,
    body: &[u8],
    content_type: &str,
    query: &Query,
) -> Result<(Value, bool), ApiError> {
    let ns = target.namespace.as_deref().unwrap_or("");
    let v = parse_body(body, content_type)?;
    match v.get("kind").and_then(Value::as_str) {
        Some("Eviction") => {}
        other => {
            return Err(ApiError::bad_request(format!(
                "the body must be an Eviction, not {other:?}"
            )));
        }
    }
    match v.get("apiVersion").and_then(Value::as_str) {
        // A 1.21 server knows no policy/v1 Eviction; its decoder refuses the body.
        Some("policy/v1") if sim.scenario.apiserver.eviction() == EvictionApi::V1beta1 => {
            return Err(ApiError::bad_request(
                "no kind \"Eviction\" is registered for version \"policy/v1\" in scheme \"k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30\"",
            ));
        }
        Some("policy/v1" | "policy/v1beta1") => {}
        other => {
            return Err(ApiError::bad_request(format!(
                "unsupported Eviction apiVersion {other:?} (use policy/v1 or policy/v1beta1)"
            )));
        }
    }
    if let Some(body_name) = v.pointer("/metadata/name").and_then(Value::as_str)
        && body_name != name
    {
        return Err(ApiError::bad_request(format!(
            "name in URL does not match name in Eviction object: {body_name} != {name}"
        )));
    }
    let dry_run = query.dry_run()
        || v.pointer("/deleteOptions/dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|x| x == "All"));
    let pod = sim
        .get(&kinds::PODS, ns, name)
        .ok_or_else(|| ApiError::not_found("pods", name))?;
    let ready = sim
        .pods
        .get(&(ns.to_string(), name.to_string()))
        .is_some_and(|r| r.ready);
    let terminal = sim
        .pods
        .get(&(ns.to_string(), name.to_string()))
        .is_none_or(|r| r.failed || r.terminating);
    let pdbs: Vec<(String, Value)> = sim
        .store
        .iter(&kinds::PDBS, Some(ns))
        .map(|p| (p.name.to_string(), p.value()))
        .filter(|(_, p)| {
            let s = pdb_selector(p);
            !s.is_empty() && s.matches(|k| pod.label(k))
        })
        .collect();
    if pdbs.len() > 1 {
        return Err(ApiError::new(
            500,
            "InternalError",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ));
    }
    // Unready and finished pods may always go; a ready pod needs a disruption to spare.
    if let Some((pdb_name, pdb)) = pdbs.first()
        && ready
        && !terminal
    {
        let allowed = pdb
            .pointer("/status/disruptionsAllowed")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if allowed <= 0 {
            let desired = pdb
                .pointer("/status/desiredHealthy")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let current = pdb
                .pointer("/status/currentHealthy")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let mut e = ApiError::new(
                429,
                "TooManyRequests",
                "Cannot evict pod as it would violate the pod's disruption budget.",
            );
            e.details = Some(json!({"causes": [{"reason": "DisruptionBudget",
                "message": format!("The disruption budget {pdb_name} needs {desired} healthy pods and has {current} currently")}]}));
            return Err(e);
        }
        if !dry_run {
            let now = sim.timestamp();
            let pod_name = name.to_string();
            sim.modify(kinds::PDBS, ns, pdb_name, |p| {
                p["status"]["disruptionsAllowed"] = json!(allowed - 1);
                p["status"]["disruptedPods"][pod_name] = json!(now);
            });
        }
    }
    if !dry_run {
        let grace = v.pointer("/deleteOptions/gracePeriodSeconds").and_then(Value::as_i64);
        sim.terminate_pod(ns, name, grace);
        if let Some(p) = sim.get(&kinds::PODS, ns, name) {
            sim.normal(&p, "Evicted", "Evicted by the eviction API", "eviction-api");
        }
    }
    Ok((
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
        dry_run,
    ))
}

fn selector_string(v: &Value) -> String {
    v.pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn scale_of(obj: &Value) -> Value {
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"],
            "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {"replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0), "selector": selector_string(obj)},
    })
}

/// GET, PUT or PATCH of NAME/scale.
pub fn scale(
    sim: &mut Sim,
    target: &Target,
    name: &str,
    method: &axum::http::Method,
    body: &[u8],
    content_type: &str,
    query: &Query,
) -> Result<Value, ApiError> {
    if !matches!(target.kind.kind, "Deployment" | "ReplicaSet" | "StatefulSet") {
        return Err(ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ));
    }
    let ns = target.namespace.as_deref().unwrap_or("");
    let obj = sim
        .get(&target.kind, ns, name)
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))?;
    let current = scale_of(&obj.value());
    let wanted = match *method {
        axum::http::Method::GET => return Ok(current),
        axum::http::Method::PUT => parse_body(body, content_type)?,
        axum::http::Method::PATCH => {
            let t = PatchType::from_content_type(content_type)
                .ok_or_else(|| ApiError::unsupported_media(format!("unsupported patch type {content_type:?}")))?;
            patch::apply(t, &current, body).map_err(|e| ApiError::bad_request(e.to_string()))?
        }
        _ => {
            return Err(ApiError::method_not_allowed(
                "the scale subresource supports get, update and patch",
            ));
        }
    };
    let replicas = wanted
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::invalid("Scale", name, "spec.replicas: Required value"))?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale",
            name,
            format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    let mut v = obj.value();
    v["spec"]["replicas"] = json!(replicas);
    validate(&target.kind, &v, name)?;
    if query.dry_run() {
        let mut s = current;
        s["spec"]["replicas"] = json!(replicas);
        return Ok(s);
    }
    let stored = sim
        .modify(target.kind, ns, name, |o| o["spec"]["replicas"] = json!(replicas))
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))?;
    Ok(scale_of(&stored.value()))
}
