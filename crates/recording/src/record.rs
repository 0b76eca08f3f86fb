//! What a recording holds, one JSON line each: the objects the cluster served as they changed,
//! and keyframes (every object at one moment) that a reader can start from. Times are Unix
//! milliseconds as the recorder's clock read them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The identity of one recorded object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of an object as the API server serves it; none without a kind or a name.
    pub fn of(object: &Value) -> Option<ObjectKey> {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let meta = object.get("metadata")?;
        Some(ObjectKey {
            api_version: text(object.get("apiVersion")?)?,
            kind: text(object.get("kind")?)?,
            namespace: meta.get("namespace").and_then(text).unwrap_or_default(),
            name: text(meta.get("name")?)?,
        })
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.namespace.as_str() {
            "" => write!(f, "{}/{}", self.kind, self.name),
            ns => write!(f, "{}/{}/{}", self.kind, ns, self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// Every object at `at` follows, in the next `objects` `Applied` records: a reader that
    /// starts here, or meets one, starts over from it.
    Keyframe { at: i64, objects: u64 },
    /// An object as the cluster served it after a change (or in a keyframe).
    Applied { at: i64, object: Value },
    Deleted {
        at: i64,
        #[serde(flatten)]
        key: ObjectKey,
    },
}

impl Record {
    pub fn at(&self) -> i64 {
        match self {
            Record::Keyframe { at, .. } | Record::Applied { at, .. } | Record::Deleted { at, .. } => *at,
        }
    }
}
