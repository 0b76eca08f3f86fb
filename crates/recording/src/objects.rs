//! The objects the flight recorder last saw, each kept compressed, so that a keyframe (every
//! object at one moment) can be written whenever a window piece or a recording begins. A
//! reader of recordings uses it too, to know the cluster at any recorded moment.

use std::collections::HashMap;

use crate::record::{ObjectKey, Record};

#[derive(Debug, Default)]
pub struct Objects {
    map: HashMap<ObjectKey, Vec<u8>>,
}

impl Objects {
    /// Follows one record: an object applied or deleted; a keyframe starts over.
    pub fn apply(&mut self, r: &Record) {
        match r {
            Record::Keyframe { .. } => self.map.clear(),
            Record::Applied { object, .. } => {
                if let Some(key) = ObjectKey::of(object) {
                    let json = serde_json::to_vec(object).expect("a JSON value serializes");
                    self.put(key, &json);
                }
            }
            Record::Deleted { key, .. } => self.remove(key),
            Record::Samples { .. } | Record::Alerts { .. } | Record::Silences { .. } => {}
        }
    }

    /// The object under `key` is now `json`.
    pub fn put(&mut self, key: ObjectKey, json: &[u8]) {
        let mut packed = zstd::bulk::compress(json, 1).expect("compressing into memory");
        packed.shrink_to_fit();
        self.map.insert(key, packed);
    }

    pub fn remove(&mut self, key: &ObjectKey) {
        self.map.remove(key);
    }

    /// How many objects of `kind` there are.
    pub fn count(&self, kind: &str) -> usize {
        self.map.keys().filter(|k| k.kind == kind).count()
    }

    /// The object under `key`, as last seen.
    pub fn get(&self, key: &ObjectKey) -> Option<serde_json::Value> {
        let packed = self.map.get(key)?;
        let json = zstd::stream::decode_all(packed.as_slice()).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<&ObjectKey> {
        let mut keys: Vec<_> = self.map.keys().collect();
        keys.sort();
        keys
    }

    /// A keyframe at `at`: the marker and every object, in key order, handed to `write` in
    /// frames of at most `per_frame` records (built one frame at a time: a keyframe of 150,000
    /// pods never sits in memory whole).
    pub fn keyframe<E>(
        &self,
        at: i64,
        per_frame: usize,
        mut write: impl FnMut(&[Record]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut frame = vec![Record::Keyframe {
            at,
            objects: self.map.len() as u64,
        }];
        for key in self.keys() {
            if frame.len() >= per_frame {
                write(&frame)?;
                frame.clear();
            }
            if let Some(object) = self.get(key) {
                frame.push(Record::Applied { at, object });
            }
        }
        write(&frame)
    }
}
