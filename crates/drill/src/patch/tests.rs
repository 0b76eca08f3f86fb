//! Each patch type against what the apiserver does with the same bodies, errors worded alike.

use super::*;
use serde_json::json;

fn smp(target: &Value, patch: Value) -> Value {
    apply(PatchType::StrategicMerge, target, patch.to_string().as_bytes()).unwrap()
}

fn smp_err(target: &Value, patch: Value) -> PatchError {
    apply(PatchType::StrategicMerge, target, patch.to_string().as_bytes()).unwrap_err()
}

fn node() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "node-1", "labels": {"zone": "a"}},
        "spec": {
            "podCIDR": "10.0.1.0/24",
            "taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]
        }
    })
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "annotations": {"deployment.kubernetes.io/revision": "4", "team": "payments"},
            "finalizers": ["a.example.com/keep"]
        },
        "spec": {
            "replicas": 3,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
            },
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {
                    "labels": {"app": "web"},
                    "annotations": {"prometheus.io/scrape": "true"}
                },
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.25",
                            "env": [
                                {"name": "MODE", "value": "prod"},
                                {"name": "LOG", "value": "info"}
                            ],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]
                        },
                        {"name": "sidecar", "image": "envoy:1.30"}
                    ],
                    "volumes": [{"name": "cache", "emptyDir": {}}],
                    "tolerations": [{"key": "gpu", "operator": "Exists"}]
                }
            }
        }
    })
}

fn containers(v: &Value) -> &Vec<Value> {
    v["spec"]["template"]["spec"]["containers"].as_array().unwrap()
}

// -- content types ---------------------------------------------------------------

#[test]
fn content_types() {
    use PatchType::*;
    assert_eq!(PatchType::from_content_type("application/json-patch+json"), Some(Json));
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json"),
        Some(Merge)
    );
    assert_eq!(
        PatchType::from_content_type("application/strategic-merge-patch+json"),
        Some(StrategicMerge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml"),
        Some(Apply)
    );
    assert_eq!(
        PatchType::from_content_type("  Application/Merge-Patch+JSON ; charset=utf-8 "),
        Some(Merge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml;charset=utf-8"),
        Some(Apply)
    );
    assert_eq!(PatchType::from_content_type("application/json"), None);
    assert_eq!(PatchType::from_content_type(""), None);
    for t in [Json, Merge, StrategicMerge, Apply] {
        assert_eq!(PatchType::from_content_type(t.content_type()), Some(t));
    }
}

// -- what kubectl sends ------------------------------------------------------------

#[test]
fn cordon_and_uncordon() {
    let cordoned = smp(&node(), json!({"spec": {"unschedulable": true}}));
    assert_eq!(cordoned["spec"]["unschedulable"], json!(true));
    assert_eq!(cordoned["spec"]["podCIDR"], json!("10.0.1.0/24"));
    assert_eq!(cordoned["spec"]["taints"], node()["spec"]["taints"]);
    assert_eq!(cordoned["metadata"], node()["metadata"]);

    let uncordoned = smp(&cordoned, json!({"spec": {"unschedulable": null}}));
    assert!(uncordoned["spec"].get("unschedulable").is_none());
    assert_eq!(uncordoned, node());
}

#[test]
fn rollout_restart_keeps_other_annotations() {
    let patched = smp(
        &deployment(),
        json!({"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": "2026-11-24T20:42:42Z"
        }}}}}),
    );
    let annotations = &patched["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(
        annotations["kubectl.kubernetes.io/restartedAt"],
        json!("2026-11-24T20:42:42Z")
    );
    assert_eq!(annotations["prometheus.io/scrape"], json!("true"));
    assert_eq!(
        patched["spec"]["template"]["spec"],
        deployment()["spec"]["template"]["spec"]
    );
}

#[test]
fn pause_and_resume() {
    let paused = smp(&deployment(), json!({"spec": {"paused": true}}));
    assert_eq!(paused["spec"]["paused"], json!(true));
    assert_eq!(paused["spec"]["replicas"], json!(3));
    let resumed = smp(&paused, json!({"spec": {"paused": null}}));
    assert_eq!(resumed, deployment());
}

#[test]
fn scale_merge_patch() {
    let scaled = apply(PatchType::Merge, &deployment(), br#"{"spec":{"replicas":5}}"#).unwrap();
    assert_eq!(scaled["spec"]["replicas"], json!(5));
    assert_eq!(scaled["spec"]["template"], deployment()["spec"]["template"]);
}

#[test]
fn merge_patch_replaces_lists_and_deletes_with_null() {
    let patched = apply(
        PatchType::Merge,
        &deployment(),
        br#"{"metadata":{"annotations":{"team":null,"owner":"sre"}},
                 "spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox"}]}}}}"#,
    )
    .unwrap();
    assert_eq!(
        patched["metadata"]["annotations"],
        json!({"deployment.kubernetes.io/revision": "4", "owner": "sre"})
    );
    assert_eq!(containers(&patched), &vec![json!({"name": "only", "image": "busybox"})]);
}

#[test]
fn rollout_undo_json_patch() {
    let template = json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.24"}]}
    });
    let body = json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations",
         "value": {"deployment.kubernetes.io/revision": "3"}}
    ]);
    let patched = apply(PatchType::Json, &deployment(), body.to_string().as_bytes()).unwrap();
    assert_eq!(patched["spec"]["template"], template);
    assert_eq!(
        patched["metadata"]["annotations"],
        json!({"deployment.kubernetes.io/revision": "3"})
    );
    assert_eq!(patched["spec"]["replicas"], json!(3));
    assert_eq!(patched["metadata"]["name"], json!("web"));
}

#[test]
fn json_patch_all_ops() {
    let target = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
    let body = json!([
        {"op": "test", "path": "/a/b", "value": 1},
        {"op": "add", "path": "/a/c/-", "value": 3},
        {"op": "add", "path": "/a/c/0", "value": 0},
        {"op": "copy", "from": "/d", "path": "/e"},
        {"op": "move", "from": "/a/b", "path": "/f"},
        {"op": "remove", "path": "/d"},
        {"op": "replace", "path": "/e", "value": "y"}
    ]);
    let patched = apply(PatchType::Json, &target, body.to_string().as_bytes()).unwrap();
    assert_eq!(patched, json!({"a": {"c": [0, 1, 2, 3]}, "e": "y", "f": 1}));
}

#[test]
fn set_image_by_container_name() {
    // What `kubectl set image deployment/web web=nginx:1.27` sends.
    let body = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
        "containers": [{"image": "nginx:1.27", "name": "web"}]
    }}}});
    let patched = smp(&deployment(), body);
    let cs = containers(&patched);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0]["name"], json!("web"));
    assert_eq!(cs[0]["image"], json!("nginx:1.27"));
    // Everything else in the web container is untouched.
    let original = deployment();
    let before = &containers(&original)[0];
    assert_eq!(cs[0]["env"], before["env"]);
    assert_eq!(cs[0]["ports"], before["ports"]);
    assert_eq!(cs[0]["volumeMounts"], before["volumeMounts"]);
    assert_eq!(cs[1], json!({"name": "sidecar", "image": "envoy:1.30"}));
    assert!(
        patched["spec"]["template"]["spec"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with('$'))
    );
}

#[test]
fn set_element_order_reorders_and_appends() {
    let body = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "init"}, {"name": "sidecar"}, {"name": "web"}],
        "containers": [{"name": "init", "image": "busybox"}]
    }}}});
    let patched = smp(&deployment(), body);
    let names: Vec<&str> = containers(&patched)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["init", "sidecar", "web"]);

    // An order directive alone (no list in the patch) still reorders.
    let body = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "web"}]
    }}}});
    let patched = smp(&deployment(), body);
    assert_eq!(containers(&patched)[0]["name"], json!("sidecar"));
    assert_eq!(containers(&patched)[1]["image"], json!("nginx:1.25"));
}

#[test]
fn new_keyed_elements_are_appended_and_nested_lists_merge() {
    let body = json!({"spec": {"template": {"spec": {"containers": [{
        "name": "web",
        "env": [{"name": "LOG", "value": "debug"}, {"name": "NEW", "value": "1"}],
        "ports": [{"containerPort": 443}],
        "volumeMounts": [{"mountPath": "/cache", "readOnly": true}]
    }, {
        "name": "metrics", "image": "exporter:2"
    }]}}}});
    let patched = smp(&deployment(), body);
    let cs = containers(&patched);
    assert_eq!(cs.len(), 3);
    assert_eq!(cs[2], json!({"name": "metrics", "image": "exporter:2"}));
    assert_eq!(
        cs[0]["env"],
        json!([
            {"name": "MODE", "value": "prod"},
            {"name": "LOG", "value": "debug"},
            {"name": "NEW", "value": "1"}
        ])
    );
    assert_eq!(
        cs[0]["ports"],
        json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}])
    );
    assert_eq!(
        cs[0]["volumeMounts"],
        json!([{"name": "cache", "mountPath": "/cache", "readOnly": true}])
    );
}

#[test]
fn lists_without_merge_key_are_replaced() {
    let body = json!({"spec": {"template": {"spec": {
        "tolerations": [{"key": "spot", "operator": "Exists"}],
        "containers": [{"name": "web", "args": ["--fast"]}]
    }}}});
    let patched = smp(&deployment(), body);
    assert_eq!(
        patched["spec"]["template"]["spec"]["tolerations"],
        json!([{"key": "spot", "operator": "Exists"}])
    );
    assert_eq!(containers(&patched)[0]["args"], json!(["--fast"]));

    // Node taints are replaced whole (kubectl taint sends the full list).
    let patched = smp(
        &node(),
        json!({"spec": {"taints": [
            {"key": "spot", "effect": "NoExecute"}
        ]}}),
    );
    assert_eq!(
        patched["spec"]["taints"],
        json!([{"key": "spot", "effect": "NoExecute"}])
    );
    let untainted = smp(&node(), json!({"spec": {"taints": null}}));
    assert!(untainted["spec"].get("taints").is_none());
}

#[test]
fn patch_delete_removes_a_container() {
    let body = json!({"spec": {"template": {"spec": {"containers": [
        {"$patch": "delete", "name": "sidecar"}
    ]}}}});
    let patched = smp(&deployment(), body);
    let cs = containers(&patched);
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0], containers(&deployment())[0]);

    // Deleting something absent is a no-op.
    let body = json!({"spec": {"template": {"spec": {"containers": [
        {"$patch": "delete", "name": "ghost"}
    ]}}}});
    assert_eq!(smp(&deployment(), body), deployment());
}

#[test]
fn patch_replace_on_list_and_map() {
    let body = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "solo", "image": "busybox"},
        {"$patch": "replace"}
    ]}}}});
    let patched = smp(&deployment(), body);
    assert_eq!(containers(&patched), &vec![json!({"name": "solo", "image": "busybox"})]);

    let body = json!({"spec": {"template": {"metadata": {"annotations": {
        "$patch": "replace", "only": "this"
    }}}}});
    let patched = smp(&deployment(), body);
    assert_eq!(
        patched["spec"]["template"]["metadata"]["annotations"],
        json!({"only": "this"})
    );
    assert_eq!(patched["spec"]["template"]["metadata"]["labels"], json!({"app": "web"}));
}

#[test]
fn patch_delete_on_a_map() {
    let body = json!({"spec": {"strategy": {"$patch": "delete"}}});
    let patched = smp(&deployment(), body);
    assert!(patched["spec"].get("strategy").is_none());
    assert_eq!(patched["spec"]["replicas"], json!(3));
}

#[test]
fn retain_keys_clears_unlisted_fields() {
    // What `kubectl apply` sends when switching to the Recreate strategy.
    let body = json!({"spec": {"strategy": {
        "$retainKeys": ["type"],
        "type": "Recreate",
        "rollingUpdate": null
    }}});
    let patched = smp(&deployment(), body);
    assert_eq!(patched["spec"]["strategy"], json!({"type": "Recreate"}));

    // Volumes: switch the "cache" volume from emptyDir to a configMap.
    let body = json!({"spec": {"template": {"spec": {"volumes": [{
        "$retainKeys": ["configMap", "name"],
        "name": "cache",
        "configMap": {"name": "cfg"}
    }]}}}});
    let patched = smp(&deployment(), body);
    assert_eq!(
        patched["spec"]["template"]["spec"]["volumes"],
        json!([{"name": "cache", "configMap": {"name": "cfg"}}])
    );
}

#[test]
fn retain_keys_errors() {
    let err = smp_err(
        &deployment(),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
    );
    assert_eq!(err.http_status(), 400);
    let msg = err.to_string();
    assert!(msg.contains("$retainKeys"), "{msg}");
    assert!(msg.contains("spec.strategy"), "{msg}");
    assert!(msg.contains("rollingUpdate"), "{msg}");

    let err = smp_err(&deployment(), json!({"spec": {"strategy": {"$retainKeys": "type"}}}));
    assert_eq!(err.http_status(), 400);
}

#[test]
fn delete_from_primitive_list_and_finalizer_set() {
    let body = json!({"metadata": {
        "$deleteFromPrimitiveList/finalizers": ["a.example.com/keep"],
        "finalizers": ["b.example.com/new"]
    }});
    let patched = smp(&deployment(), body);
    assert_eq!(patched["metadata"]["finalizers"], json!(["b.example.com/new"]));

    // Finalizers merge as a set: existing ones survive, duplicates are not added.
    let body = json!({"metadata": {"finalizers": ["a.example.com/keep", "c.example.com/x"]}});
    let patched = smp(&deployment(), body);
    assert_eq!(
        patched["metadata"]["finalizers"],
        json!(["a.example.com/keep", "c.example.com/x"])
    );

    let err = smp_err(
        &deployment(),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}),
    );
    assert_eq!(err.http_status(), 400);
}

#[test]
fn conditions_owner_references_and_service_ports() {
    let pod = json!({
        "metadata": {"ownerReferences": [{"uid": "1", "name": "rs-a", "kind": "ReplicaSet"}]},
        "status": {"conditions": [
            {"type": "Ready", "status": "False"},
            {"type": "PodScheduled", "status": "True"}
        ]}
    });
    let patched = smp(
        &pod,
        json!({
            "metadata": {"ownerReferences": [{"uid": "2", "name": "rs-b", "kind": "ReplicaSet"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }),
    );
    assert_eq!(
        patched["status"]["conditions"],
        json!([
            {"type": "Ready", "status": "True"},
            {"type": "PodScheduled", "status": "True"}
        ])
    );
    assert_eq!(patched["metadata"]["ownerReferences"].as_array().unwrap().len(), 2);

    let svc = json!({"spec": {"ports": [
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}
    ]}});
    let patched = smp(&svc, json!({"spec": {"ports": [{"port": 53, "targetPort": 5353}]}}));
    assert_eq!(
        patched["spec"]["ports"],
        json!([
            {"name": "dns", "port": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 5353}
        ])
    );
}

#[test]
fn smp_errors() {
    let err = smp_err(
        &deployment(),
        json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
    );
    assert_eq!(err.http_status(), 422);
    assert_eq!(err.reason(), "Invalid");
    let msg = err.to_string();
    assert!(msg.contains("spec.template.spec.containers"), "{msg}");
    assert!(msg.contains("\"name\""), "{msg}");

    let err = smp_err(&deployment(), json!({"spec": {"$patch": "explode"}}));
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("explode"));

    let err = smp_err(&deployment(), json!({"metadata": {"$setElementOrder/finalizers": 3}}));
    assert_eq!(err.http_status(), 400);

    let err = apply(PatchType::StrategicMerge, &deployment(), b"[1,2]").unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("must be a JSON object"));

    let err = smp_err(
        &deployment(),
        json!({"spec": {"template": {"spec": {"containers": ["web"]}}}}),
    );
    assert_eq!(err.http_status(), 422);
}

#[test]
fn nested_error_paths_name_the_element() {
    let err = smp_err(
        &deployment(),
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"value": "orphan"}]}
        ]}}}}),
    );
    let msg = err.to_string();
    assert!(
        msg.contains(r#"spec.template.spec.containers[name="web"].env"#),
        "{msg}"
    );
}

#[test]
fn smp_on_missing_target_fields_strips_directives() {
    let target = json!({"kind": "Pod", "metadata": {"name": "p"}});
    let patched = smp(
        &target,
        json!({"spec": {"containers": [
            {"name": "a", "image": "x", "env": [{"name": "gone", "$patch": "delete"}]},
            {"name": "b", "$patch": "delete"}
        ]}}),
    );
    assert_eq!(
        patched["spec"]["containers"],
        json!([{"name": "a", "image": "x", "env": []}])
    );
}

// -- errors --------------------------------------------------------------------------

#[test]
fn garbage_bytes_are_bad_requests() {
    for t in [
        PatchType::Json,
        PatchType::Merge,
        PatchType::StrategicMerge,
        PatchType::Apply,
    ] {
        let err = apply(t, &deployment(), b"\xff\xfe{{not json").unwrap_err();
        assert_eq!(err.http_status(), 400, "{t}: {err}");
        assert_eq!(err.reason(), "BadRequest");
        assert!(matches!(err, PatchError::Syntax { .. }), "{t}: {err:?}");
    }
    let err = apply(PatchType::Json, &deployment(), b"").unwrap_err();
    assert_eq!(err.http_status(), 400);
}

#[test]
fn array_merge_patch_is_rejected() {
    let err = apply(PatchType::Merge, &deployment(), br#"[{"spec":{}}]"#).unwrap_err();
    assert_eq!(err.http_status(), 400);
    let msg = err.to_string();
    assert!(msg.contains("merge patch body must be a JSON object"), "{msg}");
    assert!(msg.contains("got an array"), "{msg}");
}

#[test]
fn json_patch_shape_errors() {
    let err = apply(PatchType::Json, &deployment(), br#"{"op":"add"}"#).unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(
        err.to_string()
            .contains("cannot unmarshal object into []jsonpatch.Operation"),
        "{err}"
    );

    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"frobnicate","path":"/spec"}]"#,
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("index 0"), "{err}");
    assert!(err.to_string().contains("frobnicate"), "{err}");
}

#[test]
fn json_patch_test_failure_is_422() {
    let body = br#"[{"op":"replace","path":"/spec/replicas","value":4},
                        {"op":"test","path":"/spec/replicas","value":5}]"#;
    let err = apply(PatchType::Json, &deployment(), body).unwrap_err();
    assert_eq!(err.http_status(), 422);
    match &err {
        PatchError::JsonPatchOp { index, op, path, .. } => {
            assert_eq!(*index, 1);
            assert_eq!(*op, "test");
            assert_eq!(path, "/spec/replicas");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("the value is 4, not 5"), "{msg}");
}

#[test]
fn json_patch_missing_paths_are_422() {
    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"remove","path":"/spec/nope"}]"#,
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 422);
    let msg = err.to_string();
    assert!(msg.contains("remove \"/spec/nope\""), "{msg}");
    assert!(msg.contains("there is no value at \"/spec/nope\""), "{msg}");

    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"add","path":"/spec/a/b/c","value":1}]"#,
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 422);
    assert!(err.to_string().contains("\"/spec/a\" does not exist"), "{err}");

    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"replace","path":"/spec/template/spec/containers/7/image","value":"x"}]"#,
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 422);
    assert!(
        err.to_string()
            .contains("\"/spec/template/spec/containers/7\" does not exist"),
        "{err}"
    );

    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"add","path":"/spec/template/spec/containers/9","value":{}}]"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("not a valid index into the 2-element array"),
        "{err}"
    );

    let err = apply(
        PatchType::Json,
        &deployment(),
        br#"[{"op":"move","from":"/spec/ghost","path":"/spec/x"}]"#,
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 422);
    assert!(err.to_string().contains("\"/spec/ghost\""), "{err}");
}

#[test]
fn failed_json_patch_leaves_target_alone() {
    let target = deployment();
    let body = br#"[{"op":"replace","path":"/spec/replicas","value":9},
                        {"op":"remove","path":"/nope"}]"#;
    assert!(apply(PatchType::Json, &target, body).is_err());
    assert_eq!(target, deployment());
}

// -- server-side apply ---------------------------------------------------------------

#[test]
fn apply_yaml_body() {
    let body = br#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    tier: frontend
spec:
  replicas: 6
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: LOG
          value: warn
"#;
    let patched = apply(PatchType::Apply, &deployment(), body).unwrap();
    assert_eq!(patched["spec"]["replicas"], json!(6));
    assert_eq!(patched["metadata"]["labels"], json!({"tier": "frontend"}));
    assert_eq!(patched["metadata"]["namespace"], json!("shop"));
    let cs = containers(&patched);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0]["image"], json!("nginx:1.27"));
    assert_eq!(
        cs[0]["env"],
        json!([{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "warn"}])
    );
    assert_eq!(cs[1]["name"], json!("sidecar"));
    assert_eq!(patched["spec"]["strategy"], deployment()["spec"]["strategy"]);
}

#[test]
fn apply_json_body_and_create() {
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"1"}}"#;
    let created = apply(PatchType::Apply, &Value::Null, body).unwrap();
    assert_eq!(created, serde_json::from_slice::<Value>(body).unwrap());

    // YAML flow style that is not strict JSON still parses.
    let body = b"{apiVersion: v1, kind: ConfigMap, data: {b: '2'}}";
    let patched = apply(PatchType::Apply, &created, body).unwrap();
    assert_eq!(patched["data"], json!({"a": "1", "b": "2"}));
}

#[test]
fn apply_does_not_interpret_directives_names() {
    // Apply has no `$patch` directives: a key merely named so is data, not a command.
    let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}});
    let body = br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"$patch":"replace","b":"2"}}"#;
    let patched = apply(PatchType::Apply, &target, body).unwrap();
    assert_eq!(patched["data"], json!({"a": "1", "b": "2", "$patch": "replace"}));
}

#[test]
fn apply_errors() {
    let err = apply(PatchType::Apply, &deployment(), b"metadata:\n  name: web\n").unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("\"apiVersion\""), "{err}");

    let err = apply(PatchType::Apply, &deployment(), b"apiVersion: apps/v1\n").unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("\"kind\""), "{err}");

    let err = apply(PatchType::Apply, &deployment(), b"- a\n- b\n").unwrap_err();
    assert_eq!(err.http_status(), 400);

    let err = apply(
        PatchType::Apply,
        &deployment(),
        b"apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(err.to_string().contains("\"Deployment\""), "{err}");

    let err = apply(
        PatchType::Apply,
        &deployment(),
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  managedFields: []\n",
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 400);

    let err = apply(
        PatchType::Apply,
        &deployment(),
        b"apiVersion: apps/v1\nkind: Deployment\nspec: [unclosed\n",
    )
    .unwrap_err();
    assert_eq!(err.http_status(), 400);
    assert!(matches!(err, PatchError::Syntax { format: "YAML", .. }), "{err:?}");
}

#[test]
fn apply_yaml_error_messages_are_one_line() {
    let err = apply(
        PatchType::Apply,
        &deployment(),
        b"apiVersion: v1\nkind: Deployment\n---\napiVersion: v1\nkind: Deployment\n",
    )
    .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.http_status(), 400);
    assert!(!msg.contains('\n'), "{msg}");
    assert!(msg.contains("single YAML document"), "{msg}");
    assert!(msg.contains("line 4"), "{msg}");

    let err = apply(PatchType::Apply, &deployment(), b"a: 1\na: 2\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("duplicate mapping key: a"), "{msg}");
    assert!(!msg.contains("Options"), "{msg}");
}

#[test]
fn apply_yaml_numbers_read_like_the_apiserver() {
    let body = b"apiVersion: v1\nkind: X\nspec: {mode: 0644, replicas: 3, ratio: 1.5}\n";
    let created = apply(PatchType::Apply, &Value::Null, body).unwrap();
    assert_eq!(created["spec"], json!({"mode": 420, "replicas": 3, "ratio": 1.5}));
}

#[test]
fn set_element_order_on_primitive_list() {
    let target = json!({"metadata": {"finalizers": ["a", "b", "c"]}});
    let patched = smp(
        &target,
        json!({"metadata": {
            "$setElementOrder/finalizers": ["c", "a", "b", "d"],
            "finalizers": ["d"]
        }}),
    );
    assert_eq!(patched["metadata"]["finalizers"], json!(["c", "a", "b", "d"]));
}

#[test]
fn node_addresses_merge_by_type_but_endpoint_addresses_replace() {
    let node = json!({"status": {"addresses": [
        {"type": "InternalIP", "address": "10.0.0.1"},
        {"type": "Hostname", "address": "node-1"}
    ]}});
    let patched = smp(
        &node,
        json!({"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.9"}]}}),
    );
    assert_eq!(
        patched["status"]["addresses"],
        json!([
            {"type": "InternalIP", "address": "10.0.0.9"},
            {"type": "Hostname", "address": "node-1"}
        ])
    );

    let endpoints = json!({"subsets": [{"addresses": [{"ip": "10.1.0.1"}, {"ip": "10.1.0.2"}]}]});
    let patched = smp(&endpoints, json!({"subsets": [{"addresses": [{"ip": "10.1.0.3"}]}]}));
    assert_eq!(patched, json!({"subsets": [{"addresses": [{"ip": "10.1.0.3"}]}]}));
}

#[test]
fn kube_rs_style_patches() {
    // kube-rs `Patch::Apply` serialises the object as JSON under the apply content type.
    let body = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"team": null}},
        "spec": {"replicas": 1}
    });
    let patched = apply(PatchType::Apply, &deployment(), body.to_string().as_bytes()).unwrap();
    assert_eq!(patched["spec"]["replicas"], json!(1));
    assert_eq!(
        patched["metadata"]["annotations"],
        json!({"deployment.kubernetes.io/revision": "4"})
    );

    // `Patch::Merge` on the status of a custom resource replaces lists whole.
    let cr = json!({"status": {"phase": "Pending", "conditions": [{"type": "Ready"}]}});
    let patched = apply(
        PatchType::Merge,
        &cr,
        br#"{"status":{"phase":"Running","conditions":[{"type":"Synced"}]}}"#,
    )
    .unwrap();
    assert_eq!(
        patched,
        json!({"status": {"phase": "Running", "conditions": [{"type": "Synced"}]}})
    );
}

#[test]
fn apply_treats_unkeyed_lists_as_atomic() {
    let target = json!({"apiVersion": "x/v1", "kind": "Widget",
            "status": {"conditions": [{"reason": "Old"}]}});
    let body = br#"{"apiVersion":"x/v1","kind":"Widget","status":{"conditions":[{"reason":"New"}]}}"#;
    let patched = apply(PatchType::Apply, &target, body).unwrap();
    assert_eq!(patched["status"]["conditions"], json!([{"reason": "New"}]));
}

#[test]
fn errors_display_is_specific() {
    let err = apply(PatchType::Merge, &deployment(), b"{\"spec\": ").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("merge patch body is not valid JSON: "), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");
}
