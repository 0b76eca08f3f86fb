//! Property tests of the drill's parsers of outside input: scenario files (a shipped drill
//! damaged at random), label and field selectors, and PATCH bodies of every type against a pod.
//! Each must answer without panicking; a scenario's located errors point inside the file.
//! Bounded (`CASES` each) so the run stays quick.

use proptest::prelude::*;
use serde_json::json;
use warroom_testkit::mutate::{cases, damaged, lines};

use crate::patch::{PatchType, apply};
use crate::selector::{FieldSelector, LabelSelector};

const CASES: u32 = 192;

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
