//! `/metrics` (ROSTER_METRICS_ADDR): Prometheus' text format with requests by route and status,
//! sign-ins by outcome, the outbox's depth, the database pool and background job runs.

use crate::common::{TestApp, ADMIN_EMAIL};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::OnceLock;
use tower::ServiceExt;

on_both_backends!(metrics_count_requests_sign_ins_and_the_outbox);

/// The recorder is process-wide: every test in this binary shares one.
fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| server::http::metrics::install().expect("the recorder installs"))
        .clone()
}

async fn scrape(app: &TestApp) -> String {
    let router = server::http::metrics::router(recorder(), app.state.clone());
    let response = router
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0.0)
}

async fn metrics_count_requests_sign_ins_and_the_outbox(app: TestApp) {
    let before = scrape(&app).await;
    app.register_admin().await;
    app.login(ADMIN_EMAIL, "wrong password entirely").await;
    app.get("/no/such/page", None).await;
    let text = scrape(&app).await;
    // Other tests in this process count too: compare before and after, at least.
    let failed = r#"roster_sign_ins_total{outcome="failed"}"#;
    assert!(value(&text, failed) >= value(&before, failed) + 1.0, "{text}");
    let login = r#"roster_http_requests_total{route="/api/auth/login",method="POST",status="422"}"#;
    assert!(value(&text, login) >= 1.0, "{text}");
    assert!(
        text.contains(r#"roster_http_request_duration_seconds_bucket{route="/api/auth/login",method="POST",le="0.5"}"#),
        "{text}"
    );
    assert!(!text.contains("/no/such/page"), "unmatched paths are not labels");
    assert!(text.contains(r#"roster_db_pool_connections{state="idle"}"#), "{text}");
    // The outbox worker's first round may still be under way on a busy machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut text = text;
    while !text.contains(r#"roster_background_job_runs_total{job="outbox"}"#) {
        assert!(std::time::Instant::now() < deadline, "no outbox round counted: {text}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        text = scrape(&app).await;
    }
    // The outbox's depth is read from the database at each scrape.
    let email = app::mail::transport::OutgoingEmail {
        to: "ada@example.com".into(),
        subject: "Hello".into(),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
    };
    let now = app.state.clock.now();
    app::mail::outbox::queue(&app.state.db.pool, &email, now).await.unwrap();
    let text = scrape(&app).await;
    assert_eq!(value(&text, r#"roster_outbox_emails{state="queued"}"#), 1.0, "{text}");
}
