//! The objects the flight recorder last saw, each kept compressed, so that a keyframe (every
//! object at one moment) can be written whenever a window piece or a recording begins. A
//! reader of recordings uses it too, to know the cluster at any recorded moment.

use std::collections::HashMap;

use super::record::{ObjectKey, Record};

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
                    let packed = zstd::bulk::compress(&json, 1).expect("compressing into memory");
                    self.map.insert(key, packed);
                }
            }
            Record::Deleted { key, .. } => {
                self.map.remove(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
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

    /// A keyframe at `at`: the marker and every object, in key order, in frames of at most
    /// `per_frame` records.
    pub fn keyframe(&self, at: i64, per_frame: usize) -> Vec<Vec<Record>> {
        let mut frames = vec![vec![Record::Keyframe {
            at,
            objects: self.map.len() as u64,
        }]];
        for key in self.keys() {
            if frames.last().is_some_and(|f| f.len() >= per_frame) {
                frames.push(Vec::new());
            }
            if let Some(object) = self.get(key) {
                frames
                    .last_mut()
                    .expect("one frame at least")
                    .push(Record::Applied { at, object });
            }
        }
        frames
    }
}
