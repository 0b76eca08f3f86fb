//! RFC 6902 JSON patch (`application/json-patch+json`), with the apiserver's explanations of
//! an operation that fails (a missing path, a failed test).

use serde_json::Value;

use super::describe::{describe_kind, go_kind, preview};
use super::parse::parse_json;
use super::{PatchError, PatchType};

pub(super) fn apply_json_patch(target: &Value, body: &[u8]) -> Result<Value, PatchError> {
    let patch_type = PatchType::Json;
    let ops = match parse_json(patch_type, body)? {
        Value::Array(ops) => ops,
        other => {
            return Err(PatchError::Shape {
                patch_type,
                detail: format!(
                    "must be a JSON array of operations, got {}: cannot unmarshal {} into \
                     []jsonpatch.Operation",
                    describe_kind(&other),
                    go_kind(&other)
                ),
            });
        }
    };
    let mut parsed = Vec::with_capacity(ops.len());
    for (index, op) in ops.into_iter().enumerate() {
        let op: json_patch::PatchOperation = serde_json::from_value(op).map_err(|e| PatchError::Shape {
            patch_type,
            detail: format!("has a malformed operation at index {index}: {e}"),
        })?;
        parsed.push(op);
    }
    let mut doc = target.clone();
    for (index, op) in parsed.iter().enumerate() {
        // One operation at a time, so that on failure `doc` shows the state the failing
        // operation saw (json_patch undoes the failed operation itself).
        if let Err(e) = json_patch::patch(&mut doc, std::slice::from_ref(op)) {
            return Err(PatchError::JsonPatchOp {
                index,
                op: op_name(op),
                path: op.path().as_str().to_owned(),
                reason: explain_json_patch_failure(&doc, op, &e.kind),
            });
        }
    }
    Ok(doc)
}

pub(super) fn op_name(op: &json_patch::PatchOperation) -> &'static str {
    use json_patch::PatchOperation as Op;
    match op {
        Op::Add(_) => "add",
        Op::Remove(_) => "remove",
        Op::Replace(_) => "replace",
        Op::Move(_) => "move",
        Op::Copy(_) => "copy",
        Op::Test(_) => "test",
    }
}

pub(super) fn explain_json_patch_failure(
    doc: &Value,
    op: &json_patch::PatchOperation,
    kind: &json_patch::PatchErrorKind,
) -> String {
    use json_patch::PatchErrorKind as K;
    use json_patch::PatchOperation as Op;
    let path = op.path().as_str();
    match kind {
        K::TestFailed => {
            let expected = match op {
                Op::Test(t) => preview(&t.value),
                _ => "?".to_owned(),
            };
            match doc.pointer(path) {
                Some(actual) => format!("test failed: the value is {}, not {expected}", preview(actual)),
                None => format!("test failed: there is no value, expected {expected}"),
            }
        }
        K::InvalidPointer => {
            let for_add = matches!(op, Op::Add(_) | Op::Move(_) | Op::Copy(_));
            pointer_problem(doc, path, for_add)
        }
        K::InvalidFromPointer => {
            let from = match op {
                Op::Move(m) => m.from.as_str(),
                Op::Copy(c) => c.from.as_str(),
                _ => "",
            };
            format!("the \"from\" location {from:?} does not exist")
        }
        K::CannotMoveInsideItself => "cannot move a value into one of its own children".to_owned(),
        other => other.to_string(),
    }
}

/// Says why `path` could not be resolved in `doc`.
pub(super) fn pointer_problem(doc: &Value, path: &str, for_add: bool) -> String {
    let Some(split) = path.rfind('/') else {
        return "the whole document cannot be removed".to_owned();
    };
    let (parent, last) = (&path[..split], &path[split + 1..]);
    // Point at the first missing ancestor, not just the immediate parent.
    let ends = parent
        .match_indices('/')
        .map(|(i, _)| i)
        .skip(1)
        .chain(std::iter::once(parent.len()));
    for end in ends {
        let prefix = &parent[..end];
        if !prefix.is_empty() && doc.pointer(prefix).is_none() {
            return format!("the location {prefix:?} does not exist");
        }
    }
    match doc.pointer(parent) {
        Some(Value::Array(a)) => format!(
            "{last:?} is not a valid index into the {}-element array at {:?}",
            a.len(),
            display_pointer(parent)
        ),
        Some(Value::Object(_)) if !for_add => format!("there is no value at {path:?}"),
        Some(Value::Object(_)) => format!("{path:?} is not a valid location"),
        Some(other) => format!(
            "{:?} holds {}, which has no children",
            display_pointer(parent),
            describe_kind(other)
        ),
        None => format!("the location {:?} does not exist", display_pointer(parent)),
    }
}

pub(super) fn display_pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

// ---------------------------------------------------------------------------------------
// Strategic merge patch and server-side apply
