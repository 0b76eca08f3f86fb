//! String interning for the health model: namespace, node, owner and reason strings repeat
//! across 150,000 pods, so each distinct string is cleaned once (see `text`) and shared.

use std::collections::HashSet;

use crate::text::CleanText;

#[derive(Debug, Default)]
pub struct Interner {
    strings: HashSet<CleanText>,
}

impl Interner {
    /// The shared, cleaned form of `s`.
    pub fn get(&mut self, s: &str) -> CleanText {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let clean = CleanText::line(s);
        if let Some(a) = self.strings.get(clean.as_str()) {
            return a.clone();
        }
        self.strings.insert(clean.clone());
        clean
    }

    /// The shared form of text already clean (read back from a file).
    pub fn share(&mut self, t: CleanText) -> CleanText {
        if let Some(a) = self.strings.get(t.as_str()) {
            return a.clone();
        }
        self.strings.insert(t.clone());
        t
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}
