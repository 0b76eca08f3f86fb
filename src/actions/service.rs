//! Taking one pod out of service and putting it back: the labels its Services select it by
//! are removed (kept in an annotation), so no traffic reaches it while it keeps running for
//! inspection; its controller, whose selector usually shares those labels, lets it go and
//! replaces it. Putting it back restores the labels.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::Client;
use kube::api::{Api, ListParams, Patch};
use serde_json::{Value, json};

use super::catalogue::Action;
use super::kube::{ActionError, params};
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;

/// The label that marks a pod warroom took out of service.
pub const OUT_OF_SERVICE: &str = "warroom.dev/out-of-service";
/// The annotation keeping the labels it had, to put them back.
pub const SERVICE_LABELS: &str = "warroom.dev/service-labels";

fn pods(client: &Client, namespace: &str) -> Api<Pod> {
    Api::namespaced(client.clone(), namespace)
}

/// The Services whose selector picks this pod, and the labels they select it by.
async fn selecting(
    client: &Client,
    namespace: &str,
    pod: &Pod,
) -> Result<(Vec<String>, BTreeMap<String, String>), ActionError> {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let mut names = Vec::new();
    let mut by = BTreeMap::new();
    for s in services.list(&ListParams::default()).await?.items {
        let selector = s.spec.and_then(|s| s.selector).unwrap_or_default();
        if !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            names.push(s.metadata.name.unwrap_or_default());
            by.extend(selector);
        }
    }
    Ok((names, by))
}

fn kept(pod: &Pod) -> Option<BTreeMap<String, String>> {
    let text = pod.metadata.annotations.as_ref()?.get(SERVICE_LABELS)?;
    serde_json::from_str(text).ok()
}

/// `ReplicaSet web-5d8f`: the pod's controller, which replaces it.
pub(crate) fn controller(pod: &Pod) -> Option<String> {
    pod.metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{} {}", o.kind, o.name))
}

async fn patch(
    client: &Client,
    namespace: &str,
    pod: &str,
    body: Value,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<Pod, ActionError> {
    Ok(pods(client, namespace)
        .patch(pod, &params(dry_run), &Patch::Merge(stamp.on(body)))
        .await?)
}

/// The patch and the preview of taking `pod` out, or why it cannot be.
async fn plan_out(client: &Client, namespace: &str, name: &str) -> Result<(Value, Preview), ActionError> {
    let pod = pods(client, namespace).get(name).await?;
    let (services, by) = selecting(client, namespace, &pod).await?;
    if services.is_empty() {
        return Err(ActionError::ours(format!(
            "no Service in {namespace} sends traffic to pod/{name}: nothing to take it out of"
        )));
    }
    let mut labels: BTreeMap<String, Value> = by.keys().map(|k| (k.clone(), Value::Null)).collect();
    labels.insert(OUT_OF_SERVICE.into(), json!("true"));
    let body = json!({"metadata": {"labels": labels,
                                   "annotations": {SERVICE_LABELS: serde_json::to_string(&by).unwrap_or_default()}}});
    let object = format!("pod/{name}");
    let changes = by
        .iter()
        .map(|(k, v)| Change::new(&object, &format!("label {k}"), v, "(removed)"))
        .collect();
    let mut pv = Preview::of(
        format!(
            "{object} -n {namespace} leaves Service {}: no traffic reaches it; it keeps running",
            services.join(", ")
        ),
        changes,
        1,
        Some(Action::ReturnToService {
            namespace: namespace.to_string(),
            pod: name.to_string(),
        }),
    );
    if let Some(owner) = controller(&pod) {
        pv.warnings.push(format!(
            "its controller {owner} selects it by the same labels: it will let the pod go and start a replacement"
        ));
    }
    Ok((body, pv))
}

/// The patch and the preview of putting `pod` back.
async fn plan_back(client: &Client, namespace: &str, name: &str) -> Result<(Value, Preview), ActionError> {
    let pod = pods(client, namespace).get(name).await?;
    let Some(labels) = kept(&pod) else {
        return Err(ActionError::ours(format!(
            "pod/{name} was not taken out of service by warroom (no {SERVICE_LABELS} annotation)"
        )));
    };
    let mut restored: BTreeMap<String, Value> = labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    restored.insert(OUT_OF_SERVICE.into(), Value::Null);
    let body = json!({"metadata": {"labels": restored, "annotations": {SERVICE_LABELS: null}}});
    let object = format!("pod/{name}");
    let now = pod.metadata.labels.clone().unwrap_or_default();
    let changes = labels
        .iter()
        .map(|(k, v)| {
            Change::new(
                &object,
                &format!("label {k}"),
                now.get(k).map_or("(removed)", String::as_str),
                v,
            )
        })
        .collect();
    let mut pv = Preview::of(
        format!("{object} -n {namespace} is selected by its Services again and gets traffic"),
        changes,
        1,
        Some(Action::TakeOutOfService {
            namespace: namespace.to_string(),
            pod: name.to_string(),
        }),
    );
    pv.warnings.push(
        "if its controller replaced it, it now has one pod too many and may remove one (perhaps this one)".into(),
    );
    Ok((body, pv))
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    pod: &str,
    out: bool,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let (body, pv) = if out {
        plan_out(client, namespace, pod).await?
    } else {
        plan_back(client, namespace, pod).await?
    };
    patch(client, namespace, pod, body, stamp, true).await?;
    Ok(pv)
}

pub async fn run(client: &Client, namespace: &str, pod: &str, out: bool, stamp: &Stamp) -> Result<Done, ActionError> {
    let (body, pv) = if out {
        plan_out(client, namespace, pod).await?
    } else {
        plan_back(client, namespace, pod).await?
    };
    let after = patch(client, namespace, pod, body, stamp, false).await?;
    let word = if out { "taken out of service" } else { "back in service" };
    Ok(Done::new(
        format!("pod/{pod} {word}"),
        json!({"labels": after.metadata.labels, "resourceVersion": after.metadata.resource_version}),
        pv.undo,
    ))
}
