//! "Forgot password?" end to end over HTTP: one answer for every email, links only for active
//! accounts, the hourly limit, newer links cancelling older ones, single use and expiry, what a
//! reset ends and clears, the 2FA code, and the email through a real SMTP server.

use crate::common::peers::MailSink;
use crate::common::{json, TestApp, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::recovery::{FORGOT_ANSWER, LINK_UNUSABLE};
use axum::http::StatusCode;

on_both_backends!(
    forgot_password_answers_alike_and_links_only_an_active_account,
    the_fourth_request_in_an_hour_creates_nothing,
    a_newer_link_cancels_the_older,
    a_used_or_an_expired_link_is_refused,
    a_reset_ends_sessions_and_clears_the_sign_in_counter,
    bad_input_changes_nothing_and_keeps_the_link,
    a_two_factor_account_needs_a_code,
    the_emailed_link_resets_the_password,
    the_pages_show_the_form_or_the_way_back,
);

const NEW_PASSWORD: &str = "a brand new passphrase";
const BOB: &str = "bob@example.com";

async fn forgot(app: &TestApp, email: &str) -> TestResponse {
    app.call("recovery/forgot", &[("email", email)], None).await
}

async fn reset(app: &TestApp, token: &str, password: &str, code: &str) -> TestResponse {
    let form = [
        ("token", token),
        ("password", password),
        ("password_confirm", password),
        ("code", code),
    ];
    app.call("recovery/reset", &form, None).await
}

/// Turns 2FA on for the session's user; returns the secret and the recovery codes (as
/// two_factor.rs does).
pub(crate) async fn enrol(app: &TestApp, session: &str, password: &str) -> (Vec<u8>, Vec<String>) {
    let start = app.call("two-factor/start", &[], Some(session)).await;
    assert_eq!(start.status, StatusCode::OK, "{start:?}");
    let key: String = json(&start.body)["key"].as_str().unwrap().split_whitespace().collect();
    let secret = app::two_factor::totp::from_base32(&key).expect("a base32 key");
    let code = app::two_factor::totp::code_at(&secret, app.state.clock.now());
    let form = [("code", code.as_str()), ("password", password)];
    let enable = app.call("two-factor/enable", &form, Some(session)).await;
    assert_eq!(enable.status, StatusCode::OK, "{enable:?}");
    let codes: Vec<String> = serde_json::from_str(&enable.body).unwrap();
    // The code that confirmed enrolment is used up: the next one is a step later.
    app.state.clock.advance(30);
    (secret, codes)
}

async fn links(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM password_resets").await
}

async fn reset_emails(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Reset your Roster password'")
        .await
}

/// The links queued for `email`, oldest first, as the email would carry them: the outbox keeps
/// each sealed with the instance key (the purpose is the outbox's own).
async fn queued_tokens(app: &TestApp, email: &str) -> Vec<String> {
    let sealed: Vec<String> = sqlx::query_scalar(
        "SELECT link_enc FROM outbox WHERE recipient = $1 AND subject = 'Reset your Roster password' ORDER BY id",
    )
    .bind(email)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    sealed
        .iter()
        .map(|s| {
            let link = app::crypto::open(app.state.config.key(), "outbox.link_enc", s).expect("a sealed link");
            assert!(link.starts_with("http://roster.test/reset-password/"), "{link}");
            link.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

async fn last_token(app: &TestApp, email: &str) -> String {
    queued_tokens(app, email).await.pop().expect("a reset link was queued")
}

async fn open(app: &TestApp, token: &str) -> serde_json::Value {
    let response = app.call("recovery/open", &[("token", token)], None).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)
}

fn assert_unusable(response: &TestResponse) {
    assert_eq!(response.status, StatusCode::CONFLICT, "{response:?}");
    assert!(response.body.contains(LINK_UNUSABLE), "{}", response.body);
}

/// The admin and Bob, an active Analyst who signed up through an invitation.
async fn admin_and_bob(app: &TestApp) -> (String, String) {
    let admin = app.register_admin().await;
    let bob = app.user_with_role(&admin, BOB, "analyst").await;
    (admin, bob)
}

async fn forgot_password_answers_alike_and_links_only_an_active_account(app: TestApp) {
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "carol@example.com", "analyst").await;
    app.execute("UPDATE users SET status = 'disabled' WHERE email = 'carol@example.com'")
        .await;
    let mut answers = Vec::new();
    for email in ["nobody@example.com", "carol@example.com", "Ada@Example.com"] {
        let started = std::time::Instant::now();
        let response = forgot(&app, email).await;
        // Every answer waits for the same floor, so the writes for a real account do not show.
        assert!(started.elapsed() >= std::time::Duration::from_millis(390), "{email}");
        answers.push((response.status, response.body));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::OK);
    assert_eq!(json(&answers[0].1), FORGOT_ANSWER);
    assert_eq!(links(&app).await, 1, "a link only for the active account");
    assert_eq!(reset_emails(&app).await, 1);
    let recipient: String =
        sqlx::query_scalar("SELECT recipient FROM outbox WHERE subject = 'Reset your Roster password'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(recipient, ADMIN_EMAIL);
    // Neither the outbox nor the activity log holds a working link or token.
    let token = last_token(&app, ADMIN_EMAIL).await;
    let stored: String =
        sqlx::query_scalar("SELECT body_text || body_html FROM outbox WHERE subject = 'Reset your Roster password'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(!stored.contains(&token) && stored.contains(app::mail::outbox::LINK_PLACEHOLDER));
    let logged: String =
        sqlx::query_scalar("SELECT details FROM activity_log WHERE action = 'auth.password_reset_requested'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(!logged.contains(&token), "{logged}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.password_reset_requested'")
            .await,
        1
    );
    // A malformed email is plain bad input.
    let response = forgot(&app, "not an email").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
}

async fn the_fourth_request_in_an_hour_creates_nothing(app: TestApp) {
    app.register_admin().await;
    for _ in 0..3 {
        assert_eq!(forgot(&app, ADMIN_EMAIL).await.status, StatusCode::OK);
    }
    assert_eq!((links(&app).await, reset_emails(&app).await), (3, 3));
    let fourth = forgot(&app, ADMIN_EMAIL).await;
    assert_eq!(fourth.status, StatusCode::OK);
    assert_eq!(json(&fourth.body), FORGOT_ANSWER, "the same answer");
    assert_eq!((links(&app).await, reset_emails(&app).await), (3, 3), "nothing more");
    // The newest link still works; an hour later a new one can be asked for.
    let token = last_token(&app, ADMIN_EMAIL).await;
    assert!(open(&app, &token).await.get("Valid").is_some());
    app.state.clock.advance(3601);
    forgot(&app, ADMIN_EMAIL).await;
    assert_eq!(links(&app).await, 4);
}

async fn a_newer_link_cancels_the_older(app: TestApp) {
    app.register_admin().await;
    forgot(&app, ADMIN_EMAIL).await;
    forgot(&app, ADMIN_EMAIL).await;
    let tokens = queued_tokens(&app, ADMIN_EMAIL).await;
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(open(&app, &tokens[0]).await, "Unusable");
    assert_unusable(&reset(&app, &tokens[0], NEW_PASSWORD, "").await);
    assert_eq!(
        open(&app, &tokens[1]).await["Valid"],
        serde_json::json!({ "email": ADMIN_EMAIL, "two_factor": false })
    );
    let response = reset(&app, &tokens[1], NEW_PASSWORD, "").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
}

async fn a_used_or_an_expired_link_is_refused(app: TestApp) {
    app.register_admin().await;
    forgot(&app, ADMIN_EMAIL).await;
    let token = last_token(&app, ADMIN_EMAIL).await;
    assert_eq!(reset(&app, &token, NEW_PASSWORD, "").await.status, StatusCode::OK);
    assert_eq!(open(&app, &token).await, "Unusable");
    assert_unusable(&reset(&app, &token, "yet another passphrase", "").await);
    assert!(app.login(ADMIN_EMAIL, NEW_PASSWORD).await.session_cookie().is_some());

    forgot(&app, ADMIN_EMAIL).await;
    let token = last_token(&app, ADMIN_EMAIL).await;
    app.state.clock.advance(31 * 60);
    assert_eq!(open(&app, &token).await, "Unusable");
    assert_unusable(&reset(&app, &token, "yet another passphrase", "").await);
    assert!(app.login(ADMIN_EMAIL, NEW_PASSWORD).await.session_cookie().is_some());
    assert_unusable(&reset(&app, "no-such-token", NEW_PASSWORD, "").await);

    // A day after expiry the prune worker's round removes the rows.
    assert_eq!(links(&app).await, 2);
    app.state.clock.advance(24 * 3600);
    assert_eq!(app::recovery::service::prune(&app.state).await.unwrap(), 2);
    assert_eq!(links(&app).await, 0);
}

async fn a_reset_ends_sessions_and_clears_the_sign_in_counter(app: TestApp) {
    let (_admin, bob) = admin_and_bob(&app).await;
    assert!(app
        .login(BOB, crate::common::INVITEE_PASSWORD)
        .await
        .session_cookie()
        .is_some());
    let bob_sessions =
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'bob@example.com'";
    assert_eq!(app.count(bob_sessions).await, 2);
    // Someone guesses Bob's password until sign-in is refused for his email.
    for _ in 0..11 {
        app.login(BOB, "a wrong guess of a password").await;
    }
    let locked = app.login(BOB, crate::common::INVITEE_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY, "{locked:?}");
    assert!(locked.session_cookie().is_none(), "{locked:?}");

    forgot(&app, BOB).await;
    let token = last_token(&app, BOB).await;
    let response = reset(&app, &token, NEW_PASSWORD, "").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(response.session_cookie(), None, "no sign-in follows a reset");
    assert_eq!(app.count(bob_sessions).await, 0, "every session ended");
    let me = app.call("auth/viewer", &[], Some(&bob)).await;
    assert!(!me.body.contains("SignedIn"), "{}", me.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attempt_limits WHERE scope = 'email' AND key = 'bob@example.com'")
            .await,
        0,
        "the sign-in counter is cleared"
    );
    let old = app.login(BOB, crate::common::INVITEE_PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY, "{old:?}");
    assert!(app.login(BOB, NEW_PASSWORD).await.session_cookie().is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' AND subject = 'Your Roster password was changed'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.password_reset' AND actor_email = 'bob@example.com' AND outcome = 'success'")
            .await,
        1
    );
}

async fn bad_input_changes_nothing_and_keeps_the_link(app: TestApp) {
    app.register_admin().await;
    forgot(&app, ADMIN_EMAIL).await;
    let token = last_token(&app, ADMIN_EMAIL).await;
    let mismatched = [
        ("token", token.as_str()),
        ("password", NEW_PASSWORD),
        ("password_confirm", "something else entirely"),
    ];
    let response = app.call("recovery/reset", &mismatched, None).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains("password_confirm"), "{}", response.body);
    let weak = reset(&app, &token, "short", "").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak:?}");
    assert!(weak.body.contains("at least 12"), "{}", weak.body);
    assert!(open(&app, &token).await.get("Valid").is_some(), "the link still works");
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_some());
}

async fn a_two_factor_account_needs_a_code(app: TestApp) {
    let admin = app.register_admin().await;
    let (secret, recovery_codes) = enrol(&app, &admin, ADMIN_PASSWORD).await;
    forgot(&app, ADMIN_EMAIL).await;
    let token = last_token(&app, ADMIN_EMAIL).await;
    assert_eq!(open(&app, &token).await["Valid"]["two_factor"], true);

    let missing = reset(&app, &token, NEW_PASSWORD, "").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{missing:?}");
    assert!(missing.body.contains("\"code\""), "{}", missing.body);

    let counted = "SELECT COALESCE(MAX(hits), 0) FROM attempt_limits WHERE scope = 'email' AND key = 'ada@example.com'";
    let before = app.count(counted).await;
    let right = app::two_factor::totp::code_at(&secret, app.state.clock.now());
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let response = reset(&app, &token, NEW_PASSWORD, wrong).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(response.body.contains("That code is not right"), "{}", response.body);
    assert_eq!(
        app.count(counted).await,
        before + 1,
        "a wrong code counts toward the limit"
    );
    assert!(open(&app, &token).await.get("Valid").is_some(), "the link still works");
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status.is_success());

    let response = reset(&app, &token, NEW_PASSWORD, &right).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(app.count(counted).await, 0, "and the counter is cleared by the reset");
    // 2FA stays on: signing in with the new password asks for a code.
    let login = app.login(ADMIN_EMAIL, NEW_PASSWORD).await;
    assert!(login.session_cookie().is_none(), "{login:?}");

    // A recovery code works too, once.
    forgot(&app, ADMIN_EMAIL).await;
    let token = last_token(&app, ADMIN_EMAIL).await;
    let response = reset(&app, &token, ADMIN_PASSWORD, &recovery_codes[0]).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NOT NULL")
            .await,
        1
    );
}

async fn configure_mail(app: &TestApp, admin: &str, sink: &MailSink) {
    let fields = sink.settings_form();
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("current_password", ADMIN_PASSWORD));
    let response = app.call("mail/save", &form, Some(admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
}

async fn the_emailed_link_resets_the_password(app: TestApp) {
    let (admin, _bob) = admin_and_bob(&app).await;
    let sink = MailSink::start().await;
    configure_mail(&app, &admin, &sink).await;
    forgot(&app, "Bob@Example.com").await;
    let email = sink.wait_for_subject(BOB, "Reset your Roster password").await;
    let link = email.invite_link();
    assert!(link.starts_with("http://roster.test/reset-password/"), "{link}");
    assert!(email.html.contains(&link), "the HTML part carries the link too");
    assert!(email.text.contains("30 minutes"));

    let path = link.trim_start_matches("http://roster.test");
    let page = app.get(path, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Choose a new password") && page.body.contains("New password"));
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(reset(&app, token, NEW_PASSWORD, "").await.status, StatusCode::OK);
    assert!(app.login(BOB, NEW_PASSWORD).await.session_cookie().is_some());
    sink.wait_for_subject(BOB, "Your Roster password was changed").await;
    let page = app.get(path, None).await;
    assert!(page.body.contains(LINK_UNUSABLE), "{}", page.body);
}

async fn the_pages_show_the_form_or_the_way_back(app: TestApp) {
    app.register_admin().await;
    let login = app.get("/login", None).await;
    assert!(login.body.contains("href=\"/forgot-password\""), "{}", login.body);
    let page = app.get("/forgot-password", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Send reset link"));
    let page = app.get("/reset-password/not-a-token", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(LINK_UNUSABLE) && page.body.contains("Ask for a new link"));
}
