//! The synthetic scale generator: a cluster at the documented Kubernetes limits (e.g. 5,000
//! nodes and 150,000 pods) with realistic object sizes, built directly in its steady state
//! (no warm-up, no per-pod Events) for benchmarks of list, watch and model throughput.

use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::control::kubelet::PodRuntime;
use crate::kinds;
use crate::scenario::Scenario;
use crate::sim::{Sim, format_time};

/// `nodes=5000,pods=150000[,namespaces=N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub nodes: usize,
    pub pods: usize,
    pub namespaces: usize,
    /// Pod status updates a virtual second (each a pod's Ready condition probed again), for
    /// measuring what follows the cluster under churn.
    pub churn: usize,
}

impl FromStr for SyntheticSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut spec = SyntheticSpec {
            nodes: 0,
            pods: 0,
            namespaces: 0,
            churn: 0,
        };
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("expected key=value in {part:?} (e.g. nodes=5000,pods=150000)"))?;
            let n: usize = v
                .trim()
                .parse()
                .map_err(|_| format!("{k}: {v:?} is not a whole number"))?;
            match k.trim() {
                "nodes" => spec.nodes = n,
                "pods" => spec.pods = n,
                "namespaces" => spec.namespaces = n,
                "churn" => spec.churn = n,
                other => {
                    return Err(format!("unknown key {other:?} (use nodes, pods, namespaces, churn)"));
                }
            }
        }
        if spec.nodes == 0 {
            return Err("nodes must be at least 1".into());
        }
        if spec.pods > spec.nodes * 110 {
            return Err(format!(
                "{} pods do not fit on {} nodes at 110 pods per node",
                spec.pods, spec.nodes
            ));
        }
        if spec.namespaces == 0 {
            spec.namespaces = (spec.pods / 1500).clamp(1, 100);
        }
        Ok(spec)
    }
}

/// Pods per synthetic Deployment.
const REPLICAS: usize = 30;

fn scenario() -> Scenario {
    serde_saphyr::from_str(
        "name: synthetic\ntitle: \"Synthetic scale cluster\"\ndescription: \"Generated for benchmarks; nothing goes wrong by itself.\"\nnodes: []\n",
    )
    .expect("the synthetic scenario header parses")
}

impl SyntheticSpec {
    /// Builds the cluster; the same spec and seed give the same objects.
    pub fn build(&self, seed: u64) -> Sim {
        let start = jiff::Timestamp::now();
        let start = jiff::Timestamp::from_second(start.as_second()).unwrap_or(start);
        let clock = Clock::new(start, 1.0, false);
        let mut sim = Sim::empty(scenario(), seed, clock, 100_000);
        sim.pod_events = false;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let created = format_time(start - jiff::SignedDuration::from_hours(26));
        let node_names: Vec<String> = (1..=self.nodes).map(|i| format!("node-{i:05}")).collect();
        let namespaces: Vec<String> = (1..=self.namespaces).map(|i| format!("team-{i:03}")).collect();
        for ns in namespaces
            .iter()
            .chain(["default".to_string(), "kube-system".to_string()].iter())
        {
            let uid = sim.uid();
            let _ = sim.store.create(
                kinds::NAMESPACES,
                json!({"metadata": {"name": ns, "uid": uid, "creationTimestamp": created,
                                    "labels": {"kubernetes.io/metadata.name": ns}},
                       "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
            );
        }
        for (i, name) in node_names.iter().enumerate() {
            let uid = sim.uid();
            let node = node_object(name, i, &uid, &created);
            let _ = sim.store.create(kinds::NODES, node);
        }
        let deployments = self.pods.div_ceil(REPLICAS);
        let mut placed = 0usize;
        for d in 0..deployments {
            let ns = &namespaces[d % namespaces.len()];
            let app = format!("svc-{d:05}");
            let replicas = REPLICAS.min(self.pods - placed);
            let hash = format!("{:08x}", rng.random::<u32>());
            let image = format!("registry.example.com/{ns}/{app}:1.{}.{}", d % 40, d % 7);
            let deploy_uid = sim.uid();
            let rs_name = format!("{app}-{hash}");
            let rs_uid = sim.uid();
            let template = pod_template(&app, &image, &hash);
            let status = json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                "readyReplicas": replicas, "availableReplicas": replicas,
                "conditions": [
                    {"type": "Available", "status": "True", "lastUpdateTime": created, "lastTransitionTime": created,
                     "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                    {"type": "Progressing", "status": "True", "lastUpdateTime": created, "lastTransitionTime": created,
                     "reason": "NewReplicaSetAvailable", "message": format!("ReplicaSet \"{rs_name}\" has successfully progressed.")}]});
            let mut dep_template = template.clone();
            if let Some(l) = dep_template["metadata"]["labels"].as_object_mut() {
                l.remove("pod-template-hash");
            }
            let _ = sim.store.create(
                kinds::DEPLOYMENTS,
                json!({"metadata": {"name": app, "namespace": ns, "uid": deploy_uid, "creationTimestamp": created,
                                    "generation": 1, "labels": {"app": app},
                                    "annotations": {"deployment.kubernetes.io/revision": "1"}},
                       "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": dep_template,
                                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                                "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
                       "status": status}),
            );
            let _ = sim.store.create(
                kinds::REPLICASETS,
                json!({"metadata": {"name": rs_name, "namespace": ns, "uid": rs_uid, "creationTimestamp": created, "generation": 1,
                                    "labels": template["metadata"]["labels"],
                                    "annotations": {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                                                    "deployment.kubernetes.io/max-replicas": (replicas + 8).to_string()},
                                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": deploy_uid,
                                                         "controller": true, "blockOwnerDeletion": true}]},
                       "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": hash}}, "template": template},
                       "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
                                  "availableReplicas": replicas, "observedGeneration": 1}}),
            );
            for _ in 0..replicas {
                let node = &node_names[placed % node_names.len()];
                let pod_name = format!("{rs_name}-{}", sim.suffix(5));
                let uid = sim.uid();
                let pod = pod_object(
                    &pod_name, ns, &app, &image, &hash, &rs_name, &rs_uid, node, &uid, &created, placed,
                );
                if sim.store.create(kinds::PODS, pod).is_ok() {
                    sim.track_pod(
                        (ns.clone(), pod_name.clone()),
                        PodRuntime {
                            owner_uid: Some(rs_uid.clone()),
                            workload: Some(format!("{ns}/{app}")),
                            node: Some(node.clone()),
                            cpu_request: 0.1,
                            memory_request: 128.0 * 1024.0 * 1024.0,
                            image: image.clone(),
                            running: true,
                            ready: true,
                            started_at: Some(created.clone()),
                            ..Default::default()
                        },
                    );
                    sim.node_alloc_add(node, ns, &pod_name);
                }
                placed += 1;
            }
        }
        // Watches start from now: the build itself is not history.
        sim.store.compact();
        sim.work.clear();
        if self.churn > 0 {
            sim.churn = Some(crate::sim::Churn {
                per_second: self.churn,
                cursor: 0,
                pods: Vec::new(),
            });
            sim.after(jiff::SignedDuration::from_secs(1), crate::sim::Timer::Churn);
        }
        sim
    }
}

fn node_object(name: &str, i: usize, uid: &str, created: &str) -> Value {
    let zone = ["a", "b", "c"][i % 3];
    let condition = |t: &str, status: &str, reason: &str, message: &str| json!({"type": t, "status": status, "lastHeartbeatTime": created, "lastTransitionTime": created, "reason": reason, "message": message});
    let capacity =
        json!({"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "100Gi", "hugepages-2Mi": "0"});
    json!({
        "metadata": {"name": name, "uid": uid, "creationTimestamp": created,
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                       "topology.kubernetes.io/zone": format!("eu-west-1{zone}"), "topology.kubernetes.io/region": "eu-west-1",
                       "node.kubernetes.io/instance-type": "m6i.4xlarge"},
            "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {"podCIDR": format!("10.{}.{}.0/24", 64 + i / 256, i % 256), "providerID": format!("aws:///eu-west-1{zone}/i-{i:017x}")},
        "status": {
            "capacity": capacity, "allocatable": capacity,
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": format!("10.0.{}.{}", i / 250, i % 250 + 4)}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": format!("{i:032x}"), "systemUUID": format!("{i:032x}"), "bootID": format!("{i:032x}"),
                "kernelVersion": "6.1.0-28-cloud-amd64", "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": "v1.32.4", "kubeProxyVersion": "v1.32.4",
                "operatingSystem": "linux", "architecture": "amd64"},
        },
    })
}

fn pod_template(app: &str, image: &str, hash: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app, "pod-template-hash": hash, "app.kubernetes.io/name": app,
                                 "app.kubernetes.io/part-of": "synthetic", "team": "platform"},
                     "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
        "spec": {
            "containers": [{
                "name": app, "image": image, "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
                "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "OTEL_SERVICE_NAME", "value": app},
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10,
                                   "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            }],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default", "schedulerName": "default-scheduler", "securityContext": {},
            "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}],
        },
    })
}

#[allow(clippy::too_many_arguments)]
fn pod_object(
    name: &str,
    ns: &str,
    app: &str,
    image: &str,
    hash: &str,
    rs: &str,
    rs_uid: &str,
    node: &str,
    uid: &str,
    created: &str,
    i: usize,
) -> Value {
    let mut pod = pod_template(app, image, hash);
    pod["metadata"]["name"] = json!(name);
    pod["metadata"]["generateName"] = json!(format!("{rs}-"));
    pod["metadata"]["namespace"] = json!(ns);
    pod["metadata"]["uid"] = json!(uid);
    pod["metadata"]["creationTimestamp"] = json!(created);
    pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": rs_uid,
                                                  "controller": true, "blockOwnerDeletion": true}]);
    pod["spec"]["nodeName"] = json!(node);
    pod["spec"]["tolerations"] = json!([
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]);
    let ip = format!("10.{}.{}.{}", 100 + i / 65536, (i / 256) % 256, i % 256);
    let condition =
        |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": created});
    pod["status"] = json!({
        "phase": "Running", "qosClass": "Burstable", "hostIP": "10.0.0.4", "podIP": ip, "podIPs": [{"ip": ip}],
        "startTime": created,
        "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"),
                       condition("ContainersReady"), condition("PodScheduled")],
        "containerStatuses": [{"name": app, "image": image, "imageID": format!("{image}@sha256:{:064x}", i),
            "containerID": format!("containerd://{:064x}", i), "ready": true, "started": true, "restartCount": 0,
            "state": {"running": {"startedAt": created}}, "lastState": {}}],
    });
    pod
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_rejects_nonsense() {
        let s: SyntheticSpec = "nodes=50,pods=1500".parse().unwrap();
        assert_eq!((s.nodes, s.pods, s.namespaces), (50, 1500, 1));
        assert!(
            "nodes=1,pods=200"
                .parse::<SyntheticSpec>()
                .unwrap_err()
                .contains("do not fit")
        );
        assert!("nodes=x".parse::<SyntheticSpec>().is_err());
        assert!("pods=5".parse::<SyntheticSpec>().is_err());
    }

    #[test]
    fn builds_a_steady_cluster_of_the_requested_size() {
        let spec: SyntheticSpec = "nodes=20,pods=400,namespaces=3".parse().unwrap();
        let mut sim = spec.build(3);
        assert_eq!(sim.store.count(&kinds::NODES), 20);
        assert_eq!(sim.store.count(&kinds::PODS), 400);
        assert_eq!(sim.store.count(&kinds::DEPLOYMENTS), 14);
        let pod = sim.store.iter(&kinds::PODS, None).next().unwrap().clone();
        assert!(
            pod.json.len() > 2000,
            "realistic pod size, got {} bytes",
            pod.json.len()
        );
        // Steady: asked to look, the controllers find nothing to change.
        let rv = sim.store.resource_version();
        let d = sim.store.iter(&kinds::DEPLOYMENTS, None).next().unwrap().clone();
        let rs = sim.store.iter(&kinds::REPLICASETS, None).next().unwrap().clone();
        sim.queue(crate::sim::Work::Deployment(
            d.namespace.to_string(),
            d.name.to_string(),
        ));
        sim.queue(crate::sim::Work::ReplicaSet(
            rs.namespace.to_string(),
            rs.name.to_string(),
        ));
        sim.reconcile();
        let changed: Vec<String> = sim
            .store
            .changes_since(rv)
            .unwrap()
            .iter()
            .map(|c| format!("{} {}", c.object.kind.kind, c.object.name))
            .collect();
        assert!(changed.is_empty(), "{changed:?}");
        // But they act when something changes: a deleted pod is replaced.
        let (ns, name) = (pod.namespace.to_string(), pod.name.to_string());
        sim.terminate_pod(&ns, &name, Some(0));
        sim.reconcile();
        assert_eq!(sim.store.count(&kinds::PODS), 400);
        assert!(sim.store.get(&kinds::PODS, &ns, &name).is_none());
    }

    #[test]
    fn a_churning_cluster_probes_that_many_pods_each_second_in_turn() {
        let spec: SyntheticSpec = "nodes=2,pods=10,churn=4".parse().unwrap();
        assert_eq!(spec.churn, 4);
        let mut sim = spec.build(3);
        let changed = |sim: &Sim, rv| -> Vec<String> {
            let changes = sim.store.changes_since(rv).unwrap();
            changes.iter().map(|c| c.object.name.to_string()).collect()
        };
        let rv = sim.store.resource_version();
        let start = sim.now;
        sim.advance_to(start + jiff::SignedDuration::from_millis(1500));
        let first = changed(&sim, rv);
        assert_eq!(first.len(), 4, "{first:?}");
        let rv = sim.store.resource_version();
        sim.advance_to(start + jiff::SignedDuration::from_millis(3500));
        let next = changed(&sim, rv);
        assert_eq!(next.len(), 8, "two more seconds: {next:?}");
        assert!(
            first.iter().all(|p| !next[..4].contains(p)),
            "the next pods in turn: {first:?} then {next:?}"
        );
        let probed = sim.store.get(&kinds::PODS, "team-001", &first[0]).unwrap().value();
        let ready = probed["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .unwrap()
            .clone();
        assert!(ready["lastProbeTime"].is_string(), "{ready}");
    }
}
