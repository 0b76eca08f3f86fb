//! Reading fields of an object by JSON pointer without panicking on odd or partial objects.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::duration::GO_ZERO_TIME;

pub(super) fn present(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).is_some_and(|x| !x.is_null())
}

pub(super) fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn flag(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn as_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        Some(i)
    } else if let Some(u) = v.as_u64() {
        Some(i64::try_from(u).unwrap_or(i64::MAX))
    } else {
        // `as` saturates (and maps NaN to 0), so this cannot panic.
        v.as_f64().map(|f| f as i64)
    }
}

pub(super) fn int(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(as_int).unwrap_or(0)
}

pub(super) fn list<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn object<'a>(v: &'a Value, ptr: &str) -> Option<&'a Map<String, Value>> {
    v.pointer(ptr).and_then(Value::as_object)
}

/// A `metav1.Time`/`MicroTime` field; missing or unparseable reads as Go's zero time.
pub(super) fn time(v: &Value, ptr: &str) -> Timestamp {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .unwrap_or(GO_ZERO_TIME)
}
