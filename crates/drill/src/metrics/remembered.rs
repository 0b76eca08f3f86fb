//! What the scraper has read of each object version, by a key that changes whenever what was
//! read may have (a resourceVersion: every write gets a new one; or a hash of what was read),
//! so a version read once never needs reading again. Keys no object has any more are
//! forgotten after the observation that stopped asking for them.

use std::collections::HashMap;

#[derive(Debug)]
pub(crate) struct Remembered<T> {
    /// What was read, and the observation that last asked for it.
    read: HashMap<u64, (u64, T)>,
    generation: u64,
    /// Keys asked for in this observation.
    seen: usize,
}

impl<T> Default for Remembered<T> {
    fn default() -> Self {
        Remembered {
            read: HashMap::new(),
            generation: 0,
            seen: 0,
        }
    }
}

impl<T> Remembered<T> {
    /// Starts an observation.
    pub fn begin(&mut self) {
        self.generation += 1;
        self.seen = 0;
    }

    /// What version `key` says, read by `read` the first time it is asked for.
    pub fn get(&mut self, key: u64, read: impl FnOnce() -> T) -> &mut T {
        let entry = self.read.entry(key).or_insert_with(|| (0, read()));
        // Counted once a key however many objects share it (pods with one spec).
        if entry.0 != self.generation {
            entry.0 = self.generation;
            self.seen += 1;
        }
        &mut entry.1
    }

    /// Ends an observation: forgets the versions it did not ask for.
    pub fn end(&mut self) {
        if self.read.len() > self.seen {
            let generation = self.generation;
            self.read.retain(|_, (g, _)| *g == generation);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.read.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shared_by_many_objects_does_not_keep_a_stale_one() {
        let mut r = Remembered::default();
        r.begin();
        r.get(1, || 1);
        r.get(2, || 2);
        r.end();
        r.begin();
        for _ in 0..5 {
            r.get(1, || 1);
        }
        r.end();
        assert_eq!(
            r.len(),
            1,
            "key 2 was forgotten although key 1 was asked for five times"
        );
    }

    #[test]
    fn a_version_is_read_once_and_forgotten_when_no_longer_seen() {
        let mut r = Remembered::default();
        let mut reads = 0;
        r.begin();
        for rv in [1, 2] {
            r.get(rv, || {
                reads += 1;
                rv * 10
            });
        }
        r.end();
        r.begin();
        let v = *r.get(2, || {
            reads += 1;
            0
        });
        r.get(3, || {
            reads += 1;
            30
        });
        r.end();
        assert_eq!(v, 20, "version 2 was remembered, not read again");
        assert_eq!(reads, 3);
        assert_eq!(r.len(), 2, "version 1 was forgotten");
    }
}
