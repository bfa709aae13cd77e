//! Invitations by link and signup through the real router, on SQLite and PostgreSQL.

use crate::common::{json, TestApp, ADMIN_EMAIL};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    invite_link_signs_up_once,
    expired_link_is_refused,
    fresh_link_and_revoke_kill_the_old_link,
    inviting_again_replaces_the_pending_invite,
    existing_users_and_bad_input_are_refused,
    only_admins_invite_and_only_global_admins_grant_global_admin,
);

/// Creates an invite as `session`; returns (invite id, token).
async fn invite(app: &TestApp, session: &str, email: &str, role: &str, lifetime: &str) -> (i64, String) {
    let response = app
        .call(
            "invites/create",
            &[("email", email), ("role", role), ("lifetime", lifetime)],
            Some(session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let link = json(&response.body);
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with("http://roster.test/invite/"), "{url}");
    (
        link["invite_id"].as_i64().unwrap(),
        url.rsplit('/').next().unwrap().to_string(),
    )
}

async fn open(app: &TestApp, token: &str) -> Value {
    app.open_invite(token).await
}

async fn signup(app: &TestApp, token: &str) -> crate::common::TestResponse {
    app.signup(token).await
}

/// A signed-in user with `role`, brought in through an invitation.
async fn user_with_role(app: &TestApp, admin: &str, email: &str, role: &str) -> String {
    app.user_with_role(admin, email, role).await
}

async fn invite_link_signs_up_once(app: TestApp) {
    let admin = app.register_admin().await;
    let (invite_id, token) = invite(&app, &admin, "Bob@Example.com", "analyst", "24h").await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM invites WHERE token_hash = '{token}'"))
            .await,
        0,
        "only a hash is stored"
    );

    let state = open(&app, &token).await;
    assert_eq!(state["Valid"]["email"], "bob@example.com");
    assert_eq!(state["Valid"]["role"], "Analyst");
    assert_eq!(state["Valid"]["invited_by"], "Ada Lovelace");

    let response = signup(&app, &token).await;
    let session = response.session_cookie().expect("signed in after signup");
    assert_eq!(response.header("location"), Some("/"));
    let home = app.get("/", Some(&session)).await;
    assert!(home.body.contains("Welcome, Bob"), "{}", home.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'bob@example.com' AND role = 'analyst' AND invited_by IS NOT NULL").await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM invites WHERE id = {invite_id} AND status = 'used'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.added' AND details LIKE '%Ada Lovelace%'")
            .await,
        1
    );

    // Single use.
    assert_eq!(open(&app, &token).await["Invalid"], "Used");
    let again = signup(&app, &token).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already been used"), "{}", again.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    assert_eq!(open(&app, "not-a-real-token").await["Invalid"], "Unknown");
}

async fn expired_link_is_refused(app: TestApp) {
    let admin = app.register_admin().await;
    let (_, token) = invite(&app, &admin, "late@example.com", "read_only", "1h").await;
    app.state.clock.advance(3599);
    assert!(
        open(&app, &token).await.get("Valid").is_some(),
        "valid just before the hour"
    );
    app.state.clock.advance(1);
    assert_eq!(open(&app, &token).await["Invalid"], "Expired");
    let response = signup(&app, &token).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.body.contains("expired"), "{}", response.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'late@example.com'")
            .await,
        0
    );
}

async fn fresh_link_and_revoke_kill_the_old_link(app: TestApp) {
    let admin = app.register_admin().await;
    let (id, old_token) = invite(&app, &admin, "carol@example.com", "analyst", "3d").await;
    let fresh = app
        .call("invites/fresh_link", &[("invite_id", &id.to_string())], Some(&admin))
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{fresh:?}");
    let fresh = json(&fresh.body);
    let new_token = fresh["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(open(&app, &old_token).await["Invalid"], "Revoked");
    assert!(open(&app, &new_token).await.get("Valid").is_some());

    let new_id = fresh["invite_id"].as_i64().unwrap().to_string();
    let revoked = app
        .call("invites/revoke", &[("invite_id", &new_id)], Some(&admin))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    assert_eq!(open(&app, &new_token).await["Invalid"], "Revoked");
    assert_eq!(signup(&app, &new_token).await.status, StatusCode::CONFLICT);
    let pending = app.call("invites/pending", &[], Some(&admin)).await;
    assert_eq!(json(&pending.body).as_array().unwrap().len(), 0);
    let twice = app
        .call("invites/revoke", &[("invite_id", &new_id)], Some(&admin))
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
}

async fn inviting_again_replaces_the_pending_invite(app: TestApp) {
    let admin = app.register_admin().await;
    let (_, first) = invite(&app, &admin, "dan@example.com", "analyst", "24h").await;
    let (_, second) = invite(&app, &admin, "DAN@example.com", "read_only", "7d").await;
    assert_eq!(open(&app, &first).await["Invalid"], "Revoked");
    assert_eq!(open(&app, &second).await["Valid"]["role"], "ReadOnly");
    let pending = json(&app.call("invites/pending", &[], Some(&admin)).await.body);
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["email"], "dan@example.com");
    assert_eq!(pending[0]["invited_by"], "Ada Lovelace");
}

async fn existing_users_and_bad_input_are_refused(app: TestApp) {
    let admin = app.register_admin().await;
    let taken = app
        .call(
            "invites/create",
            &[("email", ADMIN_EMAIL), ("role", "analyst"), ("lifetime", "24h")],
            Some(&admin),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken.body.contains("A user with this email already exists."),
        "{}",
        taken.body
    );
    let bad = app
        .call(
            "invites/create",
            &[("email", "nope"), ("role", "root"), ("lifetime", "1y")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in ["Enter an email address", "Choose a role.", "Choose how long"] {
        assert!(bad.body.contains(message), "missing {message:?}: {}", bad.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM invites").await, 0);
}

async fn only_admins_invite_and_only_global_admins_grant_global_admin(app: TestApp) {
    let admin = app.register_admin().await;
    let form = |email: &'static str, role: &'static str| [("email", email), ("role", role), ("lifetime", "24h")];

    let anonymous = app
        .call("invites/create", &form("x@example.com", "analyst"), None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for (email, role) in [
        ("an@example.com", "analyst"),
        ("ro@example.com", "read_only"),
        ("api@example.com", "api_developer"),
    ] {
        let session = user_with_role(&app, &admin, email, role).await;
        let refused = app
            .call("invites/create", &form("x@example.com", "analyst"), Some(&session))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role}: {refused:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites WHERE email = 'x@example.com'")
            .await,
        0
    );

    let administrator = user_with_role(&app, &admin, "adm@example.com", "admin").await;
    let refused = app
        .call(
            "invites/create",
            &form("ga@example.com", "global_admin"),
            Some(&administrator),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Only a Global Administrator"), "{}", refused.body);
    let allowed = app
        .call(
            "invites/create",
            &form("new@example.com", "analyst"),
            Some(&administrator),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK);

    // Nor may an Administrator renew or revoke a Global Administrator's invitation.
    let (ga_invite, _) = invite(&app, &admin, "ga@example.com", "global_admin", "24h").await;
    for endpoint in ["invites/fresh_link", "invites/revoke"] {
        let refused = app
            .call(endpoint, &[("invite_id", &ga_invite.to_string())], Some(&administrator))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    // Re-inviting the same email would revoke the Global Administrator's invitation: refused too.
    let replace = app
        .call(
            "invites/create",
            &form("ga@example.com", "analyst"),
            Some(&administrator),
        )
        .await;
    assert_eq!(replace.status, StatusCode::FORBIDDEN, "{replace:?}");
    let pending_ga =
        "SELECT COUNT(*) FROM invites WHERE email = 'ga@example.com' AND status = 'pending' AND role = 'global_admin'";
    assert_eq!(app.count(pending_ga).await, 1);
}
