//! What the flight recorder keeps out of a recording: managed fields always, Secrets' data
//! always (they are not watched, and any that arrive are emptied), and the values of
//! annotations, labels, environment variables and ConfigMap keys whose names match the
//! configured patterns.

use regex::Regex;
use serde_json::Value;

/// What a redacted value reads as.
pub const REDACTED: &str = "<redacted>";

/// The names whose values are not recorded unless configured otherwise.
pub const DEFAULT_PATTERNS: &[&str] = &["(?i)(password|passwd|secret|token|api[_-]?key|credential|private[_-]?key)"];

#[derive(Debug, Clone)]
pub struct Redaction {
    patterns: Vec<Regex>,
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction::new(DEFAULT_PATTERNS).expect("the default patterns compile")
    }
}

impl Redaction {
    /// Patterns are regular expressions matched against names; an error names the pattern.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Redaction, String> {
        let patterns = patterns
            .iter()
            .map(|p| Regex::new(p.as_ref()).map_err(|e| format!("redaction pattern {:?}: {e}", p.as_ref())))
            .collect::<Result<_, _>>()?;
        Ok(Redaction { patterns })
    }

    fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(name))
    }

    /// Redacts `object` in place.
    pub fn apply(&self, object: &mut Value) {
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            for field in ["annotations", "labels"] {
                if let Some(map) = meta.get_mut(field).and_then(Value::as_object_mut) {
                    self.values(map);
                }
            }
        }
        let Some(o) = object.as_object_mut() else { return };
        match kind.as_str() {
            "Secret" => {
                o.remove("data");
                o.remove("stringData");
            }
            "ConfigMap" => {
                for field in ["data", "binaryData"] {
                    if let Some(map) = o.get_mut(field).and_then(Value::as_object_mut) {
                        self.values(map);
                    }
                }
            }
            _ => {}
        }
        // A pod's containers, or a workload's pod template's.
        let spec = match o.get_mut("spec") {
            Some(s) if s.get("template").is_some() => s.pointer_mut("/template/spec"),
            s => s,
        };
        if let Some(spec) = spec {
            for list in ["containers", "initContainers", "ephemeralContainers"] {
                for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
                    for e in c.get_mut("env").and_then(Value::as_array_mut).into_iter().flatten() {
                        let named = e.get("name").and_then(Value::as_str).is_some_and(|n| self.matches(n));
                        if named && let Some(v) = e.get_mut("value") {
                            *v = Value::from(REDACTED);
                        }
                    }
                }
            }
        }
    }

    fn values(&self, map: &mut serde_json::Map<String, Value>) {
        for (k, v) in map.iter_mut() {
            if self.matches(k) {
                *v = Value::from(REDACTED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_managed_fields_and_sensitive_names_are_kept_out() {
        let r = Redaction::default();
        let mut pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "managedFields": [{"manager": "kubectl"}],
                         "annotations": {"vault/token": "s.abc", "team": "shop"},
                         "labels": {"app": "checkout"}},
            "spec": {"containers": [{"name": "c", "env": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "LOG_LEVEL", "value": "debug"},
                {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "k", "key": "v"}}}]}]}
        });
        r.apply(&mut pod);
        assert!(pod.pointer("/metadata/managedFields").is_none());
        assert_eq!(
            pod.pointer("/metadata/annotations/vault~1token"),
            Some(&Value::from(REDACTED))
        );
        assert_eq!(pod.pointer("/metadata/annotations/team"), Some(&Value::from("shop")));
        assert_eq!(
            pod.pointer("/spec/containers/0/env/0/value"),
            Some(&Value::from(REDACTED))
        );
        assert_eq!(
            pod.pointer("/spec/containers/0/env/1/value"),
            Some(&Value::from("debug"))
        );
        // A reference to a Secret is kept: it names where the value is, not the value.
        assert!(pod.pointer("/spec/containers/0/env/2/valueFrom").is_some());

        let mut deployment = serde_json::json!({"kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "SECRET", "value": "x"}]}]}}}});
        r.apply(&mut deployment);
        assert_eq!(
            deployment.pointer("/spec/template/spec/containers/0/env/0/value"),
            Some(&Value::from(REDACTED))
        );
        let mut secret = serde_json::json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "YQ=="}, "stringData": {"b": "c"}});
        r.apply(&mut secret);
        assert!(secret.get("data").is_none() && secret.get("stringData").is_none());

        let custom = Redaction::new(&["^internal-"]).expect("pattern");
        let mut cm = serde_json::json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"internal-url": "http://x", "password": "kept: not a configured pattern"}});
        custom.apply(&mut cm);
        assert_eq!(cm.pointer("/data/internal-url"), Some(&Value::from(REDACTED)));
        assert_eq!(
            cm.pointer("/data/password"),
            Some(&Value::from("kept: not a configured pattern"))
        );
        assert!(Redaction::new(&["(unclosed"]).unwrap_err().contains("(unclosed"));
    }
}
