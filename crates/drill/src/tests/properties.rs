//! Property tests of the drill's parsers of outside input: scenario files (a shipped drill
//! damaged at random), label and field selectors, and PATCH bodies of every type against a pod.
//! Each must answer without panicking, selectors must select what they say; a scenario's located errors point inside the file.
//! Bounded (`CASES` each) so the run stays quick.

use proptest::prelude::*;
use serde_json::json;
use warroom_testkit::mutate::{cases, damaged, lines};

use crate::patch::{PatchType, apply};
use crate::selector::{FieldSelector, LabelSelector};

const CASES: u32 = 192;

/// Keys and values from a small alphabet, so requirements often meet the labels they name.
const KEY: &str = r"(app|tier|example\.com/team)";
const VALUE: &str = "(web|api|db|front)";

/// One requirement of a label selector, written as kubectl would and evaluated plainly.
#[derive(Debug, Clone)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Requirement {
    fn written(&self) -> String {
        match self {
            Requirement::Equals(k, v) => format!("{k}={v}"),
            Requirement::NotEquals(k, v) => format!("{k}!={v}"),
            Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
            Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(", ")),
            Requirement::Exists(k) => k.clone(),
            Requirement::DoesNotExist(k) => format!("!{k}"),
        }
    }

    fn holds(&self, labels: &std::collections::BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

fn requirement() -> impl Strategy<Value = Requirement> {
    let values = prop::collection::vec(VALUE, 1..3);
    prop_oneof![
        (KEY, VALUE).prop_map(|(k, v)| Requirement::Equals(k, v)),
        (KEY, VALUE).prop_map(|(k, v)| Requirement::NotEquals(k, v)),
        (KEY, values.clone()).prop_map(|(k, vs)| Requirement::In(k, vs)),
        (KEY, values).prop_map(|(k, vs)| Requirement::NotIn(k, vs)),
        KEY.prop_map(Requirement::Exists),
        KEY.prop_map(Requirement::DoesNotExist),
    ]
}

const PATCH_BODIES: &str = r#"{"metadata":{"labels":{"app":"web","$patch":"replace"},"annotations":null},"spec":{"containers":[{"name":"web","image":"web:2","ports":[{"containerPort":80}]}],"$setElementOrder/containers":[{"name":"web"}]},"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#;

proptest! {
    #![proptest_config(cases(CASES))]

    #[test]
    fn scenarios(text in damaged(include_str!("../../../../drills/bad-deploy.yaml"))) {
        if let Err(errors) = crate::scenario::parse("s.yaml", &text) {
            prop_assert!(!errors.0.is_empty());
            for e in &errors.0 {
                prop_assert_eq!(&e.file, "s.yaml");
                prop_assert!(e.line <= lines(&text), "{e} is past the end");
            }
        }
    }

    #[test]
    fn label_selectors(text in "[a-z0-9=!,.()/ _-]{0,40}|\\PC{0,40}") {
        let _ = LabelSelector::parse(&text);
    }

    /// A selector written from requirements parses back to them and selects exactly the label
    /// sets the requirements describe (checked against a plain evaluation of each one).
    #[test]
    fn label_selectors_select_what_they_say(
        reqs in prop::collection::vec(requirement(), 1..5),
        present in prop::collection::btree_map(KEY, VALUE, 0..4),
    ) {
        let text = reqs.iter().map(|r| r.written()).collect::<Vec<_>>().join(",");
        let selector = LabelSelector::parse(&text).map_err(TestCaseError::fail)?;
        let want = reqs.iter().all(|r| r.holds(&present));
        prop_assert_eq!(selector.matches_map(&present), want, "{} against {:?}", text, present);
    }

    /// A field selector keeps each requirement's field and sense: `!=` never selects what `=` does.
    #[test]
    fn field_selectors_select_what_they_say(value in VALUE, phase in VALUE, equal in any::<bool>()) {
        let op = if equal { "=" } else { "!=" };
        let selector = FieldSelector::parse(&format!("status.phase{op}{value}"), &["status.phase"])
            .map_err(TestCaseError::fail)?;
        prop_assert_eq!(selector.matches(|_| phase.clone()), (phase == value) == equal);
    }

    #[test]
    fn field_selectors(text in "[a-z.=!,]{0,40}|\\PC{0,40}") {
        let _ = FieldSelector::parse(&text, &["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"]);
    }

    #[test]
    fn patch_bodies(body in damaged(PATCH_BODIES), kind in 0usize..4) {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        });
        let kind = [PatchType::Json, PatchType::Merge, PatchType::StrategicMerge, PatchType::Apply][kind];
        let _ = apply(kind, &pod, body.as_bytes());
    }
}
