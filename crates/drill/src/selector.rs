//! Label and field selectors as the Kubernetes API accepts them in `labelSelector` and
//! `fieldSelector` query parameters: parsing (with an error a person can act on) and matching.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed `labelSelector`, e.g. `app=web,tier in (front,back),!canary`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 317
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn parse_set(key: &str, rest: &str, original: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: {original:?}: expected '(' values ')' after {key:?}"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for raw in split_top_level(input) {
            let part = raw.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                LabelRequirement::DoesNotExist(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                LabelRequirement::NotEquals(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                LabelRequirement::Equals(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                LabelRequirement::Equals(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                LabelRequirement::NotIn(k.trim().to_string(), parse_set(k, rest, part)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                LabelRequirement::In(k.trim().to_string(), parse_set(k, rest, part)?)
            } else {
                LabelRequirement::Exists(part.to_string())
            };
            let key = match &req {
                LabelRequirement::Equals(k, _)
                | LabelRequirement::NotEquals(k, _)
                | LabelRequirement::In(k, _)
                | LabelRequirement::NotIn(k, _)
                | LabelRequirement::Exists(k)
                | LabelRequirement::DoesNotExist(k) => k,
            };
            if !valid_key(key) {
                return Err(format!(
                    "unable to parse requirement: {part:?}: invalid label key {key:?}"
                ));
            }
            requirements.push(req);
        }
        Ok(LabelSelector { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` satisfies every requirement.
    pub fn matches<'a>(&self, labels: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements.iter().all(|r| match r {
            LabelRequirement::Equals(k, v) => labels(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => labels(k) != Some(v.as_str()),
            LabelRequirement::In(k, vs) => labels(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::NotIn(k, vs) => !labels(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::Exists(k) => labels(k).is_some(),
            LabelRequirement::DoesNotExist(k) => labels(k).is_none(),
        })
    }

    #[cfg(test)]
    pub fn matches_map(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches(|k| labels.get(k).map(String::as_str))
    }

    /// Builds the selector a workload's `matchLabels` describes.
    pub fn from_match_labels(labels: &BTreeMap<String, String>) -> Self {
        LabelSelector {
            requirements: labels
                .iter()
                .map(|(k, v)| LabelRequirement::Equals(k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// A parsed `fieldSelector`: only `=`, `==` and `!=` exist for fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parses `input`; `supported` lists the field names this resource can be selected by.
    pub fn parse(input: &str, supported: &[&str]) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for raw in input.split(',') {
            let part = raw.trim();
            if part.is_empty() {
                continue;
            }
            let (field, equal, value) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(format!("invalid selector: '{part}'; can't understand '{part}'"));
            };
            let field = field.trim();
            if !supported.contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            requirements.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether the object's fields (looked up by name; missing means empty) satisfy the selector.
    pub fn matches(&self, field: impl Fn(&str) -> String) -> bool {
        self.requirements.iter().all(|(f, equal, v)| (field(f) == *v) == *equal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_selector_operators() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=api", false),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("tier notin (back)", true),
            ("canary notin (x)", true),
            ("app", true),
            ("!app", false),
            ("!canary", true),
            ("app=web,tier in (back,front),!canary", true),
            ("", true),
        ] {
            assert_eq!(LabelSelector::parse(sel).unwrap().matches_map(&l), want, "{sel}");
        }
    }

    #[test]
    fn label_selector_errors_name_the_requirement() {
        let err = LabelSelector::parse("tier in front").unwrap_err();
        assert!(err.contains("tier in front"), "{err}");
        assert!(LabelSelector::parse("a b=c").is_err());
    }

    #[test]
    fn field_selector_matches_and_rejects_unknown_fields() {
        let sel = FieldSelector::parse(
            "spec.nodeName=node-1,status.phase!=Failed",
            &["spec.nodeName", "status.phase"],
        )
        .unwrap();
        let get = |phase: &'static str| {
            move |f: &str| match f {
                "spec.nodeName" => "node-1".to_string(),
                "status.phase" => phase.to_string(),
                _ => String::new(),
            }
        };
        assert!(sel.matches(get("Running")));
        assert!(!sel.matches(get("Failed")));
        let err = FieldSelector::parse("spec.foo=1", &["spec.nodeName"]).unwrap_err();
        assert_eq!(err, "field label not supported: spec.foo");
    }
}
