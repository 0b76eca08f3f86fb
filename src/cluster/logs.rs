//! A pod's container log, as `kubectl logs [-f] [--previous] [--tail=N | --since=D]` reads it:
//! streamed line by line (followed for the running container), each line cleaned where it
//! enters, handed over in batches to a sink. Ends when the stream does, or when the task is
//! dropped.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use crate::text::CleanText;

/// How many of the last lines are read when a log is opened.
pub const TAIL: i64 = 500;

/// Which log: a pod's current or previous container, its last [`TAIL`] lines or those written
/// in the last `since` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub pod: crate::cluster::model::Key,
    pub previous: bool,
    pub since: Option<u64>,
}

/// What a log stream produced.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    Lines(Vec<CleanText>),
    /// The stream ended (the container stopped, or a previous container's log was read).
    Ended,
    /// The API refused or the stream broke; the server's words.
    Failed(CleanText),
}

/// Streams the log `asked` names (the pod's first container) into `sink` until it ends or
/// `sink` says to stop.
pub async fn stream(client: kube::Client, asked: &LogRequest, sink: impl Fn(LogEvent) -> bool) {
    let params = LogParams {
        follow: !asked.previous,
        previous: asked.previous,
        tail_lines: asked.since.is_none().then_some(TAIL),
        since_seconds: asked.since.map(|s| s.min(i64::MAX as u64) as i64),
        ..LogParams::default()
    };
    let api: Api<Pod> = Api::namespaced(client, asked.pod.0.as_str());
    let reader = match api.log_stream(asked.pod.1.as_str(), &params).await {
        Ok(r) => r,
        Err(e) => {
            sink(LogEvent::Failed(CleanText::line(&crate::http::causes(&e))));
            return;
        }
    };
    // Lines that arrive together go over together (a tail of 500 is one message, not 500).
    let mut lines = reader.lines().ready_chunks(256);
    while let Some(batch) = lines.next().await {
        let mut clean = Vec::with_capacity(batch.len());
        for line in batch {
            match line {
                Ok(l) => clean.push(CleanText::line(&l)),
                Err(e) => {
                    if !clean.is_empty() {
                        sink(LogEvent::Lines(clean));
                    }
                    sink(LogEvent::Failed(CleanText::line(&e.to_string())));
                    return;
                }
            }
        }
        if !sink(LogEvent::Lines(clean)) {
            return;
        }
    }
    sink(LogEvent::Ended);
}
