//! Setting one container's image on a workload (`kubectl set image`): the preview names the
//! container, the image change and the rollout it starts; the undo sets the old image back.

use kube::Client;
use kube::api::Patch;
use serde_json::{Value, json};

use super::catalogue::{Action, Workload};
use super::kube::{ActionError, params, pod_count, workloads};
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;

/// The container meant (the only one when none is named) and its image now.
fn container(data: &Value, workload: &Workload, named: Option<&str>) -> Result<(String, String), ActionError> {
    let containers: Vec<(String, String)> = data
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["image"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let names = || {
        containers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match named {
        Some(name) => containers
            .iter()
            .find(|(n, _)| n == name)
            .cloned()
            .ok_or_else(|| ActionError::ours(format!("{workload} has no container {name:?}; it has {}", names()))),
        None => match containers.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(ActionError::ours(format!(
                "{workload} runs several containers ({}): name the one to change",
                names()
            ))),
        },
    }
}

async fn patch(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    container: &str,
    image: &str,
    stamp: &Stamp,
    dry_run: bool,
) -> Result<Value, ActionError> {
    let patched = workloads(client, namespace, workload.kind)
        .patch(
            &workload.name,
            &params(dry_run),
            &Patch::Strategic(
                stamp
                    .on(json!({"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}})),
            ),
        )
        .await?;
    Ok(patched.data)
}

fn undo(namespace: &str, workload: &Workload, container: &str, image: &str) -> Action {
    Action::SetImage {
        namespace: namespace.to_string(),
        workload: workload.clone(),
        container: Some(container.to_string()),
        image: image.to_string(),
    }
}

pub async fn preview(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    named: Option<&str>,
    image: &str,
    stamp: &Stamp,
) -> Result<Preview, ActionError> {
    let w = workloads(client, namespace, workload.kind).get(&workload.name).await?;
    let (name, before) = container(&w.data, workload, named)?;
    patch(client, namespace, workload, &name, image, stamp, true).await?;
    let pods = pod_count(workload.kind, &w.data);
    let changed = before != image;
    let mut pv = Preview::of(
        format!("{workload} container {name}: {before} → {image}; a rollout replaces its {pods} pods"),
        vec![Change::new(
            &workload.to_string(),
            &format!("container {name} image"),
            &before,
            image,
        )],
        if changed { pods.max(1) } else { 0 },
        changed.then(|| undo(namespace, workload, &name, &before)),
    );
    if !changed {
        pv.summary = format!("{workload} container {name} already runs {image}: nothing changes");
    }
    Ok(pv)
}

pub async fn run(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    named: Option<&str>,
    image: &str,
    stamp: &Stamp,
) -> Result<Done, ActionError> {
    let w = workloads(client, namespace, workload.kind).get(&workload.name).await?;
    let (name, before) = container(&w.data, workload, named)?;
    let after = patch(client, namespace, workload, &name, image, stamp, false).await?;
    Ok(Done::new(
        format!("{workload} container {name} set to {image} (was {before}); its rollout has started"),
        json!({"container": name, "image": image, "was": before,
               "generation": after.pointer("/metadata/generation")}),
        (before != image).then(|| undo(namespace, workload, &name, &before)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_is_the_named_one_or_the_only_one() {
        let w = Workload::deployment("web");
        let one = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}}}});
        assert_eq!(container(&one, &w, None).unwrap(), ("web".into(), "web:1".into()));
        let two = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "web:1"}, {"name": "proxy", "image": "envoy:1"}]}}}});
        assert!(container(&two, &w, None).unwrap_err().message.contains("web, proxy"));
        assert_eq!(container(&two, &w, Some("proxy")).unwrap().1, "envoy:1");
        assert!(
            container(&two, &w, Some("db"))
                .unwrap_err()
                .message
                .contains("no container \"db\"")
        );
    }
}
