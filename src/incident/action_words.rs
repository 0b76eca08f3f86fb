//! What an action did, as a responder would say it ("rolled back deployment shop/checkout to
//! revision 2 (registry.example.com/shop/checkout:1.9.3)"), read from the journal's record of
//! it: the verb's parameters and the API's answer. Never raw JSON; a record this does not know
//! (an older or newer warroom's) reads as its verb, target and plain parameters.

use serde_json::Value;

use super::model::ActionRecord;

/// The sentence for an action that succeeded, starting with its verb in the past tense.
pub fn done(a: &ActionRecord) -> String {
    let p = &a.parameters;
    let api = &a.response["api"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let number = |v: &Value| v.as_i64();
    let ns = text(&p["namespace"]).unwrap_or_default();
    let in_ns = |name: Option<String>| name.map(|n| if ns.is_empty() { n } else { format!("{ns}/{n}") });
    let workload =
        workload(&p["workload"]).map(|(kind, name)| format!("{kind} {}", in_ns(Some(name)).unwrap_or_default()));
    let node = text(&p["node"]);
    let pod = in_ns(text(&p["pod"]));
    let said = match (a.action.as_str(), workload, node, pod) {
        ("cordon", _, Some(n), _) => Some(format!("cordoned node {n}")),
        ("uncordon", _, Some(n), _) => Some(format!("uncordoned node {n}")),
        ("drain", _, Some(n), _) => Some(format!("drained node {n}")),
        ("delete_pod", _, _, Some(pod)) => Some(format!("recycled pod {pod}")),
        ("take_out_of_service", _, _, Some(pod)) => Some(format!("took pod {pod} out of service")),
        ("return_to_service", _, _, Some(pod)) => Some(format!("returned pod {pod} to service")),
        ("rollout_restart", Some(w), ..) => Some(format!("restarted {w}")),
        ("rollout_pause", Some(w), ..) => Some(format!("paused the rollout of {w}")),
        ("rollout_resume", Some(w), ..) => Some(format!("resumed the rollout of {w}")),
        ("rollout_undo", Some(w), ..) => {
            let to = number(&api["to_revision"]).or_else(|| number(&p["revision"]));
            let mut s = format!("rolled back {w}");
            if let Some(r) = to {
                s.push_str(&format!(" to revision {r}"));
            }
            if let Some(images) = api["to_images"].as_array().filter(|i| !i.is_empty()) {
                let images: Vec<&str> = images.iter().filter_map(Value::as_str).collect();
                s.push_str(&format!(" ({})", images.join(", ")));
            }
            Some(s)
        }
        ("scale", Some(w), ..) => number(&p["replicas"]).map(|to| match number(&api["was"]) {
            Some(was) => format!("scaled {w} from {was} to {to} replicas"),
            None => format!("scaled {w} to {to} replicas"),
        }),
        ("set_image", Some(w), ..) => text(&p["image"]).map(|image| {
            let container = text(&api["container"]).or_else(|| text(&p["container"]));
            let mut s = match container {
                Some(c) => format!("set {w}'s container {c} to {image}"),
                None => format!("set {w}'s image to {image}"),
            };
            if let Some(was) = text(&api["was"]) {
                s.push_str(&format!(" (was {was})"));
            }
            s
        }),
        ("autoscale", Some(w), ..) => {
            let max = number(&api["maxReplicas"]).or_else(|| number(&p["max"]));
            let min = number(&api["minReplicas"]).or_else(|| number(&p["min"]));
            max.map(|max| match min {
                Some(min) => format!("bounded {w}'s autoscaler to {min}–{max} replicas"),
                None => format!("bounded {w}'s autoscaler to at most {max} replicas"),
            })
        }
        ("edit_config", ..) => in_ns(text(&p["config_map"])).map(|map| {
            let keys: Vec<&str> = p["set"]
                .as_object()
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            format!("changed ConfigMap {map} ({})", keys.join(", "))
        }),
        ("isolate", ..) => Some(format!("isolated {}", a.target)),
        ("remove_isolation", ..) => Some(format!("removed the isolation {}", a.target)),
        ("silence", ..) => Some(match number(&p["minutes"]) {
            Some(m) => format!("silenced {} for {m} minutes", a.target),
            None => format!("silenced {}", a.target),
        }),
        ("expire_silence", ..) => Some(format!("expired {}", a.target)),
        _ => None,
    };
    said.unwrap_or_else(|| super::timeline::action(a))
}

/// A workload parameter: `{"kind":"Deployment","name":"checkout"}`, or a bare name (a
/// Deployment, as older journals wrote it); its kind in lower case.
fn workload(v: &Value) -> Option<(String, String)> {
    match v {
        Value::String(name) => Some(("deployment".into(), name.clone())),
        Value::Object(o) => Some((
            o.get("kind")?.as_str()?.to_lowercase(),
            o.get("name")?.as_str()?.to_string(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(action: &str, target: &str, parameters: Value, api: Value) -> ActionRecord {
        ActionRecord {
            action_id: "a1".into(),
            action: action.into(),
            target: target.into(),
            parameters,
            response: json!({"summary": "as the API said", "api": api}),
            error: None,
            identity: None,
        }
    }

    #[test]
    fn each_verb_reads_as_a_sentence_with_what_the_api_answered() {
        let checkout = json!({"kind": "Deployment", "name": "checkout"});
        let cases = [
            (
                record(
                    "rollout_undo",
                    "deployment/checkout -n shop",
                    json!({"verb": "rollout_undo", "namespace": "shop", "workload": checkout}),
                    json!({"from_revision": 3, "to_revision": 2, "to_images": ["registry.example.com/shop/checkout:1.9.3"]}),
                ),
                "rolled back deployment shop/checkout to revision 2 (registry.example.com/shop/checkout:1.9.3)",
            ),
            (
                record(
                    "scale",
                    "deployment/checkout -n shop",
                    json!({"verb": "scale", "namespace": "shop", "workload": checkout, "replicas": 6}),
                    json!({"replicas": 6, "was": 4}),
                ),
                "scaled deployment shop/checkout from 4 to 6 replicas",
            ),
            (
                record(
                    "cordon",
                    "node/node-2",
                    json!({"verb": "cordon", "node": "node-2"}),
                    Value::Null,
                ),
                "cordoned node node-2",
            ),
            (
                record(
                    "delete_pod",
                    "pod/checkout-7d9 -n shop",
                    json!({"verb": "delete_pod", "namespace": "shop", "pod": "checkout-7d9"}),
                    Value::Null,
                ),
                "recycled pod shop/checkout-7d9",
            ),
            (
                record(
                    "set_image",
                    "statefulset/db -n shop",
                    json!({"verb": "set_image", "namespace": "shop", "workload": {"kind": "StatefulSet", "name": "db"}, "image": "db:2"}),
                    json!({"container": "db", "image": "db:2", "was": "db:1"}),
                ),
                "set statefulset shop/db's container db to db:2 (was db:1)",
            ),
            (
                record(
                    "autoscale",
                    "deployment/frontend -n shop",
                    json!({"verb": "autoscale", "namespace": "shop", "workload": {"kind": "Deployment", "name": "frontend"}, "max": 12}),
                    json!({"minReplicas": 3, "maxReplicas": 12}),
                ),
                "bounded deployment shop/frontend's autoscaler to 3–12 replicas",
            ),
            (
                record(
                    "edit_config",
                    "configmap/checkout-config -n shop",
                    json!({"verb": "edit_config", "namespace": "shop", "config_map": "checkout-config", "set": {"CURRENCY": "EUR"}}),
                    Value::Null,
                ),
                "changed ConfigMap shop/checkout-config (CURRENCY)",
            ),
            (
                record(
                    "silence",
                    "alerts {alertname=CheckoutDown}",
                    json!({"verb": "silence", "minutes": 30}),
                    Value::Null,
                ),
                "silenced alerts {alertname=CheckoutDown} for 30 minutes",
            ),
            // An older journal's bare Deployment name, and no answer kept.
            (
                record(
                    "rollout_restart",
                    "deployment/checkout -n shop",
                    json!({"verb": "rollout_restart", "namespace": "shop", "deployment": "checkout", "workload": "checkout"}),
                    Value::Null,
                ),
                "restarted deployment shop/checkout",
            ),
            // A verb this warroom does not know reads as its verb, target and plain parameters.
            (
                record(
                    "reboot_node",
                    "node/node-2",
                    json!({"verb": "reboot_node", "grace": 30}),
                    Value::Null,
                ),
                "reboot node node/node-2 (grace 30)",
            ),
        ];
        for (a, said) in cases {
            assert_eq!(done(&a), said);
        }
    }
}
