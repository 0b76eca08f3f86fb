//! Turns a scenario into a running cluster: namespaces, nodes and workloads are created
//! half an hour before the drill starts and their revision history is rolled out through the
//! real controllers, so ReplicaSets, revisions, pods and Events look lived-in at the start.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::kinds;
use crate::scenario::Scenario;
use crate::scenario::model::{WorkloadKind, WorkloadSpec};
use crate::sim::{Sim, Timer};

/// How long before the drill's start the cluster is built.
const WARMUP: SignedDuration = SignedDuration::from_mins(30);

/// The ConfigMap a workload with `config:` reads.
pub fn config_map_name(w: &WorkloadSpec) -> String {
    format!("{}-config", w.name)
}

/// Labels that select a workload's pods.
pub fn selector_labels(w: &WorkloadSpec) -> Value {
    let mut labels = service_selector(w);
    if let Some(track) = &w.track {
        labels["track"] = json!(track);
    }
    labels
}

/// What the workload's Service selects: `app: SERVICE`, shared by the workloads behind it.
pub fn service_selector(w: &WorkloadSpec) -> Value {
    json!({"app": service_name(w)})
}

/// The Service that sends the workload traffic.
pub fn service_name(w: &WorkloadSpec) -> &str {
    w.service.as_deref().unwrap_or(&w.name)
}

impl Sim {
    /// Builds the scenario's cluster and runs it up to the drill's start.
    pub fn new(scenario: Scenario, seed: u64, clock: Clock, log_capacity: usize) -> Self {
        let mut sim = Sim::empty(scenario, seed, clock, log_capacity);
        let start = sim.start;
        sim.now = start.checked_sub(WARMUP).unwrap_or(start);
        sim.build();
        sim.reconcile();
        for i in 0..sim.scenario.faults.len() {
            let at = start
                .checked_add(sim.scenario.faults[i].get().at.signed())
                .unwrap_or(start);
            sim.at(at, Timer::Fault(i));
        }
        sim.advance_to(start);
        sim
    }

    fn build(&mut self) {
        let mut namespaces: Vec<String> = vec!["default".into(), "kube-system".into(), "monitoring".into()];
        namespaces.extend(self.scenario.namespaces.iter().cloned());
        namespaces.extend(self.scenario.workloads.iter().map(|w| w.get().namespace.clone()));
        let mut seen = std::collections::BTreeSet::new();
        for ns in namespaces {
            if seen.insert(ns.clone()) {
                let obj = json!({"metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
                let _ = self.create_object(kinds::NAMESPACES, obj);
            }
        }
        for service in crate::services::built_in() {
            let _ = self.create_object(kinds::SERVICES, service);
        }
        let nodes: Vec<_> = self.scenario.nodes.iter().map(|n| n.get().clone()).collect();
        let mut index = 0;
        for spec in &nodes {
            let names: Vec<String> = match spec.count {
                Some(c) => (1..=c).map(|i| format!("{}-{i}", spec.name)).collect(),
                None => vec![spec.name.clone()],
            };
            for name in names {
                index += 1;
                let node = self.node_object(spec, &name, index);
                let _ = self.create_object(kinds::NODES, node);
            }
        }
        let workloads: Vec<_> = self.scenario.workloads.iter().map(|w| w.get().clone()).collect();
        let step = WARMUP / 2;
        for (i, w) in workloads.iter().enumerate() {
            if let Some(config) = &w.config {
                let obj = json!({"metadata": {"name": config_map_name(w), "namespace": w.namespace, "labels": selector_labels(w)},
                                 "data": config.data});
                let _ = self.create_object(kinds::CONFIG_MAPS, obj);
            }
            self.create_workload(w);
            let n = w.revisions.len();
            for r in 1..n {
                let at = self.now + step * (r as i32) / (n as i32);
                self.at(
                    at,
                    Timer::WarmupRevision {
                        workload: i,
                        revision: r,
                    },
                );
            }
            // A workload with traffic is reached through its Service (port 80 to the pods' http).
            // Workloads sharing a Service: the first one makes it.
            if w.traffic > 0.0 && self.get(&kinds::SERVICES, &w.namespace, service_name(w)).is_none() {
                let name = service_name(w);
                let ip = format!("10.96.{}.{}", 100 + i / 200, 10 + i % 200);
                let obj = json!({
                    "metadata": {"name": name, "namespace": w.namespace, "labels": service_selector(w)},
                    "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip], "selector": service_selector(w),
                             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
                             "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                             "internalTrafficPolicy": "Cluster"},
                    "status": {"loadBalancer": {}},
                });
                let _ = self.create_object(kinds::SERVICES, obj);
            }
            if let Some(pdb) = &w.pdb {
                let mut spec = json!({"selector": {"matchLabels": selector_labels(w)}});
                if let Some(m) = pdb.min_available {
                    spec["minAvailable"] = json!(m);
                }
                if let Some(m) = pdb.max_unavailable {
                    spec["maxUnavailable"] = json!(m);
                }
                let obj = json!({"metadata": {"name": w.name, "namespace": w.namespace}, "spec": spec, "status": {}});
                let _ = self.create_object(kinds::PDBS, obj);
            }
            if let Some(a) = &w.autoscaler {
                let kind = workload_kind(w.kind);
                let obj = json!({
                    "metadata": {"name": w.name, "namespace": w.namespace},
                    "spec": {
                        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind.kind, "name": w.name},
                        "minReplicas": a.min_replicas, "maxReplicas": a.max_replicas,
                        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                     "target": {"type": "Utilization", "averageUtilization": a.cpu_utilization}}}],
                    },
                    "status": {"currentReplicas": 0, "desiredReplicas": 0},
                });
                let _ = self.create_object(kinds::AUTOSCALERS, obj);
            }
        }
    }

    fn node_object(&mut self, spec: &crate::scenario::model::NodeSpec, name: &str, index: usize) -> Value {
        let kubelet = spec
            .kubelet_version
            .clone()
            .unwrap_or_else(|| self.scenario.apiserver.git_version());
        let mut labels = json!({
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
        });
        if let Some(z) = &spec.zone {
            labels["topology.kubernetes.io/zone"] = json!(z);
        }
        for r in &spec.roles {
            labels[format!("node-role.kubernetes.io/{r}")] = json!("");
        }
        for (k, v) in &spec.labels {
            labels[k] = json!(v);
        }
        let now = self.timestamp();
        let condition = |t: &str, status: &str, reason: &str, message: &str| json!({"type": t, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": now, "reason": reason, "message": message});
        let capacity = json!({
            "cpu": spec.cpu.text,
            "memory": spec.memory.text,
            "pods": spec.max_pods.to_string(),
            "ephemeral-storage": "100Gi",
        });
        let machine = format!("{:032x}", index as u128 * 0x9e37_79b9_7f4a_7c15);
        let mut taints = Vec::new();
        if spec.unschedulable {
            taints.push(json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": now}));
        }
        json!({
            "metadata": {"name": name, "labels": labels, "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
            "spec": {
                "podCIDR": format!("10.244.{index}.0/24"),
                "podCIDRs": [format!("10.244.{index}.0/24")],
                "providerID": format!("drill://{name}"),
                "unschedulable": if spec.unschedulable { json!(true) } else { Value::Null },
                "taints": if taints.is_empty() { Value::Null } else { json!(taints) },
            },
            "status": {
                "capacity": capacity,
                "allocatable": capacity,
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [
                    {"type": "InternalIP", "address": format!("10.0.{}.{}", index / 250, index % 250 + 4)},
                    {"type": "Hostname", "address": name},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": machine, "systemUUID": machine, "bootID": machine,
                    "kernelVersion": "6.1.0-28-cloud-amd64",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://1.7.22",
                    "kubeletVersion": kubelet,
                    "kubeProxyVersion": kubelet,
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        })
    }

    /// The pod template a workload runs at a revision.
    pub fn pod_template(w: &WorkloadSpec, image: &str) -> Value {
        let mut labels = selector_labels(w);
        for (k, v) in &w.labels {
            labels[k] = json!(v);
        }
        let mut container = json!({
            "name": w.name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "resources": {
                "requests": {"cpu": w.resources.cpu.text, "memory": w.resources.memory.text},
                "limits": {"memory": w.resources.memory.text},
            },
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "FallbackToLogsOnError",
        });
        let mut spec = json!({
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "securityContext": {},
        });
        if w.config.is_some() {
            container["envFrom"] = json!([{"configMapRef": {"name": config_map_name(w)}}]);
        }
        if w.empty_dir {
            container["volumeMounts"] = json!([{"name": "cache", "mountPath": "/var/cache/app"}]);
            spec["volumes"] = json!([{"name": "cache", "emptyDir": {}}]);
        }
        if !w.node_selector.is_empty() {
            spec["nodeSelector"] = json!(w.node_selector);
        }
        if w.kind == WorkloadKind::DaemonSet {
            spec["tolerations"] = json!([{"operator": "Exists"}]);
        }
        spec["containers"] = json!([container]);
        json!({"metadata": {"labels": labels}, "spec": spec})
    }

    fn create_workload(&mut self, w: &WorkloadSpec) {
        let image = w.revisions.first().map(|r| r.image.as_str()).unwrap_or("");
        let mut labels = selector_labels(w);
        for (k, v) in &w.labels {
            labels[k] = json!(v);
        }
        let mut annotations = json!({});
        if let Some(cause) = w.revisions.first().and_then(|r| r.change_cause.clone()) {
            annotations["kubernetes.io/change-cause"] = json!(cause);
        }
        let template = Self::pod_template(w, image);
        let selector = json!({"matchLabels": selector_labels(w)});
        let (kind, spec) = match w.kind {
            WorkloadKind::Deployment => {
                let surge = w.max_surge.map(|n| json!(n)).unwrap_or(json!("25%"));
                let unavailable = w.max_unavailable.map(|n| json!(n)).unwrap_or(json!("25%"));
                (
                    kinds::DEPLOYMENTS,
                    json!({
                        "replicas": w.replicas,
                        "selector": selector,
                        "template": template,
                        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                        "revisionHistoryLimit": 10,
                        "progressDeadlineSeconds": w.progress_deadline.millis / 1000,
                    }),
                )
            }
            WorkloadKind::DaemonSet => (
                kinds::DAEMONSETS,
                json!({
                    "selector": selector,
                    "template": template,
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                    "revisionHistoryLimit": 10,
                }),
            ),
            WorkloadKind::StatefulSet => (
                kinds::STATEFULSETS,
                json!({
                    "replicas": w.replicas,
                    "selector": selector,
                    "serviceName": w.name,
                    "template": template,
                    "podManagementPolicy": "OrderedReady",
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                    "revisionHistoryLimit": 10,
                }),
            ),
        };
        let obj = json!({
            "metadata": {"name": w.name, "namespace": w.namespace, "labels": labels, "annotations": annotations},
            "spec": spec,
            "status": {},
        });
        if let Err(e) = self.create_object(kind, obj) {
            tracing::warn!(error = %e, workload = w.name, "workload not created");
        }
    }

    /// The scenario's workload `namespace/name`.
    pub(crate) fn workload_spec(&self, reference: &str) -> Option<&WorkloadSpec> {
        self.scenario
            .workloads
            .iter()
            .map(|w| w.get())
            .find(|w| reference.split_once('/') == Some((w.namespace.as_str(), w.name.as_str())))
    }

    /// Rolls a workload out to revision `revision` of its history (warm-up only).
    pub(crate) fn warmup_revision(&mut self, workload: usize, revision: usize) {
        let Some(w) = self.scenario.workloads.get(workload).map(|w| w.get().clone()) else {
            return;
        };
        let Some(rev) = w.revisions.get(revision) else {
            return;
        };
        let cause = rev.change_cause.clone();
        self.set_workload_image(&w, &rev.image, cause.as_deref());
    }

    /// Changes a workload's container image, as `kubectl set image` would.
    pub(crate) fn set_workload_image(&mut self, w: &WorkloadSpec, image: &str, cause: Option<&str>) {
        let kind = workload_kind(w.kind);
        self.modify(kind, &w.namespace, &w.name, |d| {
            if let Some(c) = d.pointer_mut("/spec/template/spec/containers/0/image") {
                *c = json!(image);
            }
            let annotations = &mut d["metadata"]["annotations"];
            if !annotations.is_object() {
                *annotations = json!({});
            }
            match cause {
                Some(c) => annotations["kubernetes.io/change-cause"] = json!(c),
                None => {
                    if let Some(a) = annotations.as_object_mut() {
                        a.remove("kubernetes.io/change-cause");
                    }
                }
            }
        });
    }
}

pub fn workload_kind(k: WorkloadKind) -> kinds::ResourceKind {
    match k {
        WorkloadKind::Deployment => kinds::DEPLOYMENTS,
        WorkloadKind::DaemonSet => kinds::DAEMONSETS,
        WorkloadKind::StatefulSet => kinds::STATEFULSETS,
    }
}
