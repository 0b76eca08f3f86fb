//! The one HTTP client stack every adapter uses (Prometheus, Alertmanager, status webhooks):
//! reqwest on rustls with the ring provider, the system's CA certificates plus any from a PEM
//! file, a timeout per request, and error text that never includes the URL.

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

static TLS: Once = Once::new();

/// What every client sends as `User-Agent`.
pub const USER_AGENT: &str = concat!("warroom/", env!("CARGO_PKG_VERSION"));

/// Installs the process's rustls crypto provider (ring) once. reqwest is built without a
/// provider of its own, so every in-process reqwest client needs this first.
pub fn install_tls_provider() {
    TLS.call_once(|| {
        // Someone else (kube) may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A plain reqwest client, with the TLS provider installed (for tests and benchmarks).
pub fn plain_client() -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::new()
}

/// Whether a client follows redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// reqwest's default (up to 10).
    Follow,
    /// A 3xx is the answer (webhooks: a redirect must not carry the update elsewhere).
    Refuse,
}

/// `text` as a URL a client can call: absolute http(s) with a host.
pub fn http_url(text: &str) -> Option<reqwest::Url> {
    reqwest::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}

/// A client with this timeout (connecting, and the whole exchange), trusting the system's CA
/// certificates and `roots`. With no system certificates at all it trusts only `roots`, so plain
/// HTTP still works and HTTPS fails with a certificate error.
pub fn client(
    timeout: Duration,
    roots: &[reqwest::Certificate],
    redirects: Redirects,
) -> Result<reqwest::Client, reqwest::Error> {
    install_tls_provider();
    let builder = || {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(USER_AGENT)
            .redirect(match redirects {
                Redirects::Follow => reqwest::redirect::Policy::default(),
                Redirects::Refuse => reqwest::redirect::Policy::none(),
            })
    };
    builder().tls_certs_merge(roots.iter().cloned()).build().or_else(|e| {
        tracing::warn!(error = %describe(e), "no system CA certificates: HTTPS trusts only configured CA files");
        builder().tls_certs_only(roots.iter().cloned()).build()
    })
}

/// The certificates of a PEM file (a private CA), or why there are none (naming the file).
pub fn read_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(format!("the CA file {} holds no PEM certificate", path.display())),
        Err(e) => Err(format!("the CA file {}: {e}", path.display())),
    }
}

/// An error and its causes on one line, without the URL (which may hold a secret: a webhook's
/// token, a user:password).
pub fn describe(e: reqwest::Error) -> String {
    causes(&e.without_url())
}

/// An error and its causes on one line (each cause once): "client error (Connect): tcp
/// connect error: Connection refused (os error 111)" rather than the outermost words alone.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_callable() {
        assert!(http_url("https://hooks.example/T1/B2?token=x").is_some());
        assert!(http_url("http://127.0.0.1:9/hook").is_some());
        for bad in [
            "ftp://hooks.example/x",
            "hooks.example/x",
            "mailto:ops@example.com",
            "",
            "http://",
        ] {
            assert!(http_url(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let not_pem = dir.path().join("not.pem");
        std::fs::write(&not_pem, "hello\n").expect("write");
        assert_eq!(
            read_roots(&not_pem).err(),
            Some(format!("the CA file {} holds no PEM certificate", not_pem.display()))
        );
        let missing = dir.path().join("missing.pem");
        assert!(
            read_roots(&missing)
                .err()
                .is_some_and(|e| e.starts_with(&format!("cannot read the CA file {}: ", missing.display())))
        );
    }

    #[tokio::test]
    async fn errors_never_show_the_url() {
        // A loopback port nobody listens on (bound, then closed).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let c = client(Duration::from_secs(5), &[], Redirects::Refuse).expect("client");
        let e = c
            .post(format!("http://{closed}/hook?token=s3cret"))
            .send()
            .await
            .expect_err("nobody listens");
        assert!(e.is_connect(), "{e:?}");
        let shown = describe(e);
        assert!(!shown.contains("s3cret") && !shown.contains("/hook"), "{shown}");
        assert!(shown.contains("onnect"), "{shown}");
    }
}
