//! Gives every request an id: the caller's `X-Request-Id` when it is a plausible one (a proxy's
//! or load balancer's, so logs line up across them), otherwise a fresh random one. It is in the
//! request's extensions (where the request span and server errors read it) and in the
//! response's `X-Request-Id`.

use app::context::RequestId;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_plausible(id))
        .map(str::to_string)
        .unwrap_or_else(fresh);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// Short and plain, so a caller cannot put anything odd into the logs.
fn is_plausible(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn fresh() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_ids_are_taken_over() {
        assert!(super::is_plausible("7f3a9c01-b2"));
        assert!(!super::is_plausible(""));
        assert!(!super::is_plausible("a b"));
        assert!(!super::is_plausible("x\ny"));
        assert!(!super::is_plausible(&"a".repeat(65)));
        assert_eq!(super::fresh().len(), 16);
    }
}
