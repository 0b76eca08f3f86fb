//! The team's tracker (`[tracker]`: GitHub or Jira): files a follow-up as an issue, one POST of
//! the create-issue body to the configured endpoint, and reads back the ticket it got. Redirects
//! are refused and the token is never printed.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::http::Redirects;
use crate::incident::follow_up_export::{self, Owed};
use crate::secret::SecretSource;

/// The team's tracker, where `warroom incident follow-ups --post` files each open follow-up as
/// an issue and records the ticket it gets back.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {
    /// `github` or `jira`.
    pub kind: TrackerKind,
    /// The create-issue endpoint: `https://api.github.com/repos/OWNER/REPO/issues`, or
    /// `https://jira.example.com/rest/api/2/issue`.
    pub url: String,
    /// Jira's project key, e.g. `OPS`.
    pub project: Option<String>,
    /// The API token, read from this environment variable ...
    pub token_env: Option<String>,
    /// ... or from this file. Sent as `Authorization: Bearer TOKEN` ...
    pub token_file: Option<PathBuf>,
    /// ... or, with a user (Jira Cloud: the account's email), as Basic `user:token`.
    pub user: Option<String>,
}

/// Which tracker's create-issue API `[tracker] url` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackerKind {
    Github,
    Jira,
}

/// How long one filing may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A configured tracker, ready to file.
pub struct Tracker {
    kind: TrackerKind,
    url: reqwest::Url,
    project: String,
    token: Option<SecretSource>,
    user: Option<String>,
    client: reqwest::Client,
}

impl Tracker {
    pub fn new(c: &TrackerConfig) -> Result<Tracker, String> {
        let url =
            crate::http::http_url(&c.url).ok_or_else(|| format!("[tracker] url {:?} is not an http(s) URL", c.url))?;
        let client = crate::http::client(TIMEOUT, &[], Redirects::Refuse)
            .map_err(|e| format!("cannot make an HTTP client: {}", crate::http::describe(e)))?;
        Ok(Tracker {
            kind: c.kind,
            url,
            project: c.project.clone().unwrap_or_default(),
            token: SecretSource::env_or_file(&c.token_env, &c.token_file),
            user: c.user.clone(),
            client,
        })
    }

    /// The create-issue body this tracker takes for `o`.
    pub fn body(&self, o: &Owed<'_>) -> Value {
        match self.kind {
            TrackerKind::Github => follow_up_export::github(o),
            TrackerKind::Jira => follow_up_export::jira(o, &self.project),
        }
    }

    /// Files `body` as an issue; the ticket the tracker gave it (GitHub's issue URL, Jira's key).
    pub async fn file(&self, body: &Value) -> Result<String, String> {
        let mut request = self
            .client
            .post(self.url.clone())
            .header(header::ACCEPT, "application/json")
            .json(body);
        if let Some(source) = &self.token {
            let token = source.read("tracker token").map_err(|e| e.to_string())?;
            request = match &self.user {
                Some(user) => request.basic_auth(user, Some(token.expose())),
                None => request.bearer_auth(token.expose()),
            };
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("cannot reach the tracker: {}", crate::http::describe(e)))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let said: String = text.chars().take(300).collect();
            return Err(format!(
                "the tracker answered {status}: {}",
                crate::text::printable(said.trim())
            ));
        }
        let answer: Value =
            serde_json::from_str(&text).map_err(|e| format!("the tracker's answer is not JSON: {e}"))?;
        follow_up_export::ticket_in(&answer)
            .ok_or_else(|| "the tracker's answer names no issue (no html_url or key)".into())
    }
}
