//! The HTTP side of webhook channels: one POST over HTTPS (rustls on ring, the system's CA
//! certificates) or plain HTTP, bounded by the channel's timeout, its outcome in words that
//! never include the URL (the secret part of a webhook).

use axum::http::{Request, StatusCode, Uri, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::channel::Channel;
use super::publish::AttemptError;
use super::secret::SecretSource;

/// An error and its causes on one line. hyper's errors carry no URL (which may be secret).
fn chain(e: &dyn std::error::Error) -> String {
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

pub(super) fn read_secret(source: &SecretSource, what: &str) -> Result<Vec<u8>, AttemptError> {
    source
        .read()
        .map(|s| s.expose().as_bytes().to_vec())
        .map_err(|e| AttemptError {
            message: format!("cannot read the {what}: {e}"),
            retry: false,
        })
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// An HTTP(S) client on rustls with ring and the system's CA certificates (without them only
/// plain HTTP works, and an HTTPS attempt says why).
fn client() -> HttpsClient {
    let provider = rustls::crypto::ring::default_provider();
    let tls = match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone()) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "no system CA certificates: HTTPS channels will fail");
            let config = rustls::ClientConfig::builder_with_provider(provider.into())
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
        }
    };
    let connector = tls.https_or_http().enable_http1().build();
    Client::builder(TokioExecutor::new()).build(connector)
}

pub(super) async fn post(
    channel: &Channel,
    url: &SecretSource,
    body: Vec<u8>,
    header: Option<(String, String)>,
) -> Result<(), AttemptError> {
    let url = read_secret(url, "webhook URL")?;
    let uri = std::str::from_utf8(&url)
        .ok()
        .and_then(|u| u.parse::<Uri>().ok())
        .filter(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some())
        .ok_or_else(|| AttemptError {
            // Not repeated: the URL is the secret.
            message: "the webhook URL is not an http(s) URL".into(),
            retry: false,
        })?;
    let mut request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, concat!("warroom/", env!("CARGO_PKG_VERSION")));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from(body))).map_err(|e| AttemptError {
        message: format!("cannot make the request: {e}"),
        retry: false,
    })?;
    let exchange = async {
        let response = client().request(request).await.map_err(|e| AttemptError {
            message: if e.is_connect() {
                format!("cannot connect: {}", chain(&e))
            } else {
                chain(&e)
            },
            retry: true,
        })?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Ok::<_, AttemptError>((status, body))
    };
    let (status, body) = tokio::time::timeout(channel.timeout, exchange)
        .await
        .map_err(|_| AttemptError {
            message: format!(
                "timed out after {}",
                crate::incident::metrics::format_duration(channel.timeout.try_into().unwrap_or_default())
            ),
            retry: true,
        })??;
    if status.is_success() {
        return Ok(());
    }
    let snippet: String = String::from_utf8_lossy(&body)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Err(AttemptError {
        message: if snippet.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {snippet}")
        },
        retry: status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
    })
}
