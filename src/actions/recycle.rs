//! Recycling a pod: it is evicted, so its disruption budget is consulted as a drain consults
//! it. The preview names the budgets that cover the pod and whether they allow it now, and the
//! controller that will replace it; a budget that holds it refuses the run with its reason.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams};
use kube::core::{Selector, SelectorExt};
use serde_json::json;

use super::drain::{evict, eviction_version, held_by_budget, held_reason};
use super::kube::ActionError;
use super::preview::{Change, Done, Preview};
use super::service::controller;

/// The budgets in the pod's namespace whose selector takes it, each with the disruptions it
/// allows now.
async fn budgets(client: &Client, pod: &Pod) -> Result<Vec<(String, i32)>, ActionError> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let api: Api<PodDisruptionBudget> = Api::namespaced(client.clone(), &namespace);
    Ok(api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|b| {
            let selector = b.spec.as_ref().and_then(|s| s.selector.clone());
            // No selector selects nothing; an empty one selects every pod of the namespace.
            selector
                .and_then(|s| Selector::try_from(s).ok())
                .is_some_and(|s| s.matches(&labels))
        })
        .map(|b| {
            let allowed = b.status.and_then(|s| s.disruptions_allowed).unwrap_or(0);
            (b.metadata.name.unwrap_or_default(), allowed)
        })
        .collect())
}

pub async fn preview(client: &Client, namespace: &str, name: &str) -> Result<Preview, ActionError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pods.get(name).await?;
    let mut warnings = Vec::new();
    let held = match eviction_version(client).await? {
        Some(v) => held_by_budget(client, &v, namespace, name).await?,
        None => {
            pods.delete(name, &DeleteParams::background().dry_run()).await?;
            warnings.push("the server offers no eviction API: the pod will be deleted, ignoring budgets".into());
            None
        }
    };
    let mut summary = format!("pod/{name} -n {namespace} will be evicted");
    match controller(&pod) {
        Some(c) => summary.push_str(&format!("; its {c} will replace it")),
        None => warnings.push("no controller owns this pod: it will not come back".into()),
    }
    match budgets(client, &pod).await {
        Ok(found) if found.is_empty() => summary.push_str("; no PodDisruptionBudget covers it"),
        Ok(found) => {
            let named: Vec<String> = found
                .iter()
                .map(|(b, allowed)| format!("PodDisruptionBudget {b} ({allowed} disruptions allowed now)"))
                .collect();
            summary.push_str(&format!("; consults {}", named.join(", ")));
        }
        Err(e) => warnings.push(format!("cannot read its PodDisruptionBudgets: {e}")),
    }
    if let Some(why) = held {
        warnings.push(format!(
            "{why}: the eviction will be refused until the budget allows it"
        ));
    }
    Ok(Preview {
        warnings,
        ..Preview::of(
            summary,
            vec![Change::new(&format!("pod/{name}"), "exists", "yes", "no")],
            1,
            None,
        )
    })
}

pub async fn run(client: &Client, namespace: &str, name: &str) -> Result<Done, ActionError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let uid = pods.get(name).await?.metadata.uid;
    match eviction_version(client).await? {
        Some(v) => {
            evict(client, &v, namespace, name, false).await.map_err(|e| {
                if e.code == 429 {
                    ActionError {
                        message: format!("pod/{name} was not evicted: {}", held_reason(&e)),
                        ..e
                    }
                } else {
                    e
                }
            })?;
            Ok(Done::new(format!("pod/{name} evicted"), json!({"uid": uid}), None))
        }
        None => {
            pods.delete(name, &DeleteParams::background()).await?;
            Ok(Done::new(format!("pod/{name} deleted"), json!({"uid": uid}), None))
        }
    }
}
