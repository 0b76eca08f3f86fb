//! Watches: a chunked stream of `{"type","object"}` lines replayed from the store's change log
//! after the requested resourceVersion (410 Expired below the retained window), with
//! bookmarks, streaming-list initial events, timeouts, and a drop-all switch for drills.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio_stream::wrappers::ReceiverStream;

use super::read::{filter, table_row};
use super::request::{Query, Representation, Target};
use super::status::ApiError;
use crate::server::DrillCluster;
use crate::store::{ChangeType, Stored};
use crate::table;

fn event_line(kind: &str, object: &Stored, repr: Representation, now: jiff::Timestamp, rv: u64) -> Bytes {
    let object_json: Value = match repr {
        Representation::Object => {
            let mut out = Vec::with_capacity(object.json.len() + 40);
            out.extend_from_slice(format!("{{\"type\":\"{kind}\",\"object\":").as_bytes());
            out.extend_from_slice(&object.json);
            out.extend_from_slice(b"}\n");
            return Bytes::from(out);
        }
        Representation::Metadata => {
            let v = object.value();
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": v.get("metadata").cloned().unwrap_or(json!({}))})
        }
        Representation::Table => json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": rv.to_string()},
            "columnDefinitions": table::column_definitions(object.kind.kind),
            "rows": [table_row(object, now, None)],
        }),
    };
    Bytes::from(format!("{}\n", json!({"type": kind, "object": object_json})))
}

fn expired_line(requested: u64, oldest: u64) -> Bytes {
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {requested} ({oldest})"), "reason": "Expired", "code": 410});
    Bytes::from(format!("{}\n", json!({"type": "ERROR", "object": status})))
}

fn bookmark_line(target: &Target, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let obj = json!({"kind": target.kind.kind, "apiVersion": target.kind.api_version(), "metadata": meta});
    Bytes::from(format!("{}\n", json!({"type": "BOOKMARK", "object": obj})))
}

/// Lines gathered into one write: a real API server buffers its writes and flushes when no
/// event is pending, so a list streamed as 150,000 events reaches the client in large reads,
/// not one small read (and one wake-up) per object.
#[derive(Default)]
struct Chunk(Vec<u8>);

impl Chunk {
    /// Bytes gathered before they are written.
    const SIZE: usize = 64 * 1024;

    /// Adds a line, writing the chunk once it is full; false when the client is gone.
    async fn push(&mut self, line: Bytes, tx: &tokio::sync::mpsc::Sender<Bytes>) -> bool {
        self.0.extend_from_slice(&line);
        self.0.len() < Self::SIZE || self.send(tx).await
    }

    /// Writes what was gathered, if anything; false when the client is gone.
    async fn send(&mut self, tx: &tokio::sync::mpsc::Sender<Bytes>) -> bool {
        self.0.is_empty() || tx.send(Bytes::from(std::mem::take(&mut self.0))).await.is_ok()
    }
}

/// Starts a watch; the response streams until timeout, disconnect or a drill drop.
pub fn watch(
    cluster: Arc<DrillCluster>,
    target: Target,
    query: Query,
    repr: Representation,
) -> Result<Response, ApiError> {
    let keep = filter(&target, &query)?;
    let requested = query.resource_version()?;
    let bookmarks = query.flag("allowWatchBookmarks");
    let send_initial = query.flag("sendInitialEvents");
    if send_initial && !cluster.watch_list {
        return Err(ApiError::invalid(
            "ListOptions.meta.k8s.io",
            "",
            "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ));
    }
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800)
        .min(3600);
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    // The current state to send first, as ADDED: the objects are taken under the lock, and
    // written out as the client reads them (150,000 pods are not built into one answer).
    let mut initial: Vec<Arc<Stored>> = Vec::new();
    let mut initial_at = jiff::Timestamp::UNIX_EPOCH;
    let (mut last, mut notify, expired) = {
        let sim = cluster.lock();
        let notify = sim.store.subscribe();
        match requested {
            Some(rv) if !send_initial => match sim.store.check_window(rv) {
                Ok(()) => (rv, notify, None),
                Err(e) => (rv, notify, Some(e)),
            },
            _ => {
                // No resourceVersion (or a streaming list): the current state first, as ADDED.
                let page = sim
                    .store
                    .list(&target.kind, target.namespace.as_deref(), None, None, Some(&keep));
                initial = page.items;
                initial_at = sim.now;
                (page.resource_version, notify, None)
            }
        }
    };
    let mut dropped = cluster.disconnect.subscribe();
    let bookmark_every = cluster.bookmark_interval;
    tokio::spawn(async move {
        if let Some(e) = expired {
            let _ = tx.send(expired_line(e.requested, e.oldest)).await;
            return;
        }
        let mut chunk = Chunk::default();
        for o in initial {
            if !chunk.push(event_line("ADDED", &o, repr, initial_at, last), &tx).await {
                return;
            }
        }
        if send_initial {
            chunk.0.extend_from_slice(&bookmark_line(&target, last, true));
        }
        if !chunk.send(&tx).await {
            return;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        let mut next_bookmark = tokio::time::Instant::now() + bookmark_every;
        loop {
            let (lines, expired) = {
                let sim = cluster.lock();
                match sim.store.changes_since(last) {
                    Ok(changes) => {
                        let mut lines = Vec::new();
                        for c in changes {
                            last = c.resource_version;
                            if c.object.kind == target.kind && keep(&c.object) {
                                let kind = match c.change {
                                    ChangeType::Added => "ADDED",
                                    ChangeType::Modified => "MODIFIED",
                                    ChangeType::Deleted => "DELETED",
                                };
                                lines.push(event_line(kind, &c.object, repr, sim.now, c.resource_version));
                            }
                        }
                        (lines, None)
                    }
                    Err(e) => (Vec::new(), Some(e)),
                }
            };
            if let Some(e) = expired {
                let _ = tx.send(expired_line(e.requested, e.oldest)).await;
                return;
            }
            for line in lines {
                if !chunk.push(line, &tx).await {
                    return;
                }
            }
            if !chunk.send(&tx).await {
                return;
            }
            tokio::select! {
                changed = notify.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = dropped.changed() => return,
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tokio::time::sleep_until(next_bookmark), if bookmarks => {
                    next_bookmark = tokio::time::Instant::now() + bookmark_every;
                    if tx.send(bookmark_line(&target, last, false)).await.is_err() {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    });
    let stream = futures::StreamExt::map(ReceiverStream::new(rx), Ok::<Bytes, Infallible>);
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
