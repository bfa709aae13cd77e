//! What request tracing records of a request: its method and path, but never an invitation or
//! password-reset token, each a password until it is used (`/invite/<token>`,
//! `/reset-password/<token>`).

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

/// Pages whose path carries a token.
const SECRET_PATHS: [&str; 2] = ["/invite", "/reset-password"];

/// The path and query to log: invitation and reset links lose their token and their query.
pub fn logged_path(uri: &Uri) -> String {
    let path = uri.path();
    for secret in SECRET_PATHS {
        if path
            .strip_prefix(secret)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{secret}/[redacted]");
        }
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
    fn reset_tokens_are_redacted() {
        assert_eq!(
            logged("/reset-password/AbC123-secret_token"),
            "/reset-password/[redacted]"
        );
        assert_eq!(logged("/reset-password/AbC123?x=1"), "/reset-password/[redacted]");
        assert_eq!(logged("/reset-password"), "/reset-password/[redacted]");
        assert_eq!(logged("/reset-passwords"), "/reset-passwords");
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
