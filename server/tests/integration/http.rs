//! HTTP-level guarantees: security headers, CSP nonces, probes, Secure cookies over https.

use crate::common::{Backend, TestApp};
use axum::http::StatusCode;

on_both_backends!(
    pages_carry_security_headers_and_a_matching_nonce,
    probes_answer,
    page_redirects_are_real_for_any_client
);

async fn page_redirects_are_real_for_any_client(app: TestApp) {
    let request = axum::http::Request::builder()
        .uri("/")
        .header("host", crate::common::HOST)
        .header("accept", "*/*")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.status, StatusCode::FOUND);
    assert_eq!(response.header("location"), Some("/setup"));
}

async fn pages_carry_security_headers_and_a_matching_nonce(app: TestApp) {
    let page = app.get("/setup", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.header("content-security-policy").expect("CSP on pages");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in CSP");
    assert!(nonce.len() >= 16);
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the nonce"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));

    let other = app.get("/setup", None).await;
    let other_csp = other.header("content-security-policy").unwrap();
    assert!(!other_csp.contains(nonce), "a fresh nonce per response");

    let api = app.call("auth/viewer", &[], None).await;
    assert_eq!(api.header("x-content-type-options"), Some("nosniff"));
    assert!(api
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
}

async fn probes_answer(app: TestApp) {
    let health = app.get("/healthz", None).await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
    let ready = app.get("/readyz", None).await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ok"));
    app.state.db.pool.close().await;
    let down = app.get("/readyz", None).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_console_gets_secure_cookies_and_hsts() {
    let app = TestApp::start_with(Backend::Sqlite, Some("https://roster.example.com"))
        .await
        .unwrap();
    let response = app.call("auth/setup", &crate::common::admin_form(), None).await;
    let cookie = response.session_set_cookie().expect("cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(response.header("strict-transport-security").is_some());
    // The configured public origin is accepted for POSTs too.
    let viewer = app
        .call_with_origin("auth/viewer", &[], None, Some("https://roster.example.com"))
        .await;
    assert_eq!(viewer.status, StatusCode::OK);
}
