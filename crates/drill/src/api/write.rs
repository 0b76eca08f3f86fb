//! Writes: create, replace, patch (all four patch types), delete with graceful pod
//! termination, and the status subresource. Every write honours dryRun=All by computing the
//! result without storing it. Objects are checked against the typed Kubernetes schema first.

use std::sync::Arc;

use serde_json::{Value, json};

use super::request::{Query, Target};
use super::status::ApiError;
use crate::kinds::ResourceKind;
use crate::patch::{self, PatchType};
use crate::sim::{Sim, format_time};
use crate::store::Stored;

/// Checks an object against the Kubernetes type for its kind; the error names the field.
pub fn validate(kind: &ResourceKind, value: &Value, name: &str) -> Result<(), ApiError> {
    struct Check<'a>(&'a Value);
    impl crate::kind_types::WithType for Check<'_> {
        type Out = Result<(), String>;
        fn with<T: serde::de::DeserializeOwned + schemars::JsonSchema>(self) -> Self::Out {
            serde_path_to_error::deserialize::<_, T>(self.0.clone())
                .map(|_| ())
                .map_err(|e| format!("{}: {}", e.path(), e.inner()))
        }
    }
    let result = crate::kind_types::with_type(kind, Check(value)).unwrap_or(Ok(()));
    result.map_err(|m| ApiError::invalid(kind.kind, name, m))?;
    for path in ["/spec/replicas"] {
        if let Some(n) = value.pointer(path).and_then(Value::as_i64)
            && n < 0
        {
            return Err(ApiError::invalid(
                kind.kind,
                name,
                format!("spec.replicas: Invalid value: {n}: must be greater than or equal to 0"),
            ));
        }
    }
    Ok(())
}

/// Parses a request body: JSON, YAML (for apply) or Kubernetes protobuf.
pub fn parse_body(body: &[u8], content_type: &str) -> Result<Value, ApiError> {
    if content_type.contains("protobuf") {
        return super::protobuf::decode(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding protobuf: {e}")));
    }
    if content_type.contains("yaml") {
        return serde_saphyr::from_slice::<Value>(body).map_err(|e| {
            ApiError::bad_request(format!(
                "error decoding YAML: {}",
                e.to_string().lines().next().unwrap_or("")
            ))
        });
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("error decoding JSON: {e}")))
}

fn check_kind(kind: &ResourceKind, v: &Value) -> Result<(), ApiError> {
    if let Some(k) = v.get("kind").and_then(Value::as_str)
        && k != kind.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind of the body, {k}, does not match {}",
            kind.kind
        )));
    }
    if !v.is_object() {
        return Err(ApiError::bad_request("the request body must be a JSON object"));
    }
    Ok(())
}

/// POST to a collection.
pub fn create(sim: &mut Sim, target: &Target, mut v: Value, dry_run: bool) -> Result<Arc<Stored>, ApiError> {
    check_kind(&target.kind, &v)?;
    if !v["metadata"].is_object() {
        v["metadata"] = json!({});
    }
    if target.kind.namespaced {
        let ns = target.namespace.clone().unwrap_or_else(|| "default".into());
        match v.pointer("/metadata/namespace").and_then(Value::as_str) {
            Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => v["metadata"]["namespace"] = json!(ns),
        }
        if sim.get(&crate::kinds::NAMESPACES, "", &ns).is_none() {
            return Err(ApiError::not_found("namespaces", &ns));
        }
    }
    if v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        match v.pointer("/metadata/generateName").and_then(Value::as_str) {
            Some(prefix) if !prefix.is_empty() => {
                let name = format!("{prefix}{}", sim.suffix(5));
                v["metadata"]["name"] = json!(name);
            }
            _ => {
                return Err(ApiError::invalid(
                    target.kind.kind,
                    "",
                    "metadata.name: Required value: name or generateName is required",
                ));
            }
        }
    }
    for owned in [
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "generation",
    ] {
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove(owned);
        }
    }
    let name = v["metadata"]["name"].as_str().unwrap_or("").to_string();
    validate(&target.kind, &v, &name)?;
    let ns = v
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if sim.get(&target.kind, &ns, &name).is_some() {
        return Err(ApiError::from_store(
            crate::store::StoreError::AlreadyExists {
                plural: target.kind.plural.into(),
                name,
            },
            target.kind.kind,
        ));
    }
    if target.kind.kind == "Pod" && v["status"].get("phase").is_none() {
        v["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
    }
    if dry_run {
        v["metadata"]["uid"] = json!(sim.uid());
        v["metadata"]["creationTimestamp"] = json!(sim.timestamp());
        return Ok(Arc::new(preview(sim, target.kind, v)?));
    }
    let stored = sim
        .create_object(target.kind, v)
        .map_err(|e| ApiError::from_store(e, target.kind.kind))?;
    if target.kind.kind == "Pod" {
        sim.register_pod(&ns, &name);
    }
    Ok(sim.get(&target.kind, &ns, &name).unwrap_or(stored))
}

/// What an object would look like if stored (dry run): nothing is written.
fn preview(sim: &mut Sim, kind: ResourceKind, v: Value) -> Result<Stored, ApiError> {
    let rv = sim.store.resource_version();
    sim.store
        .preview(kind, v, rv)
        .map_err(|e| ApiError::from_store(e, kind.kind))
}

/// Writes `new` over the existing object, keeping what the main resource may not change.
fn replace_checked(
    sim: &mut Sim,
    target: &Target,
    old: &Arc<Stored>,
    mut new: Value,
    dry_run: bool,
    status_only: bool,
) -> Result<Arc<Stored>, ApiError> {
    let name = old.name.to_string();
    check_kind(&target.kind, &new)?;
    let old_v = old.value();
    if new
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|n| n != name)
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            new["metadata"]["name"]
        )));
    }
    if !new["metadata"].is_object() {
        new["metadata"] = json!({});
    }
    new["metadata"]["name"] = json!(name);
    if target.kind.namespaced {
        new["metadata"]["namespace"] = json!(&*old.namespace);
    }
    if status_only {
        let status = new.get("status").cloned();
        new = old_v.clone();
        if let Some(s) = status {
            new["status"] = s;
        }
    } else if target.kind.kind != "Namespace" && target.kind.kind != "Event" {
        // The main resource ignores status changes, as with a status subresource.
        match old_v.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("status");
                }
            }
        }
    }
    validate(&target.kind, &new, &name)?;
    if dry_run {
        new["metadata"]["uid"] = old_v["metadata"]["uid"].clone();
        new["metadata"]["creationTimestamp"] = old_v["metadata"]["creationTimestamp"].clone();
        if let Some(g) = old_v.pointer("/metadata/generation") {
            let bump = new.get("spec") != old_v.get("spec");
            new["metadata"]["generation"] = json!(g.as_i64().unwrap_or(1) + i64::from(bump));
        }
        let mut preview = preview(sim, target.kind, new)?;
        preview.resource_version = old.resource_version;
        return Ok(Arc::new(preview));
    }
    let stored = sim
        .update_object(target.kind, new)
        .map_err(|e| ApiError::from_store(e, target.kind.kind))?;
    if target.kind.kind == "Node" {
        sim.node_spec_changed(&name, &old_v, &stored.value());
    }
    Ok(stored)
}

/// PUT of a whole object (or of its status).
pub fn replace(sim: &mut Sim, target: &Target, name: &str, v: Value, dry_run: bool) -> Result<Arc<Stored>, ApiError> {
    let ns = target.namespace.as_deref().unwrap_or("");
    let old = sim
        .get(&target.kind, ns, name)
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))?;
    let status_only = target.subresource.as_deref() == Some("status");
    replace_checked(sim, target, &old, v, dry_run, status_only)
}

/// PATCH in any of the four patch types; server-side apply creates a missing object.
pub fn patch(
    sim: &mut Sim,
    target: &Target,
    name: &str,
    content_type: &str,
    body: &[u8],
    query: &Query,
) -> Result<(u16, Arc<Stored>), ApiError> {
    let ns = target.namespace.as_deref().unwrap_or("");
    let patch_type = PatchType::from_content_type(content_type).ok_or_else(|| {
        ApiError::unsupported_media(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got {content_type:?}"
        ))
    })?;
    let dry_run = query.dry_run();
    let Some(old) = sim.get(&target.kind, ns, name) else {
        if patch_type == PatchType::Apply {
            let v = patch::apply(patch_type, &json!({}), body).map_err(|e| patch_error(e, target, name))?;
            let created = create(sim, target, v, dry_run)?;
            return Ok((201, created));
        }
        return Err(ApiError::not_found(target.kind.plural, name));
    };
    let mut current = old.value();
    if let Some(m) = current["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    let patched = patch::apply(patch_type, &current, body).map_err(|e| patch_error(e, target, name))?;
    let status_only = target.subresource.as_deref() == Some("status");
    let stored = replace_checked(sim, target, &old, patched, dry_run, status_only)?;
    Ok((200, stored))
}

fn patch_error(e: patch::PatchError, target: &Target, name: &str) -> ApiError {
    if e.http_status() == 422 {
        ApiError::invalid(target.kind.kind, name, e.to_string())
    } else {
        ApiError::bad_request(e.to_string())
    }
}

/// Options a DELETE may carry in its body or query.
#[derive(Debug, Default, Clone)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub grace: Option<i64>,
    pub uid_precondition: Option<String>,
}

pub fn delete_options(body: &[u8], content_type: &str, query: &Query) -> Result<DeleteOptions, ApiError> {
    let mut opts = DeleteOptions {
        dry_run: query.dry_run(),
        grace: query.get("gracePeriodSeconds").and_then(|g| g.parse().ok()),
        uid_precondition: None,
    };
    if body.iter().any(|b| !b.is_ascii_whitespace()) {
        let v = parse_body(body, content_type)?;
        if v.get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|x| x == "All"))
        {
            opts.dry_run = true;
        }
        if let Some(g) = v.get("gracePeriodSeconds").and_then(Value::as_i64) {
            opts.grace = Some(g);
        }
        opts.uid_precondition = v
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    Ok(opts)
}

/// DELETE one object. Pods terminate gracefully; other kinds go at once with their dependents.
pub fn delete(sim: &mut Sim, target: &Target, name: &str, opts: &DeleteOptions) -> Result<Arc<Stored>, ApiError> {
    let ns = target.namespace.as_deref().unwrap_or("");
    let old = sim
        .get(&target.kind, ns, name)
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))?;
    if let Some(uid) = &opts.uid_precondition
        && **uid != *old.uid
    {
        return Err(ApiError::new(
            409,
            "Conflict",
            format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                old.uid
            ),
        ));
    }
    if opts.dry_run {
        let mut v = old.value();
        if target.kind.kind == "Pod" {
            let grace = opts.grace.unwrap_or(30);
            v["metadata"]["deletionTimestamp"] = json!(format_time(sim.now + jiff::SignedDuration::from_secs(grace)));
            v["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        }
        let mut p = preview(sim, target.kind, v)?;
        p.resource_version = old.resource_version;
        return Ok(Arc::new(p));
    }
    if target.kind.kind == "Pod" {
        sim.terminate_pod(ns, name, opts.grace);
        return Ok(sim.get(&target.kind, ns, name).unwrap_or(old));
    }
    sim.remove_object(&target.kind, ns, name)
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))
}
