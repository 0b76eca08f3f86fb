//! What warroom writes on every object it changes: the incident and who acted, as annotations,
//! so whoever reads the object with kubectl sees why it changed and where the record is.

use serde_json::{Value, json};

/// The incident an object was last changed for.
pub const INCIDENT: &str = "warroom.dev/incident";
/// Who changed it, and with which action.
pub const CHANGED_BY: &str = "warroom.dev/changed-by";

/// The incident and the responder behind one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub incident: String,
    /// The responder, as the journal names them.
    pub actor: String,
    /// `alice (scale)`: the responder and the action's verb.
    pub by: String,
}

impl Stamp {
    pub fn new(incident: &str, actor: &str, verb: &str) -> Stamp {
        Stamp {
            incident: incident.to_string(),
            actor: actor.to_string(),
            by: format!("{actor} ({verb})"),
        }
    }

    pub fn annotations(&self) -> Value {
        json!({INCIDENT: self.incident, CHANGED_BY: self.by})
    }

    /// A merge or strategic-merge patch (or an object to create) with the stamp in its metadata.
    pub fn on(&self, mut patch: Value) -> Value {
        let annotations = &mut patch["metadata"]["annotations"];
        if !annotations.is_object() {
            *annotations = json!({});
        }
        if let (Some(into), Value::Object(stamp)) = (annotations.as_object_mut(), self.annotations()) {
            into.extend(stamp);
        }
        patch
    }

    /// JSON-patch operations that write the stamp on an object that has annotations.
    pub fn operations(&self) -> Vec<Value> {
        [(INCIDENT, &self.incident), (CHANGED_BY, &self.by)]
            .into_iter()
            .map(|(k, v)| json!({"op": "add", "path": format!("/metadata/annotations/{}", k.replace('/', "~1")), "value": v}))
            .collect()
    }

    /// How a silence's comment names the incident.
    pub fn comment(&self, what: &str) -> String {
        format!("{what} for incident {}", self.incident)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_joins_a_patchs_own_annotations_and_makes_them_when_missing() {
        let stamp = Stamp::new("INC-1", "alice", "scale");
        let bare = stamp.on(json!({"spec": {"paused": true}}));
        assert_eq!(bare["metadata"]["annotations"][INCIDENT], "INC-1");
        assert_eq!(bare["metadata"]["annotations"][CHANGED_BY], "alice (scale)");
        assert_eq!(bare["spec"]["paused"], true);
        let kept = stamp.on(json!({"metadata": {"annotations": {"a": "b"}}}));
        assert_eq!(kept["metadata"]["annotations"]["a"], "b");
        assert_eq!(kept["metadata"]["annotations"][INCIDENT], "INC-1");
        let ops = stamp.operations();
        assert_eq!(ops[0]["path"], "/metadata/annotations/warroom.dev~1incident");
        assert_eq!(stamp.comment("silenced"), "silenced for incident INC-1");
    }
}
