//! Helpers for the Prometheus and Alertmanager tests: the real Debian `prometheus` and
//! `prometheus-alertmanager` started on 127.0.0.1 with temp config and storage (killed when
//! dropped), and a scrape target the test serves itself whose counters grow by a fixed amount
//! on every scrape, so ratios and quantiles are exact.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::tools::{free_port, require};

/// A server process killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (async) up to `secs` for `f` to give Some.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs}s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_ready(client: &reqwest::Client, child: &mut Child, url: &str, what: &str, log: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{url}/-/ready")).send().await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "{what} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the real Prometheus scraping `target` (host:port) every second, evaluating `rules`
/// (a rule file's YAML) every second.
pub async fn prometheus(target: &str, rules: &str) -> Server {
    prometheus_with(target, rules, None).await
}

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it, made with the
/// openssl CLI (also used by the webhook HTTPS test).
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

const EC_KEY: [&str; 5] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new(require("openssl", "openssl"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed test CA, `{name}.pem` (and its key) in `dir`.
pub fn ca(dir: &std::path::Path, name: &str) -> PathBuf {
    let (key, pem, subject) = (
        format!("{name}.key"),
        format!("{name}.pem"),
        format!("/CN=warroom test {name}"),
    );
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &EC_KEY,
            &["-keyout", &key, "-out", &pem, "-days", "2", "-subj", &subject],
        ]
        .concat(),
    );
    dir.join(pem)
}

pub fn certs(dir: &std::path::Path) -> Certs {
    let ca = ca(dir, "ca");
    openssl(
        dir,
        &[
            &["req"][..],
            &EC_KEY,
            &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    Certs {
        ca,
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

/// Prometheus, serving HTTPS with these certificates when given.
pub async fn prometheus_with(target: &str, rules: &str, tls: Option<&Certs>) -> Server {
    let bin = require("prometheus", "prometheus");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("rules.yml"), rules).expect("write rules");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [\"{target}\"]\n",
        dir.path().join("rules.yml").display()
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).expect("write config");
    let port = free_port();
    let log = dir.path().join("prometheus.log");
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"));
    crate::install_tls_provider();
    let mut client = reqwest::Client::builder();
    let scheme = match tls {
        Some(c) => {
            let web = dir.path().join("web.yml");
            std::fs::write(
                &web,
                format!(
                    "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
                    c.cert.display(),
                    c.key.display()
                ),
            )
            .expect("write web config");
            cmd.arg(format!("--web.config.file={}", web.display()));
            let ca = std::fs::read(&c.ca).expect("read CA");
            client = client.tls_certs_merge([reqwest::Certificate::from_pem(&ca).expect("CA pem")]);
            "https"
        }
        None => "http",
    };
    let mut child = cmd.spawn().expect("start prometheus");
    let url = format!("{scheme}://127.0.0.1:{port}");
    wait_ready(&client.build().expect("client"), &mut child, &url, "prometheus", &log).await;
    Server {
        child: Some(child),
        url,
        dir,
    }
}

/// Starts the real Prometheus holding `openmetrics` (an OpenMetrics text with timestamps) as
/// its history, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`; it
/// scrapes nothing.
pub async fn prometheus_holding(openmetrics: &[u8]) -> Server {
    let bin = require("prometheus", "prometheus");
    let promtool = require("promtool", "prometheus");
    let dir = tempfile::tempdir().expect("temp dir");
    let (om, data) = (dir.path().join("history.om"), dir.path().join("data"));
    std::fs::write(&om, openmetrics).expect("write openmetrics");
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The drill's evaluation interval, which is also a subquery's step when it names none.
    std::fs::write(
        dir.path().join("prometheus.yml"),
        "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n",
    )
    .expect("config");
    let port = free_port();
    let log = dir.path().join("prometheus.log");
    let mut child = Command::new(bin)
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=100y")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start prometheus");
    let url = format!("http://127.0.0.1:{port}");
    wait_ready(&crate::http_client(), &mut child, &url, "prometheus", &log).await;
    Server {
        child: Some(child),
        url,
        dir,
    }
}

/// Starts the real Alertmanager with one receiver that sends nowhere and clustering off.
pub async fn alertmanager() -> Server {
    let bin = require("prometheus-alertmanager", "prometheus-alertmanager");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("alertmanager.yml"),
        "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n",
    )
    .expect("write config");
    let port = free_port();
    let log = dir.path().join("alertmanager.log");
    let mut child = Command::new(bin)
        .arg(format!(
            "--config.file={}",
            dir.path().join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start alertmanager");
    let url = format!("http://127.0.0.1:{port}");
    let client = crate::http_client();
    wait_ready(&client, &mut child, &url, "alertmanager", &log).await;
    Server {
        child: Some(child),
        url,
        dir,
    }
}

/// The scrape target: every scrape adds, for `checkout`, 3 requests answered 200 and 1
/// answered 500, each taking between 0.1s and 0.5s; for `cart`, 2 answered 200 in under 0.1s.
/// So checkout's error ratio is 0.25 and its p99 is 0.1 + 0.4 × 0.99 = 0.496; cart's is 0.
/// `extra` services (namespace `bench`) are shaped like checkout.
#[derive(Clone, Default)]
pub struct Target {
    pub scrapes: Arc<AtomicU64>,
    pub extra: Vec<String>,
}

impl Target {
    pub fn metrics(&self) -> String {
        let n = self.scrapes.fetch_add(1, Ordering::SeqCst) + 1;
        let (mut requests, mut buckets) = (String::new(), String::new());
        for svc in &self.extra {
            let l = format!(r#"namespace="bench",service="{svc}""#);
            requests.push_str(&format!(
                "http_requests_total{{{l},code=\"200\"}} {}\nhttp_requests_total{{{l},code=\"500\"}} {n}\n",
                3 * n
            ));
            for le in ["0.1", "0.5", "+Inf"] {
                let count = if le == "0.1" { 0 } else { 4 * n };
                buckets.push_str(&format!(
                    "http_request_duration_seconds_bucket{{{l},le=\"{le}\"}} {count}\n"
                ));
            }
        }
        self.base_metrics(n, &requests, &buckets)
    }

    fn base_metrics(&self, n: u64, requests: &str, buckets: &str) -> String {
        let c = r#"namespace="shop",service="checkout""#;
        let k = r#"namespace="shop",service="cart""#;
        format!(
            "# TYPE http_requests_total counter\n\
             http_requests_total{{{c},code=\"200\"}} {ok}\n\
             http_requests_total{{{c},code=\"500\"}} {n}\n\
             http_requests_total{{{k},code=\"200\"}} {cart}\n\
             {requests}\
             # TYPE http_request_duration_seconds histogram\n\
             http_request_duration_seconds_bucket{{{c},le=\"0.1\"}} 0\n\
             http_request_duration_seconds_bucket{{{c},le=\"0.5\"}} {all}\n\
             http_request_duration_seconds_bucket{{{c},le=\"1\"}} {all}\n\
             http_request_duration_seconds_bucket{{{c},le=\"+Inf\"}} {all}\n\
             http_request_duration_seconds_sum{{{c}}} {sum}\n\
             http_request_duration_seconds_count{{{c}}} {all}\n\
             http_request_duration_seconds_bucket{{{k},le=\"0.1\"}} {cart}\n\
             http_request_duration_seconds_bucket{{{k},le=\"0.5\"}} {cart}\n\
             http_request_duration_seconds_bucket{{{k},le=\"1\"}} {cart}\n\
             http_request_duration_seconds_bucket{{{k},le=\"+Inf\"}} {cart}\n\
             {buckets}\
             # TYPE checkout_build_info gauge\n\
             checkout_build_info{{version=\"1.2.3\"}} 42\n",
            ok = 3 * n,
            all = 4 * n,
            cart = 2 * n,
            sum = 0.3 * (4 * n) as f64,
        )
    }

    /// Serves `/metrics` on 127.0.0.1; returns host:port. The server stops with the runtime.
    pub async fn serve(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let me = me.clone();
                async move { ([("content-type", "text/plain; version=0.0.4")], me.metrics()) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind target");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        addr.to_string()
    }
}
