//! How a recording's images behaved, read from its pods' container states: an image whose
//! containers exited with an error crashes after the same run, one OOMKilled leaks, one that
//! could not be pulled cannot be. A replay's branch that runs one of them again (a player rolls
//! forward to the bad image) sees what the real team saw, not a healthy pod.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;
use warroom_recording::record::Record;

use crate::scenario::model::{Crash, ImageBehaviour};
use crate::scenario::quantity::Duration;

/// The behaviours shown by the images of the pods in `records` (by the image their spec names,
/// as the drill's kubelet looks them up). Images that only ran well are left out.
pub fn learned<'a>(records: impl IntoIterator<Item = &'a Record>) -> BTreeMap<String, ImageBehaviour> {
    let mut images: BTreeMap<String, ImageBehaviour> = BTreeMap::new();
    for r in records {
        let Record::Applied { object, .. } = r else { continue };
        if object["kind"] != "Pod" {
            continue;
        }
        // A container stopped because its pod was being deleted did not fail.
        let deleting = object
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|t| !t.is_null());
        let statuses = object.pointer("/status/containerStatuses").and_then(Value::as_array);
        for status in statuses.into_iter().flatten() {
            let Some(image) = spec_image(object, status) else {
                continue;
            };
            let known = images.entry(image).or_default();
            learn(known, status, deleting);
        }
    }
    images.retain(|_, b| b.crash.is_some() || b.oom_after.is_some() || b.pull_error);
    images
}

/// The image the pod's spec gives the container `status` reports on (a runtime may report it
/// spelled out, `docker.io/library/…`), else the one reported.
fn spec_image(pod: &Value, status: &Value) -> Option<String> {
    let name = status["name"].as_str();
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["name"].as_str() == name)
        .and_then(|c| c["image"].as_str())
        .or_else(|| status["image"].as_str())
        .map(str::to_string)
}

/// What one container status says of its image, added to what is known (the first crash seen
/// is kept, with the first last words told).
fn learn(known: &mut ImageBehaviour, status: &Value, deleting: bool) {
    let waiting = status.pointer("/state/waiting/reason").and_then(Value::as_str);
    if matches!(waiting, Some("ErrImagePull" | "ImagePullBackOff" | "InvalidImageName")) {
        known.pull_error = true;
    }
    for terminated in ["/state/terminated", "/lastState/terminated"]
        .iter()
        .filter_map(|p| status.pointer(p))
    {
        let ran = ran_for(terminated);
        match terminated["reason"].as_str() {
            Some("OOMKilled") => {
                known.oom_after.get_or_insert(ran);
            }
            Some("Error") if !deleting && terminated["exitCode"].as_i64().unwrap_or(0) != 0 => {
                let crash = known.crash.get_or_insert_with(|| Crash {
                    after: ran,
                    exit_code: terminated["exitCode"].as_i64().map_or(1, |c| c as i32),
                    message: None,
                });
                // A runtime keeps the last words in one of the two states only.
                if crash.message.is_none() {
                    crash.message = terminated["message"].as_str().map(str::to_string);
                }
            }
            _ => {}
        }
    }
}

/// How long a terminated container ran (`startedAt` to `finishedAt`), at least a second.
fn ran_for(terminated: &Value) -> Duration {
    let at = |field: &str| terminated[field].as_str().and_then(|t| t.parse::<Timestamp>().ok());
    let millis = match (at("startedAt"), at("finishedAt")) {
        (Some(started), Some(finished)) => (finished.as_millisecond() - started.as_millisecond()).max(1000),
        _ => 1000,
    };
    Duration { millis }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(image: &str, deleting: bool, status: Value) -> Record {
        let mut object = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": image}]},
            "status": {"containerStatuses": [status]},
        });
        if deleting {
            object["metadata"]["deletionTimestamp"] = json!("2026-12-07T03:08:00Z");
        }
        Record::Applied { at: 0, object }
    }

    #[test]
    fn images_that_crashed_leaked_or_could_not_be_pulled_are_learned_and_healthy_ones_are_not() {
        let crashed = json!({"name": "app", "image": "docker.io/shop/checkout:2.0.0",
            "state": {"terminated": {"exitCode": 2, "reason": "Error",
                "startedAt": "2026-12-07T03:07:03Z", "finishedAt": "2026-12-07T03:07:07Z"}},
            "lastState": {"terminated": {
            "exitCode": 2, "reason": "Error", "message": "panic: config key not set",
            "startedAt": "2026-12-07T03:07:03Z", "finishedAt": "2026-12-07T03:07:07Z"}}});
        let oom = json!({"name": "app", "image": "cart:3", "lastState": {"terminated": {
            "exitCode": 137, "reason": "OOMKilled",
            "startedAt": "2026-12-07T03:00:00Z", "finishedAt": "2026-12-07T03:10:00Z"}}});
        let pull = json!({"name": "app", "image": "web:9", "state": {"waiting": {"reason": "ImagePullBackOff"}}});
        let stopped = json!({"name": "app", "image": "api:1", "state": {"terminated": {
            "exitCode": 143, "reason": "Error",
            "startedAt": "2026-12-07T03:00:00Z", "finishedAt": "2026-12-07T03:10:00Z"}}});
        let healthy =
            json!({"name": "app", "image": "api:2", "state": {"running": {"startedAt": "2026-12-07T03:00:00Z"}}});
        let records = [
            pod("shop/checkout:2.0.0", false, crashed),
            pod("cart:3", false, oom),
            pod("web:9", false, pull),
            pod("api:1", true, stopped),
            pod("api:2", false, healthy),
        ];
        let images = learned(&records);
        assert_eq!(
            images.keys().collect::<Vec<_>>(),
            ["cart:3", "shop/checkout:2.0.0", "web:9"],
            "by the spec's image; a container stopped with its pod, or running, teaches nothing"
        );
        let crash = images["shop/checkout:2.0.0"].crash.as_ref().expect("a crash");
        assert_eq!(
            (crash.after.millis, crash.exit_code, crash.message.as_deref()),
            (4000, 2, Some("panic: config key not set"))
        );
        assert_eq!(images["cart:3"].oom_after.map(|d| d.millis), Some(600_000));
        assert!(images["web:9"].pull_error);
    }
}
