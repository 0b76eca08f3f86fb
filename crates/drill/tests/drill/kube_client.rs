//! The drill cluster driven by kube-rs, as the console will drive it: paginated lists, watch
//! resume from a resourceVersion, 410 Expired followed by a relist, and bookmarks.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use warroom_drill::scenario;
use warroom_drill::{Drill, Options};

async fn start(options: Options) -> (Drill, kube::Client) {
    let s = scenario::parse("six-web-pods.yaml", &warroom_testkit::scenario("six-web-pods")).expect("valid scenario");
    let running = Drill::start(s, "127.0.0.1:0".parse().expect("addr"), &options)
        .await
        .expect("start drill cluster");
    let config = kube::Config::new(running.url().parse().expect("url"));
    let client = kube::Client::try_from(config).expect("client");
    (running, client)
}

async fn control(running: &Drill, path: &str) {
    let r = warroom_testkit::http_client()
        .post(format!("{}{path}", running.url()))
        .send()
        .await
        .expect("control request");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

#[tokio::test]
async fn paginated_list_follows_continue_tokens() {
    let (_running, client) = start(Options::default()).await;
    let pods: Api<Pod> = Api::all(client);
    let all = pods.list(&ListParams::default()).await.expect("list");
    assert_eq!(all.items.len(), 6);
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut lp = ListParams::default().limit(4);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = pods.list(&lp).await.expect("page");
        pages += 1;
        names.extend(page.items.iter().filter_map(|p| p.metadata.name.clone()));
        match page.metadata.continue_ {
            Some(t) if !t.is_empty() => {
                assert_eq!(page.metadata.remaining_item_count, Some(2));
                token = Some(t);
            }
            _ => break,
        }
    }
    assert_eq!(pages, 2);
    let mut expected: Vec<String> = all.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
    expected.sort();
    assert_eq!(names, expected, "pages cover every pod once, in order");
}

#[tokio::test]
async fn watch_resumes_from_a_resource_version() {
    let (_running, client) = start(Options::default()).await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let list = deploys.list(&ListParams::default()).await.expect("list");
    let rv = list.metadata.resource_version.expect("list rv");
    // A change after the list, before the watch starts: the watch must replay it.
    deploys
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"replicas": 2}})),
        )
        .await
        .expect("scale down");
    let mut stream = deploys
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = stream.try_next().await.expect("watch event") {
            if let WatchEvent::Modified(d) = ev
                && d.spec.replicas == Some(2)
            {
                return d;
            }
        }
        panic!("the watch ended without the change");
    })
    .await
    .expect("the change made between list and watch is replayed");
    assert_eq!(seen.metadata.name.as_deref(), Some("web"));
    let newer: u64 = seen.metadata.resource_version.expect("rv").parse().expect("numeric rv");
    assert!(newer > rv.parse::<u64>().expect("numeric rv"));
}

#[tokio::test]
async fn expired_watch_relists() {
    let (running, client) = start(Options::default()).await;
    let nodes: Api<Node> = Api::all(client);
    let mut inits = 0;
    let mut applied_after_relist = false;
    let mut stream = watcher(nodes.clone(), watcher::Config::default()).boxed();
    let result = tokio::time::timeout(Duration::from_secs(30), async {
        let mut errors = 0;
        while let Some(item) = stream.next().await {
            // The watcher reports the 410 as an error, then relists on the next poll.
            let Ok(ev) = item else {
                errors += 1;
                assert!(errors < 20, "the watcher keeps failing");
                continue;
            };
            match ev {
                watcher::Event::InitDone if inits == 0 => {
                    inits += 1;
                    // Forget the change log, then drop every watch: the resume must get 410.
                    control(&running, "/drill/v1/compact").await;
                    nodes
                        .patch(
                            "node-1",
                            &PatchParams::default(),
                            &Patch::Merge(serde_json::json!({"metadata": {"labels": {"drill": "yes"}}})),
                        )
                        .await
                        .expect("label node");
                    control(&running, "/drill/v1/compact").await;
                    control(&running, "/drill/v1/disconnect").await;
                }
                watcher::Event::InitApply(n)
                    if inits == 1
                        && n.metadata
                            .labels
                            .as_ref()
                            .and_then(|l| l.get("drill"))
                            .map(String::as_str)
                            == Some("yes") =>
                {
                    applied_after_relist = true;
                }
                watcher::Event::InitDone => {
                    inits += 1;
                    return;
                }
                _ => {}
            }
        }
    })
    .await;
    assert!(result.is_ok(), "the watcher relisted within the deadline");
    assert_eq!(inits, 2, "a second initial list after 410 Expired");
    assert!(applied_after_relist, "the relist carries the change made meanwhile");
    let log: serde_json::Value = warroom_testkit::http_client()
        .get(format!("{}/drill/v1/requests", running.url()))
        .send()
        .await
        .expect("request log")
        .json()
        .await
        .expect("json");
    let lists = log
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["path"] == "/api/v1/nodes" && !r["query"].as_str().unwrap_or("").contains("watch=true"))
        .count();
    assert!(lists >= 2, "listed twice: {log}");
}

#[tokio::test]
async fn watch_sends_bookmarks() {
    let options = Options {
        bookmark_interval: Duration::from_millis(200),
        ..Options::default()
    };
    let (_running, client) = start(options).await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let list = pods.list(&ListParams::default()).await.expect("list");
    let rv = list.metadata.resource_version.expect("rv");
    let mut stream = pods.watch(&WatchParams::default(), &rv).await.expect("watch").boxed();
    let bookmark = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = stream.try_next().await.expect("event") {
            if let WatchEvent::Bookmark(b) = ev {
                return b;
            }
        }
        panic!("the watch ended without a bookmark");
    })
    .await
    .expect("a bookmark within the deadline");
    let at: u64 = bookmark.metadata.resource_version.parse().expect("numeric rv");
    assert!(at >= rv.parse::<u64>().expect("numeric"));
}

#[tokio::test]
async fn streaming_list_ends_initial_events_with_a_bookmark() {
    let (_running, client) = start(Options::default()).await;
    let pods: Api<Pod> = Api::all(client);
    let mut stream = watcher(pods, watcher::Config::default().streaming_lists()).boxed();
    let count = tokio::time::timeout(Duration::from_secs(10), async {
        let mut n = 0;
        while let Some(ev) = stream.try_next().await.expect("event") {
            match ev {
                watcher::Event::InitApply(_) => n += 1,
                watcher::Event::InitDone => return n,
                _ => {}
            }
        }
        panic!("stream ended");
    })
    .await
    .expect("initial events end");
    assert_eq!(count, 6);
}

#[tokio::test]
async fn server_side_apply_creates_then_updates() {
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    let (_running, client) = start(Options::default()).await;
    let policies: Api<NetworkPolicy> = Api::namespaced(client, "shop");
    let policy = |app: &str| {
        serde_json::json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "isolate", "namespace": "shop", "labels": {"warroom.dev/action": "isolate"}},
            "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress", "Egress"]},
        })
    };
    let pp = PatchParams::apply("warroom").force();
    let dry = policies
        .patch(
            "isolate",
            &PatchParams::apply("warroom").force().dry_run(),
            &Patch::Apply(policy("web")),
        )
        .await
        .expect("dry-run apply");
    assert_eq!(dry.metadata.name.as_deref(), Some("isolate"));
    assert!(
        policies.get_opt("isolate").await.expect("get").is_none(),
        "a dry run creates nothing"
    );
    let created = policies
        .patch("isolate", &pp, &Patch::Apply(policy("web")))
        .await
        .expect("apply");
    assert!(created.metadata.uid.is_some());
    let updated = policies
        .patch("isolate", &pp, &Patch::Apply(policy("api")))
        .await
        .expect("re-apply");
    assert_eq!(updated.metadata.uid, created.metadata.uid);
    let selector = updated
        .spec
        .and_then(|s| s.pod_selector)
        .and_then(|s| s.match_labels)
        .unwrap_or_default();
    assert_eq!(selector.get("app").map(String::as_str), Some("api"));
    let listed = policies
        .list(&ListParams::default().labels("warroom.dev/action=isolate"))
        .await
        .expect("list by label");
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn eviction_accepts_policy_v1beta1_and_v1() {
    let (running, client) = start(Options::default()).await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let names: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    let http = warroom_testkit::http_client();
    for (name, version) in names.iter().zip(["policy/v1beta1", "policy/v1"]) {
        let body = serde_json::json!({"apiVersion": version, "kind": "Eviction", "metadata": {"name": name, "namespace": "shop"}});
        let r = http
            .post(format!("{}/api/v1/namespaces/shop/pods/{name}/eviction", running.url()))
            .json(&body)
            .send()
            .await
            .expect("evict");
        assert_eq!(r.status().as_u16(), 201, "{version}");
        let p = pods.get(name).await.expect("still terminating");
        assert!(
            p.metadata.deletion_timestamp.is_some(),
            "{version} eviction starts termination"
        );
    }
}
