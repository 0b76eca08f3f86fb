//! Reading PATCH bodies: JSON for the JSON-based types, YAML or JSON for server-side apply,
//! with errors worded as the apiserver words them.

use serde_json::{Map, Value};

use super::describe::{describe_kind, go_kind};
use super::{PatchError, PatchType};

pub(super) fn parse_json(patch_type: PatchType, body: &[u8]) -> Result<Value, PatchError> {
    serde_json::from_slice(body).map_err(|e| PatchError::Syntax {
        patch_type,
        format: "JSON",
        detail: e.to_string(),
    })
}

pub(super) fn parse_json_object(patch_type: PatchType, body: &[u8]) -> Result<Map<String, Value>, PatchError> {
    match parse_json(patch_type, body)? {
        Value::Object(map) => Ok(map),
        other => Err(PatchError::Shape {
            patch_type,
            detail: format!(
                "must be a JSON object, got {}: cannot unmarshal {} into map[string]interface {{}}",
                describe_kind(&other),
                go_kind(&other)
            ),
        }),
    }
}

pub(super) fn parse_apply_body(target: &Value, body: &[u8]) -> Result<Map<String, Value>, PatchError> {
    let patch_type = PatchType::Apply;
    let looks_like_json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let json = if looks_like_json {
        serde_json::from_slice::<Value>(body).ok()
    } else {
        None
    };
    let value = match json {
        Some(v) => v,
        None => {
            serde_saphyr::from_slice_with_options::<Value>(body, yaml_options()).map_err(|e| PatchError::Syntax {
                patch_type,
                format: "YAML",
                detail: tidy_yaml_error(&e.to_string()),
            })?
        }
    };
    let Value::Object(map) = value else {
        return Err(PatchError::Shape {
            patch_type,
            detail: format!(
                "must be a YAML or JSON object (a complete Kubernetes object), got {}",
                describe_kind(&value)
            ),
        });
    };
    for field in ["apiVersion", "kind"] {
        match map.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => return Err(PatchError::MissingTypeMeta { field }),
        }
    }
    if map
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|f| !f.is_null())
    {
        return Err(PatchError::Shape {
            patch_type,
            detail: "sets metadata.managedFields, which must be nil in an apply request".to_owned(),
        });
    }
    if let (Some(Value::String(want)), Some(Value::String(got))) = (target.get("kind"), map.get("kind"))
        && want != got
    {
        return Err(PatchError::Shape {
            patch_type,
            detail: format!("has kind {got:?}, but the object being patched is a {want:?}"),
        });
    }
    Ok(map)
}

/// YAML as the API server reads it (YAML 1.1 flavoured: `010` is octal), with one-line
/// error messages rather than rendered source snippets.
pub(super) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        with_snippet: false,
    }
}

/// Drops the YAML library's advice to its own callers from an error message.
pub(super) fn tidy_yaml_error(message: &str) -> String {
    message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace(
            "; use from_str_multiple or from_str_multiple_with_options",
            "; an apply body must be a single YAML document",
        )
}

// ---------------------------------------------------------------------------------------
// RFC 6902 JSON patch
