//! The Host check (DNS rebinding): which host names an instance answers, before and after
//! setup, with and without ROSTER_PUBLIC_URL. `TestApp::start` configures http://roster.test.

use crate::common::{admin_form, form_body, Backend, TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode};

on_both_backends!(with_a_public_url_only_its_host_is_answered);

/// Runs each listed test once per backend on an app without ROSTER_PUBLIC_URL.
macro_rules! without_public_url {
    ($($name:ident),* $(,)?) => {
        mod no_public_url {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    for backend in [$crate::common::Backend::Sqlite, $crate::common::Backend::Postgres] {
                        if let Some(app) = $crate::common::TestApp::start_with(backend, None).await {
                            tokio::time::timeout($crate::common::TIMEOUT, super::$name(app, backend))
                                .await
                                .expect("test timed out");
                        }
                    }
                }
            )*
        }
    };
}

without_public_url!(before_setup_only_loopback_hosts_are_answered);

async fn get_as(app: &TestApp, host: &str, path: &str) -> TestResponse {
    let request = Request::builder()
        .uri(path)
        .header("host", host)
        .header("accept", "text/html")
        .body(Body::empty())
        .unwrap();
    app.request(request).await
}

/// The setup form posted as a browser on `host` would (Origin matching, so only the Host
/// check stands in the way).
async fn setup_as(app: &TestApp, host: &str) -> TestResponse {
    let body = form_body(&admin_form());
    let request = Request::builder()
        .method("POST")
        .uri("/api/auth/setup")
        .header("host", host)
        .header("origin", format!("http://{host}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

fn assert_misdirected(response: &TestResponse, message: &str) {
    assert_eq!(response.status, StatusCode::MISDIRECTED_REQUEST, "{response:?}");
    assert!(response.body.contains(message), "{}", response.body);
}

async fn assert_probes_answer_for_any_host(app: &TestApp) {
    for path in ["/healthz", "/readyz"] {
        let probe = get_as(app, "10.0.0.7:8080", path).await;
        assert_eq!((probe.status, probe.body.as_str()), (StatusCode::OK, "ok"), "{path}");
    }
}

async fn before_setup_only_loopback_hosts_are_answered(app: TestApp, backend: Backend) {
    const NOT_SET_UP: &str = "Roster is not set up yet: open it through localhost or the address in ROSTER_PUBLIC_URL.";
    // A rebinding page on evil.example: Origin and Host agree, so only the Host check stops it.
    let evil = setup_as(&app, "evil.example").await;
    assert_misdirected(&evil, NOT_SET_UP);
    assert!(evil.session_set_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0, "{backend:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM instance_setup").await, 0);
    assert_misdirected(&get_as(&app, "evil.example", "/setup").await, NOT_SET_UP);
    assert_misdirected(&get_as(&app, "localhost.evil.example", "/setup").await, NOT_SET_UP);
    assert_probes_answer_for_any_host(&app).await;

    for host in [
        "localhost",
        "localhost:3000",
        "127.0.0.1",
        "127.0.0.1:3000",
        "[::1]:3000",
    ] {
        let page = get_as(&app, host, "/setup").await;
        assert_eq!(page.status, StatusCode::OK, "{host}: {page:?}");
    }
    let setup = setup_as(&app, "127.0.0.1:3000").await;
    assert!(setup.status.is_success() || setup.status.is_redirection(), "{setup:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);

    // Set up, and no public URL to hold requests to: any host, as before.
    let login = get_as(&app, "evil.example", "/login").await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    assert_eq!(
        get_as(&app, "roster.internal:8080", "/login").await.status,
        StatusCode::OK
    );
}

async fn with_a_public_url_only_its_host_is_answered(app: TestApp) {
    const ELSEWHERE: &str = "This server answers only at http://roster.test.";
    let evil = setup_as(&app, "evil.example").await;
    assert_misdirected(&evil, ELSEWHERE);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    for host in [
        "evil.example",
        "roster.test:8080",
        "localhost",
        "127.0.0.1:3000",
        "roster.test.evil.example",
    ] {
        assert_misdirected(&get_as(&app, host, "/setup").await, ELSEWHERE);
    }
    for host in ["roster.test", "ROSTER.test", "roster.test:80"] {
        let page = get_as(&app, host, "/setup").await;
        assert_eq!(page.status, StatusCode::OK, "{host}: {page:?}");
    }
    assert_probes_answer_for_any_host(&app).await;

    // After setup too: the public URL is the only name this instance has.
    let admin = app.register_admin().await;
    assert_eq!(app.get("/settings/users", Some(&admin)).await.status, StatusCode::OK);
    let mut request = Request::builder()
        .uri("/settings/users")
        .header("host", "evil.example")
        .header("cookie", format!("roster_session={admin}"))
        .body(Body::empty())
        .unwrap();
    assert_misdirected(&app.request(request).await, ELSEWHERE);
    request = Request::builder()
        .uri("/readyz")
        .header("host", "203.0.113.9")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::OK);
}
