//! HTTP-level guarantees: security headers, CSP nonces, probes, Secure cookies over https.

use crate::common::{Backend, TestApp};
use axum::http::StatusCode;

on_both_backends!(
    pages_carry_security_headers_and_a_matching_nonce,
    probes_answer,
    page_redirects_are_real_for_any_client,
    pages_and_server_function_answers_are_not_cached
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

async fn pages_and_server_function_answers_are_not_cached(app: TestApp) {
    assert_eq!(app.get("/setup", None).await.header("cache-control"), Some("no-store"));
    let admin = app.register_admin().await;
    for path in ["/settings/users", "/profile", "/"] {
        let page = app.get(path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
    }
    let list = app.call("users/list", &[], Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("cache-control"), Some("no-store"));
    let refused = app.call("users/list", &[], None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("cache-control"), Some("no-store"));
}

/// Built files under /pkg keep their year-long cache: their names change with their content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_keep_their_long_cache() {
    let dir = std::env::temp_dir().join(format!("roster_site_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("site/pkg")).unwrap();
    std::fs::write(dir.join("site/pkg/roster-0123abcd.js"), "export {};").unwrap();
    let db = app::db::Db::connect(&format!("sqlite://{}", dir.join("roster.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let site_root = dir.join("site").display().to_string();
    let state = server::app_state(server::ServerParts {
        leptos_options: server::leptos_options("127.0.0.1:0".parse().unwrap(), &site_root),
        db,
        public_url: None,
        secret_key: [7u8; 32],
        trusted_proxies: Vec::new(),
        outbox_lease_secs: app::mail::outbox::DEFAULT_LEASE_SECS,
        webhook_allow: Default::default(),
        clock: app::clock::Clock::default(),
    });
    let request = axum::http::Request::builder()
        .uri("/pkg/roster-0123abcd.js")
        .header("host", "127.0.0.1:3000")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(server::router(state), request)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
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

/// PostgreSQL only: connections the database dropped while they sat idle in the pool (a
/// restart, a proxy's idle timeout) are replaced before use, so the next page still loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_dropped_while_idle_do_not_fail_a_page() {
    let Some(mut app) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    // Only this test uses the pool: the outbox worker's polls would otherwise keep a
    // connection busy and take the hit themselves.
    app.worker = None;
    let admin = app.register_admin().await;
    assert_eq!(app.get("/settings/users", Some(&admin)).await.status, StatusCode::OK);
    let database: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    // Idle for longer than the pool's check-before-use window.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let outside = sqlx::PgPool::connect(&crate::common::postgres_admin_url())
        .await
        .unwrap();
    let dropped: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t",
    )
    .bind(&database)
    .fetch_one(&outside)
    .await
    .unwrap();
    assert!(dropped >= 1, "the app had no connection to drop");
    // pg_terminate_backend only signals: wait until those sessions are gone (else the page
    // below would find live connections and prove nothing).
    let mut left: i64 = -1;
    for _ in 0..50 {
        left = sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1")
            .bind(&database)
            .fetch_one(&outside)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0, "the app's connections were still open after 1 s");
    outside.close().await;
    let page = app.get("/settings/users", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("class=\"row-actions\""),
        "the users page lists users: {}",
        page.body
    );
}
