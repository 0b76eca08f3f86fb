//! The `/` filter for the timeline: `source:NAME` and `kind:NAME` terms pick entries by where
//! they came from and what they are; other words must all appear in the text (any case).

use super::state::TimelineEntry;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub source: Option<String>,
    pub kind: Option<String>,
    pub words: Vec<String>,
}

impl Filter {
    pub fn parse(s: &str) -> Filter {
        let mut f = Filter::default();
        for w in s.split_whitespace() {
            let lower = w.to_lowercase();
            if let Some(v) = lower.strip_prefix("source:") {
                f.source = Some(v.to_string());
            } else if let Some(v) = lower.strip_prefix("kind:") {
                f.kind = Some(v.to_string());
            } else {
                f.words.push(lower);
            }
        }
        f
    }

    pub fn matches(&self, e: &TimelineEntry) -> bool {
        if let Some(s) = &self.source
            && !e.source.as_str().to_lowercase().starts_with(s.as_str())
        {
            return false;
        }
        if let Some(k) = &self.kind
            && !e.kind.to_lowercase().starts_with(k.as_str())
        {
            return false;
        }
        let text = e.text.as_str().to_lowercase();
        self.words.iter().all(|w| text.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::CleanText;

    fn entry(source: &str, kind: &str, text: &str) -> TimelineEntry {
        TimelineEntry {
            at: 0,
            source: CleanText::line(source),
            kind: kind.into(),
            text: CleanText::line(text),
            severe: false,
            pinned: false,
            seq: None,
            arrived: 0,
            undo: None,
            folded: None,
            evidence: None,
        }
    }

    #[test]
    fn terms_pick_by_source_kind_and_words() {
        let note = entry("alice", "note", "Rolled back checkout");
        let signal = entry("signals", "signal", "deployment shop/checkout crashlooping");
        let f = Filter::parse("source:signals checkout");
        assert!(!f.matches(&note));
        assert!(f.matches(&signal));
        let f = Filter::parse("kind:note ROLLED");
        assert!(f.matches(&note));
        assert!(!f.matches(&signal));
        assert!(Filter::parse("").matches(&note));
        assert!(!Filter::parse("payments").matches(&note));
    }
}
