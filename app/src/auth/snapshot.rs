//! The viewer the server resolved for this page load (server/src/http/viewer.rs), available
//! synchronously: on the server from the request, in the browser from the JSON the page embeds.
//! Every change of viewer (sign-in, sign-out, setup, signup) ends in a full page load, so one
//! snapshot per load is always current.

use super::Viewer;
use crate::domain::AppError;
use leptos::prelude::*;

const ELEMENT_ID: &str = "roster-viewer";

/// What the server found: the viewer, or why it could not tell (e.g. the database is down).
pub type PageViewer = Result<Viewer, AppError>;

#[cfg(feature = "ssr")]
pub fn read() -> PageViewer {
    resolved().unwrap_or(Err(AppError::Internal(String::new())))
}

/// The viewer the page request was resolved with, if this is a page render. Server functions
/// that a page's resources call while it renders reuse it instead of looking the session up
/// again; direct calls (from the browser) have none and resolve their own.
#[cfg(feature = "ssr")]
pub fn resolved() -> Option<PageViewer> {
    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<PageViewer>().cloned())
}

#[cfg(not(feature = "ssr"))]
pub fn read() -> PageViewer {
    let embedded = document()
        .get_element_by_id(ELEMENT_ID)
        .and_then(|element| element.text_content())
        .and_then(|json| serde_json::from_str(&json).ok());
    embedded.unwrap_or(Ok(Viewer::Anonymous { reason: None }))
}

/// The snapshot as a JSON data block for the page's `<head>` (not executed, so no CSP nonce).
/// `<` is escaped so no value can close the element. Rendered by the server's `shell` only.
#[component]
pub fn ViewerScript() -> impl IntoView {
    let json = serde_json::to_string(&read())
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c");
    view! { <script type="application/json" id=ELEMENT_ID inner_html=json></script> }
}
