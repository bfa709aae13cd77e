//! The home page: counts that match the data, the sign-in chart by hour, and a profile summary
//! for those who cannot view users; the users list's role filter the counts link to.

use crate::common::{json, TestApp, ADMIN_EMAIL};
use app::activity::store::{record_alone, Entry};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    counts_match_the_data_and_link_to_filtered_lists,
    the_chart_counts_sign_ins_per_hour_for_seven_days,
    without_view_users_the_home_page_is_your_own_summary,
);

async fn overview(app: &TestApp, session: &str) -> Value {
    let response = app.call("overview/get", &[], Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)
}

async fn invite_link(app: &TestApp, admin: &str, email: &str, lifetime: &str) {
    let response = app
        .call(
            "invites/create",
            &[("email", email), ("role", "analyst"), ("lifetime", lifetime)],
            Some(admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
}

fn active(team: &Value, role: &str) -> i64 {
    team["active_by_role"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == role)
        .unwrap_or_else(|| panic!("no {role} in {team}"))[1]
        .as_i64()
        .unwrap()
}

/// The users list's total for a query (`users/list`).
async fn listed(app: &TestApp, admin: &str, form: &[(&str, &str)]) -> i64 {
    let response = app.call("users/list", form, Some(admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)["total"].as_i64().unwrap()
}

async fn counts_match_the_data_and_link_to_filtered_lists(app: TestApp) {
    let admin = app.register_admin().await;
    for (email, role) in [
        ("an1@example.com", "analyst"),
        ("an2@example.com", "analyst"),
        ("an3@example.com", "analyst"),
        ("ro@example.com", "read_only"),
    ] {
        app.user_with_role(&admin, email, role).await;
    }
    app.execute("UPDATE users SET totp_enabled_at = 1 WHERE email = 'an1@example.com'")
        .await;
    let an3 = app.count("SELECT id FROM users WHERE email = 'an3@example.com'").await;
    let disabled = app
        .call("users/disable", &[("user_id", &an3.to_string())], Some(&admin))
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{disabled:?}");
    invite_link(&app, &admin, "soon@example.com", "24h").await;
    invite_link(&app, &admin, "later@example.com", "7d").await;
    invite_link(&app, &admin, "hour@example.com", "1h").await;

    let before = overview(&app, &admin).await["Team"]["mail"].clone();
    // The outbox: two retrying, one given up on an hour ago, one given up on two days ago.
    let now = app.state.clock.now();
    for (status, attempts, give_up_at) in [
        ("queued", 2, now + 3600),
        ("queued", 1, now + 3600),
        ("failed", 5, now - 3600),
        ("failed", 5, now - 2 * 86_400),
    ] {
        app.execute(&format!(
            "INSERT INTO outbox (channel, recipient, status, attempts, next_attempt_at, created_at, give_up_at) \
             VALUES ('email', 'x@example.com', '{status}', {attempts}, {}, {now}, {give_up_at})",
            now + 86_400
        ))
        .await;
    }

    let body = overview(&app, &admin).await;
    let team = &body["Team"];
    assert_eq!(active(team, "GlobalAdministrator"), 1);
    assert_eq!(active(team, "Analyst"), 2);
    assert_eq!(active(team, "ReadOnly"), 1);
    assert_eq!(active(team, "Administrator"), 0);
    assert_eq!(team["disabled"], 1);
    assert_eq!(
        team["without_two_factor"], 3,
        "Ada, an2 and ro; an1 has 2FA, an3 is disabled"
    );
    assert_eq!(team["pending_invites"], 3);
    assert_eq!(team["expiring_soon"], 2, "the 1-hour and 24-hour links");
    let mail = &team["mail"];
    assert_eq!(
        mail["retrying"].as_i64().unwrap() - before["retrying"].as_i64().unwrap(),
        2
    );
    assert_eq!(
        mail["failed_recently"].as_i64().unwrap() - before["failed_recently"].as_i64().unwrap(),
        1
    );
    assert_eq!(mail["queued"], before["queued"], "{mail}");

    // The links' filters give the same numbers on the users list.
    assert_eq!(listed(&app, &admin, &[("tab", "active"), ("role", "analyst")]).await, 2);
    assert_eq!(
        listed(&app, &admin, &[("tab", "active"), ("role", "read_only")]).await,
        1
    );
    assert_eq!(
        listed(&app, &admin, &[("tab", "active"), ("two_factor", "off")]).await,
        3
    );
    assert_eq!(
        listed(&app, &admin, &[("tab", "disabled"), ("role", "analyst")]).await,
        1
    );
    assert_eq!(
        listed(&app, &admin, &[("tab", "active"), ("role", "nonsense")]).await,
        4
    );
    assert_eq!(
        listed(&app, &admin, &[("tab", "active"), ("role", "analyst"), ("q", "an2")]).await,
        1
    );

    let page = app.get("/", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Welcome, Ada",
        "Analyst: 2",
        "tab=active&amp;role=analyst",
        "Active users without 2FA: 3",
        "tab=active&amp;two_factor=off",
        "Disabled users: 1",
        "Pending invitations: 3",
        "2 expire within 24 hours",
        "Failed in the last 24 hours",
    ] {
        assert!(page.body.contains(text), "{text} missing from the home page");
    }
    // The users page keeps the role filter it was opened with.
    let users = app.get("/settings/users?tab=active&role=analyst", Some(&admin)).await;
    assert!(
        users.body.contains(r#"<option value="analyst" selected"#),
        "role filter shown"
    );
    assert!(users.body.contains("an2@example.com") && !users.body.contains("ro@example.com"));
}

async fn sign_in(app: &TestApp, at: i64, action: &str) {
    let entry = Entry {
        at,
        actor_email: "someone@example.com",
        action,
        object_type: "session",
        success: action == "auth.login",
        details: String::new(),
        ..Entry::default()
    };
    record_alone(&app.state.db, &entry).await.unwrap();
}

async fn the_chart_counts_sign_ins_per_hour_for_seven_days(app: TestApp) {
    let admin = app.register_admin().await;
    let now = app.state.clock.now();
    let hour = now - now.rem_euclid(3600);
    // Real sign-ins this hour: two that work, three that fail.
    for _ in 0..2 {
        let response = app.login(ADMIN_EMAIL, crate::common::ADMIN_PASSWORD).await;
        assert!(response.session_cookie().is_some(), "{response:?}");
    }
    for _ in 0..3 {
        app.login(ADMIN_EMAIL, "wrong password").await;
    }
    // Three days ago, and eight days ago (outside the chart).
    let three_days = hour - 72 * 3600;
    sign_in(&app, three_days + 10, "auth.login").await;
    sign_in(&app, three_days + 20, "auth.login_failed").await;
    sign_in(&app, three_days + 3599, "auth.login_failed").await;
    sign_in(&app, hour - 8 * 86_400, "auth.login").await;

    let body = overview(&app, &admin).await;
    let chart = &body["Team"]["sign_ins"];
    let hours = chart["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 168);
    let first = chart["first_hour"].as_i64().unwrap();
    assert_eq!(first, hour - 167 * 3600);
    let at = |start: i64| &hours[((start - first) / 3600) as usize];
    assert_eq!(at(hour)["succeeded"], 2, "{chart}");
    assert_eq!(at(hour)["failed"], 3);
    assert_eq!(at(three_days)["succeeded"], 1);
    assert_eq!(at(three_days)["failed"], 2);
    let total: i64 = hours
        .iter()
        .map(|h| h["succeeded"].as_i64().unwrap() + h["failed"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 8, "nothing older than seven days");

    let page = app.get("/", Some(&admin)).await;
    assert!(page.body.contains("<svg"), "the chart is drawn on the server");
    assert!(page.body.contains("Sign-ins per hour, last 7 days (UTC)"));
    for start in [hour, three_days] {
        let label = hour_label(start);
        assert!(page.body.contains(&label), "the table has the hour {label}");
    }
    assert!(page.body.contains("Successful: 3") && page.body.contains("Failed: 5"));
}

/// As the page's table writes an hour.
fn hour_label(start: i64) -> String {
    let (year, month, day, rem) = app::ui::civil_utc(start);
    format!("{year:04}-{month:02}-{day:02} {:02}:00 UTC", rem / 3600)
}

async fn without_view_users_the_home_page_is_your_own_summary(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let body = overview(&app, &analyst).await;
    let own = &body["Own"];
    assert_eq!(own["email"], "bob@example.com");
    assert_eq!(own["name"], "Bob Builder");
    assert_eq!(own["role"], "Analyst");
    assert_eq!(own["two_factor"], false);
    let page = app.get("/", Some(&analyst)).await;
    assert!(page.body.contains("Welcome, Bob"));
    assert!(page.body.contains("Your account") && page.body.contains(r#"href="/profile""#));
    assert!(!page.body.contains("Sign-ins per hour") && !page.body.contains("Pending invitations"));
    // An analyst cannot reach the numbers through the users list either.
    let list = app.call("users/list", &[], Some(&analyst)).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
}
