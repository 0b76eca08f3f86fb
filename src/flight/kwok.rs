//! kwok's recording format (`kwokctl snapshot record`), both ways: a multi-document YAML of the
//! cluster's objects at the start, then one `ResourcePatch` (`action.kwok.x-k8s.io/v1alpha1`)
//! per change, each with its time since the start (`durationNanosecond`) and `method` create,
//! patch or delete. Exported patches carry the whole object with `$patch: replace`, so kwok's
//! strategic merge patch gives back exactly the recorded object. Imported patches are applied
//! with the part of strategic merge patch kwok's recordings use: maps merged, `null` removing a
//! field, lists of objects merged by their key (`name`, `type`, `containerPort`, `mountPath`,
//! `ip`) with `$patch: delete` removing an element, `$patch: replace`, and the `$setElementOrder`,
//! `$retainKeys` and `$deleteFromPrimitiveList` directives; other lists are replaced whole.
//! Only objects travel: samples, alerts and silences are not in kwok's format.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::record::{ObjectKey, Record};

const PATCH_API_VERSION: &str = "action.kwok.x-k8s.io/v1alpha1";
const PATCH_KIND: &str = "ResourcePatch";

/// A kwok recording that cannot be read: which document and why.
#[derive(Debug, thiserror::Error)]
pub enum KwokError {
    #[error("not YAML: {0}")]
    Yaml(String),
    #[error("document {document}: {why}")]
    Document { document: usize, why: String },
}

/// `records` in kwok's format: the objects of the recording's first keyframe that lists any (a
/// recording begins with an empty one while its watches list; none, when it has no keyframe),
/// then every later change.
pub fn export(records: &[Record]) -> Result<String, String> {
    let keyframe = records
        .iter()
        .position(|r| matches!(r, Record::Keyframe { objects, .. } if *objects > 0))
        .or_else(|| records.iter().position(|r| matches!(r, Record::Keyframe { .. })));
    let (start, changes_from, mut docs) = match keyframe {
        Some(i) => {
            let Record::Keyframe { at, objects } = &records[i] else {
                unreachable!()
            };
            let listed = i + 1 + *objects as usize;
            let docs: Vec<Value> = records[i + 1..listed.min(records.len())]
                .iter()
                .filter_map(|r| match r {
                    Record::Applied { object, .. } => Some(bare(object)),
                    _ => None,
                })
                .collect();
            (*at, listed, docs)
        }
        None => (records.first().map(Record::at).unwrap_or(0), 0, Vec::new()),
    };
    let mut seen: std::collections::HashSet<ObjectKey> = docs.iter().filter_map(ObjectKey::of).collect();
    for r in records.iter().skip(changes_from) {
        let since = |at: i64| (at - start).max(0) * 1_000_000;
        match r {
            Record::Applied { at, object } => {
                let Some(key) = ObjectKey::of(object) else { continue };
                let mut template = bare(object);
                let method = if seen.insert(key.clone()) {
                    "create"
                } else {
                    template["$patch"] = json!("replace");
                    "patch"
                };
                docs.push(patch(&key, since(*at), method, Some(template)));
            }
            Record::Deleted { at, key } => {
                seen.remove(key);
                docs.push(patch(key, since(*at), "delete", None));
            }
            _ => {}
        }
    }
    serde_saphyr::to_string_multiple(&docs).map_err(|e| e.to_string())
}

/// A kwok recording as records: the objects at `start_ms` (a keyframe), then each change at
/// its time since.
pub fn import(text: &str, start_ms: i64) -> Result<Vec<Record>, KwokError> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| KwokError::Yaml(e.to_string()))?;
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    let is_patch = |d: &Value| d["kind"] == PATCH_KIND && d["apiVersion"] == PATCH_API_VERSION;
    let first_patch = docs.iter().position(is_patch).unwrap_or(docs.len());
    let mut objects: HashMap<(String, String, String), Value> = HashMap::new();
    let mut out = vec![Record::Keyframe {
        at: start_ms,
        objects: first_patch as u64,
    }];
    for (i, d) in docs[..first_patch].iter().enumerate() {
        let key = ObjectKey::of(d).ok_or_else(|| KwokError::Document {
            document: i + 1,
            why: "an object without apiVersion, kind or metadata.name".into(),
        })?;
        objects.insert(target(&key), d.clone());
        out.push(Record::Applied {
            at: start_ms,
            object: d.clone(),
        });
    }
    for (i, d) in docs.iter().enumerate().skip(first_patch) {
        let bad = |why: String| KwokError::Document { document: i + 1, why };
        if !is_patch(d) {
            return Err(bad(format!(
                "a {} among the ResourcePatches: the objects come first",
                d["kind"].as_str().unwrap_or("document without a kind")
            )));
        }
        let name = d["target"]["name"]
            .as_str()
            .ok_or_else(|| bad("a ResourcePatch without target.name".into()))?;
        let namespace = d["target"]["namespace"].as_str().unwrap_or("");
        let resource = d["resource"]["resource"].as_str().unwrap_or("");
        let nanos = d["durationNanosecond"]
            .as_i64()
            .ok_or_else(|| bad("a ResourcePatch without durationNanosecond".into()))?;
        let at = start_ms + nanos / 1_000_000;
        let id = (resource.to_string(), namespace.to_string(), name.to_string());
        let found = objects
            .keys()
            .find(|k| k.1 == id.1 && k.2 == id.2 && plural(&k.0) == resource)
            .cloned();
        match d["method"].as_str() {
            Some("create") => {
                let object = d["template"].clone();
                let key =
                    ObjectKey::of(&object).ok_or_else(|| bad("a create whose template is not an object".into()))?;
                objects.insert(target(&key), object.clone());
                out.push(Record::Applied { at, object });
            }
            Some("patch") => {
                let found = found.ok_or_else(|| {
                    bad(format!(
                        "a patch of {resource} {namespace}/{name}, which was never created"
                    ))
                })?;
                let object = objects.get_mut(&found).expect("found");
                merge(object, &d["template"]);
                out.push(Record::Applied {
                    at,
                    object: object.clone(),
                });
            }
            Some("delete") => {
                let found = found.ok_or_else(|| {
                    bad(format!(
                        "a delete of {resource} {namespace}/{name}, which was never created"
                    ))
                })?;
                let object = objects.remove(&found).expect("found");
                if let Some(key) = ObjectKey::of(&object) {
                    out.push(Record::Deleted { at, key });
                }
            }
            other => return Err(bad(format!("method {other:?} (create, patch or delete)"))),
        }
    }
    Ok(out)
}

/// (kind, namespace, name) of a key.
fn target(key: &ObjectKey) -> (String, String, String) {
    (key.kind.clone(), key.namespace.clone(), key.name.clone())
}

/// An object as kwok keeps one: without its resourceVersion.
fn bare(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    o
}

fn patch(key: &ObjectKey, since_ns: i64, method: &str, template: Option<Value>) -> Value {
    let (group, version) = match key.api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", key.api_version.as_str()),
    };
    let mut resource = json!({ "version": version, "resource": plural(&key.kind) });
    if !group.is_empty() {
        resource["group"] = json!(group);
    }
    let mut target = json!({ "name": key.name });
    if !key.namespace.is_empty() {
        target["namespace"] = json!(key.namespace);
    }
    let mut p = json!({
        "apiVersion": PATCH_API_VERSION,
        "kind": PATCH_KIND,
        "resource": resource,
        "target": target,
        "durationNanosecond": since_ns,
        "method": method,
    });
    if let Some(t) = template {
        p["template"] = t;
    }
    p
}

/// The resource a kind is served as (`Pod` → `pods`, `Ingress` → `ingresses`,
/// `NetworkPolicy` → `networkpolicies`, `Endpoints` → `endpoints`).
pub fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with("endpoints") {
        lower
    } else if lower.ends_with('s') || lower.ends_with('x') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// The keys list elements are merged by, in the order they are looked for.
const MERGE_KEYS: [&str; 5] = ["name", "type", "containerPort", "mountPath", "ip"];

/// Applies a strategic merge patch (the part described above) to `target`.
fn merge(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut whole = p.clone();
        whole.remove("$patch");
        *target = Value::Object(whole);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("an object");
    for (k, v) in p {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(list), Some(gone)) = (t.get_mut(field).and_then(Value::as_array_mut), v.as_array()) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => match (t.get_mut(k), merge_key(items)) {
                (Some(Value::Array(existing)), Some(key)) => merge_list(existing, items, key),
                _ => {
                    let kept: Vec<Value> = items
                        .iter()
                        .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                        .cloned()
                        .collect();
                    t.insert(k.clone(), Value::Array(kept));
                }
            },
            Value::Object(_) => merge(t.entry(k.clone()).or_insert(Value::Null), v),
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The key every object element of `items` has, if they are objects that have one.
fn merge_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() || !items.iter().all(Value::is_object) {
        return None;
    }
    MERGE_KEYS
        .into_iter()
        .find(|k| items.iter().all(|i| i.get(*k).is_some()))
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let at = existing.iter().position(|e| e.get(key) == item.get(key));
        match (at, item.get("$patch").and_then(Value::as_str)) {
            (Some(i), Some("delete")) => {
                existing.remove(i);
            }
            (None, Some("delete")) => {}
            (Some(i), _) => merge(&mut existing[i], item),
            (None, _) => existing.push(item.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_served_as_their_plural_resources() {
        for (kind, resource) in [
            ("Pod", "pods"),
            ("Deployment", "deployments"),
            ("Endpoints", "endpoints"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("PodDisruptionBudget", "poddisruptionbudgets"),
            ("HorizontalPodAutoscaler", "horizontalpodautoscalers"),
            ("Gateway", "gateways"),
        ] {
            assert_eq!(plural(kind), resource);
        }
    }

    #[test]
    fn a_patch_as_kwok_records_one_changes_only_what_it_names() {
        let mut pod = json!({
            "metadata": {"name": "p", "labels": {"app": "x", "old": "y"}},
            "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}], "finalizers": ["f1", "f2"]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]}
        });
        // What kubernetes' CreateTwoWayMergePatch gives for: Ready went False, b's image changed,
        // container a removed, label old removed, finalizer f1 dropped.
        let patch = json!({
            "metadata": {"labels": {"old": null}},
            "spec": {
                "$setElementOrder/containers": [{"name": "b"}],
                "containers": [{"name": "a", "$patch": "delete"}, {"name": "b", "image": "b:2"}],
                "$deleteFromPrimitiveList/finalizers": ["f1"]
            },
            "status": {"$setElementOrder/conditions": [{"type": "Ready"}, {"type": "PodScheduled"}], "conditions": [{"type": "Ready", "status": "False"}]}
        });
        merge(&mut pod, &patch);
        assert_eq!(
            pod,
            json!({
                "metadata": {"name": "p", "labels": {"app": "x"}},
                "spec": {"containers": [{"name": "b", "image": "b:2"}], "finalizers": ["f2"]},
                "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}]}
            })
        );
        merge(&mut pod, &json!({"$patch": "replace", "metadata": {"name": "q"}}));
        assert_eq!(pod, json!({"metadata": {"name": "q"}}));
    }

    #[test]
    fn a_broken_kwok_recording_names_the_document() {
        let text = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: action.kwok.x-k8s.io/v1alpha1\nkind: ResourcePatch\nresource: {version: v1, resource: nodes}\ntarget: {name: n2}\ndurationNanosecond: 5\nmethod: patch\ntemplate: {}\n";
        let e = import(text, 0).expect_err("n2 was never created").to_string();
        assert!(
            e.starts_with("document 2: a patch of nodes /n2, which was never created"),
            "{e}"
        );
        let e = import("a: [1", 0).expect_err("not YAML").to_string();
        assert!(e.starts_with("not YAML"), "{e}");
    }
}
