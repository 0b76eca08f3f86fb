//! The endpoints controllers: each Service with a selector gets an Endpoints object and one
//! EndpointSlice listing the pods it selects by readiness (ready, not ready, terminating), kept
//! current as pods come, go and change readiness, and removed with the Service. What `kubectl
//! get endpoints`, `describe svc` and moving traffic away read.

use serde_json::{Map, Value, json};

use crate::kinds;
use crate::sim::Sim;

/// Marks what this controller made (the real one sets it on Endpoints too).
const TRIGGER: &str = "endpoints.kubernetes.io/last-change-trigger-time";
const MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
const CONTROLLER: &str = "endpointslice-controller.k8s.io";
const SERVICE_NAME: &str = "kubernetes.io/service-name";

/// One selected pod as its Service's endpoints list it.
struct Address {
    ip: String,
    node: Option<String>,
    pod: String,
    uid: String,
    ready: bool,
    terminating: bool,
}

impl Address {
    fn endpoints_entry(&self, ns: &str) -> Value {
        let mut a =
            json!({"ip": self.ip, "targetRef": {"kind": "Pod", "namespace": ns, "name": self.pod, "uid": self.uid}});
        if let Some(n) = &self.node {
            a["nodeName"] = json!(n);
        }
        a
    }

    fn slice_entry(&self, ns: &str) -> Value {
        let mut e = json!({
            "addresses": [self.ip],
            "conditions": {"ready": self.ready && !self.terminating, "serving": self.ready, "terminating": self.terminating},
            "targetRef": {"kind": "Pod", "namespace": ns, "name": self.pod, "uid": self.uid},
        });
        if let Some(n) = &self.node {
            e["nodeName"] = json!(n);
        }
        e
    }
}

/// The pod port a Service port sends to: `targetPort` (a number, or a named container port of
/// `pod`), else the Service port itself.
fn target_port(port: &Value, pod: Option<&Value>) -> i64 {
    match &port["targetPort"] {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(name) => pod
            .and_then(|p| p.pointer("/spec/containers").and_then(Value::as_array))
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == name.as_str())
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or(0),
        _ => port["port"].as_i64().unwrap_or(0),
    }
}

impl Sim {
    pub fn reconcile_endpoints(&mut self, ns: &str) {
        let services: Vec<Value> = self.store.iter(&kinds::SERVICES, Some(ns)).map(|s| s.value()).collect();
        let mut wanted = std::collections::HashSet::new();
        for svc in &services {
            let Some(selector) = svc
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let name = svc["metadata"]["name"].as_str().unwrap_or("").to_string();
            wanted.insert(name.clone());
            let selected = self.selected(ns, selector);
            self.write_endpoints(ns, &name, svc, &selected);
        }
        // What this controller made for a Service since gone goes too.
        let stale: Vec<(kinds::ResourceKind, String)> = [kinds::ENDPOINTS, kinds::ENDPOINT_SLICES]
            .iter()
            .flat_map(|k| {
                self.store.iter(k, Some(ns)).filter_map(|o| {
                    let v = o.value();
                    let service = match k.kind {
                        "Endpoints" => v["metadata"]["annotations"].get(TRIGGER).map(|_| o.name.to_string()),
                        _ => (o.label(MANAGED_BY) == Some(CONTROLLER))
                            .then(|| o.label(SERVICE_NAME).unwrap_or("").to_string()),
                    }?;
                    (!wanted.contains(&service)).then(|| (*k, o.name.to_string()))
                })
            })
            .collect();
        for (k, name) in stale {
            self.remove_object(&k, ns, &name);
        }
    }

    /// The pods with an IP in `ns` whose labels match `selector`, by name.
    fn selected(&self, ns: &str, selector: &Map<String, Value>) -> Vec<(Address, Value)> {
        let mut out: Vec<(Address, Value)> = self
            .store
            .iter(&kinds::PODS, Some(ns))
            .filter(|p| selector.iter().all(|(k, v)| v.as_str() == p.label(k)))
            .filter_map(|p| {
                let v = p.value();
                let ip = v.pointer("/status/podIP").and_then(Value::as_str)?.to_string();
                let ready = v
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True");
                let address = Address {
                    ip,
                    node: v.pointer("/spec/nodeName").and_then(Value::as_str).map(str::to_string),
                    pod: p.name.to_string(),
                    uid: p.uid.to_string(),
                    ready,
                    terminating: v.pointer("/metadata/deletionTimestamp").is_some(),
                };
                Some((address, v))
            })
            .collect();
        out.sort_by(|a, b| a.0.pod.cmp(&b.0.pod));
        out
    }

    fn write_endpoints(&mut self, ns: &str, name: &str, svc: &Value, selected: &[(Address, Value)]) {
        let first_pod = selected.first().map(|(_, v)| v);
        let service_ports: Vec<Value> = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
        let port = |p: &Value| {
            let mut out = json!({"protocol": p["protocol"].as_str().unwrap_or("TCP")});
            // A named port no pod declares yet has no number.
            match target_port(p, first_pod) {
                0 => {}
                n => out["port"] = json!(n),
            }
            // Always named, "" for an unnamed port, as the controller writes it (kubectl's
            // describe reads the name of every slice port).
            out["name"] = json!(p["name"].as_str().unwrap_or(""));
            out
        };
        let ports: Vec<Value> = service_ports.iter().map(port).collect();
        // Endpoints: terminating pods are left out; ready and not ready apart.
        let (ready, not_ready): (Vec<&Address>, Vec<&Address>) = selected
            .iter()
            .map(|(a, _)| a)
            .filter(|a| !a.terminating)
            .partition(|a| a.ready);
        let mut subset = json!({"ports": ports});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready.iter().map(|a| a.endpoints_entry(ns)).collect::<Vec<_>>());
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] = json!(not_ready.iter().map(|a| a.endpoints_entry(ns)).collect::<Vec<_>>());
        }
        let subsets = if ready.is_empty() && not_ready.is_empty() {
            json!([])
        } else {
            json!([subset])
        };
        let labels = svc["metadata"]["labels"].clone();
        let now = self.timestamp();
        let endpoints = json!({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": {TRIGGER: now}},
            "subsets": subsets,
        });
        self.put_endpoints(kinds::ENDPOINTS, ns, name, endpoints, "/subsets");

        let slice_name = format!("{name}-drill");
        let mut slice_labels = labels.as_object().cloned().unwrap_or_default();
        slice_labels.insert(SERVICE_NAME.into(), json!(name));
        slice_labels.insert(MANAGED_BY.into(), json!(CONTROLLER));
        let owner = json!([{"apiVersion": "v1", "kind": "Service", "name": name,
                            "uid": svc["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]);
        let slice = json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": slice_name, "namespace": ns, "labels": slice_labels, "ownerReferences": owner},
            "addressType": "IPv4",
            "endpoints": selected.iter().map(|(a, _)| a.slice_entry(ns)).collect::<Vec<_>>(),
            "ports": ports,
        });
        self.put_endpoints(kinds::ENDPOINT_SLICES, ns, &slice_name, slice, "/endpoints");
    }

    /// Creates `object`, or writes it over the one there when what `changes` points at (or
    /// the ports) differ; an unchanged list is not written again.
    fn put_endpoints(&mut self, kind: kinds::ResourceKind, ns: &str, name: &str, object: Value, changes: &str) {
        match self.store.get(&kind, ns, name) {
            None => {
                if let Err(e) = self.create_object(kind, object) {
                    tracing::warn!(kind = kind.kind, ns, name, error = %e, "endpoints not created");
                }
            }
            Some(current) => {
                let v = current.value();
                if v.pointer(changes) == object.pointer(changes) && v.get("ports") == object.get("ports") {
                    return;
                }
                self.modify(kind, ns, name, |o| {
                    for field in ["subsets", "endpoints", "ports"] {
                        if let Some(f) = object.get(field) {
                            o[field] = f.clone();
                        }
                    }
                    if let Some(a) = object.pointer("/metadata/annotations") {
                        o["metadata"]["annotations"] = a.clone();
                    }
                });
            }
        }
    }
}
