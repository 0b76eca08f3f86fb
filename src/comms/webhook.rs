//! The HTTP side of webhook channels: one POST through the shared client (`crate::http`: rustls
//! on ring, the system's CA certificates) over HTTPS or plain HTTP, bounded by the channel's
//! timeout, no redirects followed, its outcome in words that never include the URL (the secret
//! part of a webhook).

use reqwest::{StatusCode, header};

use super::channel::Channel;
use super::publish::AttemptError;
use crate::http::Redirects;
use crate::secret::{Secret, SecretSource};

/// A secret read at send time; a missing one fails the attempt for good.
pub(super) fn read_secret(source: &SecretSource, what: &'static str) -> Result<Secret, AttemptError> {
    source.read(what).map_err(|e| AttemptError {
        message: e.to_string(),
        retry: false,
    })
}

fn timed_out(channel: &Channel) -> AttemptError {
    AttemptError {
        message: format!(
            "timed out after {}",
            crate::incident::metrics::format_duration(channel.timeout.try_into().unwrap_or_default())
        ),
        retry: true,
    }
}

pub(super) async fn post(
    channel: &Channel,
    url: &SecretSource,
    body: Vec<u8>,
    header: Option<(String, String)>,
) -> Result<(), AttemptError> {
    let url = read_secret(url, "webhook URL")?;
    let url = crate::http::http_url(url.expose()).ok_or_else(|| AttemptError {
        // Not repeated: the URL is the secret.
        message: "the webhook URL is not an http(s) URL".into(),
        retry: false,
    })?;
    let client = crate::http::client(channel.timeout, &[], Redirects::Refuse).map_err(|e| AttemptError {
        message: format!("cannot make an HTTP client: {}", crate::http::describe(e)),
        retry: false,
    })?;
    let mut request = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let request = request.build().map_err(|e| AttemptError {
        message: format!("cannot make the request: {}", crate::http::describe(e)),
        retry: false,
    })?;
    let response = client.execute(request).await.map_err(|e| {
        if e.is_timeout() {
            timed_out(channel)
        } else if e.is_connect() {
            AttemptError {
                message: format!("cannot connect: {}", crate::http::describe(e)),
                retry: true,
            }
        } else {
            AttemptError {
                message: crate::http::describe(e),
                retry: true,
            }
        }
    })?;
    let status = response.status();
    // The body only explains a failure: a broken one is no error, a late one is a timeout.
    let body = match response.bytes().await {
        Ok(b) => b,
        Err(e) if e.is_timeout() => return Err(timed_out(channel)),
        Err(_) => Default::default(),
    };
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
