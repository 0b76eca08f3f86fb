//! Editing keys of a ConfigMap and restarting the workloads that read it, as one action with one
//! undo: the preview shows each key's old and new value and the workloads that will restart;
//! the undo (kept in the journal, since Kubernetes keeps no ConfigMap history) sets the old
//! values back and restarts them again.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::{Api, ListParams, Patch};
use serde_json::{Value, json};

use super::catalogue::patch_workload;
use super::catalogue::{Action, Workload, WorkloadKind};
use super::kube::{ActionError, Permission, params, pod_count, restart_patch, review, workloads};
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;

/// How a key reads in a preview: its value, or that it is not there.
fn shown(v: Option<&String>) -> String {
    v.map_or("(unset)".to_string(), |v| format!("{v:?}"))
}

/// Whether a pod template reads the ConfigMap `name` (environment, keys or volumes).
fn reads(template_spec: &Value, name: &str) -> bool {
    let is = |v: Option<&Value>| v.and_then(Value::as_str) == Some(name);
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| template_spec[*k].as_array())
        .flatten();
    for c in containers {
        let env_from = c["envFrom"].as_array().into_iter().flatten();
        if env_from.into_iter().any(|e| is(e.pointer("/configMapRef/name"))) {
            return true;
        }
        let env = c["env"].as_array().into_iter().flatten();
        if env
            .into_iter()
            .any(|e| is(e.pointer("/valueFrom/configMapKeyRef/name")))
        {
            return true;
        }
    }
    template_spec["volumes"].as_array().into_iter().flatten().any(|v| {
        is(v.pointer("/configMap/name"))
            || v.pointer("/projected/sources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|s| is(s.pointer("/configMap/name")))
    })
}

/// The workloads in `namespace` whose pods read the ConfigMap, with how many pods each runs.
async fn readers(client: &Client, namespace: &str, name: &str) -> Result<Vec<(Workload, usize)>, ActionError> {
    let mut out = Vec::new();
    for kind in [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
    ] {
        for w in workloads(client, namespace, kind)
            .list(&ListParams::default())
            .await?
            .items
        {
            if reads(&w.data["spec"]["template"]["spec"], name) {
                let workload = Workload::new(kind, w.metadata.name.clone().unwrap_or_default());
                out.push((workload, pod_count(kind, &w.data)));
            }
        }
    }
    Ok(out)
}

async fn patch(
    client: &Client,
    namespace: &str,
    name: &str,
    set: &BTreeMap<String, Option<String>>,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<ConfigMap, ActionError> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    Ok(api
        .patch(name, &params(dry_run), &Patch::Merge(stamp.on(json!({"data": set}))))
        .await?)
}

/// The map's current values of the keys to be set, which undo them.
async fn before(
    client: &Client,
    namespace: &str,
    name: &str,
    set: &BTreeMap<String, Option<String>>,
) -> Result<BTreeMap<String, Option<String>>, ActionError> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let data = api.get(name).await?.data.unwrap_or_default();
    Ok(set.keys().map(|k| (k.clone(), data.get(k).cloned())).collect())
}

fn undo(namespace: &str, name: &str, old: BTreeMap<String, Option<String>>) -> Action {
    Action::EditConfig {
        namespace: namespace.to_string(),
        config_map: name.to_string(),
        set: old,
    }
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    name: &str,
    set: &BTreeMap<String, Option<String>>,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let old = before(client, namespace, name, set).await?;
    patch(client, namespace, name, set, stamp, true).await?;
    let readers = readers(client, namespace, name).await?;
    let now = jiff::Timestamp::now().to_string();
    for (w, _) in &readers {
        // Restarting is asked of each reader found, not of every workload of the namespace.
        if let Permission::Refused(why) = review(client, &patch_workload(namespace, w, None)).await? {
            return Err(ActionError::ours(format!("{why} (it reads configmap/{name})")));
        }
        restart_patch(client, namespace, w, &now, stamp, true).await?;
    }
    let object = format!("configmap/{name}");
    let mut changes: Vec<Change> = set
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| {
            Change::new(
                &object,
                k,
                shown(old.get(k).and_then(Option::as_ref)),
                shown(v.as_ref()),
            )
        })
        .collect();
    if changes.is_empty() {
        return Ok(Preview::of(
            format!("{object} -n {namespace} already holds these values: nothing changes"),
            Vec::new(),
            0,
            None,
        ));
    }
    let keys: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}→{}", c.field, c.from, c.to))
        .collect();
    let restarts: Vec<String> = readers.iter().map(|(w, pods)| format!("{w} ({pods} pods)")).collect();
    let pods: usize = readers.iter().map(|(_, n)| n).sum();
    for (w, _) in &readers {
        changes.push(Change::new(&w.to_string(), "restarted", "", "now"));
    }
    let mut pv = Preview::of(
        format!(
            "{object} -n {namespace}: {}; then restart {}",
            keys.join(", "),
            if restarts.is_empty() {
                "nothing".to_string()
            } else {
                restarts.join(", ")
            }
        ),
        changes,
        1 + pods,
        Some(undo(namespace, name, old)),
    );
    if readers.is_empty() {
        pv.warnings.push(format!(
            "no workload in {namespace} reads {object}: pods see the change only when they next start"
        ));
    }
    Ok(pv)
}

pub async fn run(
    client: &Client,
    namespace: &str,
    name: &str,
    set: &BTreeMap<String, Option<String>>,
    stamp: &Stamp,
) -> Result<Done, ActionError> {
    let old = before(client, namespace, name, set).await?;
    let changed = old.iter().any(|(k, v)| set.get(k) != Some(v));
    patch(client, namespace, name, set, stamp, false).await?;
    let readers = readers(client, namespace, name).await?;
    let now = jiff::Timestamp::now().to_string();
    let mut restarted = Vec::new();
    for (w, _) in &readers {
        restart_patch(client, namespace, w, &now, stamp, false)
            .await
            .map_err(|e| {
                ActionError::ours(format!(
                    "configmap/{name} was changed, but restarting {w} failed ({}); restarted so far: {}",
                    e.message,
                    if restarted.is_empty() {
                        "none".to_string()
                    } else {
                        restarted.join(", ")
                    }
                ))
            })?;
        restarted.push(w.to_string());
    }
    Ok(Done::new(
        format!(
            "configmap/{name} changed; restarted {}",
            if restarted.is_empty() {
                "nothing".to_string()
            } else {
                restarted.join(", ")
            }
        ),
        json!({"set": set, "was": old, "restarted": restarted}),
        changed.then(|| undo(namespace, name, old)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_way_a_pod_template_reads_a_config_map() {
        let env_from = json!({"containers": [{"envFrom": [{"configMapRef": {"name": "app"}}]}]});
        let key = json!({"containers": [{"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "x"}}}]}]});
        let volume = json!({"containers": [{}], "volumes": [{"name": "c", "configMap": {"name": "app"}}]});
        let projected =
            json!({"containers": [{}], "volumes": [{"projected": {"sources": [{"configMap": {"name": "app"}}]}}]});
        let init = json!({"containers": [{}], "initContainers": [{"envFrom": [{"configMapRef": {"name": "app"}}]}]});
        for spec in [env_from, key, volume, projected, init] {
            assert!(reads(&spec, "app"), "{spec}");
            assert!(!reads(&spec, "other"), "{spec}");
        }
        assert_eq!(shown(None), "(unset)");
        assert_eq!(shown(Some(&"eur".to_string())), "\"eur\"");
    }
}
