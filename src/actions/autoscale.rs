//! Changing the bounds of the HorizontalPodAutoscaler that scales a workload (raise its max in
//! a surge, or pin it with min = max): found by its scale target, previewed with what it
//! measures and whether it is held at a bound, undone by restoring the old bounds.

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::Client;
use kube::api::{Api, ListParams, Patch};
use serde_json::json;

use super::catalogue::{Action, Workload};
use super::kube::{ActionError, params};
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;

/// The autoscaler whose scale target is `workload`.
async fn autoscaler_of(
    client: &Client,
    namespace: &str,
    workload: &Workload,
) -> Result<HorizontalPodAutoscaler, ActionError> {
    let api: Api<HorizontalPodAutoscaler> = Api::namespaced(client.clone(), namespace);
    let kind = workload.kind.kind();
    api.list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .find(|h| h.spec.scale_target_ref.kind == kind && h.spec.scale_target_ref.name == workload.name)
        .ok_or_else(|| {
            ActionError::ours(format!(
                "no HorizontalPodAutoscaler in {namespace} scales {workload}; use scale instead"
            ))
        })
}

/// Its bounds now (min defaults to 1, as the API does).
fn bounds(h: &HorizontalPodAutoscaler) -> (i32, i32) {
    (h.spec.min_replicas.unwrap_or(1), h.spec.max_replicas)
}

/// `6 replicas, cpu 125%/60%, held at its max`: what it measures and where it stands.
fn standing(h: &HorizontalPodAutoscaler) -> String {
    let Some(status) = &h.status else {
        return "not measured yet".into();
    };
    let mut parts = vec![format!("{} replicas", status.current_replicas.unwrap_or(0))];
    let targets = h.spec.metrics.clone().unwrap_or_default();
    for (i, m) in targets.iter().enumerate() {
        let Some(resource) = &m.resource else { continue };
        let current = status
            .current_metrics
            .as_ref()
            .and_then(|c| c.get(i))
            .and_then(|c| c.resource.as_ref())
            .and_then(|r| r.current.average_utilization);
        if let (Some(now), Some(wanted)) = (current, resource.target.average_utilization) {
            parts.push(format!("{} {now}%/{wanted}%", resource.name));
        }
    }
    let limited = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "ScalingLimited" && c.status == "True");
    match limited.and_then(|c| c.reason.as_deref()) {
        Some("TooManyReplicas") => parts.push("held at its max".into()),
        Some("TooFewReplicas") => parts.push("held at its min".into()),
        _ => {}
    }
    parts.join(", ")
}

async fn patch(
    client: &Client,
    namespace: &str,
    name: &str,
    (min, max): (i32, i32),
    stamp: &Stamp,
    dry_run: bool,
) -> Result<HorizontalPodAutoscaler, ActionError> {
    let api: Api<HorizontalPodAutoscaler> = Api::namespaced(client.clone(), namespace);
    Ok(api
        .patch(
            name,
            &params(dry_run),
            &Patch::Merge(stamp.on(json!({"spec": {"minReplicas": min, "maxReplicas": max}}))),
        )
        .await?)
}

fn undo(namespace: &str, workload: &Workload, (min, max): (i32, i32)) -> Action {
    Action::Autoscale {
        namespace: namespace.to_string(),
        workload: workload.clone(),
        min: Some(min),
        max,
    }
}

/// The bounds asked for, the min kept when not given; refused when they cross.
fn wanted(before: (i32, i32), min: Option<i32>, max: i32) -> Result<(i32, i32), ActionError> {
    let min = min.unwrap_or(before.0);
    if min > max {
        return Err(ActionError::ours(format!(
            "max {max} is below the autoscaler's min {min}: give a min too (autoscale NS/NAME MIN MAX)"
        )));
    }
    Ok((min, max))
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    min: Option<i32>,
    max: i32,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let h = autoscaler_of(client, namespace, workload).await?;
    let name = h.metadata.name.clone().unwrap_or_default();
    let before = bounds(&h);
    let (min, max) = wanted(before, min, max)?;
    patch(client, namespace, &name, (min, max), stamp, true).await?;
    let object = format!("horizontalpodautoscaler/{name}");
    let mut pv = Preview::of(
        format!(
            "{object} -n {namespace}: min {}→{min}, max {}→{max} (now {})",
            before.0,
            before.1,
            standing(&h)
        ),
        vec![
            Change::new(&object, "minReplicas", before.0, min),
            Change::new(&object, "maxReplicas", before.1, max),
        ],
        1,
        (before != (min, max)).then(|| undo(namespace, workload, before)),
    );
    let current = h.status.as_ref().and_then(|s| s.current_replicas).unwrap_or(0);
    if min == max {
        pv.warnings.push(format!(
            "pinned: the autoscaler will hold {workload} at {min} replicas whatever the load"
        ));
    }
    if current > max {
        pv.warnings.push(format!(
            "{workload} runs {current} replicas: it will be scaled down to {max}"
        ));
    } else if current < min {
        pv.warnings.push(format!(
            "{workload} runs {current} replicas: it will be scaled up to {min}"
        ));
    }
    Ok(pv)
}

pub async fn run(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    min: Option<i32>,
    max: i32,
    stamp: &Stamp,
) -> Result<Done, ActionError> {
    let h = autoscaler_of(client, namespace, workload).await?;
    let name = h.metadata.name.clone().unwrap_or_default();
    let before = bounds(&h);
    let (min, max) = wanted(before, min, max)?;
    let after = patch(client, namespace, &name, (min, max), stamp, false).await?;
    let (new_min, new_max) = bounds(&after);
    Ok(Done::new(
        format!("horizontalpodautoscaler/{name} now scales {workload} between {new_min} and {new_max}"),
        json!({"minReplicas": new_min, "maxReplicas": new_max,
               "was": {"minReplicas": before.0, "maxReplicas": before.1}}),
        (before != (min, max)).then(|| undo(namespace, workload, before)),
    ))
}
