//! What request tracing records of a request: its method and path, but never an invitation
//! token, which is a password until it is used (`/invite/<token>`).

use app::context::RequestId;
use axum::body::Body;
use axum::http::{Request, Uri};
use tracing::Span;

/// The span for one request: its id, method and path (from [`logged_path`]). At info level,
/// so every line logged while serving the request carries them.
pub fn request_span(request: &Request<Body>) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.as_str())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        uri = %logged_path(request.uri()),
    )
}

/// The path and query to log: invitation links lose their token and their query.
pub fn logged_path(uri: &Uri) -> String {
    let path = uri.path();
    if path == "/invite" || path.starts_with("/invite/") {
        return "/invite/[redacted]".to_string();
    }
    match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    fn logged(uri: &str) -> String {
        logged_path(&uri.parse().unwrap())
    }

    #[test]
    fn invite_tokens_are_redacted() {
        assert_eq!(logged("/invite/AbC123-secret_token"), "/invite/[redacted]");
        assert_eq!(logged("/invite/AbC123?utm=mail&token=x"), "/invite/[redacted]");
        assert_eq!(logged("/invite/AbC123/extra"), "/invite/[redacted]");
        assert_eq!(logged("http://roster.test/invite/AbC123"), "/invite/[redacted]");
    }

    #[test]
    fn other_paths_are_kept() {
        assert_eq!(
            logged("/settings/users?tab=disabled&page=2"),
            "/settings/users?tab=disabled&page=2"
        );
        assert_eq!(logged("/api/invites/open"), "/api/invites/open");
        assert_eq!(logged("/invitations"), "/invitations");
        assert_eq!(logged("/"), "/");
    }
}
