//! Applying the four Kubernetes PATCH body types (JSON patch, JSON merge patch, strategic
//! merge patch and server-side apply) to an object's JSON. Pure data in, data out: this
//! module does no I/O and knows nothing of HTTP beyond suggesting a status code for errors.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

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

fn parse_json(patch_type: PatchType, body: &[u8]) -> Result<Value, PatchError> {
    serde_json::from_slice(body).map_err(|e| PatchError::Syntax {
        patch_type,
        format: "JSON",
        detail: e.to_string(),
    })
}

fn parse_json_object(patch_type: PatchType, body: &[u8]) -> Result<Map<String, Value>, PatchError> {
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

fn parse_apply_body(target: &Value, body: &[u8]) -> Result<Map<String, Value>, PatchError> {
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
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        with_snippet: false,
    }
}

/// Drops the YAML library's advice to its own callers from an error message.
fn tidy_yaml_error(message: &str) -> String {
    message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace(
            "; use from_str_multiple or from_str_multiple_with_options",
            "; an apply body must be a single YAML document",
        )
}

// ---------------------------------------------------------------------------------------
// RFC 6902 JSON patch

fn apply_json_patch(target: &Value, body: &[u8]) -> Result<Value, PatchError> {
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

fn op_name(op: &json_patch::PatchOperation) -> &'static str {
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

fn explain_json_patch_failure(
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
fn pointer_problem(doc: &Value, path: &str, for_add: bool) -> String {
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

fn display_pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

// ---------------------------------------------------------------------------------------
// Strategic merge patch and server-side apply

const PATCH_DIRECTIVE: &str = "$patch";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Strategic merge patch: `$`-directives are honoured.
    Strategic,
    /// Server-side apply: the same recursive merge, but no directives.
    Apply,
}

impl Mode {
    fn patch_type(self) -> PatchType {
        match self {
            Mode::Strategic => PatchType::StrategicMerge,
            Mode::Apply => PatchType::Apply,
        }
    }
}

/// How the elements of a list field are combined with the patch's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    /// The patch list replaces the list (no `patchStrategy` in the Kubernetes types).
    Replace,
    /// A list of scalars merged as a set (`finalizers`).
    Set,
    /// A list of objects merged by the given key (`patchMergeKey`).
    Keyed(&'static str),
}

/// The merge strategy for a list field, from its name (this module has no schema), with
/// the ambiguous names (`ports`, `addresses`) resolved by the elements' contents.
fn list_strategy(field: &str, orig: &[Value], patch: &[Value]) -> ListStrategy {
    let all = || orig.iter().chain(patch);
    let any_has = |key: &str| all().any(|e| e.get(key).is_some());
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates"
        | "secrets" => ListStrategy::Keyed("name"),
        "volumeMounts" => ListStrategy::Keyed("mountPath"),
        "volumeDevices" => ListStrategy::Keyed("devicePath"),
        "conditions" => ListStrategy::Keyed("type"),
        "ownerReferences" => ListStrategy::Keyed("uid"),
        "hostAliases" | "podIPs" | "hostIPs" => ListStrategy::Keyed("ip"),
        "topologySpreadConstraints" => ListStrategy::Keyed("topologyKey"),
        // Container ports merge on containerPort, Service ports on port.
        "ports" if any_has("containerPort") => ListStrategy::Keyed("containerPort"),
        "ports" if any_has("port") => ListStrategy::Keyed("port"),
        // Node status addresses merge on type; endpoint addresses have no type and are atomic.
        "addresses" if all().next().is_some() && all().all(|e| e.get("type").is_some() || is_directive_only(e)) => {
            ListStrategy::Keyed("type")
        }
        "finalizers" | "podCIDRs" if patch.iter().all(is_scalar) => ListStrategy::Set,
        _ => ListStrategy::Replace,
    }
}

fn merge_object(target: &Value, patch: Map<String, Value>, mode: Mode) -> Result<Value, PatchError> {
    let base = match target {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let merged = merge_map(base, patch, mode, &Path::ROOT)?;
    Ok(Value::Object(merged.unwrap_or_default()))
}

/// Merges `patch` into `orig`. `None` means the map itself is deleted (`$patch: delete`).
fn merge_map(
    mut orig: Map<String, Value>,
    mut patch: Map<String, Value>,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Option<Map<String, Value>>, PatchError> {
    let mut orders: Vec<(String, Vec<Value>)> = Vec::new();
    if mode == Mode::Strategic {
        if let Some(directive) = patch.remove(PATCH_DIRECTIVE) {
            match directive.as_str() {
                Some("replace") => return merge_map(Map::new(), patch, mode, path),
                Some("delete") => return Ok(None),
                Some("merge") => {}
                _ => {
                    return Err(directive_error(
                        PATCH_DIRECTIVE,
                        path,
                        format!(
                            "unknown patch type {}; expected \"replace\", \"delete\" or \"merge\"",
                            preview(&directive)
                        ),
                    ));
                }
            }
        }
        if let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) {
            let keep = retain_keys(&retain, &patch, path)?;
            orig.retain(|k, _| keep.contains(k.as_str()));
        }
        let directive_keys: Vec<String> = patch
            .keys()
            .filter(|k| k.starts_with(DELETE_FROM_PRIMITIVE_LIST) || k.starts_with(SET_ELEMENT_ORDER))
            .cloned()
            .collect();
        for key in directive_keys {
            let Some(value) = patch.remove(&key) else {
                continue;
            };
            if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
                let Value::Array(remove) = value else {
                    return Err(directive_error(
                        &key,
                        path,
                        format!("must be a list of values, got {}", describe_kind(&value)),
                    ));
                };
                if let Some(Value::Array(list)) = orig.get_mut(field) {
                    list.retain(|e| !remove.contains(e));
                }
            } else if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
                let Value::Array(order) = value else {
                    return Err(directive_error(
                        &key,
                        path,
                        format!("must be a list, got {}", describe_kind(&value)),
                    ));
                };
                orders.push((field.to_owned(), order));
            }
        }
    }

    for (key, patch_value) in patch {
        if patch_value.is_null() {
            orig.remove(&key);
            continue;
        }
        let child = path.key(&key);
        let order = orders
            .iter()
            .position(|(field, _)| *field == key)
            .map(|i| orders.swap_remove(i).1);
        let existing = orig.get_mut(&key).map(std::mem::take);
        let merged = match patch_value {
            Value::Object(patch_map) => {
                let base = match existing {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                merge_map(base, patch_map, mode, &child)?.map(Value::Object)
            }
            Value::Array(patch_list) => {
                let base = match existing {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                Some(Value::Array(merge_list(
                    &key,
                    base,
                    patch_list,
                    order.as_deref(),
                    mode,
                    &child,
                )?))
            }
            scalar => Some(scalar),
        };
        match merged {
            Some(v) => {
                orig.insert(key, v);
            }
            None => {
                orig.remove(&key);
            }
        }
    }

    // `$setElementOrder` for lists the patch does not otherwise touch.
    for (field, order) in orders {
        if let Some(Value::Array(list)) = orig.get_mut(&field) {
            let strategy = list_strategy(&field, list, &[]);
            reorder(list, &order, strategy);
        }
    }
    Ok(Some(orig))
}

/// Validates a `$retainKeys` list against the patch and returns the keys to keep.
fn retain_keys<'v>(
    retain: &'v Value,
    patch: &Map<String, Value>,
    path: &Path<'_>,
) -> Result<HashSet<&'v str>, PatchError> {
    let Value::Array(list) = retain else {
        return Err(directive_error(
            RETAIN_KEYS_DIRECTIVE,
            path,
            format!("must be a list of field names, got {}", describe_kind(retain)),
        ));
    };
    let mut keep = HashSet::with_capacity(list.len());
    for item in list {
        let Value::String(name) = item else {
            return Err(directive_error(
                RETAIN_KEYS_DIRECTIVE,
                path,
                format!("must list field names (strings), found {}", preview(item)),
            ));
        };
        keep.insert(name.as_str());
    }
    for (k, v) in patch {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
            || k == PATCH_DIRECTIVE
        {
            continue;
        }
        if !keep.contains(k.as_str()) {
            return Err(directive_error(
                RETAIN_KEYS_DIRECTIVE,
                path,
                format!("the patch sets {k:?}, which is not in the $retainKeys list"),
            ));
        }
    }
    Ok(keep)
}

fn merge_list(
    field: &str,
    orig: Vec<Value>,
    patch: Vec<Value>,
    order: Option<&[Value]>,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Vec<Value>, PatchError> {
    let mut strategy = list_strategy(field, &orig, &patch);
    if let (Mode::Apply, ListStrategy::Keyed(key)) = (mode, strategy)
        && !patch.iter().all(|e| e.get(key).is_some())
    {
        // Apply bodies may be custom resources whose same-named lists are not keyed the
        // way the built-in types are: treat such a list as atomic rather than failing.
        strategy = ListStrategy::Replace;
    }
    let mut result = match strategy {
        ListStrategy::Replace => {
            let mut list = patch;
            if mode == Mode::Strategic {
                // A bare `{"$patch": "replace"}` marker means "replace", which we do anyway.
                list.retain(|e| !is_directive_only(e));
            }
            return Ok(list);
        }
        ListStrategy::Set => {
            let mut list = orig;
            for item in patch {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
            list
        }
        ListStrategy::Keyed(key) => merge_keyed_list(field, key, orig, patch, mode, path)?,
    };
    if let Some(order) = order {
        reorder(&mut result, order, strategy);
    }
    Ok(result)
}

fn merge_keyed_list(
    field: &str,
    key: &'static str,
    orig: Vec<Value>,
    patch: Vec<Value>,
    mode: Mode,
    path: &Path<'_>,
) -> Result<Vec<Value>, PatchError> {
    let mut result = orig;
    let mut pending = Vec::with_capacity(patch.len());
    let mut replace = false;
    for (index, element) in patch.into_iter().enumerate() {
        let Value::Object(mut element) = element else {
            return Err(unmergeable(
                mode,
                path,
                format!(
                    "element {index} is {}, but {field:?} is merged by its {key:?} key and \
                     needs objects",
                    describe_kind(&element)
                ),
            ));
        };
        if mode == Mode::Strategic
            && let Some(directive) = element.remove(PATCH_DIRECTIVE)
        {
            match directive.as_str() {
                Some("delete") => {
                    if element.get(key).is_none() {
                        return Err(missing_merge_key(mode, path, field, key, index));
                    }
                    result.retain(|e| !same_element(field, key, e, &element));
                    continue;
                }
                Some("replace") => {
                    replace = true;
                    continue;
                }
                Some("merge") => {}
                _ => {
                    return Err(directive_error(
                        PATCH_DIRECTIVE,
                        path,
                        format!(
                            "unknown patch type {} in element {index}; expected \"replace\", \
                             \"delete\" or \"merge\"",
                            preview(&directive)
                        ),
                    ));
                }
            }
        }
        if element.get(key).is_none() {
            return Err(missing_merge_key(mode, path, field, key, index));
        }
        pending.push(element);
    }
    if replace {
        result.clear();
    }
    for element in pending {
        let label = element.get(key).map(preview).unwrap_or_default();
        let child = path.item(key, label);
        match result.iter().position(|e| same_element(field, key, e, &element)) {
            Some(i) => {
                let base = match std::mem::take(&mut result[i]) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                match merge_map(base, element, mode, &child)? {
                    Some(m) => result[i] = Value::Object(m),
                    None => {
                        result.remove(i);
                    }
                }
            }
            None => {
                if let Some(m) = merge_map(Map::new(), element, mode, &child)? {
                    result.push(Value::Object(m));
                }
            }
        }
    }
    Ok(result)
}

/// Whether list element `existing` is the one `patch` addresses. Ports also compare their
/// protocol (defaulting to TCP) so that DNS-style `53/TCP` + `53/UDP` pairs stay distinct.
fn same_element(field: &str, key: &str, existing: &Value, patch: &Map<String, Value>) -> bool {
    let Value::Object(existing) = existing else {
        return false;
    };
    if existing.get(key) != patch.get(key) {
        return false;
    }
    if field == "ports" {
        let protocol = |m: &Map<String, Value>| {
            m.get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_ascii_uppercase()
        };
        return protocol(existing) == protocol(patch);
    }
    true
}

/// Applies `$setElementOrder`: the elements named in `order` are put in that order, in the
/// positions such elements already occupy; other elements keep their positions.
fn reorder(list: &mut [Value], order: &[Value], strategy: ListStrategy) {
    let id = |v: &Value| -> Option<Value> {
        match strategy {
            ListStrategy::Keyed(key) => v.get(key).cloned(),
            ListStrategy::Set => Some(v.clone()),
            ListStrategy::Replace => None,
        }
    };
    let order_ids: Vec<Option<Value>> = order.iter().map(id).collect();
    let rank = |v: &Value| -> Option<usize> {
        let own = id(v)?;
        order_ids.iter().position(|o| o.as_ref() == Some(&own))
    };
    let mut slots = Vec::new();
    let mut items = Vec::new();
    for (i, v) in list.iter_mut().enumerate() {
        if let Some(r) = rank(v) {
            slots.push(i);
            items.push((r, std::mem::take(v)));
        }
    }
    items.sort_by_key(|(r, _)| *r);
    for (slot, (_, item)) in slots.into_iter().zip(items) {
        list[slot] = item;
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// `{"$patch": "..."}` with nothing else: a list-level directive, not an element.
fn is_directive_only(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.contains_key(PATCH_DIRECTIVE))
}

fn directive_error(directive: &str, path: &Path<'_>, detail: String) -> PatchError {
    PatchError::Directive {
        directive: directive.to_owned(),
        path: path.render(),
        detail,
    }
}

fn unmergeable(mode: Mode, path: &Path<'_>, detail: String) -> PatchError {
    PatchError::Unmergeable {
        patch_type: mode.patch_type(),
        path: path.render(),
        detail,
    }
}

fn missing_merge_key(mode: Mode, path: &Path<'_>, field: &str, key: &str, index: usize) -> PatchError {
    unmergeable(
        mode,
        path,
        format!("element {index} of {field:?} does not contain its merge key {key:?}"),
    )
}

/// A location inside the object, rendered only when an error needs it.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

enum Segment<'a> {
    Root,
    Key(&'a str),
    Item { key: &'a str, value: String },
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    fn item<'b>(&'b self, key: &'b str, value: String) -> Path<'b> {
        Path {
            parent: Some(self),
            segment: Segment::Item { key, value },
        }
    }

    fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segments.push(&p.segment);
            cur = p.parent;
        }
        let mut out = String::new();
        for segment in segments.into_iter().rev() {
            match segment {
                Segment::Root => {}
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Item { key, value } => {
                    out.push('[');
                    out.push_str(key);
                    out.push('=');
                    out.push_str(value);
                    out.push(']');
                }
            }
        }
        if out.is_empty() {
            "the object root".to_owned()
        } else {
            out
        }
    }
}

// ---------------------------------------------------------------------------------------
// Message helpers

fn describe_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The word Go's encoding/json uses for a JSON value's kind in its unmarshal errors.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compact JSON for a value, cut short so messages stay readable.
fn preview(v: &Value) -> String {
    const MAX: usize = 120;
    let s = v.to_string();
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(target: &Value, patch: Value) -> Value {
        apply(PatchType::StrategicMerge, target, patch.to_string().as_bytes()).unwrap()
    }

    fn smp_err(target: &Value, patch: Value) -> PatchError {
        apply(PatchType::StrategicMerge, target, patch.to_string().as_bytes()).unwrap_err()
    }

    fn node() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "node-1", "labels": {"zone": "a"}},
            "spec": {
                "podCIDR": "10.0.1.0/24",
                "taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]
            }
        })
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                "namespace": "shop",
                "annotations": {"deployment.kubernetes.io/revision": "4", "team": "payments"},
                "finalizers": ["a.example.com/keep"]
            },
            "spec": {
                "replicas": 3,
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
                },
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {
                        "labels": {"app": "web"},
                        "annotations": {"prometheus.io/scrape": "true"}
                    },
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:1.25",
                                "env": [
                                    {"name": "MODE", "value": "prod"},
                                    {"name": "LOG", "value": "info"}
                                ],
                                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]
                            },
                            {"name": "sidecar", "image": "envoy:1.30"}
                        ],
                        "volumes": [{"name": "cache", "emptyDir": {}}],
                        "tolerations": [{"key": "gpu", "operator": "Exists"}]
                    }
                }
            }
        })
    }

    fn containers(v: &Value) -> &Vec<Value> {
        v["spec"]["template"]["spec"]["containers"].as_array().unwrap()
    }

    // -- content types ---------------------------------------------------------------

    #[test]
    fn content_types() {
        use PatchType::*;
        assert_eq!(PatchType::from_content_type("application/json-patch+json"), Some(Json));
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json"),
            Some(Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/strategic-merge-patch+json"),
            Some(StrategicMerge)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml"),
            Some(Apply)
        );
        assert_eq!(
            PatchType::from_content_type("  Application/Merge-Patch+JSON ; charset=utf-8 "),
            Some(Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml;charset=utf-8"),
            Some(Apply)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
        assert_eq!(PatchType::from_content_type(""), None);
        for t in [Json, Merge, StrategicMerge, Apply] {
            assert_eq!(PatchType::from_content_type(t.content_type()), Some(t));
        }
    }

    // -- what kubectl sends ------------------------------------------------------------

    #[test]
    fn cordon_and_uncordon() {
        let cordoned = smp(&node(), json!({"spec": {"unschedulable": true}}));
        assert_eq!(cordoned["spec"]["unschedulable"], json!(true));
        assert_eq!(cordoned["spec"]["podCIDR"], json!("10.0.1.0/24"));
        assert_eq!(cordoned["spec"]["taints"], node()["spec"]["taints"]);
        assert_eq!(cordoned["metadata"], node()["metadata"]);

        let uncordoned = smp(&cordoned, json!({"spec": {"unschedulable": null}}));
        assert!(uncordoned["spec"].get("unschedulable").is_none());
        assert_eq!(uncordoned, node());
    }

    #[test]
    fn rollout_restart_keeps_other_annotations() {
        let patched = smp(
            &deployment(),
            json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": "2026-11-24T20:42:42Z"
            }}}}}),
        );
        let annotations = &patched["spec"]["template"]["metadata"]["annotations"];
        assert_eq!(
            annotations["kubectl.kubernetes.io/restartedAt"],
            json!("2026-11-24T20:42:42Z")
        );
        assert_eq!(annotations["prometheus.io/scrape"], json!("true"));
        assert_eq!(
            patched["spec"]["template"]["spec"],
            deployment()["spec"]["template"]["spec"]
        );
    }

    #[test]
    fn pause_and_resume() {
        let paused = smp(&deployment(), json!({"spec": {"paused": true}}));
        assert_eq!(paused["spec"]["paused"], json!(true));
        assert_eq!(paused["spec"]["replicas"], json!(3));
        let resumed = smp(&paused, json!({"spec": {"paused": null}}));
        assert_eq!(resumed, deployment());
    }

    #[test]
    fn scale_merge_patch() {
        let scaled = apply(PatchType::Merge, &deployment(), br#"{"spec":{"replicas":5}}"#).unwrap();
        assert_eq!(scaled["spec"]["replicas"], json!(5));
        assert_eq!(scaled["spec"]["template"], deployment()["spec"]["template"]);
    }

    #[test]
    fn merge_patch_replaces_lists_and_deletes_with_null() {
        let patched = apply(
            PatchType::Merge,
            &deployment(),
            br#"{"metadata":{"annotations":{"team":null,"owner":"sre"}},
                 "spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox"}]}}}}"#,
        )
        .unwrap();
        assert_eq!(
            patched["metadata"]["annotations"],
            json!({"deployment.kubernetes.io/revision": "4", "owner": "sre"})
        );
        assert_eq!(containers(&patched), &vec![json!({"name": "only", "image": "busybox"})]);
    }

    #[test]
    fn rollout_undo_json_patch() {
        let template = json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.24"}]}
        });
        let body = json!([
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations",
             "value": {"deployment.kubernetes.io/revision": "3"}}
        ]);
        let patched = apply(PatchType::Json, &deployment(), body.to_string().as_bytes()).unwrap();
        assert_eq!(patched["spec"]["template"], template);
        assert_eq!(
            patched["metadata"]["annotations"],
            json!({"deployment.kubernetes.io/revision": "3"})
        );
        assert_eq!(patched["spec"]["replicas"], json!(3));
        assert_eq!(patched["metadata"]["name"], json!("web"));
    }

    #[test]
    fn json_patch_all_ops() {
        let target = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        let body = json!([
            {"op": "test", "path": "/a/b", "value": 1},
            {"op": "add", "path": "/a/c/-", "value": 3},
            {"op": "add", "path": "/a/c/0", "value": 0},
            {"op": "copy", "from": "/d", "path": "/e"},
            {"op": "move", "from": "/a/b", "path": "/f"},
            {"op": "remove", "path": "/d"},
            {"op": "replace", "path": "/e", "value": "y"}
        ]);
        let patched = apply(PatchType::Json, &target, body.to_string().as_bytes()).unwrap();
        assert_eq!(patched, json!({"a": {"c": [0, 1, 2, 3]}, "e": "y", "f": 1}));
    }

    #[test]
    fn set_image_by_container_name() {
        // What `kubectl set image deployment/web web=nginx:1.27` sends.
        let body = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
            "containers": [{"image": "nginx:1.27", "name": "web"}]
        }}}});
        let patched = smp(&deployment(), body);
        let cs = containers(&patched);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0]["name"], json!("web"));
        assert_eq!(cs[0]["image"], json!("nginx:1.27"));
        // Everything else in the web container is untouched.
        let original = deployment();
        let before = &containers(&original)[0];
        assert_eq!(cs[0]["env"], before["env"]);
        assert_eq!(cs[0]["ports"], before["ports"]);
        assert_eq!(cs[0]["volumeMounts"], before["volumeMounts"]);
        assert_eq!(cs[1], json!({"name": "sidecar", "image": "envoy:1.30"}));
        assert!(
            patched["spec"]["template"]["spec"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.starts_with('$'))
        );
    }

    #[test]
    fn set_element_order_reorders_and_appends() {
        let body = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "init"}, {"name": "sidecar"}, {"name": "web"}],
            "containers": [{"name": "init", "image": "busybox"}]
        }}}});
        let patched = smp(&deployment(), body);
        let names: Vec<&str> = containers(&patched)
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["init", "sidecar", "web"]);

        // An order directive alone (no list in the patch) still reorders.
        let body = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "web"}]
        }}}});
        let patched = smp(&deployment(), body);
        assert_eq!(containers(&patched)[0]["name"], json!("sidecar"));
        assert_eq!(containers(&patched)[1]["image"], json!("nginx:1.25"));
    }

    #[test]
    fn new_keyed_elements_are_appended_and_nested_lists_merge() {
        let body = json!({"spec": {"template": {"spec": {"containers": [{
            "name": "web",
            "env": [{"name": "LOG", "value": "debug"}, {"name": "NEW", "value": "1"}],
            "ports": [{"containerPort": 443}],
            "volumeMounts": [{"mountPath": "/cache", "readOnly": true}]
        }, {
            "name": "metrics", "image": "exporter:2"
        }]}}}});
        let patched = smp(&deployment(), body);
        let cs = containers(&patched);
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[2], json!({"name": "metrics", "image": "exporter:2"}));
        assert_eq!(
            cs[0]["env"],
            json!([
                {"name": "MODE", "value": "prod"},
                {"name": "LOG", "value": "debug"},
                {"name": "NEW", "value": "1"}
            ])
        );
        assert_eq!(
            cs[0]["ports"],
            json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}])
        );
        assert_eq!(
            cs[0]["volumeMounts"],
            json!([{"name": "cache", "mountPath": "/cache", "readOnly": true}])
        );
    }

    #[test]
    fn lists_without_merge_key_are_replaced() {
        let body = json!({"spec": {"template": {"spec": {
            "tolerations": [{"key": "spot", "operator": "Exists"}],
            "containers": [{"name": "web", "args": ["--fast"]}]
        }}}});
        let patched = smp(&deployment(), body);
        assert_eq!(
            patched["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "spot", "operator": "Exists"}])
        );
        assert_eq!(containers(&patched)[0]["args"], json!(["--fast"]));

        // Node taints are replaced whole (kubectl taint sends the full list).
        let patched = smp(
            &node(),
            json!({"spec": {"taints": [
                {"key": "spot", "effect": "NoExecute"}
            ]}}),
        );
        assert_eq!(
            patched["spec"]["taints"],
            json!([{"key": "spot", "effect": "NoExecute"}])
        );
        let untainted = smp(&node(), json!({"spec": {"taints": null}}));
        assert!(untainted["spec"].get("taints").is_none());
    }

    #[test]
    fn patch_delete_removes_a_container() {
        let body = json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "delete", "name": "sidecar"}
        ]}}}});
        let patched = smp(&deployment(), body);
        let cs = containers(&patched);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0], containers(&deployment())[0]);

        // Deleting something absent is a no-op.
        let body = json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "delete", "name": "ghost"}
        ]}}}});
        assert_eq!(smp(&deployment(), body), deployment());
    }

    #[test]
    fn patch_replace_on_list_and_map() {
        let body = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "solo", "image": "busybox"},
            {"$patch": "replace"}
        ]}}}});
        let patched = smp(&deployment(), body);
        assert_eq!(containers(&patched), &vec![json!({"name": "solo", "image": "busybox"})]);

        let body = json!({"spec": {"template": {"metadata": {"annotations": {
            "$patch": "replace", "only": "this"
        }}}}});
        let patched = smp(&deployment(), body);
        assert_eq!(
            patched["spec"]["template"]["metadata"]["annotations"],
            json!({"only": "this"})
        );
        assert_eq!(patched["spec"]["template"]["metadata"]["labels"], json!({"app": "web"}));
    }

    #[test]
    fn patch_delete_on_a_map() {
        let body = json!({"spec": {"strategy": {"$patch": "delete"}}});
        let patched = smp(&deployment(), body);
        assert!(patched["spec"].get("strategy").is_none());
        assert_eq!(patched["spec"]["replicas"], json!(3));
    }

    #[test]
    fn retain_keys_clears_unlisted_fields() {
        // What `kubectl apply` sends when switching to the Recreate strategy.
        let body = json!({"spec": {"strategy": {
            "$retainKeys": ["type"],
            "type": "Recreate",
            "rollingUpdate": null
        }}});
        let patched = smp(&deployment(), body);
        assert_eq!(patched["spec"]["strategy"], json!({"type": "Recreate"}));

        // Volumes: switch the "cache" volume from emptyDir to a configMap.
        let body = json!({"spec": {"template": {"spec": {"volumes": [{
            "$retainKeys": ["configMap", "name"],
            "name": "cache",
            "configMap": {"name": "cfg"}
        }]}}}});
        let patched = smp(&deployment(), body);
        assert_eq!(
            patched["spec"]["template"]["spec"]["volumes"],
            json!([{"name": "cache", "configMap": {"name": "cfg"}}])
        );
    }

    #[test]
    fn retain_keys_errors() {
        let err = smp_err(
            &deployment(),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
        );
        assert_eq!(err.http_status(), 400);
        let msg = err.to_string();
        assert!(msg.contains("$retainKeys"), "{msg}");
        assert!(msg.contains("spec.strategy"), "{msg}");
        assert!(msg.contains("rollingUpdate"), "{msg}");

        let err = smp_err(&deployment(), json!({"spec": {"strategy": {"$retainKeys": "type"}}}));
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn delete_from_primitive_list_and_finalizer_set() {
        let body = json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["a.example.com/keep"],
            "finalizers": ["b.example.com/new"]
        }});
        let patched = smp(&deployment(), body);
        assert_eq!(patched["metadata"]["finalizers"], json!(["b.example.com/new"]));

        // Finalizers merge as a set: existing ones survive, duplicates are not added.
        let body = json!({"metadata": {"finalizers": ["a.example.com/keep", "c.example.com/x"]}});
        let patched = smp(&deployment(), body);
        assert_eq!(
            patched["metadata"]["finalizers"],
            json!(["a.example.com/keep", "c.example.com/x"])
        );

        let err = smp_err(
            &deployment(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}),
        );
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn conditions_owner_references_and_service_ports() {
        let pod = json!({
            "metadata": {"ownerReferences": [{"uid": "1", "name": "rs-a", "kind": "ReplicaSet"}]},
            "status": {"conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "PodScheduled", "status": "True"}
            ]}
        });
        let patched = smp(
            &pod,
            json!({
                "metadata": {"ownerReferences": [{"uid": "2", "name": "rs-b", "kind": "ReplicaSet"}]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}
            }),
        );
        assert_eq!(
            patched["status"]["conditions"],
            json!([
                {"type": "Ready", "status": "True"},
                {"type": "PodScheduled", "status": "True"}
            ])
        );
        assert_eq!(patched["metadata"]["ownerReferences"].as_array().unwrap().len(), 2);

        let svc = json!({"spec": {"ports": [
            {"name": "dns", "port": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}
        ]}});
        let patched = smp(&svc, json!({"spec": {"ports": [{"port": 53, "targetPort": 5353}]}}));
        assert_eq!(
            patched["spec"]["ports"],
            json!([
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 5353}
            ])
        );
    }

    #[test]
    fn smp_errors() {
        let err = smp_err(
            &deployment(),
            json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
        );
        assert_eq!(err.http_status(), 422);
        assert_eq!(err.reason(), "Invalid");
        let msg = err.to_string();
        assert!(msg.contains("spec.template.spec.containers"), "{msg}");
        assert!(msg.contains("\"name\""), "{msg}");

        let err = smp_err(&deployment(), json!({"spec": {"$patch": "explode"}}));
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("explode"));

        let err = smp_err(&deployment(), json!({"metadata": {"$setElementOrder/finalizers": 3}}));
        assert_eq!(err.http_status(), 400);

        let err = apply(PatchType::StrategicMerge, &deployment(), b"[1,2]").unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("must be a JSON object"));

        let err = smp_err(
            &deployment(),
            json!({"spec": {"template": {"spec": {"containers": ["web"]}}}}),
        );
        assert_eq!(err.http_status(), 422);
    }

    #[test]
    fn nested_error_paths_name_the_element() {
        let err = smp_err(
            &deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "web", "env": [{"value": "orphan"}]}
            ]}}}}),
        );
        let msg = err.to_string();
        assert!(
            msg.contains(r#"spec.template.spec.containers[name="web"].env"#),
            "{msg}"
        );
    }

    #[test]
    fn smp_on_missing_target_fields_strips_directives() {
        let target = json!({"kind": "Pod", "metadata": {"name": "p"}});
        let patched = smp(
            &target,
            json!({"spec": {"containers": [
                {"name": "a", "image": "x", "env": [{"name": "gone", "$patch": "delete"}]},
                {"name": "b", "$patch": "delete"}
            ]}}),
        );
        assert_eq!(
            patched["spec"]["containers"],
            json!([{"name": "a", "image": "x", "env": []}])
        );
    }

    // -- errors --------------------------------------------------------------------------

    #[test]
    fn garbage_bytes_are_bad_requests() {
        for t in [
            PatchType::Json,
            PatchType::Merge,
            PatchType::StrategicMerge,
            PatchType::Apply,
        ] {
            let err = apply(t, &deployment(), b"\xff\xfe{{not json").unwrap_err();
            assert_eq!(err.http_status(), 400, "{t}: {err}");
            assert_eq!(err.reason(), "BadRequest");
            assert!(matches!(err, PatchError::Syntax { .. }), "{t}: {err:?}");
        }
        let err = apply(PatchType::Json, &deployment(), b"").unwrap_err();
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn array_merge_patch_is_rejected() {
        let err = apply(PatchType::Merge, &deployment(), br#"[{"spec":{}}]"#).unwrap_err();
        assert_eq!(err.http_status(), 400);
        let msg = err.to_string();
        assert!(msg.contains("merge patch body must be a JSON object"), "{msg}");
        assert!(msg.contains("got an array"), "{msg}");
    }

    #[test]
    fn json_patch_shape_errors() {
        let err = apply(PatchType::Json, &deployment(), br#"{"op":"add"}"#).unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(
            err.to_string()
                .contains("cannot unmarshal object into []jsonpatch.Operation"),
            "{err}"
        );

        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"frobnicate","path":"/spec"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("index 0"), "{err}");
        assert!(err.to_string().contains("frobnicate"), "{err}");
    }

    #[test]
    fn json_patch_test_failure_is_422() {
        let body = br#"[{"op":"replace","path":"/spec/replicas","value":4},
                        {"op":"test","path":"/spec/replicas","value":5}]"#;
        let err = apply(PatchType::Json, &deployment(), body).unwrap_err();
        assert_eq!(err.http_status(), 422);
        match &err {
            PatchError::JsonPatchOp { index, op, path, .. } => {
                assert_eq!(*index, 1);
                assert_eq!(*op, "test");
                assert_eq!(path, "/spec/replicas");
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("the value is 4, not 5"), "{msg}");
    }

    #[test]
    fn json_patch_missing_paths_are_422() {
        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"remove","path":"/spec/nope"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 422);
        let msg = err.to_string();
        assert!(msg.contains("remove \"/spec/nope\""), "{msg}");
        assert!(msg.contains("there is no value at \"/spec/nope\""), "{msg}");

        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"add","path":"/spec/a/b/c","value":1}]"#,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 422);
        assert!(err.to_string().contains("\"/spec/a\" does not exist"), "{err}");

        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"replace","path":"/spec/template/spec/containers/7/image","value":"x"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 422);
        assert!(
            err.to_string()
                .contains("\"/spec/template/spec/containers/7\" does not exist"),
            "{err}"
        );

        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"add","path":"/spec/template/spec/containers/9","value":{}}]"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not a valid index into the 2-element array"),
            "{err}"
        );

        let err = apply(
            PatchType::Json,
            &deployment(),
            br#"[{"op":"move","from":"/spec/ghost","path":"/spec/x"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 422);
        assert!(err.to_string().contains("\"/spec/ghost\""), "{err}");
    }

    #[test]
    fn failed_json_patch_leaves_target_alone() {
        let target = deployment();
        let body = br#"[{"op":"replace","path":"/spec/replicas","value":9},
                        {"op":"remove","path":"/nope"}]"#;
        assert!(apply(PatchType::Json, &target, body).is_err());
        assert_eq!(target, deployment());
    }

    // -- server-side apply ---------------------------------------------------------------

    #[test]
    fn apply_yaml_body() {
        let body = br#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    tier: frontend
spec:
  replicas: 6
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: LOG
          value: warn
"#;
        let patched = apply(PatchType::Apply, &deployment(), body).unwrap();
        assert_eq!(patched["spec"]["replicas"], json!(6));
        assert_eq!(patched["metadata"]["labels"], json!({"tier": "frontend"}));
        assert_eq!(patched["metadata"]["namespace"], json!("shop"));
        let cs = containers(&patched);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0]["image"], json!("nginx:1.27"));
        assert_eq!(
            cs[0]["env"],
            json!([{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "warn"}])
        );
        assert_eq!(cs[1]["name"], json!("sidecar"));
        assert_eq!(patched["spec"]["strategy"], deployment()["spec"]["strategy"]);
    }

    #[test]
    fn apply_json_body_and_create() {
        let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"1"}}"#;
        let created = apply(PatchType::Apply, &Value::Null, body).unwrap();
        assert_eq!(created, serde_json::from_slice::<Value>(body).unwrap());

        // YAML flow style that is not strict JSON still parses.
        let body = b"{apiVersion: v1, kind: ConfigMap, data: {b: '2'}}";
        let patched = apply(PatchType::Apply, &created, body).unwrap();
        assert_eq!(patched["data"], json!({"a": "1", "b": "2"}));
    }

    #[test]
    fn apply_does_not_interpret_directives_names() {
        // Apply has no `$patch` directives: a key merely named so is data, not a command.
        let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}});
        let body = br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"$patch":"replace","b":"2"}}"#;
        let patched = apply(PatchType::Apply, &target, body).unwrap();
        assert_eq!(patched["data"], json!({"a": "1", "b": "2", "$patch": "replace"}));
    }

    #[test]
    fn apply_errors() {
        let err = apply(PatchType::Apply, &deployment(), b"metadata:\n  name: web\n").unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("\"apiVersion\""), "{err}");

        let err = apply(PatchType::Apply, &deployment(), b"apiVersion: apps/v1\n").unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("\"kind\""), "{err}");

        let err = apply(PatchType::Apply, &deployment(), b"- a\n- b\n").unwrap_err();
        assert_eq!(err.http_status(), 400);

        let err = apply(
            PatchType::Apply,
            &deployment(),
            b"apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains("\"Deployment\""), "{err}");

        let err = apply(
            PatchType::Apply,
            &deployment(),
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  managedFields: []\n",
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 400);

        let err = apply(
            PatchType::Apply,
            &deployment(),
            b"apiVersion: apps/v1\nkind: Deployment\nspec: [unclosed\n",
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(matches!(err, PatchError::Syntax { format: "YAML", .. }), "{err:?}");
    }

    #[test]
    fn apply_yaml_error_messages_are_one_line() {
        let err = apply(
            PatchType::Apply,
            &deployment(),
            b"apiVersion: v1\nkind: Deployment\n---\napiVersion: v1\nkind: Deployment\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.http_status(), 400);
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.contains("single YAML document"), "{msg}");
        assert!(msg.contains("line 4"), "{msg}");

        let err = apply(PatchType::Apply, &deployment(), b"a: 1\na: 2\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("duplicate mapping key: a"), "{msg}");
        assert!(!msg.contains("Options"), "{msg}");
    }

    #[test]
    fn apply_yaml_numbers_read_like_the_apiserver() {
        let body = b"apiVersion: v1\nkind: X\nspec: {mode: 0644, replicas: 3, ratio: 1.5}\n";
        let created = apply(PatchType::Apply, &Value::Null, body).unwrap();
        assert_eq!(created["spec"], json!({"mode": 420, "replicas": 3, "ratio": 1.5}));
    }

    #[test]
    fn set_element_order_on_primitive_list() {
        let target = json!({"metadata": {"finalizers": ["a", "b", "c"]}});
        let patched = smp(
            &target,
            json!({"metadata": {
                "$setElementOrder/finalizers": ["c", "a", "b", "d"],
                "finalizers": ["d"]
            }}),
        );
        assert_eq!(patched["metadata"]["finalizers"], json!(["c", "a", "b", "d"]));
    }

    #[test]
    fn node_addresses_merge_by_type_but_endpoint_addresses_replace() {
        let node = json!({"status": {"addresses": [
            {"type": "InternalIP", "address": "10.0.0.1"},
            {"type": "Hostname", "address": "node-1"}
        ]}});
        let patched = smp(
            &node,
            json!({"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.9"}]}}),
        );
        assert_eq!(
            patched["status"]["addresses"],
            json!([
                {"type": "InternalIP", "address": "10.0.0.9"},
                {"type": "Hostname", "address": "node-1"}
            ])
        );

        let endpoints = json!({"subsets": [{"addresses": [{"ip": "10.1.0.1"}, {"ip": "10.1.0.2"}]}]});
        let patched = smp(&endpoints, json!({"subsets": [{"addresses": [{"ip": "10.1.0.3"}]}]}));
        assert_eq!(patched, json!({"subsets": [{"addresses": [{"ip": "10.1.0.3"}]}]}));
    }

    #[test]
    fn kube_rs_style_patches() {
        // kube-rs `Patch::Apply` serialises the object as JSON under the apply content type.
        let body = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {"team": null}},
            "spec": {"replicas": 1}
        });
        let patched = apply(PatchType::Apply, &deployment(), body.to_string().as_bytes()).unwrap();
        assert_eq!(patched["spec"]["replicas"], json!(1));
        assert_eq!(
            patched["metadata"]["annotations"],
            json!({"deployment.kubernetes.io/revision": "4"})
        );

        // `Patch::Merge` on the status of a custom resource replaces lists whole.
        let cr = json!({"status": {"phase": "Pending", "conditions": [{"type": "Ready"}]}});
        let patched = apply(
            PatchType::Merge,
            &cr,
            br#"{"status":{"phase":"Running","conditions":[{"type":"Synced"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            patched,
            json!({"status": {"phase": "Running", "conditions": [{"type": "Synced"}]}})
        );
    }

    #[test]
    fn apply_treats_unkeyed_lists_as_atomic() {
        let target = json!({"apiVersion": "x/v1", "kind": "Widget",
            "status": {"conditions": [{"reason": "Old"}]}});
        let body = br#"{"apiVersion":"x/v1","kind":"Widget","status":{"conditions":[{"reason":"New"}]}}"#;
        let patched = apply(PatchType::Apply, &target, body).unwrap();
        assert_eq!(patched["status"]["conditions"], json!([{"reason": "New"}]));
    }

    #[test]
    fn errors_display_is_specific() {
        let err = apply(PatchType::Merge, &deployment(), b"{\"spec\": ").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("merge patch body is not valid JSON: "), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
    }
}
