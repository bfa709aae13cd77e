//! The request body size limit. A body over it is refused with 413 and a plain message:
//! here when Content-Length says so, before anything reads it; a body without Content-Length
//! is cut off by axum's `DefaultBodyLimit` as it is read, which server functions report as
//! 413 too (`AppError::from_server_fn_error`).

use app::domain::AppError;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest request body accepted (axum's default, now stated).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|len| len <= BODY_LIMIT as u64) {
        return next.run(request).await;
    }
    let error = AppError::too_large();
    // Server functions' clients decode an error answer as an `AppError`, in JSON.
    if request.uri().path().starts_with("/api/") {
        if let Ok(json) = serde_json::to_string(&error) {
            let content_type = HeaderValue::from_static("application/json");
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                [(header::CONTENT_TYPE, content_type)],
                json,
            )
                .into_response();
        }
    }
    (StatusCode::PAYLOAD_TOO_LARGE, error.to_string()).into_response()
}
