//! Publishing over HTTPS (Slack's webhooks are HTTPS): a TLS receiver on 127.0.0.1 with a
//! certificate from a test CA made by the machine's `openssl`. Trusting that CA (through
//! SSL_CERT_FILE, as the system's certificates would be) the update arrives; trusting another,
//! the attempt fails with a certificate error in the journal, and nothing panics.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;
use warroom::incident::journal;
use warroom::incident::model::Event;

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that refuses our certificate ends its handshake: wait for the next.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

type Bodies = Arc<Mutex<Vec<Bytes>>>;

async fn hook(State(bodies): State<Bodies>, body: Bytes) -> &'static str {
    bodies.lock().expect("lock").push(body);
    "ok"
}

fn warroom(dir: &Path, trust: &Path, url: &str, args: &[&str]) -> Output {
    crate::support::warroom(dir)
        .args(args)
        .env("WARROOM_ACTOR", "https-test")
        .env("SSL_CERT_FILE", trust)
        .env_remove("SSL_CERT_DIR")
        .env("TEST_SLACK_URL", url)
        .output()
        .expect("run warroom")
}

#[test]
fn https_webhooks_verify_the_server_certificate() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // A CA with a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
    let signed = warroom_testkit::certs(d);
    let other_ca = warroom_testkit::ca(d, "other-ca");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&signed.cert)
        .expect("server.pem")
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_file(&signed.key).expect("server.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let tcp = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let url = format!("https://127.0.0.1:{}/hook", tcp.local_addr().expect("addr").port());
    let bodies: Bodies = Arc::default();
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(bodies.clone());
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    runtime.spawn(async move { axum::serve(listener, app).await });

    std::fs::write(
        d.join("config.toml"),
        "[[channels]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"TEST_SLACK_URL\"\nretries = 0\n",
    )
    .expect("config");
    let new = warroom(
        d,
        &signed.ca,
        &url,
        &["incident", "new", "--title", "TLS", "--sev", "2"],
    );
    assert!(new.status.success(), "{}", String::from_utf8_lossy(&new.stderr));
    let id = String::from_utf8_lossy(&new.stdout).trim().to_string();
    let publish = [
        "status",
        "publish",
        &id,
        "--template",
        "internal-update",
        "--channel",
        "ops",
    ];

    // Trusting another CA: refused, recorded, nothing received.
    let out = warroom(d, &other_ca, &url, &publish);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate"), "{err}");
    assert!(bodies.lock().expect("lock").is_empty());

    // Trusting the server's CA: delivered.
    let out = warroom(d, &signed.ca, &url, &publish);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = bodies.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&got[0]).expect("json");
    assert!(
        body["text"].as_str().is_some_and(|t| t.starts_with("[SEV2] ")),
        "{body}"
    );

    let path: PathBuf = d.join("incidents").join(format!("{id}.jsonl"));
    let events: Vec<Event> = journal::read(&path)
        .expect("journal")
        .entries
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::StatusUpdateFailed { error, .. } if error.contains("certificate")))
    );
    assert!(events.iter().any(|e| matches!(e, Event::StatusUpdatePublished { .. })));
}
