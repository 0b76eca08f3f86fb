//! How current a source's data is, for every source the console follows (the Kubernetes
//! watches, Prometheus, Alertmanager): one meaning, whichever adapter reports it. The errors are
//! the server's own words, cleaned.

use crate::text::CleanText;

#[derive(Debug, Clone, PartialEq)]
pub enum Freshness {
    /// Not listed or answered yet.
    Connecting,
    /// Answering; `since` is when it (last) started answering (seconds since the epoch).
    Live { since: i64 },
    /// It stopped answering; the data is as of `since` and a reconnect is under way.
    Reconnecting { since: i64, error: CleanText },
    /// 401: the credentials were refused.
    Unauthorized { error: CleanText },
    /// 403: the user may not read this (a Kubernetes list falls back to namespaces).
    Forbidden { error: CleanText },
    /// Something else went wrong; the server's words.
    Error { error: CleanText },
}

impl Freshness {
    pub fn is_live(&self) -> bool {
        matches!(self, Freshness::Live { .. })
    }

    /// The server's words when it is not answering, if it said any.
    pub fn error(&self) -> Option<&CleanText> {
        match self {
            Freshness::Reconnecting { error, .. }
            | Freshness::Unauthorized { error }
            | Freshness::Forbidden { error }
            | Freshness::Error { error } => Some(error),
            Freshness::Connecting | Freshness::Live { .. } => None,
        }
    }

    /// The freshness after an answer at `now`: live since then, or still since it last became so.
    pub fn after_success(&self, now: i64) -> Freshness {
        match self {
            Freshness::Live { since } => Freshness::Live { since: *since },
            _ => Freshness::Live { since: now },
        }
    }

    /// The freshness after a failure that is not about credentials: data that was live becomes
    /// stale since `stale_since` (when it stopped coming); data never had is an error.
    pub fn after_failure(error: CleanText, stale_since: Option<i64>) -> Freshness {
        match stale_since {
            Some(since) => Freshness::Reconnecting { since, error },
            None => Freshness::Error { error },
        }
    }
}
