//! Settings → General through the real router: the logout timeouts (range rules, applied to
//! sessions that already exist, logged with before and after) and the console URL.

use crate::common::{json, Backend, TestApp};
use axum::http::StatusCode;

on_both_backends!(
    timeouts_out_of_range_or_not_numbers_are_refused_and_change_nothing,
    a_new_idle_timeout_applies_to_existing_sessions,
    a_shorter_absolute_timeout_ends_existing_sessions,
    timeout_changes_are_logged_with_before_and_after,
    analysts_and_read_only_users_are_refused,
    the_page_shows_both_forms_and_a_fixed_console_url_read_only,
);

async fn save_timeouts(app: &TestApp, session: &str, idle: &str, absolute: &str) -> crate::common::TestResponse {
    let form = [("idle_timeout_minutes", idle), ("absolute_timeout_hours", absolute)];
    app.call("settings/timeouts", &form, Some(session)).await
}

async fn timeouts_out_of_range_or_not_numbers_are_refused_and_change_nothing(app: TestApp) {
    let admin = app.register_admin().await;
    for (idle, absolute, message) in [
        ("4", "12", "Idle timeout must be between 5 and 1440 minutes."),
        ("1441", "12", "Idle timeout must be between 5 and 1440 minutes."),
        ("-30", "12", "Idle timeout must be between 5 and 1440 minutes."),
        ("30", "0", "Absolute timeout must be between 1 and 720 hours (30 days)."),
        (
            "30",
            "721",
            "Absolute timeout must be between 1 and 720 hours (30 days).",
        ),
        ("half an hour", "12", "Idle timeout must be a whole number of minutes."),
        ("30", "1.5", "Absolute timeout must be a whole number of hours."),
        ("", "12", "Enter the idle timeout in minutes."),
        (
            "1440",
            "23",
            "Absolute timeout must not be shorter than the idle timeout (1440 minutes)",
        ),
    ] {
        let response = save_timeouts(&app, &admin, idle, absolute).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{idle}/{absolute}: {response:?}"
        );
        assert!(response.body.contains(message), "{idle}/{absolute}: {}", response.body);
    }
    // A field left out of the form entirely is the same as an empty one: a message, not a 500.
    let missing = app
        .call("settings/timeouts", &[("idle_timeout_minutes", "30")], Some(&admin))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{missing:?}");
    assert!(
        missing.body.contains("Enter the absolute timeout in hours."),
        "{}",
        missing.body
    );

    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE key LIKE 'session.%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action LIKE 'settings.%'")
            .await,
        0
    );
    let general = json(&app.call("settings/general", &[], Some(&admin)).await.body);
    assert_eq!(general["idle_timeout_minutes"], 30);
    assert_eq!(general["absolute_timeout_hours"], 12);
}

async fn a_new_idle_timeout_applies_to_existing_sessions(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    // Both sessions exist before the change.
    assert_eq!(save_timeouts(&app, &admin, "5", "12").await.status, StatusCode::OK);
    app.advance_clock_and_wake(4 * 60);
    assert_eq!(app.get("/", Some(&analyst)).await.status, StatusCode::OK);
    app.advance_clock_and_wake(5 * 60);
    let idle = app.get("/", Some(&analyst)).await;
    assert_eq!(idle.header("location"), Some("/login?next=/&reason=idle"), "{idle:?}");
    let admin_idle = app.call("settings/general", &[], Some(&admin)).await;
    assert_eq!(admin_idle.status, StatusCode::UNAUTHORIZED, "the admin idled too");

    // A longer one lets an existing session sit idle past the old 30 minutes.
    let admin = app
        .login(crate::common::ADMIN_EMAIL, crate::common::ADMIN_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    assert_eq!(save_timeouts(&app, &admin, "60", "12").await.status, StatusCode::OK);
    app.advance_clock_and_wake(45 * 60);
    assert_eq!(app.get("/", Some(&admin)).await.status, StatusCode::OK);
}

async fn a_shorter_absolute_timeout_ends_existing_sessions(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    // The analyst's session was given 12 hours at sign-in; the new 2-hour limit still ends it.
    assert_eq!(save_timeouts(&app, &admin, "30", "2").await.status, StatusCode::OK);
    for _ in 0..5 {
        app.advance_clock_and_wake(20 * 60);
        assert_eq!(app.get("/", Some(&analyst)).await.status, StatusCode::OK);
    }
    app.advance_clock_and_wake(20 * 60);
    let expired = app.get("/", Some(&analyst)).await;
    assert_eq!(
        expired.header("location"),
        Some("/login?next=/&reason=expired"),
        "{expired:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'ann@example.com'")
            .await,
        0,
        "the ended session is gone"
    );
    // The admin's session, as old and idle since the change, is pruned without a request.
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let report = app::auth::limits::prune(&app.state).await.unwrap();
    assert_eq!(report.sessions, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn details_of(app: &TestApp, action: &str) -> Vec<serde_json::Value> {
    use sqlx::Row;
    sqlx::query("SELECT details FROM activity_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| json(&row.get::<String, _>(0)))
        .collect()
}

async fn timeout_changes_are_logged_with_before_and_after(app: TestApp) {
    let admin = app.register_admin().await;
    assert_eq!(save_timeouts(&app, &admin, "15", "8").await.status, StatusCode::OK);
    assert_eq!(save_timeouts(&app, &admin, "20", "8").await.status, StatusCode::OK);
    // Saving what is already saved is no change and no entry.
    assert_eq!(save_timeouts(&app, &admin, "20", "8").await.status, StatusCode::OK);
    let entries = details_of(&app, "settings.session_timeouts_changed").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        entries[0],
        serde_json::json!({
            "before": { "idle_timeout_minutes": 30, "absolute_timeout_hours": 12 },
            "after": { "idle_timeout_minutes": 15, "absolute_timeout_hours": 8 },
        })
    );
    assert_eq!(entries[1]["before"]["idle_timeout_minutes"], 15);
    assert_eq!(entries[1]["after"]["idle_timeout_minutes"], 20);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM activity_log WHERE action = 'settings.session_timeouts_changed' \
             AND actor_email = 'ada@example.com' AND outcome = 'success'"
        )
        .await,
        2
    );
    let general = json(&app.call("settings/general", &[], Some(&admin)).await.body);
    assert_eq!(general["idle_timeout_minutes"], 20);
    assert_eq!(general["absolute_timeout_hours"], 8);
}

async fn analysts_and_read_only_users_are_refused(app: TestApp) {
    let admin = app.register_admin().await;
    for (email, role) in [("ann@example.com", "analyst"), ("rita@example.com", "read_only")] {
        let session = app.user_with_role(&admin, email, role).await;
        for (endpoint, form) in [
            ("settings/general", &[][..]),
            (
                "settings/timeouts",
                &[("idle_timeout_minutes", "5"), ("absolute_timeout_hours", "1")][..],
            ),
            ("settings/console-url", &[("console_url", "https://evil.example")][..]),
        ] {
            let response = app.call(endpoint, form, Some(&session)).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "{role} {endpoint}: {response:?}"
            );
        }
        let page = app.get("/settings/general", Some(&session)).await;
        assert!(page.body.contains("permission to view this page"), "{role}");
        assert!(!page.body.contains("Save timeouts"), "{role}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE key LIKE 'session.%'")
            .await,
        0
    );
}

async fn the_page_shows_both_forms_and_a_fixed_console_url_read_only(app: TestApp) {
    let admin = app.register_admin().await;
    let page = app.get("/settings/general", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    for text in [
        "Idle timeout (minutes)",
        "Absolute timeout (hours)",
        "Save timeouts",
        "Console URL",
        "ROSTER_PUBLIC_URL",
        r#"value="http://roster.test""#,
    ] {
        assert!(page.body.contains(text), "page shows {text}: {}", page.body);
    }
    assert!(
        !page.body.contains("Save console URL"),
        "no Save while the operator sets it"
    );
    // The timeouts form comes first.
    assert!(page.body.find("Save timeouts") < page.body.find("Console URL</h2>"));

    let refused = app
        .call(
            "settings/console-url",
            &[("console_url", "https://elsewhere.example")],
            Some(&admin),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert!(refused.body.contains("ROSTER_PUBLIC_URL"), "{}", refused.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE key = 'console_url' AND value = 'http://roster.test'")
            .await,
        1
    );
}

/// Without ROSTER_PUBLIC_URL the console URL saved at setup is editable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_url_is_editable_without_a_public_url() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(mut app) = TestApp::start_with(backend, None).await {
            // Before setup only loopback names are answered.
            app.host = "localhost".into();
            app.origin = "http://localhost".into();
            tokio::time::timeout(crate::common::TIMEOUT, console_url_is_editable(app))
                .await
                .expect("test timed out");
        }
    }
}

async fn console_url_is_editable(app: TestApp) {
    let admin = app.register_admin().await;
    let page = app.get("/settings/general", Some(&admin)).await;
    assert!(page.body.contains("Save console URL"), "{}", page.body);

    let bad = app
        .call(
            "settings/console-url",
            &[("console_url", "roster.example.com")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert!(bad.body.contains("must start with http"), "{}", bad.body);

    let saved = app
        .call(
            "settings/console-url",
            &[("console_url", " https://roster.example.com/ ")],
            Some(&admin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    assert_eq!(json(&saved.body), "https://roster.example.com");
    let general = json(&app.call("settings/general", &[], Some(&admin)).await.body);
    assert_eq!(general["console_url"], "https://roster.example.com");
    assert_eq!(general["console_url_fixed"], false);
    let entries = details_of(&app, "settings.console_url_changed").await;
    assert_eq!(
        entries,
        [serde_json::json!({ "before": "http://roster.test", "after": "https://roster.example.com" })]
    );
}
