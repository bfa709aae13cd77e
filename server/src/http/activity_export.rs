//! `GET /api/activity/export`: the activity log's export as a streamed download. The checks,
//! the log entry and the rows are `app::activity::export`'s; this wraps its chunks in a body
//! stream, so one query's page is in memory at a time whatever the export's size.

use app::activity::export;
use app::context::{session_token_in, ClientAddr};
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

pub const PATH: &str = "/api/activity/export";

pub async fn download(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers();
    let token = session_token_in(headers, state.config.session_cookie());
    let ip = request
        .extensions()
        .get::<ClientAddr>()
        .map(|a| a.0.to_string())
        .unwrap_or_default();
    let user_agent: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect())
        .unwrap_or_default();
    let raw_query = request.uri().query().unwrap_or_default().to_string();
    let started = export::begin(&state, token.as_deref(), &ip, &user_agent, &raw_query).await;
    let export = match started {
        Ok(export) => export,
        Err(error) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.to_string()).into_response();
        }
    };
    let content_type = export.format.content_type();
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    let body = futures_util::stream::unfold(Some(export), move |export| {
        let state = state.clone();
        async move {
            let mut export = export?;
            match export.next_chunk(&state).await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(export))),
                Ok(None) => None,
                Err(error) => {
                    // The status is already sent: cutting the body short is all that is left.
                    tracing::warn!(%error, "activity export failed part way");
                    Some((Err(std::io::Error::other(error)), None))
                }
            }
        }
    })
    // Fused: the compression layer polls a finished body once more, which `unfold` panics at.
    .fuse();
    let mut response = Response::new(Body::from_stream(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
