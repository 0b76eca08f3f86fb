//! A pod's container log, as `kubectl logs [-f] [--previous] --tail=N` reads it: streamed line by
//! line (followed for the running container), each line cleaned where it enters, handed over in
//! batches to a sink. Ends when the stream does, or when the task is dropped.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use crate::text::CleanText;

/// How many of the last lines are read when a log is opened.
pub const TAIL: i64 = 500;

/// What a log stream produced.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    Lines(Vec<CleanText>),
    /// The stream ended (the container stopped, or a previous container's log was read).
    Ended,
    /// The API refused or the stream broke; the server's words.
    Failed(CleanText),
}

/// Streams the log of `pod`'s first container (its previous run with `previous`) into `sink`
/// until it ends or `sink` says to stop.
pub async fn stream(client: kube::Client, namespace: &str, pod: &str, previous: bool, sink: impl Fn(LogEvent) -> bool) {
    let params = LogParams {
        follow: !previous,
        previous,
        tail_lines: Some(TAIL),
        ..LogParams::default()
    };
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let reader = match api.log_stream(pod, &params).await {
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
