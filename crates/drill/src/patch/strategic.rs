//! Strategic merge patch and server-side apply: maps merged by key, lists merged by their
//! merge keys or replaced as the schema says, the `$patch`, `$retainKeys`,
//! `$deleteFromPrimitiveList` and `$setElementOrder` directives, and the field path of a
//! problem.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::describe::{describe_kind, preview};
use super::{PatchError, PatchType};

pub(super) const PATCH_DIRECTIVE: &str = "$patch";

pub(super) const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";

pub(super) const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

pub(super) const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Strategic merge patch: `$`-directives are honoured.
    Strategic,
    /// Server-side apply: the same recursive merge, but no directives.
    Apply,
}

impl Mode {
    pub(super) fn patch_type(self) -> PatchType {
        match self {
            Mode::Strategic => PatchType::StrategicMerge,
            Mode::Apply => PatchType::Apply,
        }
    }
}

/// How the elements of a list field are combined with the patch's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListStrategy {
    /// The patch list replaces the list (no `patchStrategy` in the Kubernetes types).
    Replace,
    /// A list of scalars merged as a set (`finalizers`).
    Set,
    /// A list of objects merged by the given key (`patchMergeKey`).
    Keyed(&'static str),
}

/// The merge strategy for a list field, from its name (this module has no schema), with
/// the ambiguous names (`ports`, `addresses`) resolved by the elements' contents.
pub(super) fn list_strategy(field: &str, orig: &[Value], patch: &[Value]) -> ListStrategy {
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

pub(super) fn merge_object(target: &Value, patch: Map<String, Value>, mode: Mode) -> Result<Value, PatchError> {
    let base = match target {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let merged = merge_map(base, patch, mode, &Path::ROOT)?;
    Ok(Value::Object(merged.unwrap_or_default()))
}

/// Merges `patch` into `orig`. `None` means the map itself is deleted (`$patch: delete`).
pub(super) fn merge_map(
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
pub(super) fn retain_keys<'v>(
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

pub(super) fn merge_list(
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

pub(super) fn merge_keyed_list(
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
pub(super) fn same_element(field: &str, key: &str, existing: &Value, patch: &Map<String, Value>) -> bool {
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
pub(super) fn reorder(list: &mut [Value], order: &[Value], strategy: ListStrategy) {
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

pub(super) fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// `{"$patch": "..."}` with nothing else: a list-level directive, not an element.
pub(super) fn is_directive_only(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.contains_key(PATCH_DIRECTIVE))
}

pub(super) fn directive_error(directive: &str, path: &Path<'_>, detail: String) -> PatchError {
    PatchError::Directive {
        directive: directive.to_owned(),
        path: path.render(),
        detail,
    }
}

pub(super) fn unmergeable(mode: Mode, path: &Path<'_>, detail: String) -> PatchError {
    PatchError::Unmergeable {
        patch_type: mode.patch_type(),
        path: path.render(),
        detail,
    }
}

pub(super) fn missing_merge_key(mode: Mode, path: &Path<'_>, field: &str, key: &str, index: usize) -> PatchError {
    unmergeable(
        mode,
        path,
        format!("element {index} of {field:?} does not contain its merge key {key:?}"),
    )
}

/// A location inside the object, rendered only when an error needs it.
pub(super) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

pub(super) enum Segment<'a> {
    Root,
    Key(&'a str),
    Item { key: &'a str, value: String },
}

impl<'a> Path<'a> {
    pub(super) const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    pub(super) fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    pub(super) fn item<'b>(&'b self, key: &'b str, value: String) -> Path<'b> {
        Path {
            parent: Some(self),
            segment: Segment::Item { key, value },
        }
    }

    pub(super) fn render(&self) -> String {
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
