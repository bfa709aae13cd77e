//! The warning before idle sign-out, its server side: the deadlines a page carries, "Stay
//! signed in", the browser's sign-out when its countdown runs out, and the login page naming
//! the timeout that ended the session.

use crate::common::{json, TestApp};
use axum::http::StatusCode;

on_both_backends!(
    the_viewer_carries_the_deadlines_the_server_goes_by,
    stay_signed_in_restarts_the_idle_time_every_time,
    stay_signed_in_refuses_callers_without_a_live_session,
    a_countdown_that_ran_out_ends_the_session_and_says_why,
    the_login_page_names_the_timeout_in_force,
);

async fn save_timeouts(app: &TestApp, session: &str, idle: &str, absolute: &str) {
    let form = [("idle_timeout_minutes", idle), ("absolute_timeout_hours", absolute)];
    let response = app.call("settings/timeouts", &form, Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
}

/// The session deadlines of the signed-in viewer, as the page's snapshot carries them.
async fn session_clock(app: &TestApp, session: &str) -> serde_json::Value {
    let viewer = app.call("auth/viewer", &[], Some(session)).await;
    assert_eq!(viewer.status, StatusCode::OK, "{viewer:?}");
    json(&viewer.body)["SignedIn"]["session"].clone()
}

async fn the_viewer_carries_the_deadlines_the_server_goes_by(app: TestApp) {
    let admin = app.register_admin().await;
    // Exact deadlines: the wall clock must not tick on under a slow run.
    app.state.clock.freeze();
    let start = app.state.clock.now();
    save_timeouts(&app, &admin, "5", "12").await;
    let clock = session_clock(&app, &admin).await;
    assert_eq!(clock["now"], start);
    assert_eq!(clock["idle_secs"], 300);
    assert_eq!(clock["idle_deadline"], start + 300);
    assert_eq!(clock["absolute_deadline"], start + 12 * 3600);
    // Within a minute the server does not write the last activity again, and the deadline
    // says so: the browser must not count from this request.
    app.advance_clock_and_wake(30);
    let clock = session_clock(&app, &admin).await;
    assert_eq!(clock["now"], start + 30);
    assert_eq!(clock["idle_deadline"], start + 300);
    // After a minute it does.
    app.advance_clock_and_wake(40);
    assert_eq!(session_clock(&app, &admin).await["idle_deadline"], start + 70 + 300);
    // The page itself embeds the same figures for the browser.
    let page = app.get("/", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("\"idle_secs\":300"), "{}", page.body);
}

async fn stay_signed_in_restarts_the_idle_time_every_time(app: TestApp) {
    let admin = app.register_admin().await;
    save_timeouts(&app, &admin, "5", "12").await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    app.state.clock.freeze();
    let start = app.state.clock.now();
    // 30 seconds on, a page load would not write the last activity; staying signed in does.
    app.advance_clock_and_wake(30);
    let stay = app.call("auth/stay-signed-in", &[], Some(&analyst)).await;
    assert_eq!(stay.status, StatusCode::OK, "{stay:?}");
    let clock = json(&stay.body);
    assert_eq!(clock["now"], start + 30);
    assert_eq!(clock["idle_deadline"], start + 30 + 300);
    // Past the first deadline (start + 5 minutes), before the new one: still signed in.
    app.advance_clock_and_wake(285);
    assert_eq!(app.get("/", Some(&analyst)).await.status, StatusCode::OK);
    // Staying signed in again and again keeps the session for as long as the person wants.
    for _ in 0..3 {
        app.advance_clock_and_wake(4 * 60);
        let stay = app.call("auth/stay-signed-in", &[], Some(&analyst)).await;
        assert_eq!(stay.status, StatusCode::OK, "{stay:?}");
    }
    assert_eq!(app.get("/", Some(&analyst)).await.status, StatusCode::OK);
}

async fn stay_signed_in_refuses_callers_without_a_live_session(app: TestApp) {
    let admin = app.register_admin().await;
    save_timeouts(&app, &admin, "5", "12").await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let anonymous = app.call("auth/stay-signed-in", &[], None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{anonymous:?}");
    // Too late: the session idled out, and staying signed in cannot bring it back.
    app.advance_clock_and_wake(5 * 60);
    let late = app.call("auth/stay-signed-in", &[], Some(&analyst)).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "{late:?}");
    let idle = app.get("/", Some(&analyst)).await;
    assert_eq!(
        idle.header("location"),
        Some("/login?next=/"),
        "the session is gone: {idle:?}"
    );
    // The same for a disabled user.
    let admin = app
        .login(crate::common::ADMIN_EMAIL, crate::common::ADMIN_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let bob = app.user_with_role(&admin, "bob@example.com", "admin").await;
    app.execute("UPDATE users SET status = 'disabled' WHERE email = 'bob@example.com'")
        .await;
    let disabled = app.call("auth/stay-signed-in", &[], Some(&bob)).await;
    assert_eq!(disabled.status, StatusCode::UNAUTHORIZED, "{disabled:?}");
}

async fn a_countdown_that_ran_out_ends_the_session_and_says_why(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let ended = app
        .call(
            "auth/timed-out",
            &[("reason", "idle"), ("next", "/settings/users?q=ann smith")],
            Some(&analyst),
        )
        .await;
    assert!(ended.status.is_success(), "{ended:?}");
    assert_eq!(
        ended.header("location"),
        Some("/login?reason=idle&next=/settings/users%3Fq%3Dann%20smith")
    );
    assert_eq!(
        ended.session_set_cookie().map(|c| c.starts_with("roster_session=;")),
        Some(true)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'ann@example.com'")
            .await,
        0
    );
    // The activity log tells it from a sign-out by hand.
    assert_eq!(
        app.count(
            r#"SELECT COUNT(*) FROM activity_log WHERE action = 'auth.logout' AND details = '{"timed_out":"idle"}'"#
        )
        .await,
        1
    );
    // Without a session (the server ended it first) it still lands on the login page; `next`
    // stays on this site.
    let late = app
        .call(
            "auth/timed-out",
            &[("reason", "expired"), ("next", "//evil.example/")],
            None,
        )
        .await;
    assert!(late.status.is_success(), "{late:?}");
    assert_eq!(late.header("location"), Some("/login?reason=expired&next=/"));
    // Only a timeout is a reason here.
    for reason in ["disabled", "bored", ""] {
        let refused = app.call("auth/timed-out", &[("reason", reason)], Some(&admin)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reason}: {refused:?}"
        );
    }
    assert_eq!(
        app.get("/", Some(&admin)).await.status,
        StatusCode::OK,
        "the admin is still in"
    );
}

async fn the_login_page_names_the_timeout_in_force(app: TestApp) {
    let admin = app.register_admin().await;
    let defaults = app.get("/login?reason=idle&next=/settings/users", None).await;
    assert_eq!(defaults.status, StatusCode::OK);
    assert!(
        defaults
            .body
            .contains("You were signed out after 30 minutes of inactivity."),
        "{}",
        defaults.body
    );
    save_timeouts(&app, &admin, "5", "8").await;
    let idle = app.get("/login?reason=idle&next=/settings/users", None).await;
    assert!(
        idle.body.contains("You were signed out after 5 minutes of inactivity."),
        "{}",
        idle.body
    );
    // The form sends the user back where they were.
    assert!(idle.body.contains("value=\"/settings/users\""), "{}", idle.body);
    let expired = app.get("/login?reason=expired", None).await;
    assert!(
        expired
            .body
            .contains("You were signed out because your session reached its 8-hour limit."),
        "{}",
        expired.body
    );
    let plain = app.get("/login", None).await;
    assert!(!plain.body.contains("You were signed out"), "{}", plain.body);
}
