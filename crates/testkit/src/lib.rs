//! What the tests of every warroom crate share: the outside tools they drive (found on PATH, or
//! the test fails loudly naming the package), the real Prometheus and Alertmanager started on
//! loopback, kubectl pointed at a kubeconfig, a tmux session for the console, and waiting for a
//! condition with a generous deadline (a wait, not a timing assertion).

pub mod drill;
pub mod kubectl;
pub mod mutate;
pub mod postgres;
pub mod servers;
pub mod tmux;
pub mod tools;

use std::time::{Duration, Instant};

pub use kubectl::Kubectl;
pub use postgres::Postgres;
pub use servers::{
    Certs, Server, Target, alertmanager, ca, certs, eventually, prometheus, prometheus_holding, prometheus_with,
};
pub use tmux::Tmux;
pub use tools::{every_kubectl, free_port, kubectl_path, other_kubectl, require, which};

/// Waits up to `secs` for `f` to return Some.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs}s waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A memory figure of a process from /proc (`VmHWM:` peak, `VmRSS:` now), in MiB.
pub fn rss_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A tokio runtime for tests that drive async code from a plain `#[test]`.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Installs rustls's ring provider once (reqwest is built without a default one).
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A plain HTTP client for talking to test servers.
pub fn http_client() -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::new()
}

/// An HTTP client whose every request says it is on a drill's clock (as warroom's console
/// does), so that the drill serves and keeps its times as they are: for comparing what a drill
/// holds across runs, or with its own clock.
pub fn drill_clock_client() -> reqwest::Client {
    install_tls_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        warroom_drill::CLOCK_HEADER,
        reqwest::header::HeaderValue::from_static("drill"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("an HTTP client")
}

/// A path in the repository (shipped drills, playbooks, fixtures), wherever the test runs from.
pub fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A scenario fixture's text (`tests/fixtures/scenarios/NAME.yaml`).
pub fn scenario(name: &str) -> String {
    let path = repo(&format!("tests/fixtures/scenarios/{name}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
