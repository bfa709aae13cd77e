//! Two-factor authentication end to end over HTTP: enrolment, the sign-in second step, replay
//! and race refusal, recovery codes, an admin's "Disable 2FA", and the 2FA policy.

use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD, INVITEE_PASSWORD};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

on_both_backends!(
    enabling_with_a_wrong_code_or_a_wrong_password_changes_nothing,
    signing_in_with_two_factor_makes_no_session_before_the_right_code_and_a_code_works_once,
    two_requests_racing_with_one_code_make_one_session,
    five_wrong_codes_drop_the_pending_sign_in,
    a_recovery_code_signs_in_once_and_regenerating_replaces_the_set,
    an_admin_disables_a_users_two_factor_only_with_their_own_password,
    an_administrator_cannot_disable_a_global_administrators_two_factor,
    a_policy_confines_an_unenrolled_user_to_enrolment,
    the_users_list_filters_by_two_factor,
);

/// Calls a server function with these cookies (`name=value; …`).
async fn call_with_cookies(app: &TestApp, endpoint: &str, form: &[(&str, &str)], cookies: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/{endpoint}"))
        .header("host", &app.host)
        .header("origin", &app.origin)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", cookies)
        .body(Body::from(crate::common::form_body(form)))
        .unwrap();
    app.request(request).await
}

/// The value of cookie `name` set by this response.
fn set_cookie(response: &TestResponse, name: &str) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next()?.split_once('=').map(|(_, v)| v.to_string()))
        .filter(|v| !v.is_empty())
}

/// The secret the enrolment screen showed, as bytes.
fn secret_of(enrolment: &serde_json::Value) -> Vec<u8> {
    let key: String = enrolment["key"].as_str().unwrap().split_whitespace().collect();
    app::two_factor::totp::from_base32(&key).expect("a base32 key")
}

fn code_now(app: &TestApp, secret: &[u8]) -> String {
    app::two_factor::totp::code_at(secret, app.state.clock.now())
}

/// Turns 2FA on for the session's user; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, session: &str, password: &str) -> (Vec<u8>, Vec<String>) {
    let start = app.call("two-factor/start", &[], Some(session)).await;
    assert_eq!(start.status, StatusCode::OK, "{start:?}");
    let enrolment = json(&start.body);
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = secret_of(&enrolment);
    let code = code_now(app, &secret);
    let enable = app
        .call(
            "two-factor/enable",
            &[("code", &code), ("password", password)],
            Some(session),
        )
        .await;
    assert_eq!(enable.status, StatusCode::OK, "{enable:?}");
    let codes: Vec<String> = serde_json::from_str(&enable.body).unwrap();
    assert_eq!(codes.len(), 10);
    // The code that confirmed enrolment is used up: the next one is a step later.
    app.state.clock.advance(30);
    (secret, codes)
}

/// Signs in with the password; returns the challenge cookie (no session yet).
async fn password_step(app: &TestApp, email: &str, password: &str) -> String {
    let response = app.login(email, password).await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{response:?}"
    );
    assert_eq!(response.session_cookie(), None, "no session before the code");
    set_cookie(&response, "roster_sign_in").expect("a challenge cookie")
}

async fn code_step(app: &TestApp, challenge: &str, code: &str) -> TestResponse {
    call_with_cookies(
        app,
        "auth/second-step",
        &[("code", code)],
        &format!("roster_sign_in={challenge}"),
    )
    .await
}

async fn sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions").await
}

async fn enabling_with_a_wrong_code_or_a_wrong_password_changes_nothing(app: TestApp) {
    let admin = app.register_admin().await;
    let start = app.call("two-factor/start", &[], Some(&admin)).await;
    let secret = secret_of(&json(&start.body));
    let code = code_now(&app, &secret);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let response = app
        .call(
            "two-factor/enable",
            &[("code", wrong_code), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains("That code is not right"), "{}", response.body);
    let response = app
        .call(
            "two-factor/enable",
            &[("code", &code), ("password", "not my password")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.body.contains("Your password is not right"),
        "{}",
        response.body
    );
    let response = app
        .call(
            "two-factor/enable",
            &[("code", "12ab"), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("6-digit code"), "{}", response.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    let status = json(&app.call("two-factor/status", &[], Some(&admin)).await.body);
    assert!(status["enabled_at"].is_null());
    // After ten minutes the pending secret is gone: the right code no longer enables anything.
    app.state.clock.advance(601);
    let code = code_now(&app, &secret);
    let response = app
        .call(
            "two-factor/enable",
            &[("code", &code), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{response:?}");
    assert!(response.body.contains("expired"));
    // The secret is sealed at rest, never stored in clear.
    let (secret, _) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    let stored: String = sqlx::query_scalar("SELECT totp_secret_enc FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&app::two_factor::totp::base32(&secret)));
    let events = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'two_factor.enabled'")
        .await;
    assert_eq!(events, 1);
    let mails = app
        .count("SELECT COUNT(*) FROM outbox WHERE subject = 'Two-factor authentication was turned on'")
        .await;
    assert_eq!(mails, 1);
}

async fn signing_in_with_two_factor_makes_no_session_before_the_right_code_and_a_code_works_once(app: TestApp) {
    let admin = app.register_admin().await;
    let (secret, _) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    app.execute("DELETE FROM sessions").await;
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(sessions(&app).await, 0);
    // The challenge grants nothing else: it is not a session cookie.
    let page = app.call("users/list", &[], Some(&challenge)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    // Without the browser's challenge cookie the code does nothing.
    let code = code_now(&app, &secret);
    let response = app.call("auth/second-step", &[("code", &code)], None).await;
    assert_eq!(response.status, StatusCode::CONFLICT, "{response:?}");
    assert_eq!(sessions(&app).await, 0);
    let response = code_step(&app, &challenge, &code).await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{response:?}"
    );
    let session = response.session_cookie().expect("a session after the code");
    assert_eq!(sessions(&app).await, 1);
    assert_eq!(app.call("users/list", &[], Some(&session)).await.status, StatusCode::OK);
    // The same code again, in a new sign-in within its 30 seconds: refused (replay).
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let response = code_step(&app, &challenge, &code).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert_eq!(sessions(&app).await, 1);
    // A code from two steps ago: refused too. The next step's code works.
    app.state.clock.advance(30);
    let old = app::two_factor::totp::code_at(&secret, app.state.clock.now() - 60);
    assert_eq!(
        code_step(&app, &challenge, &old).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let response = code_step(&app, &challenge, &code_now(&app, &secret)).await;
    assert!(response.session_cookie().is_some(), "{response:?}");
    // A challenge lasts five minutes.
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.state.clock.advance(301);
    let response = code_step(&app, &challenge, &code_now(&app, &secret)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.body.contains("expired"), "{}", response.body);
    // A wrong password still says only that, with no hint of 2FA.
    let response = app.login(ADMIN_EMAIL, "wrong password entirely").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(set_cookie(&response, "roster_sign_in"), None);
}

async fn two_requests_racing_with_one_code_make_one_session(app: TestApp) {
    let admin = app.register_admin().await;
    let (secret, _) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    app.execute("DELETE FROM sessions").await;
    let first = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let code = code_now(&app, &secret);
    let (a, b) = tokio::join!(code_step(&app, &first, &code), code_step(&app, &second, &code));
    let won = [&a, &b].iter().filter(|r| r.session_cookie().is_some()).count();
    assert_eq!(won, 1, "exactly one wins: {a:?} {b:?}");
    assert_eq!(sessions(&app).await, 1);
}

async fn five_wrong_codes_drop_the_pending_sign_in(app: TestApp) {
    let admin = app.register_admin().await;
    let (secret, _) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let right = code_now(&app, &secret);
    let wrong = if right == "123456" { "654321" } else { "123456" };
    for attempt in 1..=5 {
        let response = code_step(&app, &challenge, wrong).await;
        if attempt < 5 {
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "attempt {attempt}: {response:?}"
            );
        } else {
            assert_eq!(response.status, StatusCode::CONFLICT, "{response:?}");
            assert!(response.body.contains("Too many wrong codes"), "{}", response.body);
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_challenges").await, 0);
    // Even the right code is refused now: start again from the password.
    let response = code_step(&app, &challenge, &right).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.session_cookie().is_none());
    // The wrong codes counted toward the account's sign-in limit, with the wrong passwords.
    let hits = app
        .count("SELECT hits FROM attempt_limits WHERE scope = 'email' AND key = 'ada@example.com'")
        .await;
    assert_eq!(hits, 5);
    let failures = app
        .count(
            "SELECT COUNT(*) FROM activity_log WHERE action = 'auth.login_failed' AND details LIKE '%wrong 2FA code%'",
        )
        .await;
    assert_eq!(failures, 5);
}

async fn a_recovery_code_signs_in_once_and_regenerating_replaces_the_set(app: TestApp) {
    let admin = app.register_admin().await;
    let (secret, codes) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let typed = codes[3].to_lowercase().replace('-', " ");
    let response = code_step(&app, &challenge, &typed).await;
    assert!(response.session_cookie().is_some(), "{response:?}");
    let location = response.header("location").unwrap_or_default().to_string();
    assert!(location.contains("recovery_codes_left=9"), "{location}");
    let session = response.session_cookie().unwrap();
    let status = json(&app.call("two-factor/status", &[], Some(&session)).await.body);
    assert_eq!(status["recovery_codes_left"], 9);
    // The same recovery code once more: refused.
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        code_step(&app, &challenge, &codes[3]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mails = app
        .count("SELECT COUNT(*) FROM outbox WHERE subject = 'A recovery code was used to sign in'")
        .await;
    assert_eq!(mails, 1);
    // Regenerate needs the password and a current code; the old set stops working.
    let response = app
        .call(
            "two-factor/regenerate",
            &[("password", "wrong"), ("code", &code_now(&app, &secret))],
            Some(&session),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .call(
            "two-factor/regenerate",
            &[("password", ADMIN_PASSWORD), ("code", &code_now(&app, &secret))],
            Some(&session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let new_codes: Vec<String> = serde_json::from_str(&response.body).unwrap();
    assert_eq!(new_codes.len(), 10);
    let challenge = password_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        code_step(&app, &challenge, &codes[5]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(code_step(&app, &challenge, &new_codes[0])
        .await
        .session_cookie()
        .is_some());
    // Turning it off needs the password and a code too.
    app.state.clock.advance(30);
    let response = app
        .call(
            "two-factor/disable",
            &[("password", ADMIN_PASSWORD), ("code", "")],
            Some(&session),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .call(
            "two-factor/disable",
            &[("password", ADMIN_PASSWORD), ("code", &code_now(&app, &secret))],
            Some(&session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    let response = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(response.session_cookie().is_some(), "password alone signs in again");
}

async fn an_admin_disables_a_users_two_factor_only_with_their_own_password(app: TestApp) {
    let admin = app.register_admin().await;
    let bob = app.user_with_role(&admin, "bob@example.com", "analyst").await;
    enrol(&app, &bob, INVITEE_PASSWORD).await;
    let bob_id = app
        .count("SELECT id FROM users WHERE email = 'bob@example.com'")
        .await
        .to_string();
    let listed = json(&app.call("users/list", &[], Some(&admin)).await.body);
    let row = listed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bob@example.com")
        .unwrap()
        .clone();
    assert_eq!(row["two_factor"], true, "the list shows 2FA on");
    let sessions_before = app
        .count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bob_id}"))
        .await;
    assert!(sessions_before >= 1);
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &bob_id), ("password", "not the admin's password")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains("Nothing was changed"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bob_id}"))
            .await,
        sessions_before
    );
    let hits = app
        .count("SELECT hits FROM attempt_limits WHERE scope = 'email' AND key = 'ada@example.com'")
        .await;
    assert_eq!(hits, 1, "the wrong password counts toward the admin's own limit");
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &bob_id), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM recovery_codes WHERE user_id = {bob_id}"))
            .await,
        0
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bob_id}"))
            .await,
        0
    );
    assert_eq!(
        app.call("two-factor/status", &[], Some(&bob)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let entry = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.two_factor_disabled' AND actor_email = 'ada@example.com' AND object_name = 'Bob Builder'")
        .await;
    assert_eq!(entry, 1);
    let mail = app
        .count("SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' AND subject = 'An administrator turned off your two-factor authentication'")
        .await;
    assert_eq!(mail, 1);
    // Bob signs in with his password alone now; asking again is a clear conflict.
    assert!(app
        .login("bob@example.com", INVITEE_PASSWORD)
        .await
        .session_cookie()
        .is_some());
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &bob_id), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
}

async fn an_administrator_cannot_disable_a_global_administrators_two_factor(app: TestApp) {
    let global = app.register_admin().await;
    enrol(&app, &global, ADMIN_PASSWORD).await;
    let admin = app.user_with_role(&global, "bob@example.com", "admin").await;
    let ada_id = app
        .count("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await
        .to_string();
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &ada_id), ("password", INVITEE_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "{response:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL")
            .await,
        1
    );
    // And nobody uses the admin action on themselves.
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &ada_id), ("password", ADMIN_PASSWORD)],
            Some(&global),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE totp_enabled_at IS NOT NULL")
            .await,
        1
    );
}

async fn a_policy_confines_an_unenrolled_user_to_enrolment(app: TestApp) {
    let admin = app.register_admin().await;
    let bob = app.user_with_role(&admin, "bob@example.com", "read_only").await;
    let everyone = [("scope", "everyone"), ("grace_days", "0")];
    // Not while the admin has no 2FA themselves.
    let response = app.call("two-factor/save-policy", &everyone, Some(&admin)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains("your own account first"), "{}", response.body);
    let bad = app
        .call(
            "two-factor/save-policy",
            &[("scope", "everyone"), ("grace_days", "31")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    enrol(&app, &admin, ADMIN_PASSWORD).await;
    let response = app.call("two-factor/save-policy", &everyone, Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'settings.two_factor_policy_changed'")
            .await,
        1
    );
    // An existing session carries on; the next sign-in is confined.
    assert_eq!(app.call("users/list", &[], Some(&bob)).await.status, StatusCode::OK);
    let response = app.login("bob@example.com", INVITEE_PASSWORD).await;
    assert_eq!(response.header("location"), Some("/two-factor/setup"), "{response:?}");
    let confined = response.session_cookie().unwrap();
    let refused = app.call("users/list", &[], Some(&confined)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(refused.body.contains("Set up two-factor authentication first"));
    let home = app.get("/settings/users", Some(&confined)).await;
    assert_eq!(home.header("location"), Some("/two-factor/setup"), "{home:?}");
    // Enrolment works in that session, and then everything else does.
    enrol(&app, &confined, INVITEE_PASSWORD).await;
    assert_eq!(
        app.call("users/list", &[], Some(&confined)).await.status,
        StatusCode::OK
    );
    // Covered by the policy, Bob cannot turn 2FA off himself.
    let response = app
        .call(
            "two-factor/disable",
            &[("password", INVITEE_PASSWORD), ("code", "123456")],
            Some(&confined),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    // An admin's Disable 2FA under the policy: Bob must enrol again at his next sign-in, at once.
    let bob_id = app
        .count("SELECT id FROM users WHERE email = 'bob@example.com'")
        .await
        .to_string();
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &bob_id), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let response = app.login("bob@example.com", INVITEE_PASSWORD).await;
    assert_eq!(response.header("location"), Some("/two-factor/setup"));
    // A grace period lets a covered user without 2FA in, until it ends.
    let grace = [("scope", "everyone"), ("grace_days", "3")];
    assert_eq!(
        app.call("two-factor/save-policy", &grace, Some(&admin)).await.status,
        StatusCode::OK
    );
    let carol = app.user_with_role(&admin, "carol@example.com", "read_only").await;
    let _ = carol;
    let form = [("email", "carol@example.com"), ("password", INVITEE_PASSWORD)];
    let response = app.call("auth/login", &form, None).await;
    assert_ne!(response.header("location"), Some("/two-factor/setup"), "{response:?}");
    app.state.clock.advance(3 * 86_400);
    let response = app.call("auth/login", &form, None).await;
    assert_eq!(response.header("location"), Some("/two-factor/setup"), "{response:?}");
}

async fn the_users_list_filters_by_two_factor(app: TestApp) {
    let admin = app.register_admin().await;
    let bob = app.user_with_role(&admin, "bob@example.com", "analyst").await;
    app.user_with_role(&admin, "carol@example.com", "analyst").await;
    enrol(&app, &bob, INVITEE_PASSWORD).await;
    let emails = |body: &str| -> Vec<String> {
        json(body)["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    };
    let on = app.call("users/list", &[("two_factor", "on")], Some(&admin)).await;
    assert_eq!(emails(&on.body), ["bob@example.com"], "{}", on.body);
    assert_eq!(json(&on.body)["counts"]["active"], 1);
    let off = app.call("users/list", &[("two_factor", "off")], Some(&admin)).await;
    let mut off_emails = emails(&off.body);
    off_emails.sort();
    assert_eq!(off_emails, ["ada@example.com", "carol@example.com"]);
    // With a search: both conditions hold.
    for q in ["example", "bo", "carol"] {
        let page = app
            .call("users/list", &[("two_factor", "on"), ("q", q)], Some(&admin))
            .await;
        let expected: Vec<&str> = if q == "carol" { vec![] } else { vec!["bob@example.com"] };
        assert_eq!(emails(&page.body), expected, "q={q}: {}", page.body);
    }
    // An unknown filter value is a clear 4xx, not a server error.
    let bad = app
        .call("users/list", &[("two_factor", "sometimes")], Some(&admin))
        .await;
    assert!(bad.status.is_client_error(), "{bad:?}");
}
