//! The drill cluster's object store: every served object as its JSON bytes plus a small index
//! (namespace, name, labels, selectable fields), one global resourceVersion, and a bounded log
//! of changes that watches replay from. It enforces API-server invariants (resourceVersion,
//! generation) and knows nothing of HTTP or of the simulated controllers.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::kinds::{self, ResourceKind};

/// An object as stored: the JSON a client is served, plus what lists and watches filter on.
#[derive(Debug)]
pub struct Stored {
    pub kind: ResourceKind,
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    pub uid: Arc<str>,
    pub resource_version: u64,
    labels: Vec<(Arc<str>, Arc<str>)>,
    fields: Vec<(&'static str, Arc<str>)>,
    spec_hash: u64,
    pub json: Bytes,
}

impl Stored {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
    }

    /// The value of a selectable field (`metadata.name`, `spec.nodeName`, ...); empty if unset.
    pub fn field(&self, name: &str) -> String {
        match name {
            "metadata.name" => self.name.to_string(),
            "metadata.namespace" => self.namespace.to_string(),
            _ => self
                .fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default(),
        }
    }

    /// A hash of the object's `spec`: equal for two versions whose spec is the same.
    pub fn spec_hash(&self) -> u64 {
        self.spec_hash
    }

    /// The object as a JSON value (parses the stored bytes).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// The object as a typed Kubernetes struct.
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.json).ok()
    }

    /// What every write reads of the object's metadata, without building the rest of it.
    pub fn meta(&self) -> Meta {
        #[derive(serde::Deserialize)]
        struct Object {
            #[serde(default)]
            metadata: Meta,
        }
        serde_json::from_slice::<Object>(&self.json)
            .map(|o| o.metadata)
            .unwrap_or_default()
    }
}

/// The metadata a write carries over from the stored version (uid, creation time, generation)
/// and the owner the controllers are told about. Fields are read as JSON, as the full parse
/// read them, so a malformed field is only that field missing.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub uid: Option<Value>,
    pub creation_timestamp: Option<Value>,
    generation: Option<Value>,
    owner_references: Option<Value>,
}

impl Meta {
    pub fn generation(&self) -> Option<i64> {
        self.generation.as_ref().and_then(Value::as_i64)
    }

    /// The kind and name of the controlling owner (or the first owner when none controls).
    pub fn owner(&self) -> Option<(String, String)> {
        kind_and_name(controlling(self.owner_references.as_ref()?)?)
    }
}

/// Of a list of owner references, the controlling one (or the first when none controls).
pub fn controlling(refs: &Value) -> Option<&Value> {
    let refs = refs.as_array()?;
    refs.iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .or_else(|| refs.first())
}

/// An owner reference's kind and name.
pub fn kind_and_name(r: &Value) -> Option<(String, String)> {
    Some((
        r.get("kind")?.as_str()?.to_string(),
        r.get("name")?.as_str()?.to_string(),
    ))
}

/// The fields each kind can be selected by, besides `metadata.name` and `metadata.namespace`.
pub fn selectable_fields(kind: &ResourceKind) -> &'static [&'static str] {
    match kind.kind {
        "Pod" => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "Node" => &["metadata.name", "spec.unschedulable"],
        "Namespace" => &["metadata.name", "status.phase"],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Added,
    Modified,
    Deleted,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        }
    }
}

/// One entry of the change log that watches replay.
#[derive(Debug, Clone)]
pub struct Change {
    pub resource_version: u64,
    pub change: ChangeType,
    pub object: Arc<Stored>,
}

/// Why a write was refused; the API layer turns it into a `Status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{plural} \"{name}\" not found")]
    NotFound { plural: String, name: String },
    #[error("{plural} \"{name}\" already exists")]
    AlreadyExists { plural: String, name: String },
    #[error(
        "Operation cannot be fulfilled on {plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict { plural: String, name: String },
    #[error("{0}")]
    Invalid(String),
}

type Key = (Arc<str>, Arc<str>);

/// A page of a list: items plus the key to continue after, when more remain.
pub struct Page {
    pub items: Vec<Arc<Stored>>,
    pub resource_version: u64,
    pub continue_after: Option<(Arc<str>, Arc<str>)>,
    /// How many objects come after the page; counted only for a list without selectors (as
    /// the apiserver does), where counting is a walk of keys and no object is looked at.
    pub remaining: Option<usize>,
}

/// Continue tokens and watches older than the retained log get 410 Expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

pub struct Store {
    objects: HashMap<&'static str, BTreeMap<Key, Arc<Stored>>>,
    resource_version: u64,
    log: VecDeque<Change>,
    log_capacity: usize,
    /// Resource versions at or below this are no longer in the log.
    compacted_through: u64,
    strings: HashSet<Arc<str>>,
    notify: tokio::sync::watch::Sender<u64>,
}

fn spec_hash(v: &Value) -> u64 {
    /// Feeds the serialized spec to the hasher as it is written, with no string in between.
    struct Feed<'a>(&'a mut std::collections::hash_map::DefaultHasher);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match v.get("spec") {
        Some(spec) => {
            // Writing a Value to a sink that never fails cannot fail.
            let _ = serde_json::to_writer(Feed(&mut h), spec);
        }
        None => 0u8.hash(&mut h),
    }
    h.finish()
}

/// Drops null fields, as the apiserver's encoding (omitempty) never writes them.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Drops null fields of an object, except inside a ControllerRevision's `data`: raw bytes the
/// apiserver keeps as written (kubectl compares them byte for byte).
fn strip_object_nulls(kind: &ResourceKind, v: &mut Value) {
    let raw = match (kind.kind, v.as_object_mut()) {
        ("ControllerRevision", Some(m)) => m.remove("data"),
        _ => None,
    };
    strip_nulls(v);
    if let (Some(data), Some(m)) = (raw, v.as_object_mut()) {
        m.insert("data".into(), data);
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

impl Store {
    pub fn new(log_capacity: usize) -> Self {
        let (notify, _) = tokio::sync::watch::channel(0);
        Store {
            objects: kinds::ALL.iter().map(|k| (k.plural, BTreeMap::new())).collect(),
            resource_version: 1,
            log: VecDeque::new(),
            log_capacity: log_capacity.max(1),
            compacted_through: 1,
            strings: HashSet::new(),
            notify,
        }
    }

    /// The current resourceVersion of the whole store.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// A receiver that sees the newest resourceVersion after every change.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.notify.subscribe()
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(existing) = self.strings.get(s) {
            return existing.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(a.clone());
        a
    }

    pub fn get(&self, kind: &ResourceKind, namespace: &str, name: &str) -> Option<Arc<Stored>> {
        let map = self.objects.get(kind.plural)?;
        map.get(&(Arc::from(namespace), Arc::from(name))).cloned()
    }

    pub fn count(&self, kind: &ResourceKind) -> usize {
        self.objects.get(kind.plural).map_or(0, BTreeMap::len)
    }

    /// Every object of a kind (optionally in one namespace), in key order.
    pub fn iter<'a>(
        &'a self,
        kind: &ResourceKind,
        namespace: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = &'a Arc<Stored>> + 'a> {
        let Some(map) = self.objects.get(kind.plural) else {
            return Box::new(std::iter::empty());
        };
        match namespace {
            Some(ns) => {
                let start: Key = (Arc::from(ns), Arc::from(""));
                Box::new(
                    map.range(start..)
                        .take_while(move |((n, _), _)| &**n == ns)
                        .map(|(_, v)| v),
                )
            }
            None => Box::new(map.values()),
        }
    }

    /// A page of objects after `after`, at most `limit` of them, that pass `keep` (`None`
    /// when every object in scope passes: the list has no selectors).
    pub fn list(
        &self,
        kind: &ResourceKind,
        namespace: Option<&str>,
        after: Option<(&str, &str)>,
        limit: Option<usize>,
        keep: Option<&dyn Fn(&Stored) -> bool>,
    ) -> Page {
        let mut items = Vec::new();
        let limit = limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let Some(map) = self.objects.get(kind.plural) else {
            return Page {
                items,
                resource_version: self.resource_version,
                continue_after: None,
                remaining: keep.is_none().then_some(0),
            };
        };
        // Start after the continue key (or at the namespace), never at the beginning.
        let start: Bound<Key> = match (after, namespace) {
            (Some((ans, _)), Some(ns)) if ans < ns => Bound::Included((Arc::from(ns), Arc::from(""))),
            (Some((ans, aname)), _) => Bound::Excluded((Arc::from(ans), Arc::from(aname))),
            (None, Some(ns)) => Bound::Included((Arc::from(ns), Arc::from(""))),
            (None, None) => Bound::Unbounded,
        };
        let in_scope = |(key, _): &(&Key, &Arc<Stored>)| namespace.is_none_or(|ns| &*key.0 == ns);
        let mut rest = map.range((start, Bound::Unbounded)).take_while(in_scope);
        let passes = |obj: &Arc<Stored>| keep.is_none_or(|keep| keep(obj));
        for (_, obj) in rest.by_ref() {
            if !passes(obj) {
                continue;
            }
            items.push(obj.clone());
            if items.len() == limit {
                break;
            }
        }
        // More remain when another object in scope passes; with no selectors, all of them do.
        let (more, remaining) = match keep {
            None => {
                let n = rest.count();
                (n > 0, Some(n))
            }
            Some(_) => (rest.any(|(_, obj)| passes(obj)), None),
        };
        let continue_after = items
            .last()
            .filter(|_| more)
            .map(|last| (last.namespace.clone(), last.name.clone()));
        Page {
            items,
            resource_version: self.resource_version,
            continue_after,
            remaining,
        }
    }

    /// Checks that a continue token or watch at `rv` can still be served from the log.
    pub fn check_window(&self, rv: u64) -> Result<(), Expired> {
        if rv < self.compacted_through {
            Err(Expired {
                requested: rv,
                oldest: self.compacted_through,
            })
        } else {
            Ok(())
        }
    }

    /// Changes with a resourceVersion above `rv`, oldest first.
    pub fn changes_since(&self, rv: u64) -> Result<Vec<Change>, Expired> {
        self.check_window(rv)?;
        let start = self.log.partition_point(|c| c.resource_version <= rv);
        Ok(self.log.iter().skip(start).cloned().collect())
    }

    /// Forgets the whole change log, as an etcd compaction does: older watches get 410.
    pub fn compact(&mut self) {
        self.log.clear();
        self.compacted_through = self.resource_version;
    }

    fn record(&mut self, change: ChangeType, object: Arc<Stored>) {
        if self.log.len() >= self.log_capacity
            && let Some(dropped) = self.log.pop_front()
        {
            self.compacted_through = dropped.resource_version;
        }
        self.log.push_back(Change {
            resource_version: object.resource_version,
            change,
            object,
        });
        self.notify.send_replace(self.resource_version);
    }

    fn index(&mut self, kind: ResourceKind, mut value: Value, rv: u64) -> Result<Stored, StoreError> {
        strip_object_nulls(&kind, &mut value);
        let spec_hash = spec_hash(&value);
        self.index_stripped(kind, value, rv, spec_hash)
    }

    /// `index` for a value whose nulls are already dropped and whose spec is already hashed.
    fn index_stripped(
        &mut self,
        kind: ResourceKind,
        mut value: Value,
        rv: u64,
        spec_hash: u64,
    ) -> Result<Stored, StoreError> {
        let name = str_at(&value, "/metadata/name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| StoreError::Invalid("metadata.name: Required value: name is required".into()))?
            .to_string();
        let namespace = if kind.namespaced {
            str_at(&value, "/metadata/namespace").unwrap_or("").to_string()
        } else {
            String::new()
        };
        if kind.namespaced && namespace.is_empty() {
            return Err(StoreError::Invalid("metadata.namespace: Required value".into()));
        }
        let uid = str_at(&value, "/metadata/uid").unwrap_or("").to_string();
        if let Some(obj) = value.as_object_mut() {
            obj.insert("apiVersion".into(), Value::String(kind.api_version()));
            obj.insert("kind".into(), Value::String(kind.kind.into()));
        }
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let mut labels: Vec<(Arc<str>, Arc<str>)> = Vec::new();
        if let Some(map) = value.pointer("/metadata/labels").and_then(Value::as_object) {
            let pairs: Vec<(String, String)> = map
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect();
            for (k, v) in pairs {
                let (k, v) = (self.intern(&k), self.intern(&v));
                labels.push((k, v));
            }
        }
        let mut fields = Vec::new();
        for field in selectable_fields(&kind) {
            if field.starts_with("metadata.") {
                continue;
            }
            let pointer = format!("/{}", field.replace('.', "/"));
            let text = match value.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                // `source` on events is an object; select on its component.
                Some(Value::Object(o)) => o.get("component").and_then(Value::as_str).unwrap_or("").to_string(),
                _ => continue,
            };
            let text = self.intern(&text);
            fields.push((*field, text));
        }
        let json = Bytes::from(serde_json::to_vec(&value).map_err(|e| StoreError::Invalid(e.to_string()))?);
        Ok(Stored {
            kind,
            namespace: self.intern(&namespace),
            name: Arc::from(name.as_str()),
            uid: Arc::from(uid.as_str()),
            resource_version: rv,
            labels,
            fields,
            spec_hash,
            json,
        })
    }

    /// The object as it would be stored at `rv`, without storing it (for dry runs).
    pub fn preview(&mut self, kind: ResourceKind, value: Value, rv: u64) -> Result<Stored, StoreError> {
        self.index(kind, value, rv)
    }

    /// Stores a new object; it must not exist yet.
    pub fn create(&mut self, kind: ResourceKind, mut value: Value) -> Result<Arc<Stored>, StoreError> {
        let (ns, name) = key_of(&kind, &value);
        if self.get(&kind, &ns, &name).is_some() {
            return Err(StoreError::AlreadyExists {
                plural: kind.plural.into(),
                name,
            });
        }
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut)
            && !meta.contains_key("generation")
            && kind.kind != "Event"
        {
            meta.insert("generation".into(), Value::from(1));
        }
        let rv = self.resource_version + 1;
        let stored = Arc::new(self.index(kind, value, rv)?);
        self.resource_version = rv;
        let key = (stored.namespace.clone(), stored.name.clone());
        self.objects.entry(kind.plural).or_default().insert(key, stored.clone());
        self.record(ChangeType::Added, stored.clone());
        Ok(stored)
    }

    /// Replaces an existing object. A non-empty `metadata.resourceVersion` in `value` must match
    /// the stored one (optimistic concurrency); `generation` rises when `spec` changed.
    pub fn update(&mut self, kind: ResourceKind, mut value: Value) -> Result<Arc<Stored>, StoreError> {
        let (ns, name) = key_of(&kind, &value);
        let Some(old) = self.get(&kind, &ns, &name) else {
            return Err(StoreError::NotFound {
                plural: kind.plural.into(),
                name,
            });
        };
        if let Some(rv) = str_at(&value, "/metadata/resourceVersion")
            && !rv.is_empty()
            && rv != old.resource_version.to_string()
        {
            return Err(StoreError::Conflict {
                plural: kind.plural.into(),
                name,
            });
        }
        let kept = old.meta();
        let generation = kept.generation();
        // Nulls are dropped before the spec is compared, as the stored spec has none.
        strip_object_nulls(&kind, &mut value);
        let hash = spec_hash(&value);
        let spec_changed = hash != old.spec_hash && kind.kind != "Event";
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            // The server owns these; a client cannot change them.
            for (owned, v) in [("uid", kept.uid), ("creationTimestamp", kept.creation_timestamp)] {
                match v {
                    Some(v) => {
                        meta.insert(owned.into(), v);
                    }
                    None => {
                        meta.remove(owned);
                    }
                }
            }
            // generation follows the stored one, one higher when the spec changed.
            if let Some(g) = generation {
                meta.insert("generation".into(), Value::from(g + i64::from(spec_changed)));
            } else if spec_changed {
                meta.insert("generation".into(), Value::from(1));
            }
        }
        let rv = self.resource_version + 1;
        let stored = Arc::new(self.index_stripped(kind, value, rv, hash)?);
        self.resource_version = rv;
        let key = (stored.namespace.clone(), stored.name.clone());
        self.objects.entry(kind.plural).or_default().insert(key, stored.clone());
        self.record(ChangeType::Modified, stored.clone());
        Ok(stored)
    }

    /// Removes an object; the DELETED event carries its last state at a new resourceVersion.
    pub fn delete(&mut self, kind: &ResourceKind, namespace: &str, name: &str) -> Result<Arc<Stored>, StoreError> {
        let key: Key = (Arc::from(namespace), Arc::from(name));
        let Some(old) = self.objects.get_mut(kind.plural).and_then(|m| m.remove(&key)) else {
            return Err(StoreError::NotFound {
                plural: kind.plural.into(),
                name: name.into(),
            });
        };
        let rv = self.resource_version + 1;
        let gone = Arc::new(self.index(*kind, old.value(), rv)?);
        self.resource_version = rv;
        self.record(ChangeType::Deleted, gone.clone());
        Ok(gone)
    }
}

/// The (namespace, name) an object value is stored under.
pub fn key_of(kind: &ResourceKind, value: &Value) -> (String, String) {
    let ns = if kind.namespaced {
        str_at(value, "/metadata/namespace").unwrap_or("")
    } else {
        ""
    };
    let name = str_at(value, "/metadata/name").unwrap_or("");
    (ns.to_string(), name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, node: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "labels": {"app": "web"}},
               "spec": {"nodeName": node}, "status": {"phase": "Running"}})
    }

    #[test]
    fn create_update_delete_bump_resource_version_and_log() {
        let mut s = Store::new(100);
        let a = s.create(kinds::PODS, pod("a", "n1")).unwrap();
        assert_eq!(a.resource_version, 2);
        assert_eq!(a.field("spec.nodeName"), "n1");
        assert_eq!(a.label("app"), Some("web"));
        assert!(s.create(kinds::PODS, pod("a", "n1")).is_err());
        let b = s.update(kinds::PODS, pod("a", "n2")).unwrap();
        assert_eq!(b.resource_version, 3);
        assert_eq!(b.value()["metadata"]["generation"], 2);
        let stale = {
            let mut p = pod("a", "n3");
            p["metadata"]["resourceVersion"] = json!("2");
            p
        };
        assert!(matches!(s.update(kinds::PODS, stale), Err(StoreError::Conflict { .. })));
        s.delete(&kinds::PODS, "shop", "a").unwrap();
        let changes = s.changes_since(1).unwrap();
        let types: Vec<_> = changes.iter().map(|c| c.change).collect();
        assert_eq!(
            types,
            vec![ChangeType::Added, ChangeType::Modified, ChangeType::Deleted]
        );
        assert_eq!(s.changes_since(3).unwrap().len(), 1);
    }

    #[test]
    fn an_update_keeps_the_servers_metadata_and_counts_spec_changes_only() {
        let mut s = Store::new(100);
        let mut first = pod("a", "n1");
        first["metadata"]["creationTimestamp"] = json!("2026-11-24T10:00:00Z");
        first["metadata"]["ownerReferences"] = json!([
            {"kind": "Node", "name": "n1"},
            {"kind": "ReplicaSet", "name": "web-1", "controller": true},
        ]);
        s.create(kinds::PODS, first.clone()).unwrap();
        let mut status_only = first.clone();
        status_only["status"]["phase"] = json!("Failed");
        status_only["metadata"]["uid"] = json!("forged");
        status_only["metadata"]["creationTimestamp"] = json!("2000-01-01T00:00:00Z");
        let b = s.update(kinds::PODS, status_only).unwrap();
        let v = b.value();
        assert_eq!(v["metadata"]["uid"], "uid-a");
        assert_eq!(v["metadata"]["creationTimestamp"], "2026-11-24T10:00:00Z");
        assert_eq!(v["metadata"]["generation"], 1, "a status write leaves the generation");
        assert_eq!(v["status"]["phase"], "Failed");
        assert_eq!(b.spec_hash(), s.get(&kinds::PODS, "shop", "a").unwrap().spec_hash());
        let mut moved = first.clone();
        moved["spec"]["nodeName"] = json!("n2");
        let c = s.update(kinds::PODS, moved).unwrap();
        assert_eq!(c.value()["metadata"]["generation"], 2);
        assert_ne!(c.spec_hash(), b.spec_hash());
        assert_eq!(c.meta().owner(), Some(("ReplicaSet".into(), "web-1".into())));
        let mut uncontrolled = first;
        uncontrolled["metadata"]["ownerReferences"] = json!([{"kind": "Node", "name": "n1"}]);
        let d = s.update(kinds::PODS, uncontrolled).unwrap();
        assert_eq!(d.meta().owner(), Some(("Node".into(), "n1".into())));
    }

    #[test]
    fn pages_continue_after_the_last_key() {
        let mut s = Store::new(100);
        for i in 0..5 {
            s.create(kinds::PODS, pod(&format!("p{i}"), "n1")).unwrap();
        }
        let page = s.list(&kinds::PODS, None, None, Some(2), None);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.remaining, Some(3));
        let (ns, name) = page.continue_after.unwrap();
        let next = s.list(&kinds::PODS, Some("shop"), Some((&ns, &name)), Some(10), None);
        let names: Vec<_> = next.items.iter().map(|o| o.name.to_string()).collect();
        assert_eq!(names, vec!["p2", "p3", "p4"]);
        assert!(next.continue_after.is_none());
        assert_eq!(next.remaining, Some(0));
    }

    #[test]
    fn a_selective_page_continues_only_when_another_object_passes() {
        let mut s = Store::new(100);
        for i in 0..6 {
            s.create(kinds::PODS, pod(&format!("p{i}"), "n1")).unwrap();
        }
        let even = |o: &Stored| o.name.trim_start_matches('p').parse::<u32>().is_ok_and(|n| n % 2 == 0);
        let first = s.list(&kinds::PODS, None, None, Some(2), Some(&even));
        let names: Vec<_> = first.items.iter().map(|o| o.name.to_string()).collect();
        assert_eq!(names, vec!["p0", "p2"]);
        assert_eq!(
            first.remaining, None,
            "not counted with a selector, as the apiserver does"
        );
        let (ns, name) = first.continue_after.clone().expect("p4 passes too");
        let last = s.list(&kinds::PODS, None, Some((&ns, &name)), Some(1), Some(&even));
        assert_eq!(last.items.len(), 1);
        assert_eq!(&*last.items[0].name, "p4");
        assert!(last.continue_after.is_none(), "p5 is left but does not pass");
    }

    #[test]
    fn log_window_expires_old_versions() {
        let mut s = Store::new(2);
        for i in 0..5 {
            s.create(kinds::PODS, pod(&format!("p{i}"), "n1")).unwrap();
        }
        assert!(s.changes_since(1).is_err());
        assert_eq!(s.changes_since(4).unwrap().len(), 2);
        s.compact();
        assert!(s.changes_since(5).is_err());
        assert!(s.changes_since(6).unwrap().is_empty());
    }
}
