//! Resolves who is looking once per page request, before rendering. The app renders the console
//! frame synchronously from it and embeds it in the page for hydration, so no page waits on a
//! viewer resource and every page's own resources are created in the same order on server and
//! browser (a nested, suspended viewer made hydration fail intermittently).

use app::auth::service::viewer_for_request;
use app::context::{origin_in, session_token_in};
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Paths that are not pages: server functions and probes resolve (or skip) the viewer themselves.
fn is_page(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET && !path.starts_with("/api/") && path != "/healthz" && path != "/readyz"
}

pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if is_page(&request) {
        let headers = request.headers();
        let viewer = viewer_for_request(
            &state,
            session_token_in(headers, state.config.session_cookie()).as_deref(),
            origin_in(headers),
        )
        .await;
        request.extensions_mut().insert(viewer);
    }
    next.run(request).await
}
