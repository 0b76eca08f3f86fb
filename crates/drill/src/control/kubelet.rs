//! The simulated kubelet: each pod's container lifecycle after it is bound to a node
//! (ContainerCreating → Running → Ready; crashes with CrashLoopBackOff back-off; OOMKills;
//! image pull errors; graceful termination), written to pod status and Events.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::control::configs::ConfigRead;
use crate::kinds;
use crate::scenario::model::{Crash, ImageBehaviour};
use crate::scenario::quantity::Quantity;
use crate::sim::{Sim, Timer, Work, owner_of, owner_uid};

/// A kubelet step for one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Start,
    Ready,
    Crash,
    OomKill,
    Restart,
    Remove,
}

/// What the kubelet knows of a pod besides its object.
#[derive(Debug, Clone, Default)]
pub struct PodRuntime {
    pub owner_uid: Option<String>,
    /// `namespace/name` of the top-level workload (Deployment, DaemonSet, StatefulSet).
    pub workload: Option<String>,
    pub node: Option<String>,
    pub cpu_request: f64,
    pub memory_request: f64,
    /// Bumped whenever pending timers for this pod must be ignored.
    pub epoch: u64,
    pub image: String,
    pub restarts: u32,
    pub running: bool,
    pub ready: bool,
    pub terminating: bool,
    pub failed: bool,
    /// The crash its ConfigMap caused at its last start, if it did.
    pub config_crash: Option<Crash>,
    /// The last FailedScheduling message, so it is not repeated.
    pub unschedulable_message: Option<String>,
    pub started_at: Option<String>,
}

fn quantity(v: Option<&Value>) -> f64 {
    v.and_then(Value::as_str)
        .and_then(|s| Quantity::parse(s).ok())
        .map(|q| q.value)
        .unwrap_or(0.0)
}

/// Sum of container requests (cpu cores, memory bytes).
pub fn pod_requests(pod: &Value) -> (f64, f64) {
    let mut cpu = 0.0;
    let mut mem = 0.0;
    if let Some(cs) = pod.pointer("/spec/containers").and_then(Value::as_array) {
        for c in cs {
            cpu += quantity(c.pointer("/resources/requests/cpu"));
            mem += quantity(c.pointer("/resources/requests/memory"));
        }
    }
    (cpu, mem)
}

fn container_name(pod: &Value) -> String {
    pod.pointer("/spec/containers/0/name")
        .and_then(Value::as_str)
        .unwrap_or("app")
        .to_string()
}

impl Sim {
    /// The behaviour of a container running `image`.
    fn behaviour(&self, image: &str) -> ImageBehaviour {
        self.scenario.images.get(image).cloned().unwrap_or_default()
    }

    fn runtime(&mut self, ns: &str, name: &str) -> Option<&mut PodRuntime> {
        self.pods.get_mut(&(ns.to_string(), name.to_string()))
    }

    /// `namespace/name` of the top-level workload the pod `v` in `ns` belongs to: its
    /// ReplicaSet's Deployment, or its own controller.
    pub fn pod_workload(&self, ns: &str, v: &Value) -> Option<String> {
        match owner_of(v) {
            Some((kind, owner)) if kind == "ReplicaSet" => self
                .get(&kinds::REPLICASETS, ns, &owner)
                .and_then(|rs| rs.meta().owner())
                .map(|(_, d)| format!("{ns}/{d}"))
                .or(Some(format!("{ns}/{owner}"))),
            Some((_, owner)) => Some(format!("{ns}/{owner}")),
            None => None,
        }
    }

    /// Starts tracking a pod that was just created (by a controller or the API).
    pub fn register_pod(&mut self, ns: &str, name: &str) {
        let Some(obj) = self.get(&kinds::PODS, ns, name) else {
            return;
        };
        let v = obj.value();
        let (cpu, mem) = pod_requests(&v);
        let workload = self.pod_workload(ns, &v);
        let runtime = PodRuntime {
            owner_uid: owner_uid(&v),
            workload,
            cpu_request: cpu,
            memory_request: mem,
            image: v
                .pointer("/spec/containers/0/image")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            ..Default::default()
        };
        self.track_pod((ns.to_string(), name.to_string()), runtime);
        match v.pointer("/spec/nodeName").and_then(Value::as_str) {
            Some(node) if !node.is_empty() => {
                let node = node.to_string();
                self.bound(ns, name, &node);
            }
            _ => self.queue(Work::Schedule),
        }
    }

    /// The pod was bound to `node`: the kubelet there starts pulling.
    pub fn bound(&mut self, ns: &str, name: &str, node: &str) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        rt.node = Some(node.to_string());
        let image = rt.image.clone();
        self.unbound.remove(&(ns.to_string(), name.to_string()));
        self.node_alloc_add(node, ns, name);
        let host_ip = self.node_ip(node);
        let Some(pod) = self.modify(kinds::PODS, ns, name, |p| {
            p["spec"]["nodeName"] = json!(node);
            p["status"]["hostIP"] = json!(host_ip);
            p["status"]["hostIPs"] = json!([{"ip": host_ip}]);
        }) else {
            return;
        };
        let c = container_name(&pod.value());
        let now = self.timestamp();
        self.modify(kinds::PODS, ns, name, |p| {
            set_condition(p, "PodScheduled", "True", None, &now);
            set_condition(p, "Initialized", "True", None, &now);
            set_condition(p, "Ready", "False", Some("ContainersNotReady"), &now);
            set_condition(p, "ContainersReady", "False", Some("ContainersNotReady"), &now);
            p["status"]["containerStatuses"] = json!([{
                "name": c, "image": image, "imageID": "", "ready": false, "restartCount": 0, "started": false,
                "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {},
            }]);
        });
        if self.pod_events
            && let Some(pod) = self.get(&kinds::PODS, ns, name)
        {
            self.normal(
                &pod,
                "Scheduled",
                &format!("Successfully assigned {ns}/{name} to {node}"),
                "default-scheduler",
            );
            self.normal(&pod, "Pulling", &format!("Pulling image \"{image}\""), "kubelet");
        }
        let start = self.scenario.dynamics.container_start.signed();
        self.pod_timer(ns, name, Step::Start, start);
    }

    fn pod_timer(&mut self, ns: &str, name: &str, step: Step, after: SignedDuration) {
        let Some(epoch) = self.runtime(ns, name).map(|r| r.epoch) else {
            return;
        };
        self.after(
            after,
            Timer::Pod {
                namespace: ns.into(),
                name: name.into(),
                step,
                epoch,
            },
        );
    }

    /// Runs a kubelet step unless it is stale.
    pub fn pod_step(&mut self, ns: &str, name: &str, step: Step, epoch: u64) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        if rt.epoch != epoch {
            return;
        }
        if step == Step::Remove {
            self.remove_object(&kinds::PODS, ns, name);
            return;
        }
        if rt.terminating || rt.failed {
            return;
        }
        let node = rt.node.clone().unwrap_or_default();
        if !self.node_is_ready(&node) {
            return;
        }
        match step {
            Step::Start | Step::Restart => self.start_container(ns, name, step == Step::Restart),
            Step::Ready => self.set_ready(ns, name, true),
            Step::Crash => self.crash(ns, name, false),
            Step::OomKill => self.crash(ns, name, true),
            Step::Remove => {}
        }
    }

    fn start_container(&mut self, ns: &str, name: &str, restart: bool) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        let image = rt.image.clone();
        let workload = rt.workload.clone();
        let mut behaviour = self.behaviour(&image);
        let Some(pod) = self.get(&kinds::PODS, ns, name) else {
            return;
        };
        let c = container_name(&pod.value());
        let config = self.read_config(ns, &pod.value(), workload.as_deref());
        if let ConfigRead::Missing(map) = &config {
            let message = format!("configmap \"{map}\" not found");
            let now = self.timestamp();
            self.modify(kinds::PODS, ns, name, |p| {
                container_status(p)["state"] =
                    json!({"waiting": {"reason": "CreateContainerConfigError", "message": message}});
                set_condition(p, "Ready", "False", Some("ContainersNotReady"), &now);
            });
            if let Some(pod) = self.get(&kinds::PODS, ns, name) {
                self.warning(&pod, "Failed", &format!("Error: {message}"), "kubelet");
            }
            let backoff = self.scenario.dynamics.crash_backoff.signed();
            self.pod_timer(ns, name, Step::Restart, backoff);
            return;
        }
        let config_crash = match config {
            ConfigRead::Refused(crash) => Some(crash),
            _ => None,
        };
        if let Some(rt) = self.runtime(ns, name) {
            rt.config_crash = config_crash.clone();
        }
        if config_crash.is_some() {
            behaviour.crash = config_crash;
        }
        if behaviour.pull_error {
            let now = self.timestamp();
            let reason = if restart { "ImagePullBackOff" } else { "ErrImagePull" };
            self.modify(kinds::PODS, ns, name, |p| {
                container_status(p)["state"] =
                    json!({"waiting": {"reason": reason, "message": format!("Back-off pulling image \"{image}\"")}});
                set_condition(p, "Ready", "False", Some("ContainersNotReady"), &now);
            });
            if let Some(pod) = self.get(&kinds::PODS, ns, name) {
                self.warning(&pod, "Failed", &format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"), "kubelet");
                self.warning(&pod, "Failed", "Error: ImagePullBackOff", "kubelet");
            }
            let backoff = self.scenario.dynamics.crash_backoff.signed();
            self.pod_timer(ns, name, Step::Restart, backoff);
            return;
        }
        let now = self.timestamp();
        let restarts = {
            let Some(rt) = self.runtime(ns, name) else {
                return;
            };
            if restart {
                rt.restarts += 1;
            }
            rt.running = true;
            rt.ready = false;
            rt.started_at = Some(now.clone());
            rt.restarts
        };
        let ip = self.pod_ip(ns, name);
        self.modify(kinds::PODS, ns, name, |p| {
            p["status"]["phase"] = json!("Running");
            if p["status"].get("startTime").is_none() {
                p["status"]["startTime"] = json!(now);
            }
            p["status"]["podIP"] = json!(ip);
            p["status"]["podIPs"] = json!([{"ip": ip}]);
            let cs = container_status(p);
            cs["state"] = json!({"running": {"startedAt": now}});
            cs["ready"] = json!(false);
            cs["started"] = json!(true);
            cs["restartCount"] = json!(restarts);
            cs["imageID"] = json!(format!("{image}@sha256:{:064x}", image.len()));
            cs["containerID"] = json!(format!("containerd://{:064x}", restarts as u64 + 1));
        });
        if self.pod_events
            && let Some(pod) = self.get(&kinds::PODS, ns, name)
        {
            if restart {
                self.normal(
                    &pod,
                    "Pulled",
                    &format!("Container image \"{image}\" already present on machine"),
                    "kubelet",
                );
            } else {
                self.normal(&pod, "Pulled", &format!("Successfully pulled image \"{image}\" in 1.204s (1.204s including waiting). Image size: 48213311 bytes."), "kubelet");
            }
            self.normal(&pod, "Created", &format!("Created container: {c}"), "kubelet");
            self.normal(&pod, "Started", &format!("Started container {c}"), "kubelet");
        }
        if let Some(crash) = &behaviour.crash {
            self.pod_timer(ns, name, Step::Crash, crash.after.signed());
            if crash.after.millis
                > behaviour
                    .ready_after
                    .unwrap_or(self.scenario.dynamics.ready_after)
                    .millis
                && !behaviour.never_ready
            {
                let ready = behaviour
                    .ready_after
                    .unwrap_or(self.scenario.dynamics.ready_after)
                    .signed();
                self.pod_timer(ns, name, Step::Ready, ready);
            }
            return;
        }
        if self.tracks_usage()
            && let Some(node) = self
                .pods
                .get(&(ns.to_string(), name.to_string()))
                .and_then(|r| r.node.clone())
        {
            self.queue(Work::NodePressure(node));
        }
        if let Some(oom) = behaviour.oom_after {
            self.pod_timer(ns, name, Step::OomKill, oom.signed());
        }
        if !behaviour.never_ready {
            let ready = behaviour
                .ready_after
                .unwrap_or(self.scenario.dynamics.ready_after)
                .signed();
            self.pod_timer(ns, name, Step::Ready, ready);
        }
    }

    /// Marks the pod's container ready or not (readiness probe, node status).
    pub fn set_ready(&mut self, ns: &str, name: &str, ready: bool) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        if ready && !rt.running {
            return;
        }
        rt.ready = ready;
        let now = self.timestamp();
        let reason = if ready { None } else { Some("ContainersNotReady") };
        let status = if ready { "True" } else { "False" };
        self.modify(kinds::PODS, ns, name, |p| {
            container_status(p)["ready"] = json!(ready);
            set_condition(p, "Ready", status, reason, &now);
            set_condition(p, "ContainersReady", status, reason, &now);
        });
    }

    /// The container exits (crash or OOMKill); the kubelet backs off before restarting.
    pub fn crash(&mut self, ns: &str, name: &str, oom: bool) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        if !rt.running {
            return;
        }
        rt.running = false;
        rt.ready = false;
        rt.epoch += 1;
        let restarts = rt.restarts;
        let started = rt.started_at.clone().unwrap_or_default();
        let image = rt.image.clone();
        let config_crash = rt.config_crash.clone();
        let behaviour = self.behaviour(&image);
        let (exit, reason, message) = if oom {
            (137, "OOMKilled", String::new())
        } else {
            let c = config_crash.or(behaviour.crash.clone());
            (
                c.as_ref().map(|c| c.exit_code).unwrap_or(1),
                "Error",
                c.and_then(|c| c.message).unwrap_or_default(),
            )
        };
        // The first restart is immediate; then the back-off doubles up to the maximum.
        let d = &self.scenario.dynamics;
        let backoff_ms = if restarts == 0 {
            1000
        } else {
            let factor = 1i64 << (restarts - 1).min(16);
            (d.crash_backoff.millis.saturating_mul(factor)).min(d.max_backoff.millis)
        };
        let backoff = SignedDuration::from_millis(backoff_ms);
        let now = self.timestamp();
        let Some(pod) = self.get(&kinds::PODS, ns, name) else {
            return;
        };
        let c = container_name(&pod.value());
        let waiting_message = format!(
            "back-off {} restarting failed container={c} pod={name}_{ns}({})",
            human_secs(backoff_ms / 1000),
            pod.uid
        );
        self.modify(kinds::PODS, ns, name, |p| {
            let cs = container_status(p);
            let mut terminated = json!({"exitCode": exit, "reason": reason, "startedAt": started, "finishedAt": now,
                                        "containerID": cs.get("containerID").cloned().unwrap_or(Value::Null)});
            if !message.is_empty() {
                terminated["message"] = json!(message);
            }
            cs["lastState"] = json!({"terminated": terminated});
            cs["state"] = if restarts == 0 {
                json!({"terminated": terminated_state(exit, reason, &started, &now)})
            } else {
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": waiting_message}})
            };
            cs["ready"] = json!(false);
            cs["started"] = json!(false);
            set_condition(p, "Ready", "False", Some("ContainersNotReady"), &now);
            set_condition(p, "ContainersReady", "False", Some("ContainersNotReady"), &now);
        });
        if let Some(pod) = self.get(&kinds::PODS, ns, name) {
            if oom {
                self.warning(
                    &pod,
                    "OOMKilling",
                    &format!("Memory cgroup out of memory: Killed process ({c})"),
                    "kernel-monitor",
                );
            }
            self.warning(
                &pod,
                "BackOff",
                &format!(
                    "Back-off restarting failed container {c} in pod {name}_{ns}({})",
                    pod.uid
                ),
                "kubelet",
            );
        }
        self.pod_timer(ns, name, Step::Restart, backoff);
    }

    /// Starts graceful deletion: the pod shows Terminating and goes when its grace ends
    /// (never, while its node is down: the kubelet there cannot confirm).
    pub fn terminate_pod(&mut self, ns: &str, name: &str, grace: Option<i64>) {
        let Some(rt) = self.runtime(ns, name) else {
            // Not tracked (e.g. already failed and forgotten): remove outright.
            self.remove_object(&kinds::PODS, ns, name);
            return;
        };
        if rt.terminating {
            return;
        }
        rt.terminating = true;
        rt.ready = false;
        rt.epoch += 1;
        let node = rt.node.clone();
        let bound = node.is_some();
        let failed = rt.failed;
        let grace_secs = grace.unwrap_or(30);
        let deletion = self
            .now
            .checked_add(SignedDuration::from_secs(grace_secs))
            .unwrap_or(self.now);
        let deletion = crate::sim::format_time(deletion);
        let now = self.timestamp();
        let Some(pod) = self.modify(kinds::PODS, ns, name, |p| {
            p["metadata"]["deletionTimestamp"] = json!(deletion);
            p["metadata"]["deletionGracePeriodSeconds"] = json!(grace_secs);
            set_condition(p, "Ready", "False", Some("PodCompleted"), &now);
        }) else {
            return;
        };
        if !bound || failed || grace_secs == 0 {
            self.remove_object(&kinds::PODS, ns, name);
            return;
        }
        let c = container_name(&pod.value());
        if self.pod_events {
            self.normal(&pod, "Killing", &format!("Stopping container {c}"), "kubelet");
        }
        if self.node_is_ready(node.as_deref().unwrap_or("")) {
            let grace = self.scenario.dynamics.termination_grace.millis.min(grace_secs * 1000);
            self.pod_timer(ns, name, Step::Remove, SignedDuration::from_millis(grace));
        }
    }

    /// The kubelet evicts a pod under node pressure: it fails with reason Evicted and stays.
    pub fn kubelet_evict(&mut self, ns: &str, name: &str, message: &str) {
        let Some(rt) = self.runtime(ns, name) else {
            return;
        };
        rt.failed = true;
        rt.running = false;
        rt.ready = false;
        rt.epoch += 1;
        let node = rt.node.clone();
        if let Some(node) = &node {
            self.node_alloc_remove(node, ns, name);
        }
        let now = self.timestamp();
        let Some(pod) = self.modify(kinds::PODS, ns, name, |p| {
            p["status"]["phase"] = json!("Failed");
            p["status"]["reason"] = json!("Evicted");
            p["status"]["message"] = json!(message);
            // The container is gone; its state is left empty so kubectl shows the pod's reason.
            if let Some(cs) = container_status(p).as_object_mut() {
                cs.insert("ready".into(), json!(false));
                cs.insert("started".into(), json!(false));
                cs.insert("state".into(), json!({}));
            }
            set_condition(p, "Ready", "False", Some("PodFailed"), &now);
            set_condition(p, "DisruptionTarget", "True", Some("TerminationByKubelet"), &now);
        }) else {
            return;
        };
        self.warning(&pod, "Evicted", message, "kubelet");
    }

    /// Pods bound to `node` and not failed, in name order.
    pub fn pods_on(&self, node: &str) -> Vec<(String, String)> {
        self.node_alloc
            .get(node)
            .map(|l| l.pods.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn pod_ip(&self, ns: &str, name: &str) -> String {
        let mut h: u32 = 2166136261;
        for b in ns.bytes().chain(name.bytes()) {
            h = (h ^ b as u32).wrapping_mul(16777619);
        }
        format!("10.244.{}.{}", (h >> 8) % 250, h % 250 + 2)
    }
}

fn terminated_state(exit: i32, reason: &str, started: &str, finished: &str) -> Value {
    json!({"exitCode": exit, "reason": reason, "startedAt": started, "finishedAt": finished})
}

/// `10s`, `5m0s` as the kubelet prints back-off durations.
fn human_secs(s: i64) -> String {
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{}s", s / 60, s % 60)
    }
}

/// The first container's status, created (as an object) when missing or malformed, so a
/// pod whose status someone replaced through the API cannot upset the kubelet.
pub fn container_status(pod: &mut Value) -> &mut Value {
    if !pod.is_object() {
        *pod = json!({});
    }
    if !pod["status"].is_object() {
        pod["status"] = json!({});
    }
    let list = &mut pod["status"]["containerStatuses"];
    if !list.as_array().is_some_and(|a| a.first().is_some_and(Value::is_object)) {
        *list = json!([{"name": "app", "ready": false, "restartCount": 0, "image": "", "imageID": ""}]);
    }
    &mut list[0]
}

/// Sets a pod condition, keeping lastTransitionTime when the status did not change.
pub fn set_condition(pod: &mut Value, kind: &str, status: &str, reason: Option<&str>, now: &str) {
    let status_obj = &mut pod["status"];
    if !status_obj.is_object() {
        *status_obj = json!({});
    }
    let conditions = &mut status_obj["conditions"];
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return;
    };
    let mut entry: BTreeMap<&str, Value> = BTreeMap::new();
    entry.insert("type", json!(kind));
    entry.insert("status", json!(status));
    entry.insert("lastProbeTime", Value::Null);
    if let Some(r) = reason {
        entry.insert("reason", json!(r));
        if r == "ContainersNotReady" {
            entry.insert("message", json!("containers with unready status: [app]"));
        }
    }
    match list
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    {
        Some(existing) => {
            let changed = existing.get("status").and_then(Value::as_str) != Some(status);
            let transition = if changed {
                json!(now)
            } else {
                existing.get("lastTransitionTime").cloned().unwrap_or(json!(now))
            };
            entry.insert("lastTransitionTime", transition);
            *existing = json!(entry);
        }
        None => {
            entry.insert("lastTransitionTime", json!(now));
            list.push(json!(entry));
        }
    }
}
