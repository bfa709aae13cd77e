//! Code-health guarantees: values decoded once at the storage boundary (an unknown code is an
//! error, never a weaker role), and server errors a person can quote (the request id is in the
//! response header, the message and the log line).

use crate::common::{json, Backend, TestApp, HOST, ORIGIN};
use axum::http::StatusCode;
use std::sync::{Arc, Mutex};

on_both_backends!(an_unknown_role_in_a_row_is_an_error_not_read_only);

/// Writes a role code the schema refuses, as only a broken or tampered database could hold.
async fn corrupt_role(app: &TestApp, email: &str) {
    let update = format!("UPDATE users SET role = 'superuser' WHERE email = '{email}'");
    match app.state.db.backend {
        app::db::Backend::Sqlite => {
            let mut conn = app.state.db.pool.acquire().await.unwrap();
            for sql in [
                "PRAGMA ignore_check_constraints = ON",
                &update,
                "PRAGMA ignore_check_constraints = OFF",
            ] {
                sqlx::query(sql).execute(&mut *conn).await.unwrap();
            }
        }
        app::db::Backend::Postgres => {
            app.execute("ALTER TABLE users DROP CONSTRAINT users_role_check").await;
            app.execute(&update).await;
        }
    }
}

async fn an_unknown_role_in_a_row_is_an_error_not_read_only(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "odd@example.com", "analyst").await;
    corrupt_role(&app, "odd@example.com").await;
    let list = app.call("users/list", &[("tab", "active")], Some(&admin)).await;
    assert_eq!(list.status, StatusCode::INTERNAL_SERVER_ERROR, "{list:?}");
    let error: app::domain::AppError = serde_json::from_str(&list.body).unwrap();
    assert!(
        error
            .to_string()
            .starts_with("Something went wrong on the server (reference "),
        "{error}"
    );
    let page = app.get("/settings/users", Some(&admin)).await;
    assert!(
        !page.body.contains("odd@example.com"),
        "the row is not shown as anything"
    );
    // The admin's own requests, which do not read that row, still work.
    assert_eq!(app.get("/profile", Some(&admin)).await.status, StatusCode::OK);
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One thread for the whole test, so the log subscriber set for it sees every line.
#[tokio::test(flavor = "current_thread")]
async fn a_server_error_names_its_request_id_in_the_header_the_message_and_the_log() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "odd@example.com", "analyst").await;
    corrupt_role(&app, "odd@example.com").await;

    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/users/list")
        .header("host", HOST)
        .header("origin", ORIGIN)
        .header("x-request-id", "req-from-the-proxy-42")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("roster_session={admin}"))
        .body(axum::body::Body::from("tab=active"))
        .unwrap();
    let failed = app.request(request).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failed.header("x-request-id"), Some("req-from-the-proxy-42"));
    let message = json(&failed.body)["Internal"].as_str().map(str::to_string);
    assert_eq!(message.as_deref(), Some("req-from-the-proxy-42"), "{}", failed.body);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("database error"))
        .unwrap_or_else(|| panic!("no database error logged:\n{text}"));
    assert!(line.contains("req-from-the-proxy-42"), "{line}");
    assert!(
        line.contains("superuser") && line.contains("role"),
        "the reason: {line}"
    );

    // Without one, the server makes one up.
    let page = app.get("/profile", Some(&admin)).await;
    let id = page.header("x-request-id").expect("an id on every response");
    assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}
