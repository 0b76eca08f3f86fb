//! Determinism: the same scenario, seed and requests at the same virtual times give the same
//! objects, byte for byte; another seed gives other objects.

use warroom_drill::scenario;
use warroom_drill::{Drill, Options};

/// Every list path the drill serves, from its discovery documents.
async fn list_paths(client: &reqwest::Client, url: &str) -> Vec<String> {
    let get = |path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .send()
                .await
                .expect("discovery")
                .json::<serde_json::Value>()
                .await
                .expect("discovery JSON")
        }
    };
    let mut versions = vec!["/api/v1".to_string()];
    let groups = get(format!("{url}/apis")).await;
    for g in groups["groups"].as_array().expect("groups") {
        for v in g["versions"].as_array().expect("versions") {
            versions.push(format!("/apis/{}", v["groupVersion"].as_str().expect("groupVersion")));
        }
    }
    let mut paths = Vec::new();
    for version in versions {
        let resources = get(format!("{url}{version}")).await;
        for r in resources["resources"].as_array().expect("resources") {
            let name = r["name"].as_str().expect("name");
            let lists = r["verbs"].as_array().is_some_and(|v| v.iter().any(|v| v == "list"));
            if lists && !name.contains('/') {
                paths.push(format!("{version}/{name}"));
            }
        }
    }
    paths
}

async fn run(seed: u64) -> std::collections::BTreeMap<String, String> {
    let options = Options {
        seed: Some(seed),
        paused: true,
        start: Some("2026-11-24T14:00:00Z".parse().expect("time")),
        ..Options::default()
    };
    let running = Drill::start(scenario::builtin(), "127.0.0.1:0".parse().expect("addr"), &options)
        .await
        .expect("start");
    let url = running.url();
    // On the drill's clock: its times as it keeps them, not moved onto this run's wall clock.
    let client = warroom_testkit::drill_clock_client();
    let advance = |d: &'static str| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let r = client
                .post(format!("{url}/drill/v1/clock?advance={d}"))
                .send()
                .await
                .expect("advance");
            assert!(r.status().is_success());
        }
    };
    advance("30s").await;
    let r = client
        .patch(format!("{url}/apis/apps/v1/namespaces/shop/deployments/cart/scale"))
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"spec":{"replicas":5}}"#)
        .send()
        .await
        .expect("scale");
    assert!(r.status().is_success());
    advance("1m").await;
    let pods: serde_json::Value = client
        .get(format!(
            "{url}/api/v1/namespaces/shop/pods?labelSelector=app%3Dfrontend"
        ))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let victim = pods["items"][0]["metadata"]["name"]
        .as_str()
        .expect("a pod")
        .to_string();
    let r = client
        .delete(format!("{url}/api/v1/namespaces/shop/pods/{victim}"))
        .send()
        .await
        .expect("delete");
    assert!(r.status().is_success());
    // Past the bad deploy at 2m and well into its crash loop.
    advance("5m").await;
    let mut dump = std::collections::BTreeMap::new();
    for path in list_paths(&client, &url).await {
        let body = client
            .get(format!("{url}{path}"))
            .send()
            .await
            .expect("list")
            .text()
            .await
            .expect("body");
        dump.insert(path, body);
    }
    running.stop();
    dump
}

#[tokio::test]
async fn same_seed_and_requests_give_the_same_objects() {
    let a = run(7).await;
    let b = run(7).await;
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "lists differ between two runs with the same seed");
    }
    assert!(a.len() > 10, "every kind is listed: {:?}", a.keys());
    // The drill actually moved: checkout crashloops after the bad deploy.
    let pods = &a["/api/v1/pods"];
    assert!(pods.contains("CrashLoopBackOff"), "the bad deploy ran");
    let c = run(8).await;
    assert_ne!(a["/api/v1/pods"], c["/api/v1/pods"], "another seed gives other pods");
}
