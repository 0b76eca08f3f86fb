//! Read-only mode, enforced where requests leave the process: a tower layer on the kube client
//! that refuses every mutating request (POST, PUT, PATCH, DELETE) except the access reviews
//! that only ask what the user may do or who they are. A refused request never reaches the
//! network.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{Method, Request};
use tower::{Layer, Service};

/// The error a refused request fails with.
#[derive(Debug, thiserror::Error)]
#[error("warroom is read-only: {method} {path} was not sent")]
pub struct ReadOnlyRefusal {
    pub method: String,
    pub path: String,
}

/// Whether a request may leave a read-only process.
pub fn allowed<B>(req: &Request<B>) -> bool {
    match *req.method() {
        Method::GET | Method::HEAD | Method::OPTIONS => true,
        Method::POST => {
            let path = req.uri().path();
            path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
                || path == "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
                || path == "/apis/authentication.k8s.io/v1/selfsubjectreviews"
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyLayer;

impl<S> Layer<S> for ReadOnlyLayer {
    type Service = ReadOnly<S>;
    fn layer(&self, inner: S) -> ReadOnly<S> {
        ReadOnly { inner }
    }
}

#[derive(Debug, Clone)]
pub struct ReadOnly<S> {
    inner: S,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, B> Service<Request<B>> for ReadOnly<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if allowed(&req) {
            let f = self.inner.call(req);
            Box::pin(async move { f.await.map_err(Into::into) })
        } else {
            let refusal = ReadOnlyRefusal {
                method: req.method().to_string(),
                path: req.uri().path().to_string(),
            };
            tracing::warn!(%refusal, "mutating request refused");
            Box::pin(async move { Err(Box::new(refusal) as BoxError) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_access_reviews_pass() {
        let req = |m: Method, p: &str| Request::builder().method(m).uri(p).body(()).expect("request");
        assert!(allowed(&req(Method::GET, "/api/v1/nodes")));
        assert!(allowed(&req(
            Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        )));
        assert!(allowed(&req(
            Method::POST,
            "/apis/authentication.k8s.io/v1/selfsubjectreviews"
        )));
        assert!(!allowed(&req(Method::PATCH, "/api/v1/nodes/n1")));
        assert!(!allowed(&req(Method::DELETE, "/api/v1/namespaces/a/pods/p")));
        assert!(!allowed(&req(
            Method::PUT,
            "/apis/apps/v1/namespaces/a/deployments/d/scale"
        )));
        assert!(!allowed(&req(Method::POST, "/api/v1/namespaces/a/pods/p/eviction")));
        assert!(!allowed(&req(
            Method::POST,
            "/apis/authorization.k8s.io/v1/subjectaccessreviews"
        )));
    }
}
