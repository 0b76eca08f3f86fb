//! Query errors and how the HTTP API reports them: a bad query or parameter is `bad_data`
//! (400); a query that cannot be executed, including every PromQL construct this engine does
//! not implement, is `execution` (422) and names what failed.

/// Why a query produced no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A parse error or invalid parameter (HTTP 400, `bad_data`).
    #[error("{0}")]
    BadData(String),
    /// A valid PromQL construct this engine does not implement (HTTP 422, `execution`); the
    /// message names the construct.
    #[error("unsupported by the drill cluster's PromQL engine: {0}")]
    Unsupported(String),
    /// The query failed while running, as Prometheus' would (HTTP 422, `execution`), e.g.
    /// many-to-many matching or duplicate output label sets.
    #[error("{0}")]
    Execution(String),
    /// The query's timeout passed before it ran, as Prometheus' `query timed out in query
    /// queue` (HTTP 503, `timeout`): its client has given up, so it is not run.
    #[error("query timed out in {0}")]
    Timeout(&'static str),
}

impl QueryError {
    /// The HTTP status the Prometheus API answers with.
    pub fn status(&self) -> u16 {
        match self {
            QueryError::BadData(_) => 400,
            QueryError::Unsupported(_) | QueryError::Execution(_) => 422,
            QueryError::Timeout(_) => 503,
        }
    }

    /// The `errorType` of the Prometheus API envelope.
    pub fn error_type(&self) -> &'static str {
        match self {
            QueryError::BadData(_) => "bad_data",
            QueryError::Unsupported(_) | QueryError::Execution(_) => "execution",
            QueryError::Timeout(_) => "timeout",
        }
    }
}

pub(crate) fn unsupported<T>(what: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError::Unsupported(what.into()))
}

pub(crate) fn execution<T>(what: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError::Execution(what.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_the_prometheus_api() {
        let e = QueryError::Unsupported("function predict_linear()".into());
        assert_eq!((e.status(), e.error_type()), (422, "execution"));
        assert!(e.to_string().contains("predict_linear"));
        let e = QueryError::BadData("parse error".into());
        assert_eq!((e.status(), e.error_type()), (400, "bad_data"));
    }
}
