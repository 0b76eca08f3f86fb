//! Sending a status update to a channel (the adapter: HTTP, files, stdout), with a timeout per
//! attempt and retries with exponential back-off on 5xx, 429, timeouts and connection errors.
//! Every attempt is written to the journal with the exact text, channel and result; a failure
//! leaves the draft unpublished. Secrets are read at send time and never appear in errors.

use std::io::Write;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;

use super::channel::{Channel, Target};
use super::webhook::{post, read_secret};
use crate::incident::journal::JournalError;
use crate::incident::model::{Actor, Draft, Entry, Event, IncidentId, Origin};
use crate::text::printable;

/// One status update to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub incident: IncidentId,
    pub draft_id: String,
    pub template: String,
    pub audience: String,
    /// The template's: whether it may leave the company.
    pub external: bool,
    pub text: String,
}

/// Why one attempt failed, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    pub message: String,
    pub retry: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "template {template} is internal and channel {channel} is external: it was not sent \
         (use a template with `external: true`)"
    )]
    InternalToExternal { template: String, channel: String },
    #[error("publishing to {channel} failed after {attempts} attempt(s): {last}; the draft is kept")]
    Failed {
        channel: String,
        attempts: u32,
        last: String,
    },
    #[error("the journal could not record the publish: {0}")]
    Journal(#[from] JournalError),
    #[error("the journal could not record the publish: {0}")]
    NotRecorded(String),
}

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The bodies posted to webhooks.
pub fn slack_body(text: &str) -> Vec<u8> {
    serde_json::json!({ "text": slack_escape(text) })
        .to_string()
        .into_bytes()
}

/// Slack reads `<...>` as links and mentions (`<!channel>`) and `&` as an entity: an incident
/// title must not ping a whole workspace, so all three are escaped as Slack asks.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

pub fn webhook_body(channel: &Channel, message: &Message, sent_at: Timestamp) -> Vec<u8> {
    serde_json::json!({
        "incident": message.incident.as_str(),
        "channel": channel.name,
        "template": message.template,
        "audience": message.audience,
        "external": message.external,
        "draft_id": message.draft_id,
        "sent_at": sent_at.to_string(),
        "text": message.text,
    })
    .to_string()
    .into_bytes()
}

/// `sha256=<hex HMAC-SHA256 of body>`, as GitHub signs its webhooks.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One try at sending `message` to `channel`.
pub async fn attempt(channel: &Channel, message: &Message) -> Result<(), AttemptError> {
    match &channel.target {
        Target::Slack { url } => post(channel, url, slack_body(&message.text), None).await,
        Target::Webhook { url, signing } => {
            let body = webhook_body(channel, message, Timestamp::now());
            let header = match signing {
                Some(s) => Some((
                    s.header.clone(),
                    signature(read_secret(&s.key, "HMAC key")?.expose().as_bytes(), &body),
                )),
                None => None,
            };
            post(channel, url, body, header).await
        }
        Target::File { path } => {
            let record = format!(
                "--- {} {} {} ({}) to {}\n{}\n",
                crate::incident::line::format_time(Timestamp::now()),
                message.incident,
                message.template,
                message.audience,
                channel.name,
                message.text.trim_end()
            );
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(record.as_bytes()).and_then(|()| f.sync_data()))
                .map_err(|e| AttemptError {
                    message: format!("cannot append to {}: {e}", path.display()),
                    retry: false,
                })
        }
        Target::Stdout => {
            let shown = printable(message.text.trim_end());
            let mut out = std::io::stdout().lock();
            writeln!(out, "{shown}")
                .and_then(|()| out.flush())
                .map_err(|e| AttemptError {
                    message: format!("cannot write to standard output: {e}"),
                    retry: false,
                })
        }
    }
}

/// The wait before retry `n` (1 for the first retry): `backoff`, doubled each time, at most 30s.
pub fn backoff(channel: &Channel, n: u32) -> Duration {
    channel
        .backoff
        .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)))
        .min(MAX_BACKOFF)
}

/// Sends `message` to `channel`, retrying as the channel says, and hands every attempt's event
/// to `record` as it happens: `status_update_failed` for each failed one, then on success
/// `status_update_published` and `status_draft_published`. For a console task, `record` sends
/// the events to whoever owns the journal; a recording failure stops the publish.
pub async fn deliver<E>(
    channel: &Channel,
    message: &Message,
    mut record: impl FnMut(Event) -> Result<(), E>,
) -> Result<u32, PublishError>
where
    PublishError: From<E>,
{
    if channel.external && !message.external {
        return Err(PublishError::InternalToExternal {
            template: message.template.clone(),
            channel: channel.name.clone(),
        });
    }
    let mut n: u32 = 0;
    loop {
        n += 1;
        match attempt(channel, message).await {
            Ok(()) => {
                record(Event::StatusUpdatePublished {
                    channel: channel.name.clone(),
                    external: channel.external,
                    text: message.text.clone(),
                })?;
                record(Event::StatusDraftPublished {
                    draft_id: message.draft_id.clone(),
                    audience: message.audience.clone(),
                    channel: channel.name.clone(),
                })?;
                tracing::info!(incident = %message.incident, channel = %channel.name, attempts = n, "status update published");
                return Ok(n);
            }
            Err(mut e) => {
                // A server that echoes its URL (a secret for webhooks) must not put it in the record.
                e.message = crate::redact::redact(&e.message).into_owned();
                record(Event::StatusUpdateFailed {
                    channel: channel.name.clone(),
                    external: channel.external,
                    text: message.text.clone(),
                    attempt: n,
                    error: e.message.clone(),
                    draft_id: Some(message.draft_id.clone()),
                })?;
                tracing::warn!(incident = %message.incident, channel = %channel.name, attempt = n, error = %e.message, "status update attempt failed");
                if !e.retry || n > channel.retries {
                    return Err(PublishError::Failed {
                        channel: channel.name.clone(),
                        attempts: n,
                        last: e.message,
                    });
                }
                tokio::time::sleep(backoff(channel, n)).await;
            }
        }
    }
}

/// `deliver`, each attempt recorded as `actor` through `append` (which returns once the entry
/// is kept, before the next attempt). Returns the `status_update_published` entry.
pub async fn publish<E: std::fmt::Display>(
    mut append: impl FnMut(Draft) -> Result<Entry, E>,
    actor: &Actor,
    channel: &Channel,
    message: &Message,
) -> Result<Entry, PublishError> {
    let mut published: Option<Entry> = None;
    deliver(channel, message, |event| {
        let is_update = matches!(event, Event::StatusUpdatePublished { .. });
        let entry = append(Draft::new(actor.clone(), Origin::Human, event))
            .map_err(|e| PublishError::NotRecorded(e.to_string()))?;
        if is_update {
            published = Some(entry);
        }
        Ok::<_, PublishError>(())
    })
    .await?;
    published.ok_or_else(|| PublishError::Failed {
        channel: channel.name.clone(),
        attempts: 0,
        last: "no update was recorded".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_mentions_in_incident_text_are_escaped() {
        let body: serde_json::Value = serde_json::from_slice(&slack_body("<!channel> down & out")).expect("json");
        assert_eq!(body, serde_json::json!({"text": "&lt;!channel&gt; down &amp; out"}));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    fn message(external: bool) -> Message {
        Message {
            incident: "INC-20261124-001".parse().expect("id"),
            draft_id: "d-1".into(),
            template: "internal-update".into(),
            audience: "internal".into(),
            external,
            text: "[SEV2] checkout\nall hands\n".into(),
        }
    }

    #[tokio::test]
    async fn a_file_channel_appends_and_the_caller_records_each_event() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("updates.log");
        let c = Channel {
            name: "log".into(),
            external: false,
            target: Target::File { path: path.clone() },
            timeout: Duration::from_secs(1),
            retries: 0,
            backoff: Duration::from_millis(1),
        };
        let mut events = Vec::new();
        let n = deliver(&c, &message(false), |e| {
            events.push(e);
            Ok::<_, JournalError>(())
        })
        .await
        .expect("delivered");
        assert_eq!(n, 1);
        assert_eq!(
            events.iter().map(Event::kind).collect::<Vec<_>>(),
            ["status_update_published", "status_draft_published"]
        );
        let written = std::fs::read_to_string(&path).expect("file");
        assert!(
            written.ends_with(" INC-20261124-001 internal-update (internal) to log\n[SEV2] checkout\nall hands\n"),
            "{written}"
        );

        // An unwritable file fails once (no retry helps) and is recorded as such.
        let blocked = Channel {
            target: Target::File {
                path: dir.path().join("no-such-dir").join("x.log"),
            },
            retries: 3,
            ..c
        };
        let mut events = Vec::new();
        let err = deliver(&blocked, &message(false), |e| {
            events.push(e);
            Ok::<_, JournalError>(())
        })
        .await
        .expect_err("fails");
        assert!(
            err.to_string().contains("after 1 attempt(s): cannot append to"),
            "{err}"
        );
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let c = Channel {
            name: "x".into(),
            external: false,
            target: Target::Stdout,
            timeout: Duration::from_secs(1),
            retries: 9,
            backoff: Duration::from_millis(500),
        };
        assert_eq!(backoff(&c, 1), Duration::from_millis(500));
        assert_eq!(backoff(&c, 3), Duration::from_secs(2));
        assert_eq!(backoff(&c, 20), MAX_BACKOFF);
    }
}
