//! What an observation reads of each pod spec, node and Deployment version: the few fields
//! the signal models use, parsed once each (see `remembered`).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::control::kubelet::PodRuntime;
use crate::scenario::quantity::Quantity;
use crate::store::Stored;

/// What the metrics read of one version of a node.
#[derive(Debug)]
pub(crate) struct NodeFacts {
    pub conditions: Vec<(String, String)>,
    pub unschedulable: bool,
    pub cpu_capacity: f64,
}

impl NodeFacts {
    pub(crate) fn read(node: &Stored) -> NodeFacts {
        let v = node.value();
        let conditions = v
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| {
                        Some((
                            c.get("type")?.as_str()?.to_string(),
                            c.get("status")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        NodeFacts {
            conditions,
            unschedulable: v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true),
            cpu_capacity: v
                .pointer("/status/allocatable/cpu")
                .and_then(Value::as_str)
                .and_then(|s| Quantity::parse(s).ok())
                .map_or(0.0, |q| q.value),
        }
    }
}

/// A Deployment version's desired and available replicas.
pub(crate) fn replicas(deployment: &Stored) -> (f64, f64) {
    let v = deployment.value();
    (
        v.pointer("/spec/replicas").and_then(Value::as_f64).unwrap_or(1.0),
        v.pointer("/status/availableReplicas")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
    )
}

/// What the metrics read of one version of a pod, and the names they label it with.
#[derive(Debug)]
pub(crate) struct PodFacts {
    pub container: Arc<str>,
    pub image: String,
    pub cpu_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    pub workload: Option<Arc<str>>,
    pub node: Option<Arc<str>>,
}

impl PodFacts {
    pub(crate) fn read(pod: &Stored) -> PodFacts {
        let spec = pod.typed::<PodSpec>().unwrap_or_default();
        let first = spec.first();
        PodFacts {
            container: Arc::from(first.map_or("app", |c| c.name.as_str())),
            image: first.map(|c| c.image.clone()).unwrap_or_default(),
            cpu_request: first.and_then(|c| PodSpec::cores(&c.resources.requests)),
            cpu_limit: first.and_then(|c| PodSpec::cores(&c.resources.limits)),
            workload: None,
            node: None,
        }
    }

    /// The runtime's workload and node as shared names, made again only when they change.
    pub(crate) fn place(&mut self, rt: &PodRuntime) {
        if self.workload.as_deref() != rt.workload.as_deref() {
            self.workload = rt.workload.as_deref().map(Arc::from);
        }
        if self.node.as_deref() != rt.node.as_deref() {
            self.node = rt.node.as_deref().map(Arc::from);
        }
    }
}

/// What the metrics read of a pod's spec: its first container.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct PodSpec {
    #[serde(default)]
    spec: PodSpecFields,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct PodSpecFields {
    #[serde(default)]
    containers: Vec<ContainerFields>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ContainerFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    resources: Resources,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct Resources {
    #[serde(default)]
    requests: HashMap<String, String>,
    #[serde(default)]
    limits: HashMap<String, String>,
}

impl PodSpec {
    fn first(&self) -> Option<&ContainerFields> {
        self.spec.containers.first()
    }

    fn cores(quantities: &HashMap<String, String>) -> Option<f64> {
        quantities
            .get("cpu")
            .and_then(|q| Quantity::parse(q).ok())
            .map(|q| q.value)
    }
}
