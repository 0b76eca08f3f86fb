//! Label matchers (`=`, `!=`, `=~`, `!~`) as the sample store applies them: a missing label
//! counts as the empty string, and regexes are fully anchored with Go's syntax.

use regex::Regex;

use super::regex_go::compile_anchored;

/// What a matcher does with the label value.
#[derive(Debug, Clone)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex(Regex),
    NotRegex(Regex),
}

/// One `name op "value"` matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub op: MatchOp,
}

impl Matcher {
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            op: MatchOp::Equal,
        }
    }

    pub fn not_equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            op: MatchOp::NotEqual,
        }
    }

    /// `name=~"pattern"`; fails on an invalid regex.
    pub fn regex(name: &str, pattern: &str) -> Result<Matcher, String> {
        Ok(Matcher {
            name: name.into(),
            value: pattern.into(),
            op: MatchOp::Regex(compile_anchored(pattern)?),
        })
    }

    /// `name!~"pattern"`; fails on an invalid regex.
    pub fn not_regex(name: &str, pattern: &str) -> Result<Matcher, String> {
        Ok(Matcher {
            name: name.into(),
            value: pattern.into(),
            op: MatchOp::NotRegex(compile_anchored(pattern)?),
        })
    }

    /// Whether a label value (`""` when the label is missing) satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match &self.op {
            MatchOp::Equal => self.value == value,
            MatchOp::NotEqual => self.value != value,
            MatchOp::Regex(re) => re.is_match(value),
            MatchOp::NotRegex(re) => !re.is_match(value),
        }
    }

    /// True for `=` matchers, whose value a selector's `absent()` labels come from.
    pub fn is_equal(&self) -> bool {
        matches!(self.op, MatchOp::Equal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_label_is_empty() {
        assert!(Matcher::equal("a", "").matches(""));
        assert!(Matcher::not_equal("a", "x").matches(""));
        assert!(Matcher::regex("a", ".*").expect("re").matches(""));
        assert!(!Matcher::regex("a", ".+").expect("re").matches(""));
        assert!(Matcher::not_regex("a", "x|y").expect("re").matches("z"));
        assert!(Matcher::regex("a", "(").is_err());
    }
}
