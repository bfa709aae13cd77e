//! The client's address behind a reverse proxy (ROSTER_TRUSTED_PROXIES): `X-Forwarded-For` is
//! believed only from a trusted peer, so a client cannot pick the address its sign-in attempts
//! count against or the activity log records.

use crate::common::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use axum::http::StatusCode;
use sqlx::Row;

on_both_backends!(
    a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored,
    a_trusted_proxys_forwarded_for_is_believed,
);

const WRONG: &[(&str, &str)] = &[("email", ADMIN_EMAIL), ("password", "not the password at all")];
const RIGHT: &[(&str, &str)] = &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)];

/// The addresses of the sign-in attempts the activity log recorded, oldest first.
async fn logged_ips(app: &TestApp, action: &str) -> Vec<String> {
    sqlx::query("SELECT ip FROM activity_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect()
}

/// The failed sign-ins counted against one address (one row per scope and key).
async fn counted_for(app: &TestApp, ip: &str) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(MAX(hits), 0) FROM attempt_limits WHERE scope = 'ip' AND key = '{ip}'"
    ))
    .await
}

async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(mut app: TestApp) {
    app.register_admin().await;
    // Trusting a proxy elsewhere does not make this peer one.
    app.trust_proxies("10.0.0.0/8");
    let response = app
        .call_from("203.0.113.7:51000", Some("198.51.100.1"), "auth/login", WRONG)
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert_eq!(logged_ips(&app, "auth.login_failed").await, ["203.0.113.7"]);
    assert_eq!(counted_for(&app, "203.0.113.7").await, 1);
    assert_eq!(counted_for(&app, "198.51.100.1").await, 0);

    let response = app
        .call_from("203.0.113.7:51000", Some("198.51.100.1"), "auth/login", RIGHT)
        .await;
    assert!(response.session_cookie().is_some(), "{response:?}");
    assert_eq!(logged_ips(&app, "auth.login").await, ["203.0.113.7"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE ip = '203.0.113.7'")
            .await,
        1,
        "the session records the peer"
    );
}

async fn a_trusted_proxys_forwarded_for_is_believed(mut app: TestApp) {
    app.register_admin().await;
    app.trust_proxies("127.0.0.1/32,10.0.0.0/8,::1/128");
    // The client put 1.1.1.1 in front itself; the proxies appended what they saw.
    let hops = "1.1.1.1, 198.51.100.1, 10.0.0.9";
    let response = app.call_from("10.0.0.2:44000", Some(hops), "auth/login", WRONG).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert_eq!(logged_ips(&app, "auth.login_failed").await, ["198.51.100.1"]);
    assert_eq!(counted_for(&app, "198.51.100.1").await, 1);
    assert_eq!(counted_for(&app, "10.0.0.2").await, 0, "not the proxy's address");
    assert_eq!(
        counted_for(&app, "1.1.1.1").await,
        0,
        "not the address the client chose"
    );

    // Another client behind the same proxy has a budget of its own.
    let response = app
        .call_from("[::1]:44000", Some("2001:db8::5"), "auth/login", RIGHT)
        .await;
    assert!(response.session_cookie().is_some(), "{response:?}");
    assert_eq!(logged_ips(&app, "auth.login").await, ["2001:db8::5"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE ip = '2001:db8::5'")
            .await,
        1
    );

    // The proxy talking for itself (no header) is just the proxy.
    app.call_from("10.0.0.2:44000", None, "auth/login", WRONG).await;
    assert_eq!(counted_for(&app, "10.0.0.2").await, 1);
}
