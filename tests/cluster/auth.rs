//! Credentials from the config reach the server: bearer tokens from an environment variable or a
//! file, basic auth with the password from an environment variable or a file, checked on the
//! test's own server; a 401 keeps the server's words and marks the source unauthorized; no
//! secret shows in a client's Debug or in an error.
//! (One test in this binary: it sets environment variables before any thread starts.)

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use warroom::freshness::Freshness;
use warroom::observe::alertmanager::Alertmanager;
use warroom::observe::http::Endpoint;
use warroom::observe::http::ObserveError;
use warroom::observe::prometheus::Prometheus;

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

#[test]
fn credentials_arrive_and_never_show() {
    // SAFETY: set before the runtime or any other thread exists; this binary has one test.
    unsafe {
        std::env::set_var("WARROOM_TEST_PROM_TOKEN", "token-from-env");
        std::env::set_var("WARROOM_TEST_AM_PASSWORD", "open sesame");
        std::env::set_var("WARROOM_TEST_AM_USER", "bob");
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("token"), "token-from-file\n").expect("token file");
    std::fs::write(dir.path().join("password"), "pw-from-file\n").expect("password file");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let app = axum::Router::new()
            .route(
                "/ok/api/v1/query",
                axum::routing::get(move |h: HeaderMap| {
                    let record = record.clone();
                    async move {
                        let auth = h
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("none")
                            .to_string();
                        record.lock().expect("lock").push(auth);
                        r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#
                    }
                }),
            )
            .route(
                "/ok/api/v2/silences",
                axum::routing::get({
                    let record = seen.clone();
                    move |h: HeaderMap| {
                        let record = record.clone();
                        async move {
                            let auth = h
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("none")
                                .to_string();
                            record.lock().expect("lock").push(auth);
                            "[]"
                        }
                    }
                }),
            )
            .route(
                "/deny/api/v1/query",
                axum::routing::get(|| async { (StatusCode::UNAUTHORIZED, "Unauthorized: bad token\n") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let ok = format!("{base}/ok");

        let from_env = Prometheus::from_endpoint(&Endpoint {
            bearer_token_env: Some("WARROOM_TEST_PROM_TOKEN".into()),
            ..endpoint(&ok)
        })
        .expect("bearer from env");
        let from_file = Prometheus::from_endpoint(&Endpoint {
            bearer_token_file: Some(dir.path().join("token")),
            ..endpoint(&ok)
        })
        .expect("bearer from file");
        let basic_env = Alertmanager::from_endpoint(&Endpoint {
            username: Some("alice".into()),
            password_env: Some("WARROOM_TEST_AM_PASSWORD".into()),
            ..endpoint(&ok)
        })
        .expect("basic from env");
        let basic_file = Alertmanager::from_endpoint(&Endpoint {
            username_env: Some("WARROOM_TEST_AM_USER".into()),
            password_file: Some(dir.path().join("password")),
            ..endpoint(&ok)
        })
        .expect("basic from file");

        from_env.query("up", None).await.expect("query");
        from_file.query("up", None).await.expect("query");
        basic_env.silences().await.expect("silences");
        basic_file.silences().await.expect("silences");
        assert_eq!(
            *seen.lock().expect("lock"),
            [
                "Bearer token-from-env",
                "Bearer token-from-file",
                // base64("alice:open sesame"), base64("bob:pw-from-file")
                "Basic YWxpY2U6b3BlbiBzZXNhbWU=",
                "Basic Ym9iOnB3LWZyb20tZmlsZQ==",
            ]
        );
        for shown in [
            format!("{from_env:?}"),
            format!("{from_file:?}"),
            format!("{basic_env:?}"),
            format!("{basic_file:?}"),
        ] {
            for secret in ["token-from-env", "token-from-file", "open sesame", "pw-from-file"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }

        // 401: the server's words, and the source is marked unauthorized.
        let denied = Prometheus::from_endpoint(&Endpoint {
            bearer_token_env: Some("WARROOM_TEST_PROM_TOKEN".into()),
            ..endpoint(&format!("{base}/deny"))
        })
        .expect("client");
        let e = denied.query("up", None).await.expect_err("401");
        assert!(
            matches!(&e, ObserveError::Unauthorized { body, .. } if body == "Unauthorized: bad token"),
            "{e:?}"
        );
        assert!(!e.to_string().contains("token-from-env"), "{e}");
        assert!(matches!(
            warroom::observe::follow::after_failure(&e, Some(1)),
            Freshness::Unauthorized { .. }
        ));

        // A missing variable is named, not guessed at.
        let e = Prometheus::from_endpoint(&Endpoint {
            bearer_token_env: Some("WARROOM_TEST_NOT_SET".into()),
            ..endpoint(&ok)
        })
        .expect_err("no such variable");
        assert_eq!(
            e.to_string(),
            "the bearer token environment variable WARROOM_TEST_NOT_SET is not set"
        );
    });
}
