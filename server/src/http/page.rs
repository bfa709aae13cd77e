//! Context for rendering a page (not for server functions): this response's CSP header, and
//! redirects that are real HTTP redirects for every client.

use axum::http::{header, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Runs before each render. Leptos gives page renders (only) a nonce, which tells them apart
/// from server-function calls, whose redirects leptos_axum handles itself.
pub fn page_context() {
    let (Some(nonce), Some(options)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&super::headers::page_csp(&nonce.to_string())) {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
    // leptos_axum answers 302 only when the client accepts text/html; a page route should
    // redirect every client (curl, monitors) the same way.
    leptos_router::components::provide_server_redirect(move |path| {
        if let Ok(location) = HeaderValue::from_str(path) {
            options.insert_header(header::LOCATION, location);
            options.set_status(StatusCode::FOUND);
        }
    });
}
