//! The one error type HTTP handlers return. It knows its status and writes a JSON body
//! `{"message": ..., "errors": [{"path", "message"}]}`; internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pulsegrid_model::{ModelError, ValidationError};
use pulsegrid_store::StoreError;
use serde::Serialize;

/// An error answer of the HTTP API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Grafana's machine-readable `status` for some errors (e.g. `version-mismatch`).
    code: Option<&'static str>,
    errors: Vec<ValidationError>,
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<PathMessage<'a>>,
}

#[derive(Serialize)]
struct PathMessage<'a> {
    path: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with a status and a message for the client.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 429 with `Retry-After` in seconds.
    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    /// 500; the detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }

    /// Adds Grafana's machine-readable status word.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            message: &self.message,
            status: self.code,
            errors: self
                .errors
                .iter()
                .map(|e| PathMessage {
                    path: &e.path,
                    message: &e.message,
                })
                .collect(),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionMismatch { current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                format!(
                    "the dashboard has been changed by someone else (now at version {current}); \
                     reload it, or save with overwrite"
                ),
            )
            .with_code("version-mismatch"),
            StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            other => ApiError::internal(other),
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Syntax { .. } => ApiError::bad_request(e.to_string()),
            ModelError::Invalid { errors, .. } => {
                let message = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                ApiError {
                    errors,
                    ..ApiError::bad_request(format!("invalid dashboard: {message}"))
                }
            }
        }
    }
}
