//! What the Prometheus and Alertmanager clients share on top of `crate::http`: the endpoint's
//! base URL, timeout and credentials (bearer token or basic auth, read through
//! `crate::secret` and never logged), errors that keep the server's own words, and read-only
//! mode: a read-only client sends nothing but GET and HEAD (checked in `send`, which every
//! request passes through). A server found in the cluster is reached through the Kubernetes
//! API server's service proxy with the kubeconfig's own credentials (`through_api_server`).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::http::Redirects;
use crate::secret::{Secret, SecretSource};

/// The default request timeout when the config names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How requests prove who sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Bearer(Secret),
    Basic {
        username: String,
        password: Secret,
    },
}

/// Where a Prometheus or Alertmanager answers and how to reach it, as the config file writes it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub url: String,
    /// Request timeout, e.g. `10s`.
    pub timeout: Option<String>,
    /// Read a bearer token from this environment variable.
    pub bearer_token_env: Option<String>,
    /// Or from this file.
    pub bearer_token_file: Option<PathBuf>,
    /// Basic auth: the username, written here or read from an environment variable...
    pub username: Option<String>,
    pub username_env: Option<String>,
    /// ...and the password from an environment variable or a file (never written here).
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// Also trust the CA certificates in this PEM file (a private CA), besides the system's.
    pub ca_file: Option<PathBuf>,
}

impl Endpoint {
    /// An endpoint with no credentials and the default timeout (the drill cluster's).
    pub fn plain(url: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            ..Endpoint::default()
        }
    }
}

/// Which monitoring server: what a client talks to, what an error came from, what the model
/// follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Server {
    Prometheus,
    Alertmanager,
}

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Prometheus => "prometheus",
            Server::Alertmanager => "alertmanager",
        }
    }
}

/// What went wrong talking to Prometheus or Alertmanager. Server text is kept verbatim.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObserveError {
    /// The endpoint's credentials could not be read (names the variable or file, never the value).
    #[error("{0}")]
    Credentials(String),
    #[error("{0} is not a usable URL")]
    Url(String),
    #[error("{0:?} is not a timeout such as 10s")]
    BadTimeout(String),
    /// The CA file could not be read or holds no certificate.
    #[error("{0}")]
    CaFile(String),
    #[error("{url}: no answer within {}s (timeout)", after.as_secs_f64())]
    Timeout { url: String, after: Duration },
    #[error("{url}: cannot connect: {error}")]
    Connect { url: String, error: String },
    /// 401: the credentials were refused.
    #[error("{url}: 401 unauthorized: {body}")]
    Unauthorized { url: String, body: String },
    /// 403: the credentials are valid but may not do this.
    #[error("{url}: 403 forbidden: {body}")]
    Forbidden { url: String, body: String },
    /// Prometheus's error envelope: `errorType` and `error` exactly as sent.
    #[error("{error_type}: {error}")]
    Api {
        status: u16,
        error_type: String,
        error: String,
    },
    /// Any other non-success answer, with the body as sent (Alertmanager's `{"code","message"}`
    /// becomes its message).
    #[error("{url}: {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("{url}: unexpected answer: {error}")]
    Decode { url: String, error: String },
    /// A read-only client refused to send a request that could change something.
    #[error("warroom is read-only: {method} {url} was not sent")]
    ReadOnly { method: String, url: String },
}

impl ObserveError {
    pub fn is_timeout(&self) -> bool {
        matches!(self, ObserveError::Timeout { .. })
    }

    /// The server could not be reached or refused us; any other error is an answer from it.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ObserveError::Credentials(_)
                | ObserveError::Url(_)
                | ObserveError::BadTimeout(_)
                | ObserveError::CaFile(_)
                | ObserveError::Timeout { .. }
                | ObserveError::Connect { .. }
                | ObserveError::Unauthorized { .. }
                | ObserveError::Forbidden { .. }
        )
    }
}

/// One server (Prometheus or Alertmanager): its base URL, timeout and credentials.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: Url,
    auth: Auth,
    timeout: Duration,
    pub service: Server,
    /// Only GET and HEAD leave the process.
    read_only: bool,
    /// Sent through the API server's service proxy by this client instead of straight to the
    /// base URL.
    via: Option<ApiServer>,
}

/// The Kubernetes client a proxied server is reached through, and the path of the API server
/// URL (a proxy in front of the API server may serve it under a path), which the client adds.
#[derive(Clone)]
struct ApiServer {
    client: kube::Client,
    prefix: String,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("service", &self.service)
            .field("base", &redact(&self.base))
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("read_only", &self.read_only)
            .field("through_api_server", &self.via.is_some())
            .finish()
    }
}

/// The secret a config names by variable or file, if any.
fn secret(
    env: &Option<String>,
    file: &Option<std::path::PathBuf>,
    what: &'static str,
) -> Result<Option<Secret>, ObserveError> {
    SecretSource::env_or_file(env, file)
        .map(|source| source.read(what))
        .transpose()
        .map_err(|e| ObserveError::Credentials(e.to_string()))
}

impl Auth {
    /// Reads the credentials an endpoint names (environment first, then file).
    pub fn from_endpoint(e: &Endpoint) -> Result<Auth, ObserveError> {
        if let Some(token) = secret(&e.bearer_token_env, &e.bearer_token_file, "bearer token")? {
            return Ok(Auth::Bearer(token));
        }
        let username = match (&e.username, &e.username_env) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(var)) => Some(
                SecretSource::Env(var.clone())
                    .read("username")
                    .map_err(|e| ObserveError::Credentials(e.to_string()))?
                    .expose()
                    .to_string(),
            ),
            (None, None) => None,
        };
        if let Some(username) = username {
            let password = secret(&e.password_env, &e.password_file, "password")?.unwrap_or(Secret::new(""));
            return Ok(Auth::Basic { username, password });
        }
        Ok(Auth::None)
    }
}

/// The body of Prometheus's answers: `{"status","data","errorType","error","warnings"}`.
#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

/// Alertmanager's validation error body.
#[derive(Deserialize)]
struct AmError {
    message: String,
}

impl Http {
    pub fn new(service: Server, base: &str, auth: Auth, timeout: Duration) -> Result<Http, ObserveError> {
        Http::with_roots(service, base, auth, timeout, Vec::new())
    }

    /// Like `new`, also trusting these CA certificates.
    pub fn with_roots(
        service: Server,
        base: &str,
        auth: Auth,
        timeout: Duration,
        roots: Vec<reqwest::Certificate>,
    ) -> Result<Http, ObserveError> {
        let mut base = crate::http::http_url(base).ok_or_else(|| ObserveError::Url(base.to_string()))?;
        // A base path (`https://host/prometheus`) is kept: paths are joined under it.
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let client = crate::http::client(timeout, &roots, Redirects::Follow).map_err(|e| ObserveError::Connect {
            url: redact(&base),
            error: crate::http::describe(e),
        })?;
        Ok(Http {
            client,
            base,
            auth,
            timeout,
            service,
            read_only: false,
            via: None,
        })
    }

    /// A server reached through the API server at `api_url` (the kubeconfig's server) by
    /// `client`: the service `port` (a number or a port name) of `namespace/name`.
    pub fn through_api_server(
        service: Server,
        client: kube::Client,
        api_url: &str,
        namespace: &str,
        name: &str,
        port: &str,
    ) -> Result<Http, ObserveError> {
        let mut base = crate::http::http_url(api_url).ok_or_else(|| ObserveError::Url(api_url.to_string()))?;
        let prefix = base.path().trim_end_matches('/').to_string();
        if let Ok(mut s) = base.path_segments_mut() {
            s.pop_if_empty();
            s.extend([
                "api",
                "v1",
                "namespaces",
                namespace,
                "services",
                &format!("{name}:{port}"),
                "proxy",
                "",
            ]);
        }
        let mut http = Http::new(service, base.as_str(), Auth::None, DEFAULT_TIMEOUT)?;
        http.via = Some(ApiServer { client, prefix });
        Ok(http)
    }

    /// The same server with another request timeout.
    pub fn with_timeout(self, timeout: Duration) -> Http {
        Http { timeout, ..self }
    }

    /// Whether requests go through the API server's service proxy.
    pub fn is_through_api_server(&self) -> bool {
        self.via.is_some()
    }

    /// Sends `req` through the API server: the path after the API server's own, the method,
    /// headers and body as built.
    async fn send_through(
        &self,
        via: &ApiServer,
        req: reqwest::Request,
    ) -> Result<(StatusCode, bytes::Bytes), ObserveError> {
        let url = req.url().clone();
        let path = url.path().strip_prefix(via.prefix.as_str()).unwrap_or(url.path());
        let target = match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        let mut out = http::Request::builder().method(req.method().as_str()).uri(target);
        for (name, value) in req.headers() {
            out = out.header(name.as_str(), value.as_bytes());
        }
        let body = req
            .body()
            .and_then(|b| b.as_bytes())
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let out = out
            .body(kube::client::Body::from(body))
            .map_err(|e| ObserveError::Url(e.to_string()))?;
        let connect = |error: String| ObserveError::Connect {
            url: redact(&url),
            error,
        };
        let timeout = || ObserveError::Timeout {
            url: redact(&url),
            after: self.timeout,
        };
        let answer = tokio::time::timeout(self.timeout, async {
            let resp = via.client.send(out).await.map_err(|e| connect(e.to_string()))?;
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = resp
                .into_body()
                .collect_bytes()
                .await
                .map_err(|e| connect(e.to_string()))?;
            Ok((status, body))
        });
        answer.await.map_err(|_| timeout())?
    }

    /// The same server, sending nothing but GET and HEAD: any other request fails with
    /// `ObserveError::ReadOnly` before it is sent.
    pub fn read_only(self) -> Http {
        Http {
            read_only: true,
            ..self
        }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// From a config endpoint: URL, timeout (default 10s) and credentials.
    pub fn from_endpoint(service: Server, e: &Endpoint) -> Result<Http, ObserveError> {
        let timeout = match &e.timeout {
            Some(t) => warroom_files::Duration::parse(t)
                .ok()
                .filter(|d| d.millis > 0)
                .map(|d| Duration::from_millis(d.millis as u64))
                .ok_or_else(|| ObserveError::BadTimeout(t.clone()))?,
            None => DEFAULT_TIMEOUT,
        };
        let roots = match &e.ca_file {
            Some(path) => crate::http::read_roots(path).map_err(ObserveError::CaFile)?,
            None => Vec::new(),
        };
        Http::with_roots(service, &e.url, Auth::from_endpoint(e)?, timeout, roots)
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The URL of `path` (slash-separated segments, each percent-encoded) under the base.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut s) = url.path_segments_mut() {
            s.pop_if_empty();
            s.extend(segments);
        }
        url
    }

    /// A request to `url`, authenticated. A read says it is on the drill's clock
    /// ([`warroom_drill::CLOCK_HEADER`]), so a drill serves its times unmoved (it moves them
    /// onto the wall clock for other clients); a real server ignores the header. Writes say so
    /// only when their times are the drill's (`Alertmanager::create_silence`).
    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let reads = method == Method::GET;
        let mut r = self.client.request(method, url);
        if reads {
            r = r.header(warroom_drill::CLOCK_HEADER, "drill");
        }
        match &self.auth {
            Auth::None => r,
            Auth::Bearer(t) => r.bearer_auth(t.expose()),
            Auth::Basic { username, password } => r.basic_auth(username, Some(password.expose())),
        }
    }

    fn send_error(&self, url: &Url, e: reqwest::Error) -> ObserveError {
        let url = redact(url);
        if e.is_timeout() {
            ObserveError::Timeout {
                url,
                after: self.timeout,
            }
        } else {
            // The URL is shown once (redacted); the source chain has the cause.
            ObserveError::Connect {
                url,
                error: crate::http::describe(e),
            }
        }
    }

    /// Sends a request and returns the status and body (any status).
    pub async fn send(&self, req: RequestBuilder) -> Result<(StatusCode, Url, bytes::Bytes), ObserveError> {
        let req = req.build().map_err(|e| ObserveError::Url(e.to_string()))?;
        let url = req.url().clone();
        if self.read_only && !matches!(*req.method(), Method::GET | Method::HEAD) {
            let refusal = ObserveError::ReadOnly {
                method: req.method().to_string(),
                url: redact(&url),
            };
            tracing::warn!(%refusal, "mutating request refused");
            return Err(refusal);
        }
        if let Some(via) = &self.via {
            let (status, body) = self.send_through(via, req).await?;
            return Ok((status, url, body));
        }
        let resp = self.client.execute(req).await.map_err(|e| self.send_error(&url, e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| self.send_error(&url, e))?;
        Ok((status, url, body))
    }

    /// The error for a non-success answer, keeping the server's text.
    fn status_error(&self, status: StatusCode, url: &Url, body: &[u8]) -> ObserveError {
        let url = redact(url);
        let text = String::from_utf8_lossy(body).trim().to_string();
        if let Ok(env) = serde_json::from_slice::<Envelope<serde::de::IgnoredAny>>(body)
            && env.status == "error"
        {
            return ObserveError::Api {
                status: status.as_u16(),
                error_type: env.error_type.unwrap_or_default(),
                error: env.error.unwrap_or_default(),
            };
        }
        let text = serde_json::from_slice::<AmError>(body)
            .map(|e| e.message)
            .unwrap_or(text);
        match status {
            StatusCode::UNAUTHORIZED => ObserveError::Unauthorized { url, body: text },
            StatusCode::FORBIDDEN => ObserveError::Forbidden { url, body: text },
            _ => ObserveError::Status {
                url,
                status: status.as_u16(),
                body: text,
            },
        }
    }

    /// A Prometheus API call: unwraps `data` from the envelope; errors keep `errorType`/`error`.
    pub async fn prometheus<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ObserveError> {
        let (status, url, body) = self.send(req).await?;
        if !status.is_success() {
            return Err(self.status_error(status, &url, &body));
        }
        let env: Envelope<T> = serde_json::from_slice(&body).map_err(|e| ObserveError::Decode {
            url: redact(&url),
            error: e.to_string(),
        })?;
        if env.status != "success" {
            return Err(ObserveError::Api {
                status: status.as_u16(),
                error_type: env.error_type.unwrap_or_default(),
                error: env.error.unwrap_or_default(),
            });
        }
        env.data.ok_or_else(|| ObserveError::Decode {
            url: redact(&url),
            error: "no data in a success answer".into(),
        })
    }

    /// A plain JSON API call (Alertmanager): the body is the value.
    pub async fn json<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ObserveError> {
        let (status, url, body) = self.send(req).await?;
        if !status.is_success() {
            return Err(self.status_error(status, &url, &body));
        }
        serde_json::from_slice(&body).map_err(|e| ObserveError::Decode {
            url: redact(&url),
            error: e.to_string(),
        })
    }

    /// A call whose answer body does not matter, only its status.
    pub async fn no_content(&self, req: RequestBuilder) -> Result<(), ObserveError> {
        let (status, url, body) = self.send(req).await?;
        if !status.is_success() {
            return Err(self.status_error(status, &url, &body));
        }
        Ok(())
    }
}

/// A URL as shown in errors: without any user:password written into it.
fn redact(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let http = Http::new(
            Server::Prometheus,
            "http://127.0.0.1:9/prom",
            Auth::Basic {
                username: "alice".into(),
                password: Secret::new("hunter2"),
            },
            DEFAULT_TIMEOUT,
        )
        .expect("client");
        let shown = format!("{http:?}");
        assert!(!shown.contains("hunter2") && shown.contains("alice"), "{shown}");
        let in_url = Http::new(
            Server::Prometheus,
            "http://bob:s3cret@127.0.0.1:9/",
            Auth::None,
            DEFAULT_TIMEOUT,
        )
        .expect("client");
        assert!(!format!("{in_url:?}").contains("s3cret"));
        assert_eq!(
            http.url(&["api", "v1", "query"]).as_str(),
            "http://127.0.0.1:9/prom/api/v1/query"
        );
        assert_eq!(
            http.url(&["api", "v2", "silence", "a/b?c"]).as_str(),
            "http://127.0.0.1:9/prom/api/v2/silence/a%2Fb%3Fc"
        );
        assert_eq!(redact(&Url::parse("http://u:p@h/").expect("url")), "http://u:***@h/");
    }

    #[test]
    fn not_a_url_is_refused() {
        assert!(matches!(
            Http::new(Server::Prometheus, "ftp://x", Auth::None, DEFAULT_TIMEOUT),
            Err(ObserveError::Url(_))
        ));
    }
}
