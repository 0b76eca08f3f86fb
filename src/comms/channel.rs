//! Where status updates go, as configured in `[[channels]]`: a Slack-compatible incoming
//! webhook, a generic JSON webhook (optionally HMAC-signed), a file, or standard output; with
//! the timeout, retries and back-off of each. Configuration only: sending is in `publish`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::cadence::BadKey;
use crate::secret::{Secret, SecretSource};

/// One `[[channels]]` entry as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// What responders call it, e.g. `incident-slack`, `statuspage`.
    pub name: String,
    /// `slack`, `webhook`, `file` or `stdout`.
    pub kind: String,
    /// Whether it leaves the company; internal templates are refused on external channels.
    #[serde(default)]
    pub external: bool,
    /// The webhook URL, written here (only for URLs that are not secret; still never printed) ...
    pub url: Option<Secret>,
    /// ... or read from this environment variable ...
    pub url_env: Option<String>,
    /// ... or from this file.
    pub url_file: Option<PathBuf>,
    /// `webhook` only: sign the body with HMAC-SHA256 using the key in this variable ...
    pub hmac_key_env: Option<String>,
    /// ... or file.
    pub hmac_key_file: Option<PathBuf>,
    /// The header carrying `sha256=<hex>` [default: X-Warroom-Signature-256].
    pub signature_header: Option<String>,
    /// `file` only: append updates here.
    pub path: Option<PathBuf>,
    /// Per attempt, e.g. `10s` [default: 10s].
    pub timeout: Option<String>,
    /// Tries after the first, on a 5xx, 429, timeout or connection error [default: 3].
    pub retries: Option<u32>,
    /// Wait before the first retry, doubled for each next one [default: 1s].
    pub backoff: Option<String>,
}

pub const DEFAULT_SIGNATURE_HEADER: &str = "X-Warroom-Signature-256";

/// How an update is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    pub key: SecretSource,
    pub header: String,
}

/// What a channel is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// POSTs `{"text": ...}`.
    Slack { url: SecretSource },
    /// POSTs the update as JSON, signed when `signing` is set.
    Webhook {
        url: SecretSource,
        signing: Option<Signing>,
    },
    /// Appends the update to a file.
    File { path: PathBuf },
    /// Prints the update.
    Stdout,
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Slack { .. } => "slack",
            Target::Webhook { .. } => "webhook",
            Target::File { .. } => "file",
            Target::Stdout => "stdout",
        }
    }
}

/// A usable channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub external: bool,
    pub target: Target,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
}

fn std_duration(key: String, s: &str) -> Result<Duration, BadKey> {
    s.trim()
        .parse::<jiff::SignedDuration>()
        .ok()
        .filter(|d| d.is_positive())
        .and_then(|d| Duration::try_from(d).ok())
        .ok_or_else(|| BadKey {
            key,
            near: s.to_string(),
            message: format!("{s:?} is not a positive duration such as 10s"),
        })
}

impl Channel {
    /// The channel `c`, the `index`th in the file; a problem names its key.
    pub fn from_config(index: usize, c: &ChannelConfig) -> Result<Channel, BadKey> {
        let key = |field: &str| format!("channels[{index}].{field}");
        let bad = |field: &str, near: &str, message: String| BadKey {
            key: key(field),
            near: near.to_string(),
            message,
        };
        if c.name.trim().is_empty() || c.name.chars().any(char::is_control) {
            return Err(bad("name", &c.name, "a channel needs a printable name".into()));
        }
        let url = || -> Result<SecretSource, BadKey> {
            match (&c.url, &c.url_env, &c.url_file) {
                (Some(u), None, None) => {
                    if crate::http::http_url(u.expose()).is_some() {
                        Ok(SecretSource::Inline(u.clone()))
                    } else {
                        // The URL may be a secret: the message does not repeat it.
                        Err(bad("url", u.expose(), "is not an http(s) URL".into()))
                    }
                }
                (None, Some(v), None) => Ok(SecretSource::Env(v.clone())),
                (None, None, Some(p)) => Ok(SecretSource::File(p.clone())),
                _ => Err(bad(
                    "url",
                    &c.name,
                    format!("channel {:?} needs exactly one of url, url_env or url_file", c.name),
                )),
            }
        };
        let only_for = |field: &str, set: bool, kind: &str| -> Result<(), BadKey> {
            if set && c.kind != kind {
                return Err(bad(
                    field,
                    field,
                    format!("only a {kind} channel takes {field} (this one is {})", c.kind),
                ));
            }
            Ok(())
        };
        only_for("hmac_key_env", c.hmac_key_env.is_some(), "webhook")?;
        only_for("hmac_key_file", c.hmac_key_file.is_some(), "webhook")?;
        only_for("signature_header", c.signature_header.is_some(), "webhook")?;
        only_for("path", c.path.is_some(), "file")?;
        let target = match c.kind.as_str() {
            "slack" => Target::Slack { url: url()? },
            "webhook" => {
                let key_source = match (&c.hmac_key_env, &c.hmac_key_file) {
                    (Some(_), Some(_)) => {
                        return Err(bad(
                            "hmac_key_file",
                            "hmac_key_file",
                            "give hmac_key_env or hmac_key_file, not both".into(),
                        ));
                    }
                    (Some(v), None) => Some(SecretSource::Env(v.clone())),
                    (None, Some(p)) => Some(SecretSource::File(p.clone())),
                    (None, None) => None,
                };
                let header = c
                    .signature_header
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SIGNATURE_HEADER.to_string());
                if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() {
                    return Err(bad(
                        "signature_header",
                        &header,
                        format!("{header:?} is not an HTTP header name"),
                    ));
                }
                Target::Webhook {
                    url: url()?,
                    signing: key_source.map(|key| Signing { key, header }),
                }
            }
            "file" => {
                if c.url.is_some() || c.url_env.is_some() || c.url_file.is_some() {
                    return Err(bad("url", "url", "a file channel takes path, not a URL".into()));
                }
                Target::File {
                    path: c
                        .path
                        .clone()
                        .ok_or_else(|| bad("path", &c.name, "a file channel needs path".into()))?,
                }
            }
            "stdout" => {
                if c.url.is_some() || c.url_env.is_some() || c.url_file.is_some() {
                    return Err(bad("url", "url", "a stdout channel takes no URL".into()));
                }
                Target::Stdout
            }
            other => {
                return Err(bad(
                    "kind",
                    other,
                    format!("unknown channel kind {other:?}; use slack, webhook, file or stdout"),
                ));
            }
        };
        Ok(Channel {
            name: c.name.clone(),
            external: c.external,
            target,
            timeout: c
                .timeout
                .as_deref()
                .map(|t| std_duration(key("timeout"), t))
                .transpose()?
                .unwrap_or(Duration::from_secs(10)),
            retries: c.retries.unwrap_or(3),
            backoff: c
                .backoff
                .as_deref()
                .map(|t| std_duration(key("backoff"), t))
                .transpose()?
                .unwrap_or(Duration::from_secs(1)),
        })
    }
}

/// Every configured channel, or the first problem (naming its key). Names must be unique.
pub fn channels(configs: &[ChannelConfig]) -> Result<Vec<Channel>, BadKey> {
    let mut out: Vec<Channel> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let channel = Channel::from_config(i, c)?;
        if out.iter().any(|o| o.name == channel.name) {
            return Err(BadKey {
                key: format!("channels[{i}].name"),
                near: format!("\"{}\"", c.name),
                message: format!("another channel is already named {:?}", c.name),
            });
        }
        out.push(channel);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        channels: Vec<ChannelConfig>,
    }

    fn parse(text: &str) -> Result<Vec<Channel>, BadKey> {
        let f: File = toml::from_str(text).expect("toml");
        channels(&f.channels)
    }

    #[test]
    fn each_kind_reads_its_keys() {
        let c = parse(
            "[[channels]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"SLACK_URL\"\n\
             [[channels]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nhmac_key_file = \"/k\"\n\
             timeout = \"2s\"\nretries = 1\nbackoff = \"100ms\"\n\
             [[channels]]\nname = \"log\"\nkind = \"file\"\npath = \"/tmp/u.log\"\n",
        )
        .expect("valid");
        assert_eq!(
            c[0].target,
            Target::Slack {
                url: SecretSource::Env("SLACK_URL".into())
            }
        );
        assert!(
            matches!(&c[1].target, Target::Webhook { signing: Some(s), .. } if s.header == DEFAULT_SIGNATURE_HEADER)
        );
        assert_eq!(
            (c[1].timeout, c[1].retries, c[1].backoff),
            (Duration::from_secs(2), 1, Duration::from_millis(100))
        );
        assert!(!format!("{c:?}").contains("127.0.0.1"), "URLs are redacted in Debug");
        let f: File =
            toml::from_str("[[channels]]\nname = \"a\"\nkind = \"slack\"\nurl = \"https://hooks.example/T1\"\n")
                .expect("toml");
        assert!(
            !format!("{:?}", f.channels).contains("hooks.example"),
            "and in the config's Debug"
        );
    }

    #[test]
    fn problems_name_the_key() {
        let e = parse("[[channels]]\nname = \"ops\"\nkind = \"slack\"\n").expect_err("no url");
        assert_eq!(e.key, "channels[0].url");
        let e = parse("[[channels]]\nname = \"ops\"\nkind = \"pager\"\n").expect_err("kind");
        assert_eq!(e.key, "channels[0].kind");
        let e = parse("[[channels]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"X\"\nhmac_key_env = \"K\"\n")
            .expect_err("hmac on slack");
        assert_eq!(e.key, "channels[0].hmac_key_env");
        let e = parse("[[channels]]\nname = \"a\"\nkind = \"stdout\"\n[[channels]]\nname = \"a\"\nkind = \"stdout\"\n")
            .expect_err("duplicate");
        assert_eq!(e.key, "channels[1].name");
        let e = parse("[[channels]]\nname = \"a\"\nkind = \"webhook\"\nurl_env = \"U\"\ntimeout = \"soon\"\n")
            .expect_err("timeout");
        assert_eq!(e.key, "channels[0].timeout");
    }
}
