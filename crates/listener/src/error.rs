use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answered as `{"error": {"code", "message"}}`: every error body of
/// Hookline's servers has this shape and a stable code.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra response headers (`Allow`, `Retry-After`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ErrorBody {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ErrorBody {
        ErrorBody { status, code, message: message.into(), headers: vec![] }
    }

    pub fn with_header(mut self, name: HeaderName, value: &str) -> ErrorBody {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    /// A failure inside the server; the body says so without internals.
    pub fn internal() -> ErrorBody {
        ErrorBody::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed to handle the request")
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(json!({"error": {"code": self.code, "message": self.message}}))).into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}
