//! API errors as the Kubernetes apiserver reports them: a `Status` object with the right
//! HTTP code and reason, so kubectl and kube-rs show their usual messages.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::store::StoreError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(plural: &str, name: &str) -> Self {
        let mut e = ApiError::new(404, "NotFound", format!("{plural} \"{name}\" not found"));
        e.details = Some(json!({"name": name, "kind": plural}));
        e
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn invalid(kind: &str, name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(422, "Invalid", format!("{kind} \"{name}\" is invalid: {message}"));
        e.details =
            Some(json!({"name": name, "kind": kind, "causes": [{"reason": "FieldValueInvalid", "message": message}]}));
        e
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        ApiError::new(405, "MethodNotAllowed", message)
    }

    pub fn unsupported_media(message: impl Into<String>) -> Self {
        ApiError::new(415, "UnsupportedMediaType", message)
    }

    pub fn status_body(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status
    }

    pub fn from_store(e: StoreError, kind: &str) -> Self {
        match &e {
            StoreError::NotFound { plural, name } => ApiError::not_found(plural, name),
            StoreError::AlreadyExists { plural, name } => {
                let mut err = ApiError::new(409, "AlreadyExists", e.to_string());
                err.details = Some(json!({"name": name, "kind": plural}));
                err
            }
            StoreError::Conflict { plural, name } => {
                let mut err = ApiError::new(409, "Conflict", e.to_string());
                err.details = Some(json!({"name": name, "kind": plural}));
                err
            }
            StoreError::Invalid(m) => ApiError::invalid(kind, "", m.clone()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            code,
            [(header::CONTENT_TYPE, "application/json")],
            self.status_body().to_string(),
        )
            .into_response()
    }
}

/// A JSON response with the given status code.
pub fn json_response(code: u16, body: impl Into<axum::body::Body>) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    let mut r = Response::new(body.into());
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}
