//! Renders kubectl's `meta.k8s.io/v1` Table columns and rows for the kinds the drill
//! cluster serves, ported from the apiserver's printers (`pkg/printers/internalversion`).
//! Pure functions over `serde_json::Value`: no I/O, and odd or partial objects never panic.

mod cells;
mod columns;
mod duration;
mod fields;
mod labels;

use jiff::Timestamp;
use serde_json::{Value, json};

use cells::{
    age, autoscaler_cells, config_map_cells, controller_revision_cells, daemon_set_cells, deployment_cells,
    endpoint_slice_cells, endpoints_cells, event_cells, ingress_cells, name_of, namespace_cells, network_policy_cells,
    node_cells, pdb_cells, pod_cells, replica_set_cells, secret_cells, service_cells, stateful_set_cells,
};
use columns::columns;

/// The Table `columnDefinitions` for `kind`: a JSON array of
/// `{"name","type","format","description","priority"}` objects, priority-1 columns
/// being the ones `kubectl get -o wide` adds. Unknown kinds get Name and Age.
pub fn column_definitions(kind: &str) -> Value {
    Value::Array(
        columns(kind)
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.ty,
                    "format": c.format,
                    "description": c.description,
                    "priority": c.priority,
                })
            })
            .collect(),
    )
}

/// The cells of one Table row for `object` of `kind`, one per column of
/// [`column_definitions`] (wide columns included, as the real server always sends them).
/// Ages are measured against `now`.
pub fn row_cells(kind: &str, object: &Value, now: Timestamp) -> Vec<Value> {
    match kind {
        "Namespace" => namespace_cells(object, now),
        "Node" => node_cells(object, now),
        "Pod" => pod_cells(object, now),
        "Event" => event_cells(object, now),
        "Deployment" => deployment_cells(object, now),
        "ReplicaSet" => replica_set_cells(object, now),
        "DaemonSet" => daemon_set_cells(object, now),
        "StatefulSet" => stateful_set_cells(object, now),
        "ControllerRevision" => controller_revision_cells(object, now),
        "PodDisruptionBudget" => pdb_cells(object, now),
        "NetworkPolicy" => network_policy_cells(object, now),
        "Service" => service_cells(object, now),
        "ConfigMap" => config_map_cells(object, now),
        "Endpoints" => endpoints_cells(object, now),
        "EndpointSlice" => endpoint_slice_cells(object, now),
        "Secret" => secret_cells(object, now),
        "HorizontalPodAutoscaler" => autoscaler_cells(object, now),
        "Ingress" => ingress_cells(object, now),
        _ => vec![name_of(object).into(), age(object, now).into()],
    }
}

#[cfg(test)]
mod tests;
