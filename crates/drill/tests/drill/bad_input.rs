//! Hostile and malformed requests: every route gets garbage bodies under every content type.
//! Each answer must be a Status with the HTTP code (never a 5xx, never a hang), and the
//! server must still serve afterwards.

use warroom_drill::scenario;
use warroom_drill::{Drill, Options};

const PATHS: &[&str] = &[
    "/api",
    "/apis",
    "/api/v1",
    "/apis/apps/v1",
    "/apis/policy/v1",
    "/apis/nope/v9",
    "/api/v1/nodes",
    "/api/v1/nodes/node-1",
    "/api/v1/nodes/node-1/status",
    "/api/v1/nodes/missing",
    "/api/v1/namespaces",
    "/api/v1/namespaces/shop",
    "/api/v1/pods",
    "/api/v1/namespaces/shop/pods",
    "/api/v1/namespaces/shop/pods/PODNAME",
    "/api/v1/namespaces/shop/pods/PODNAME/eviction",
    "/api/v1/namespaces/shop/pods/PODNAME/status",
    "/api/v1/namespaces/shop/pods/PODNAME/log",
    "/api/v1/namespaces/shop/events",
    "/apis/apps/v1/namespaces/shop/deployments",
    "/apis/apps/v1/namespaces/shop/deployments/web",
    "/apis/apps/v1/namespaces/shop/deployments/web/scale",
    "/apis/apps/v1/namespaces/shop/deployments/web/status",
    "/apis/apps/v1/namespaces/shop/replicasets",
    "/apis/apps/v1/namespaces/shop/daemonsets",
    "/apis/apps/v1/namespaces/shop/statefulsets",
    "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web",
    "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    "/api/v1/namespaces/shop/widgets/x",
    "/totally/unknown",
    "/api/v1/namespaces/shop/pods/a/b/c/d",
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "application/vnd.kubernetes.protobuf",
    "text/plain",
];

fn bodies() -> Vec<Vec<u8>> {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"just a string\"".to_vec(),
        b"\x00\xff\xfe garbage \x1b[31m".to_vec(),
        b"k8s\x00\x0a\xff\xff\xff".to_vec(),
        br#"{"spec":{"replicas":"lots"}}"#.to_vec(),
        br#"{"metadata":{"name":42}}"#.to_vec(),
        br#"[{"op":"explode","path":"/spec"}]"#.to_vec(),
        br#"[{"op":"remove","path":"/nope/nothing"}]"#.to_vec(),
        br#"{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"other"}}"#.to_vec(),
        b"apiVersion: v1\nkind: [unclosed\n".to_vec(),
        deep.into_bytes(),
    ]
}

fn is_status(body: &[u8], code: u16) -> Result<(), String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(body)))?;
    if v["kind"] != "Status" || v["code"] != code || v["status"] != "Failure" || !v["message"].is_string() {
        return Err(format!("not a Status with code {code}: {v}"));
    }
    Ok(())
}

#[tokio::test]
async fn garbage_on_every_route_gets_a_status_and_nothing_panics() {
    let s = scenario::parse("bad.yaml", &warroom_testkit::scenario("two-nodes-web")).expect("scenario");
    let running = Drill::start(s, "127.0.0.1:0".parse().expect("addr"), &Options::default())
        .await
        .expect("start");
    let client = warroom_testkit::http_client();
    let pods: serde_json::Value = client
        .get(format!("{}/api/v1/namespaces/shop/pods", running.url()))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let pod = pods["items"][0]["metadata"]["name"]
        .as_str()
        .expect("a pod")
        .to_string();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in PATHS {
        let path = path.replace("PODNAME", &pod);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            for ct in CONTENT_TYPES {
                for body in bodies() {
                    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
                    let r = client
                        .request(m, format!("{}{path}", running.url()))
                        .header("content-type", *ct)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{method} {path} ({ct}): no answer: {e}"));
                    let code = r.status().as_u16();
                    let bytes = r.bytes().await.expect("body");
                    checked += 1;
                    if code >= 500 {
                        failures.push(format!(
                            "{method} {path} ({ct}) -> {code}: {}",
                            String::from_utf8_lossy(&bytes)
                        ));
                    } else if code >= 400
                        && !path.starts_with("/drill")
                        && let Err(e) = is_status(&bytes, code)
                    {
                        failures.push(format!("{method} {path} ({ct}) -> {e}"));
                    }
                }
            }
        }
    }
    let mut kinds: Vec<String> = failures.iter().map(|f| f.chars().take(90).collect()).collect();
    kinds.dedup();
    assert!(
        failures.is_empty(),
        "{} of {checked} answers were wrong:\n{}",
        failures.len(),
        kinds[..kinds.len().min(30)].join("\n")
    );
    // Still serving, and the unknown route is a 404 Status.
    let r = client
        .get(format!("{}/api/v1/widgets", running.url()))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404);
    is_status(&r.bytes().await.expect("body"), 404).expect("404 Status");
    let r = client
        .get(format!("{}/api/v1/nodes", running.url()))
        .send()
        .await
        .expect("get");
    assert!(r.status().is_success());
}

#[tokio::test]
async fn malformed_patches_name_the_problem() {
    let s = scenario::parse("bad.yaml", &warroom_testkit::scenario("two-nodes-web")).expect("scenario");
    let running = Drill::start(s, "127.0.0.1:0".parse().expect("addr"), &Options::default())
        .await
        .expect("start");
    let client = warroom_testkit::http_client();
    let url = format!("{}/apis/apps/v1/namespaces/shop/deployments/web", running.url());
    let cases: &[(&str, &str, u16, &str)] = &[
        ("application/merge-patch+json", "{not json", 400, "merge patch"),
        (
            "application/merge-patch+json",
            r#"{"spec":{"replicas":"lots"}}"#,
            422,
            "spec.replicas",
        ),
        (
            "application/json-patch+json",
            r#"[{"op":"test","path":"/spec/replicas","value":7}]"#,
            422,
            "test",
        ),
        (
            "application/strategic-merge-patch+json",
            r#"{"spec":{"replicas":-3}}"#,
            422,
            "must be greater than or equal to 0",
        ),
        ("application/x-unknown-patch", "{}", 415, "unknown format"),
    ];
    for (ct, body, code, needle) in cases {
        let r = client
            .patch(&url)
            .header("content-type", *ct)
            .body(*body)
            .send()
            .await
            .expect("patch");
        assert_eq!(r.status().as_u16(), *code, "{ct} {body}");
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["kind"], "Status");
        let message = v["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{ct} {body}: {message}");
    }
    // Nothing changed.
    let d: serde_json::Value = client.get(&url).send().await.expect("get").json().await.expect("json");
    assert_eq!(d["spec"]["replicas"], 2);
}
