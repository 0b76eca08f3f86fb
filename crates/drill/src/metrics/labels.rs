//! Label sets as PromQL sees them: an immutable, name-sorted list of `name="value"` pairs that
//! is cheap to clone (shared), with the edits the engine needs (drop the metric name, keep or
//! drop a list of names, set one label). It knows nothing of storage or of query syntax.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// The label holding the metric name.
pub const METRIC_NAME: &str = "__name__";

/// One label: a name and a non-empty value.
pub type Label = (Arc<str>, Arc<str>);

/// A sorted set of labels (no empty values, names unique). Cloning shares the storage.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Labels(Arc<[Label]>);

impl Labels {
    /// Builds a label set from pairs in any order; empty values are dropped and a later pair
    /// with the same name wins.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> Labels {
        let mut v: Vec<Label> = Vec::with_capacity(pairs.len());
        for (n, val) in pairs {
            let (n, val) = (n.as_ref(), val.as_ref());
            v.retain(|(name, _)| &**name != n);
            if !val.is_empty() {
                v.push((Arc::from(n), Arc::from(val)));
            }
        }
        Labels::from_vec(v)
    }

    /// Builds from owned labels; sorts them and drops empty values (the last of duplicate
    /// names wins).
    pub(crate) fn from_vec(mut v: Vec<Label>) -> Labels {
        v.retain(|(_, val)| !val.is_empty());
        v.sort_by(|a, b| a.0.cmp(&b.0));
        // Keep the last of each run of equal names.
        let mut out: Vec<Label> = Vec::with_capacity(v.len());
        for l in v {
            if out.last().is_some_and(|p| p.0 == l.0) {
                out.pop();
            }
            out.push(l);
        }
        Labels(out.into())
    }

    pub fn empty() -> Labels {
        Labels::default()
    }

    #[cfg(feature = "internals")]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[cfg(feature = "internals")]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (&**n, &**v))
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// The metric name, if set.
    pub fn name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// The same labels without the metric name.
    pub fn without_name(&self) -> Labels {
        if self.get(METRIC_NAME).is_none() {
            return self.clone();
        }
        Labels(self.0.iter().filter(|(n, _)| &**n != METRIC_NAME).cloned().collect())
    }

    /// The labels whose names are not in `names`.
    pub fn without(&self, names: &[String]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| !names.iter().any(|x| x.as_str() == &**n))
                .cloned()
                .collect(),
        )
    }

    /// Only the labels whose names are in `names`.
    pub fn keep(&self, names: &[String]) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(n, _)| names.iter().any(|x| x.as_str() == &**n))
                .cloned()
                .collect(),
        )
    }

    /// The same labels with `name` set to `value` (removed when `value` is empty).
    pub fn with(&self, name: &str, value: &str) -> Labels {
        let mut v: Vec<Label> = self.0.iter().filter(|(n, _)| &**n != name).cloned().collect();
        if !value.is_empty() {
            v.push((Arc::from(name), Arc::from(value)));
            v.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Labels(v.into())
    }
}

impl Ord for Labels {
    /// Prometheus' `labels.Compare`: pairwise by name then value, shorter first on a tie.
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            let o = a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1));
            if o != Ordering::Equal {
                return o;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Labels {
    /// `{a="1", b="2"}` as Prometheus prints label sets in error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}={v:?}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Labels {
    /// A JSON object `{"name": "value", ...}` in label order, as the HTTP API renders `metric`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (n, v) in self.iter() {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

/// True when `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_pairs_sorts_drops_empty_and_keeps_last_duplicate() {
        let l = Labels::from_pairs(&[("b", "2"), ("a", "1"), ("c", ""), ("a", "3")]);
        assert_eq!(l.to_string(), r#"{a="3", b="2"}"#);
        assert_eq!(l.get("a"), Some("3"));
        assert_eq!(l.get("c"), None);
    }

    #[test]
    fn edits() {
        let l = Labels::from_pairs(&[("__name__", "up"), ("job", "a"), ("pod", "p")]);
        assert_eq!(l.without_name().to_string(), r#"{job="a", pod="p"}"#);
        assert_eq!(l.keep(&["job".into()]).to_string(), r#"{job="a"}"#);
        assert_eq!(l.without(&["job".into()]).to_string(), r#"{__name__="up", pod="p"}"#);
        assert_eq!(l.with("job", "").to_string(), r#"{__name__="up", pod="p"}"#);
        assert_eq!(l.with("a", "x").get("a"), Some("x"));
    }

    #[test]
    fn ordering_matches_prometheus_compare() {
        let a = Labels::from_pairs(&[("a", "1")]);
        let ab = Labels::from_pairs(&[("a", "1"), ("b", "1")]);
        let b = Labels::from_pairs(&[("b", "0")]);
        assert!(a < ab);
        assert!(ab < b);
    }

    #[test]
    fn names() {
        assert!(is_valid_label_name("_a9"));
        assert!(!is_valid_label_name("9a"));
        assert!(!is_valid_label_name("a:b"));
        assert!(is_valid_metric_name("a:b_c"));
        assert!(!is_valid_metric_name(""));
    }
}
