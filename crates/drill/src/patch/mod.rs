//! Applying the four Kubernetes PATCH body types (JSON patch, JSON merge patch, strategic
//! merge patch and server-side apply) to an object's JSON. Pure data in, data out: this
//! module does no I/O and knows nothing of HTTP beyond suggesting a status code for errors.

mod describe;
mod ops;
mod parse;
mod strategic;

use std::fmt;

use serde_json::Value;

use ops::apply_json_patch;
use parse::{parse_apply_body, parse_json_object};
use strategic::{Mode, merge_object};

/// The `Content-Type` of a PATCH request, which decides how the body is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 6902 JSON patch: `application/json-patch+json`.
    Json,
    /// RFC 7386 JSON merge patch: `application/merge-patch+json`.
    Merge,
    /// Kubernetes strategic merge patch: `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// Server-side apply: `application/apply-patch+yaml`.
    Apply,
}

impl PatchType {
    /// Maps a request `Content-Type` to a patch type. Parameters such as `; charset=utf-8`
    /// and surrounding whitespace are ignored and the media type is matched case-insensitively.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let media = ct.split(';').next().unwrap_or_default().trim();
        [
            PatchType::Json,
            PatchType::Merge,
            PatchType::StrategicMerge,
            PatchType::Apply,
        ]
        .into_iter()
        .find(|t| media.eq_ignore_ascii_case(t.content_type()))
    }

    /// The canonical media type for this patch type.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

impl fmt::Display for PatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatchType::Json => "json patch",
            PatchType::Merge => "merge patch",
            PatchType::StrategicMerge => "strategic merge patch",
            PatchType::Apply => "apply patch",
        })
    }
}

/// Why a patch body could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The body is not well-formed JSON (or YAML, for apply). HTTP 400.
    #[error("{patch_type} body is not valid {format}: {detail}")]
    Syntax {
        patch_type: PatchType,
        format: &'static str,
        detail: String,
    },
    /// The body parsed but is not the shape its patch type requires (a merge patch that is
    /// not an object, a JSON patch operation without `path`, ...). HTTP 400.
    #[error("{patch_type} body {detail}")]
    Shape { patch_type: PatchType, detail: String },
    /// A strategic merge patch directive (`$patch`, `$retainKeys`,
    /// `$deleteFromPrimitiveList/...`, `$setElementOrder/...`) is malformed. HTTP 400.
    #[error("strategic merge patch has an invalid {directive} directive at {path}: {detail}")]
    Directive {
        directive: String,
        path: String,
        detail: String,
    },
    /// A server-side apply body without `apiVersion` or `kind`. HTTP 400.
    #[error(
        "apply patch body is missing {field:?}: a server-side apply body must be a complete \
         object with apiVersion and kind set"
    )]
    MissingTypeMeta { field: &'static str },
    /// A JSON patch operation could not be performed (failed `test`, missing path, ...).
    /// HTTP 422.
    #[error("json patch operation {index} ({op} {path:?}) failed: {reason}")]
    JsonPatchOp {
        index: usize,
        op: &'static str,
        path: String,
        reason: String,
    },
    /// A strategic merge or apply patch is well-formed but cannot be merged into the object
    /// (a list element without its merge key, ...). HTTP 422.
    #[error("{patch_type} cannot be applied at {path}: {detail}")]
    Unmergeable {
        patch_type: PatchType,
        path: String,
        detail: String,
    },
}

impl PatchError {
    /// The HTTP status the API server answers with: 400 for a body that is malformed,
    /// 422 for a well-formed patch that cannot be applied to this object.
    pub fn http_status(&self) -> u16 {
        match self {
            PatchError::Syntax { .. }
            | PatchError::Shape { .. }
            | PatchError::Directive { .. }
            | PatchError::MissingTypeMeta { .. } => 400,
            PatchError::JsonPatchOp { .. } | PatchError::Unmergeable { .. } => 422,
        }
    }

    #[cfg(test)]
    /// The `reason` of the `metav1.Status` matching [`PatchError::http_status`].
    pub fn reason(&self) -> &'static str {
        if self.http_status() == 400 {
            "BadRequest"
        } else {
            "Invalid"
        }
    }
}

/// Applies a PATCH body of the given type to `target` and returns the patched object.
/// `target` is not modified; server-owned metadata is the caller's business.
pub fn apply(patch_type: PatchType, target: &Value, body: &[u8]) -> Result<Value, PatchError> {
    match patch_type {
        PatchType::Json => apply_json_patch(target, body),
        PatchType::Merge => {
            let patch = parse_json_object(PatchType::Merge, body)?;
            let mut doc = target.clone();
            json_patch::merge(&mut doc, &Value::Object(patch));
            Ok(doc)
        }
        PatchType::StrategicMerge => {
            let patch = parse_json_object(PatchType::StrategicMerge, body)?;
            merge_object(target, patch, Mode::Strategic)
        }
        PatchType::Apply => {
            let patch = parse_apply_body(target, body)?;
            merge_object(target, patch, Mode::Apply)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

#[cfg(test)]
mod tests;
