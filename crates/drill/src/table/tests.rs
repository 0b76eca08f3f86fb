//! The printers against what the apiserver prints for the same objects.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::cells::*;
use super::duration::*;
use super::labels::*;
use super::*;

const NOW: &str = "2024-05-01T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// An RFC 3339 timestamp `secs` seconds before [`NOW`].
fn ago(secs: i64) -> String {
    (now() - SignedDuration::from_secs(secs)).to_string()
}

fn cells(kind: &str, object: Value) -> Vec<Value> {
    let row = row_cells(kind, &object, now());
    let columns = column_definitions(kind);
    assert_eq!(
        row.len(),
        columns.as_array().unwrap().len(),
        "{kind}: one cell per column"
    );
    row
}

fn column_names(kind: &str) -> Vec<(String, i64)> {
    column_definitions(kind)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["priority"].as_i64().unwrap()))
        .collect()
}

fn pod_status(pod: Value) -> String {
    cells("Pod", pod)[2].as_str().unwrap().to_string()
}

#[test]
fn human_duration_boundaries() {
    let s = SignedDuration::from_secs;
    let ms = SignedDuration::from_millis;
    let cases = [
        (s(-3), "<invalid>"),
        (s(-2), "<invalid>"),
        (ms(-1999), "0s"),
        (s(-1), "0s"),
        (s(0), "0s"),
        (ms(999), "0s"),
        (s(1), "1s"),
        (s(45), "45s"),
        (s(119), "119s"),
        (s(120), "2m"),
        (s(121), "2m1s"),
        (s(3 * 60 + 12), "3m12s"),
        (s(9 * 60 + 59), "9m59s"),
        (s(10 * 60), "10m"),
        (s(10 * 60 + 59), "10m"),
        (s(179 * 60 + 59), "179m"),
        (s(3 * 3600), "3h"),
        (s(3 * 3600 + 60), "3h1m"),
        (s(7 * 3600 + 59 * 60 + 59), "7h59m"),
        (s(8 * 3600), "8h"),
        (s(47 * 3600 + 3599), "47h"),
        (s(48 * 3600), "2d"),
        (s(49 * 3600), "2d1h"),
        (s(191 * 3600), "7d23h"),
        (s(192 * 3600), "8d"),
        (s(729 * 86400), "729d"),
        (s(730 * 86400), "2y"),
        (s(731 * 86400), "2y1d"),
        (s(2919 * 86400), "7y364d"),
        (s(2920 * 86400), "8y"),
        (s(3000 * 86400), "8y"),
        (s(36500 * 86400), "100y"),
    ];
    for (d, want) in cases {
        assert_eq!(human_duration(d), want, "{d:?}");
    }
}

#[test]
fn age_is_unknown_without_timestamp_and_saturates_like_go() {
    let now = now();
    assert_eq!(age(&json!({}), now), "<unknown>");
    assert_eq!(age(&json!({"metadata": {"creationTimestamp": 7}}), now), "<unknown>");
    assert_eq!(
        age(&json!({"metadata": {"creationTimestamp": "garbage"}}), now),
        "<unknown>"
    );
    assert_eq!(
        age(&json!({"metadata": {"creationTimestamp": "0001-01-01T00:00:00Z"}}), now),
        "<unknown>"
    );
    // Go's time.Since saturates at ~292 years.
    assert_eq!(
        age(&json!({"metadata": {"creationTimestamp": "1000-01-01T00:00:00Z"}}), now),
        "292y"
    );
    // A creation time in the future.
    assert_eq!(
        age(&json!({"metadata": {"creationTimestamp": ago(-60)}}), now),
        "<invalid>"
    );
}

#[test]
fn column_definitions_shape() {
    let cols = column_definitions("Pod");
    let first = &cols[0];
    assert_eq!(first["name"], "Name");
    assert_eq!(first["type"], "string");
    assert_eq!(first["format"], "name");
    assert_eq!(first["priority"], 0);
    assert!(
        first["description"]
            .as_str()
            .unwrap()
            .starts_with("Name must be unique")
    );
    assert_eq!(cols[1]["format"], "");
    assert_eq!(
        column_names("Pod"),
        [
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1),
        ]
        .map(|(n, p)| (n.to_string(), p))
    );
    assert_eq!(
        column_names("Event"),
        [
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Subobject", 1),
            ("Source", 1),
            ("Message", 0),
            ("First Seen", 1),
            ("Count", 1),
            ("Name", 1),
        ]
        .map(|(n, p)| (n.to_string(), p))
    );
    assert_eq!(
        column_names("SomethingElse"),
        [("Name", 0), ("Age", 0)].map(|(n, p)| (n.to_string(), p))
    );
}

#[test]
fn every_kind_renders_an_empty_or_hostile_object() {
    let kinds = [
        "Namespace",
        "Node",
        "Pod",
        "Event",
        "Deployment",
        "ReplicaSet",
        "DaemonSet",
        "StatefulSet",
        "ControllerRevision",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Ingress",
        "Widget",
    ];
    let hostile = json!({
        "metadata": {"name": 5, "labels": [1], "ownerReferences": {"x": 1},
                     "creationTimestamp": {}, "deletionTimestamp": 3},
        "spec": {"containers": "nope", "initContainers": [null, 4],
                 "replicas": "three", "selector": "app=x", "podSelector": [],
                 "template": {"spec": {"containers": [{"name": 1}, 7],
                                       "nodeSelector": {"a": 1}}},
                 "readinessGates": [{}], "minAvailable": true},
        "status": {"phase": 9, "conditions": "x", "replicas": 1.0e300,
                   "readyReplicas": -5, "restartCount": u64::MAX,
                   "containerStatuses": [null, {"restartCount": i64::MAX,
                        "lastState": {"terminated": {"finishedAt": 1}}},
                        {"restartCount": i64::MAX}],
                   "initContainerStatuses": [{"state": {"terminated": "x"}}],
                   "addresses": [{"type": "InternalIP"}]},
        "series": {"count": "many"},
        "revision": null
    });
    for kind in kinds {
        for object in [json!({}), json!(null), json!([1, 2]), hostile.clone()] {
            let row = cells(kind, object);
            assert!(row.iter().all(|c| c.is_string() || c.is_i64()), "{kind}: {row:?}");
        }
    }
    let pod = cells("Pod", json!({}));
    assert_eq!(
        pod,
        vec![
            json!(""),
            json!("0/0"),
            json!(""),
            json!("0"),
            json!("<unknown>"),
            json!("<none>"),
            json!("<none>"),
            json!("<none>"),
            json!("<none>"),
        ]
    );
}

fn running_pod() -> Value {
    json!({
        "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": ago(3600)},
        "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "nginx:1.27"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.7",
            "podIPs": [{"ip": "10.244.1.7"}],
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
                {"type": "ContainersReady", "status": "True"},
                {"type": "PodScheduled", "status": "True"}
            ],
            "containerStatuses": [{
                "name": "app", "ready": true, "restartCount": 0, "started": true,
                "state": {"running": {"startedAt": ago(3500)}}
            }]
        }
    })
}

#[test]
fn pod_running() {
    assert_eq!(
        cells("Pod", running_pod()),
        vec![
            json!("web-1"),
            json!("1/1"),
            json!("Running"),
            json!("0"),
            json!("60m"),
            json!("10.244.1.7"),
            json!("node-a"),
            json!("<none>"),
            json!("<none>"),
        ]
    );
}

#[test]
fn pod_crash_loop_back_off_with_restart_age() {
    let pod = json!({
        "metadata": {"name": "api-7d9f", "creationTimestamp": ago(1800)},
        "spec": {"containers": [{"name": "api"}, {"name": "sidecar"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                {"name": "api", "ready": false, "restartCount": 3,
                 "state": {"waiting": {"reason": "CrashLoopBackOff",
                                       "message": "back-off 40s restarting failed container"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": ago(45)}}},
                {"name": "sidecar", "ready": true, "restartCount": 1,
                 "state": {"running": {"startedAt": ago(1700)}},
                 "lastState": {"terminated": {"exitCode": 0, "reason": "Completed",
                                              "finishedAt": ago(1700)}}}
            ]
        }
    });
    let row = cells("Pod", pod);
    assert_eq!(row[1], "1/2");
    assert_eq!(row[2], "CrashLoopBackOff");
    // Restarts sum over containers; the age is of the latest termination.
    assert_eq!(row[3], "4 (45s ago)");
    assert_eq!(row[4], "30m");
}

#[test]
fn pod_restarts_minutes_ago() {
    let mut pod = running_pod();
    pod["status"]["containerStatuses"][0]["restartCount"] = json!(2);
    pod["status"]["containerStatuses"][0]["lastState"] =
        json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(5 * 60 + 10)}});
    assert_eq!(cells("Pod", pod.clone())[3], "2 (5m10s ago)");
    // Without a finish time the age is left off.
    pod["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1}});
    assert_eq!(cells("Pod", pod)[3], "2");
}

#[test]
fn pod_oom_killed_error_and_exit_codes() {
    let terminated = |state: Value| {
        json!({
            "metadata": {"name": "batch"},
            "spec": {"containers": [{"name": "main"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "main", "ready": false, "restartCount": 0, "state": {"terminated": state}}
            ]}
        })
    };
    assert_eq!(
        pod_status(terminated(json!({"exitCode": 137, "reason": "OOMKilled"}))),
        "OOMKilled"
    );
    assert_eq!(
        pod_status(terminated(json!({"exitCode": 1, "reason": "Error"}))),
        "Error"
    );
    assert_eq!(pod_status(terminated(json!({"exitCode": 2}))), "ExitCode:2");
    assert_eq!(pod_status(terminated(json!({"exitCode": 0, "signal": 9}))), "Signal:9");
}

#[test]
fn pod_completed_and_completed_but_running() {
    let completed = json!({
        "metadata": {"name": "job-x"},
        "spec": {"containers": [{"name": "main"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [
            {"name": "main", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
        ]}
    });
    let row = cells("Pod", completed);
    assert_eq!(row[1], "0/1");
    assert_eq!(row[2], "Completed");

    // One container completed, another still running: Running or NotReady.
    let mut mixed = json!({
        "metadata": {"name": "mixed"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "a", "ready": false, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": true, "state": {"running": {}}}
            ]}
    });
    assert_eq!(pod_status(mixed.clone()), "Running");
    mixed["status"]["conditions"][0]["status"] = json!("False");
    assert_eq!(pod_status(mixed), "NotReady");
}

#[test]
fn pod_container_creating_and_pending() {
    let creating = json!({
        "metadata": {"name": "new"},
        "spec": {"nodeName": "node-b", "containers": [{"name": "app"}]},
        "status": {"phase": "Pending", "containerStatuses": [
            {"name": "app", "ready": false, "restartCount": 0,
             "state": {"waiting": {"reason": "ContainerCreating"}}}
        ]}
    });
    assert_eq!(pod_status(creating), "ContainerCreating");

    let unscheduled = json!({
        "metadata": {"name": "pending"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
        ]}
    });
    let row = cells("Pod", unscheduled);
    assert_eq!(row[1], "0/1");
    assert_eq!(row[2], "Pending");
    assert_eq!(row[6], "<none>");

    let gated = json!({
        "metadata": {"name": "gated"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
        ]}
    });
    assert_eq!(pod_status(gated), "SchedulingGated");
}

#[test]
fn pod_terminating_evicted_and_node_lost() {
    let mut pod = running_pod();
    pod["metadata"]["deletionTimestamp"] = json!(ago(-30));
    assert_eq!(pod_status(pod.clone()), "Terminating");

    // A terminal pod being deleted keeps its phase-derived status.
    let mut done = pod.clone();
    done["status"]["phase"] = json!("Succeeded");
    done["status"]["containerStatuses"][0]["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
    assert_eq!(pod_status(done), "Completed");

    pod["status"]["reason"] = json!("NodeLost");
    assert_eq!(pod_status(pod), "Unknown");

    let evicted = json!({
        "metadata": {"name": "evicted"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Failed", "reason": "Evicted",
                   "message": "The node was low on resource: memory."}
    });
    let row = cells("Pod", evicted);
    assert_eq!(row[1], "0/1");
    assert_eq!(row[2], "Evicted");

    let node_lost = json!({
        "metadata": {"name": "lost"},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "reason": "NodeLost"}
    });
    assert_eq!(pod_status(node_lost), "NodeLost");
}

#[test]
fn pod_init_containers() {
    let base = |init_statuses: Value, conditions: Value| {
        json!({
            "metadata": {"name": "init-pod"},
            "spec": {"initContainers": [{"name": "migrate"}, {"name": "warm"}],
                     "containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "conditions": conditions,
                "initContainerStatuses": init_statuses,
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
                    "state": {"waiting": {"reason": "PodInitializing"}}}]}
        })
    };
    let running_first = base(
        json!([
            {"name": "migrate", "restartCount": 0, "state": {"running": {}}},
            {"name": "warm", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
        ]),
        json!([]),
    );
    assert_eq!(pod_status(running_first), "Init:0/2");

    let second = base(
        json!([
            {"name": "migrate", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "warm", "state": {"running": {}}}
        ]),
        json!([]),
    );
    assert_eq!(pod_status(second), "Init:1/2");

    let crashing = base(
        json!([
            {"name": "migrate", "restartCount": 4,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(20)}}},
            {"name": "warm", "state": {"waiting": {"reason": "PodInitializing"}}}
        ]),
        json!([]),
    );
    let row = cells("Pod", crashing);
    assert_eq!(row[2], "Init:CrashLoopBackOff");
    assert_eq!(row[3], "4 (20s ago)");

    let failed = base(
        json!([{"name": "migrate", "state": {"terminated": {"exitCode": 3}}}]),
        json!([]),
    );
    assert_eq!(pod_status(failed), "Init:ExitCode:3");
    let errored = base(
        json!([{"name": "migrate", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]),
        json!([]),
    );
    assert_eq!(pod_status(errored), "Init:Error");

    // Once initialized, the app containers decide; init restarts no longer count.
    let done = base(
        json!([
            {"name": "migrate", "restartCount": 2,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "warm", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
        ]),
        json!([{"type": "Initialized", "status": "True"}]),
    );
    let row = cells("Pod", done);
    assert_eq!(row[2], "PodInitializing");
    assert_eq!(row[3], "0");
}

#[test]
fn pod_sidecar_init_container_counts() {
    let pod = json!({
        "metadata": {"name": "mesh"},
        "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
                 "containers": [{"name": "app"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true,
                "restartCount": 1, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(600)}}}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                "state": {"running": {}}}]}
    });
    let row = cells("Pod", pod);
    assert_eq!(row[1], "2/2");
    assert_eq!(row[2], "Running");
    assert_eq!(row[3], "1 (10m ago)");
}

#[test]
fn pod_wide_columns() {
    let mut pod = running_pod();
    pod["status"]["podIP"] = json!("");
    pod["status"]["podIPs"] = json!([{"ip": "fd00::7"}, {"ip": "10.0.0.7"}]);
    pod["status"]["nominatedNodeName"] = json!("node-z");
    pod["spec"]["readinessGates"] = json!([
        {"conditionType": "example.com/lb-ready"},
        {"conditionType": "example.com/warm"}
    ]);
    pod["status"]["conditions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "example.com/lb-ready", "status": "True"}));
    let row = cells("Pod", pod);
    assert_eq!(
        row[5..],
        [json!("fd00::7"), json!("node-a"), json!("node-z"), json!("1/2")]
    );
}

fn node(conditions: Value) -> Value {
    json!({
        "metadata": {"name": "node-a", "creationTimestamp": ago(9 * 86400 + 3600),
                     "labels": {"kubernetes.io/hostname": "node-a",
                                "node-role.kubernetes.io/control-plane": "",
                                "node-role.kubernetes.io/worker": "true"}},
        "spec": {},
        "status": {
            "conditions": conditions,
            "addresses": [{"type": "Hostname", "address": "node-a"},
                          {"type": "InternalIP", "address": "172.18.0.2"}],
            "nodeInfo": {"kubeletVersion": "v1.32.4", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "kernelVersion": "6.8.0-45-generic",
                         "containerRuntimeVersion": "containerd://1.7.24"}
        }
    })
}

#[test]
fn node_ready_and_wide() {
    let row = cells(
        "Node",
        node(json!([
            {"type": "MemoryPressure", "status": "False"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady"}
        ])),
    );
    assert_eq!(
        row,
        vec![
            json!("node-a"),
            json!("Ready"),
            json!("control-plane,worker"),
            json!("9d"),
            json!("v1.32.4"),
            json!("172.18.0.2"),
            json!("<none>"),
            json!("Debian GNU/Linux 12 (bookworm)"),
            json!("6.8.0-45-generic"),
            json!("containerd://1.7.24"),
        ]
    );
}

#[test]
fn node_statuses() {
    let mut cordoned = node(json!([{"type": "Ready", "status": "True"}]));
    cordoned["spec"]["unschedulable"] = json!(true);
    assert_eq!(cells("Node", cordoned)[1], "Ready,SchedulingDisabled");

    let not_ready = node(json!([{"type": "Ready", "status": "False"}]));
    assert_eq!(cells("Node", not_ready)[1], "NotReady");
    let unknown_status = node(json!([{"type": "Ready", "status": "Unknown"}]));
    assert_eq!(cells("Node", unknown_status)[1], "NotReady");

    let mut no_conditions = node(json!([]));
    no_conditions["spec"]["unschedulable"] = json!(true);
    assert_eq!(cells("Node", no_conditions)[1], "Unknown,SchedulingDisabled");

    let bare = cells("Node", json!({"metadata": {"name": "n"}}));
    assert_eq!(bare[1], "Unknown");
    assert_eq!(bare[2], "<none>");
    assert_eq!(bare[4], "");
    assert_eq!(bare[5..], ["<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);

    let legacy_role = json!({"metadata": {"name": "n", "labels": {"kubernetes.io/role": "master"}}});
    assert_eq!(cells("Node", legacy_role)[2], "master");
}

#[test]
fn event_rows() {
    let event = json!({
        "metadata": {"name": "web-1.17c2a1b2c3d4e5f6", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop",
                           "fieldPath": "spec.containers{app}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container app in pod web-1_shop\n",
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": ago(600),
        "lastTimestamp": ago(45),
        "count": 7,
        "type": "Warning"
    });
    assert_eq!(
        cells("Event", event),
        vec![
            json!("45s"),
            json!("Warning"),
            json!("BackOff"),
            json!("pod/web-1"),
            json!("spec.containers{app}"),
            json!("kubelet, node-a"),
            json!("Back-off restarting failed container app in pod web-1_shop"),
            json!("10m"),
            json!(7),
            json!("web-1.17c2a1b2c3d4e5f6"),
        ]
    );

    // events.k8s.io-style: eventTime, reporting fields, series, no count.
    let new_style = json!({
        "metadata": {"name": "e2"},
        "involvedObject": {"kind": "Node"},
        "eventTime": "2024-05-01T11:58:00.123456Z",
        "reportingComponent": "node-controller",
        "reason": "RegisteredNode",
        "type": "Normal"
    });
    let row = cells("Event", new_style.clone());
    assert_eq!(row[0], "119s");
    assert_eq!(row[3], "node");
    assert_eq!(row[5], "node-controller");
    assert_eq!(row[7], "119s");
    assert_eq!(row[8], 1);

    let mut series = new_style;
    series["series"] = json!({"count": 12, "lastObservedTime": ago(5)});
    let row = cells("Event", series);
    assert_eq!(row[0], "5s");
    assert_eq!(row[8], 12);

    let bare = cells("Event", json!({}));
    assert_eq!(bare[0], "<unknown>");
    assert_eq!(bare[7], "<unknown>");
    assert_eq!(bare[8], 1);
}

#[test]
fn deployment_rows() {
    let deployment = json!({
        "metadata": {"name": "web", "creationTimestamp": ago(2 * 86400 + 5 * 3600)},
        "spec": {"replicas": 3,
                 "selector": {"matchLabels": {"app": "web", "tier": "frontend"}},
                 "template": {"spec": {"containers": [
                     {"name": "nginx", "image": "nginx:1.27"},
                     {"name": "exporter", "image": "nginx/nginx-prometheus-exporter:1.1"}
                 ]}}},
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2}
    });
    assert_eq!(
        cells("Deployment", deployment),
        vec![
            json!("web"),
            json!("2/3"),
            json!(3),
            json!(2),
            json!("2d5h"),
            json!("nginx,exporter"),
            json!("nginx:1.27,nginx/nginx-prometheus-exporter:1.1"),
            json!("app=web,tier=frontend"),
        ]
    );
    // Unset replicas default to 1; a missing selector prints empty.
    let bare = cells("Deployment", json!({"metadata": {"name": "d"}}));
    assert_eq!(bare[1], "0/1");
    assert_eq!(bare[2], 0);
    assert_eq!(bare[7], "");
    let invalid = cells(
        "Deployment",
        json!({"spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Bogus"}]}}}),
    );
    assert_eq!(invalid[7], "<invalid>");
}

#[test]
fn replica_set_rows() {
    let rs = json!({
        "metadata": {"name": "web-5d8f7c9b6d", "creationTimestamp": ago(300)},
        "spec": {"replicas": 3,
                 "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d8f7c9b6d"}},
                 "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
        "status": {"replicas": 3, "readyReplicas": 1}
    });
    assert_eq!(
        cells("ReplicaSet", rs),
        vec![
            json!("web-5d8f7c9b6d"),
            json!(3),
            json!(3),
            json!(1),
            json!("5m"),
            json!("nginx"),
            json!("nginx:1.27"),
            json!("app=web,pod-template-hash=5d8f7c9b6d"),
        ]
    );
    let scaled_down = cells("ReplicaSet", json!({"spec": {"replicas": 0}}));
    assert_eq!(scaled_down[1], 0);
    assert_eq!(scaled_down[7], "<none>");
}

#[test]
fn daemon_set_rows() {
    let ds = json!({
        "metadata": {"name": "node-exporter", "creationTimestamp": ago(40 * 86400)},
        "spec": {"selector": {"matchLabels": {"app": "node-exporter"}},
                 "template": {"spec": {
                     "nodeSelector": {"kubernetes.io/os": "linux", "disk": "ssd"},
                     "containers": [{"name": "exporter", "image": "prom/node-exporter:v1.8.2"}]}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                   "updatedNumberScheduled": 3, "numberAvailable": 2}
    });
    assert_eq!(
        cells("DaemonSet", ds),
        vec![
            json!("node-exporter"),
            json!(3),
            json!(3),
            json!(2),
            json!(3),
            json!(2),
            json!("disk=ssd,kubernetes.io/os=linux"),
            json!("40d"),
            json!("exporter"),
            json!("prom/node-exporter:v1.8.2"),
            json!("app=node-exporter"),
        ]
    );
    assert_eq!(cells("DaemonSet", json!({}))[6], "<none>");
}

#[test]
fn stateful_set_rows() {
    let sts = json!({
        "metadata": {"name": "db", "creationTimestamp": ago(7 * 3600 + 30 * 60)},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "postgres", "image": "postgres:16"}]}}},
        "status": {"replicas": 3, "readyReplicas": 3}
    });
    assert_eq!(
        cells("StatefulSet", sts),
        vec![
            json!("db"),
            json!("3/3"),
            json!("7h30m"),
            json!("postgres"),
            json!("postgres:16"),
        ]
    );
    assert_eq!(cells("StatefulSet", json!({}))[1], "0/1");
}

#[test]
fn controller_revision_rows() {
    let cr = json!({
        "metadata": {"name": "db-7f9c5d", "creationTimestamp": ago(90),
                     "ownerReferences": [
                         {"apiVersion": "v1", "kind": "ConfigMap", "name": "other"},
                         {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                          "controller": true}]},
        "revision": 2
    });
    assert_eq!(
        cells("ControllerRevision", cr),
        vec![json!("db-7f9c5d"), json!("statefulset.apps/db"), json!(2), json!("90s")]
    );
    let core = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "v1", "kind": "Pod", "name": "p", "controller": true}]}});
    assert_eq!(cells("ControllerRevision", core)[1], "pod/p");
    assert_eq!(cells("ControllerRevision", json!({}))[1], "<none>");
}

#[test]
fn pdb_rows() {
    let pdb = json!({
        "metadata": {"name": "web-pdb", "creationTimestamp": ago(3 * 86400)},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2}
    });
    assert_eq!(
        cells("PodDisruptionBudget", pdb),
        vec![json!("web-pdb"), json!("2"), json!("N/A"), json!(1), json!("3d")]
    );
    let pct = json!({"spec": {"maxUnavailable": "25%"}});
    let row = cells("PodDisruptionBudget", pct);
    assert_eq!(row[1..4], [json!("N/A"), json!("25%"), json!(0)]);
}

#[test]
fn network_policy_rows() {
    let np = json!({
        "metadata": {"name": "allow-frontend", "creationTimestamp": ago(120)},
        "spec": {"podSelector": {
            "matchLabels": {"app": "api"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "backend"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "team", "operator": "Exists"}
            ]}}
    });
    assert_eq!(
        cells("NetworkPolicy", np),
        vec![
            json!("allow-frontend"),
            json!("app=api,!canary,env notin (dev),team,tier in (backend,web)"),
            json!("2m"),
        ]
    );
    let deny_all = json!({"metadata": {"name": "default-deny"}, "spec": {"podSelector": {}}});
    assert_eq!(cells("NetworkPolicy", deny_all)[1], "<none>");
    let bad = json!({"spec": {"podSelector": {"matchLabels": {"bad key!": "x"}}}});
    assert_eq!(cells("NetworkPolicy", bad)[1], "<error>");
    let empty_in = json!({"spec": {"podSelector": {"matchExpressions": [
            {"key": "a", "operator": "In", "values": []}]}}});
    assert_eq!(cells("NetworkPolicy", empty_in)[1], "<error>");
}

#[test]
fn namespace_and_fallback_rows() {
    let ns = json!({
        "metadata": {"name": "shop", "creationTimestamp": ago(86400)},
        "status": {"phase": "Active"}
    });
    assert_eq!(
        cells("Namespace", ns),
        vec![json!("shop"), json!("Active"), json!("24h")]
    );
    let mut terminating = json!({"metadata": {"name": "old"}, "status": {"phase": "Terminating"}});
    assert_eq!(cells("Namespace", terminating.clone())[1], "Terminating");
    terminating["metadata"]["creationTimestamp"] = json!(ago(50));
    assert_eq!(cells("Namespace", terminating)[2], "50s");

    let widget = json!({"metadata": {"name": "w", "creationTimestamp": ago(600)}});
    assert_eq!(cells("Widget", widget), vec![json!("w"), json!("10m")]);
}

#[test]
fn label_name_validation() {
    assert!(is_qualified_name("app"));
    assert!(is_qualified_name("app.kubernetes.io/name"));
    assert!(is_qualified_name("node-role.kubernetes.io/control-plane"));
    assert!(!is_qualified_name(""));
    assert!(!is_qualified_name("/name"));
    assert!(!is_qualified_name("Example.com/name"));
    assert!(!is_qualified_name("a/b/c"));
    assert!(!is_qualified_name("-app"));
    assert!(!is_qualified_name(&"a".repeat(64)));
    assert!(is_label_value(""));
    assert!(is_label_value("v1.2_3-x"));
    assert!(!is_label_value("has space"));
}
