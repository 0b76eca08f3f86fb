//! HTTPS with rustls (ring provider): the real Prometheus serving TLS with a certificate from a
//! private CA; trusted through the endpoint's `ca_file`, refused without it (the TLS error kept
//! in the message), and a CA file that holds no certificate named as such.

use warroom::observe::http::Endpoint;
use warroom::observe::http::ObserveError;
use warroom::observe::prometheus::{Prometheus, QueryResult};
use warroom_testkit::{Target, certs, eventually, prometheus_with};

fn endpoint(url: &str) -> Endpoint {
    Endpoint {
        url: url.into(),
        timeout: Some("5s".into()),
        bearer_token_env: None,
        bearer_token_file: None,
        username: None,
        username_env: None,
        password_env: None,
        password_file: None,
        ca_file: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_private_ca() {
    let dir = tempfile::tempdir().expect("tmp");
    let certs = certs(dir.path());
    let app = Target::default();
    let addr = app.serve().await;
    let server = prometheus_with(&addr, "groups: []\n", Some(&certs)).await;
    assert!(server.url.starts_with("https://"));

    let trusted = Prometheus::from_endpoint(&Endpoint {
        ca_file: Some(certs.ca.clone()),
        ..endpoint(&server.url)
    })
    .expect("client");
    let v = eventually(30, "a sample over https", || async {
        match trusted.query("checkout_build_info", None).await.ok()? {
            QueryResult::Vector(v) if !v.is_empty() => Some(v),
            _ => None,
        }
    })
    .await;
    assert_eq!(v[0].point.v, 42.0);

    let untrusted = Prometheus::from_endpoint(&endpoint(&server.url)).expect("client");
    match untrusted.query("up", None).await {
        Err(ObserveError::Connect { error, .. }) => assert!(error.contains("certificate"), "{error}"),
        other => panic!("expected a refused certificate, got {other:?}"),
    }

    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello\n").expect("write");
    let e = Prometheus::from_endpoint(&Endpoint {
        ca_file: Some(not_pem.clone()),
        ..endpoint(&server.url)
    })
    .expect_err("no certificate in the CA file");
    assert_eq!(
        e.to_string(),
        format!("the CA file {} holds no PEM certificate", not_pem.display())
    );
}
