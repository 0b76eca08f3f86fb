//! Determinism: the same scenario, seed and requests at the same virtual times give the same
//! objects, byte for byte; another seed gives other objects.

use warroom_drill::kinds;
use warroom_drill::scenario;
use warroom_drill::server::{self, Options};

async fn run(seed: u64) -> Vec<String> {
    let options = Options {
        seed: Some(seed),
        paused: true,
        start: Some("2026-11-24T14:00:00Z".parse().expect("time")),
        ..Options::default()
    };
    let running = server::start(scenario::builtin(), "127.0.0.1:0".parse().expect("addr"), &options)
        .await
        .expect("start");
    let url = running.url();
    let client = warroom::http::plain_client();
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
    let mut dump = Vec::new();
    for k in kinds::ALL {
        let path = if k.group.is_empty() {
            format!("/api/{}/{}", k.version, k.plural)
        } else {
            format!("/apis/{}/{}/{}", k.group, k.version, k.plural)
        };
        let body = client
            .get(format!("{url}{path}"))
            .send()
            .await
            .expect("list")
            .text()
            .await
            .expect("body");
        dump.push(body);
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
    // The drill actually moved: checkout crashloops after the bad deploy.
    let pods = &a[2];
    assert!(pods.contains("CrashLoopBackOff"), "the bad deploy ran");
    let c = run(8).await;
    assert_ne!(a[2], c[2], "another seed gives other pods");
}
