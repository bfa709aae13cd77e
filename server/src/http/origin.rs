//! Refuses state-changing requests sent by other sites (CSRF), on top of SameSite=Strict cookies.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Allowed: safe methods; requests whose `Origin` matches the host they were sent to (or
/// `public_origin`, the configured public URL's origin: [`origin_of`]); requests without
/// `Origin` unless the browser marks them cross-site.
pub async fn same_origin_only(public_origin: Option<String>, request: Request<Body>, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = match origin {
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let own = ["http://", "https://"]
                .iter()
                .any(|scheme| origin == format!("{scheme}{host}"));
            own || public_origin.as_deref() == Some(origin)
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        let path = super::trace::logged_path(request.uri());
        tracing::warn!(origin = origin.unwrap_or("-"), %path, "cross-origin request refused");
        (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response()
    }
}

/// A URL's origin as a browser sends it in `Origin`: `https://Host:443/path` →
/// `https://host` (scheme and host lower-cased, the scheme's default port dropped).
pub fn origin_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.origin().ascii_serialization(),
        // Not reached for a console URL (parsed at start-up); compares equal to nothing a
        // browser sends.
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_of_strips_path() {
        assert_eq!(
            super::origin_of("https://r.example.com/console"),
            "https://r.example.com"
        );
        assert_eq!(super::origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(
            super::origin_of("https://Roster.Example.com:443/x"),
            "https://roster.example.com"
        );
    }
}
