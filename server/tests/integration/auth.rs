//! Setup, login, sessions and logout through the real router, on SQLite and PostgreSQL.

use crate::common::{admin_form, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use axum::http::StatusCode;

on_both_backends!(
    everything_leads_to_setup_until_registered,
    registration_creates_a_signed_in_global_admin,
    registration_reports_every_bad_field_and_changes_nothing,
    registration_race_yields_exactly_one_user,
    setup_is_gone_once_registered,
    login_with_right_and_wrong_credentials,
    logout_ends_the_session,
    disabled_user_cannot_sign_in_and_is_bounced,
    idle_and_absolute_timeouts_end_sessions,
    repeated_failures_are_rate_limited,
    cross_origin_posts_are_refused,
    anonymous_visitor_is_sent_to_login_and_back,
    changing_your_password_needs_the_current_one_and_ends_other_sessions,
    the_page_embeds_the_viewer_for_hydration,
    anyone_signed_in_edits_their_own_name,
);

async fn everything_leads_to_setup_until_registered(app: TestApp) {
    for path in ["/", "/login", "/settings/users", "/profile"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, StatusCode::FOUND, "{path}");
        assert_eq!(response.header("location"), Some("/setup"), "{path}");
    }
    let setup = app.get("/setup", None).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("Welcome to Roster"));
    // The console URL is prefilled from the request.
    assert!(setup.body.contains("http://roster.test"), "console URL prefilled");
}

async fn registration_creates_a_signed_in_global_admin(app: TestApp) {
    let response = app.call("auth/setup", &admin_form(), None).await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{response:?}"
    );
    let cookie = response.session_set_cookie().expect("session cookie set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age=43200"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-http console gets no Secure flag: {cookie}"
    );
    let token = response.session_cookie().unwrap();

    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'ada@example.com' AND role = 'global_admin'")
            .await,
        1
    );
    // The token is stored only as a hash.
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"))
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM activity_log WHERE action = 'setup.first_admin_registered' AND outcome = 'success'"
        )
        .await,
        1
    );

    let home = app.get("/", Some(&token)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Welcome, Ada"), "{}", home.body);
    assert!(home.body.contains("Global Administrator"));
    assert!(
        home.body.contains("User Management"),
        "settings menu shown to a global admin"
    );
}

async fn registration_reports_every_bad_field_and_changes_nothing(app: TestApp) {
    let form = [
        ("first_name", " "),
        ("last_name", "Lovelace"),
        ("email", "not-an-email"),
        ("password", "short"),
        ("password_confirm", "short"),
        ("console_url", "roster.example.com"),
    ];
    let response = app.call("auth/setup", &form, None).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    for message in [
        "First name is required.",
        "Enter an email address",
        "at least 12 characters",
        "must start with http",
    ] {
        assert!(
            response.body.contains(message),
            "missing {message:?} in {}",
            response.body
        );
    }
    assert!(response.session_set_cookie().is_none());

    let mismatch = [
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("email", ADMIN_EMAIL),
        ("password", ADMIN_PASSWORD),
        ("password_confirm", "something else entirely"),
        ("console_url", "http://roster.test"),
    ];
    let response = app.call("auth/setup", &mismatch, None).await;
    assert!(
        response.body.contains("The passwords do not match."),
        "{}",
        response.body
    );
    let common = [("password", "Password1234"), ("password_confirm", "Password1234")];
    let mut form = admin_form();
    form.retain(|(k, _)| !k.starts_with("password"));
    form.extend(common);
    let response = app.call("auth/setup", &form, None).await;
    assert!(response.body.contains("too common"), "{}", response.body);

    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM instance_setup").await, 0);
    assert_eq!(app.get("/", None).await.header("location"), Some("/setup"));
}

async fn registration_race_yields_exactly_one_user(app: TestApp) {
    let emails: Vec<String> = (0..8).map(|i| format!("racer{i}@example.com")).collect();
    let calls = emails.iter().map(|email| {
        let mut form = admin_form();
        form.retain(|(k, _)| *k != "email");
        let app = &app;
        async move {
            let mut owned: Vec<(&str, &str)> = form;
            owned.push(("email", email.as_str()));
            app.call("auth/setup", &owned, None).await
        }
    });
    let responses = futures::future::join_all(calls).await;
    let winners = responses.iter().filter(|r| r.session_cookie().is_some()).count();
    assert_eq!(winners, 1, "exactly one registration wins: {responses:?}");
    for loser in responses.iter().filter(|r| r.session_cookie().is_none()) {
        assert_eq!(loser.status, StatusCode::CONFLICT, "{loser:?}");
        assert!(loser.body.contains("already set up"), "{}", loser.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

async fn setup_is_gone_once_registered(app: TestApp) {
    app.register_admin().await;
    let page = app.get("/setup", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Sign in"),
        "setup shows the login page: {}",
        page.body
    );
    assert!(!page.body.contains("Welcome to Roster"));
    let mut form = admin_form();
    form.retain(|(k, _)| *k != "email");
    form.push(("email", "mallory@example.com"));
    let again = app.call("auth/setup", &form, None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.session_set_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

async fn login_with_right_and_wrong_credentials(app: TestApp) {
    app.register_admin().await;
    let wrong_password = app.login(ADMIN_EMAIL, "not the password at all").await;
    let unknown_email = app.login("nobody@example.com", ADMIN_PASSWORD).await;
    for response in [&wrong_password, &unknown_email] {
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.body.contains("Wrong email or password."), "{}", response.body);
        assert!(response.session_set_cookie().is_none());
    }
    assert_eq!(wrong_password.body, unknown_email.body, "same message either way");

    let ok = app.login("  ADA@example.com ", ADMIN_PASSWORD).await;
    let token = ok.session_cookie().expect("signed in, email case-insensitive");
    let second = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    assert_ne!(token, second, "a new session on every login");
    assert_eq!(app.get("/", Some(&token)).await.status, StatusCode::OK);

    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.login_failed' AND outcome = 'failure'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.login' AND outcome = 'success'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE last_login_at IS NOT NULL")
            .await,
        1
    );
}

async fn logout_ends_the_session(app: TestApp) {
    let token = app.register_admin().await;
    let response = app.call("auth/logout", &[], Some(&token)).await;
    let cookie = response.session_set_cookie().expect("cookie cleared");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    let after = app.get("/", Some(&token)).await;
    assert_eq!(after.status, StatusCode::FOUND);
    assert!(after.header("location").unwrap().starts_with("/login"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.logout'")
            .await,
        1
    );
}

async fn disabled_user_cannot_sign_in_and_is_bounced(app: TestApp) {
    let token = app.register_admin().await;
    app.execute("UPDATE users SET status = 'disabled'").await;
    let page = app.get("/settings/users", Some(&token)).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.header("location"),
        Some("/login?next=/settings/users&reason=disabled")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0, "session ended");
    // The right password of a disabled account gets the very refusal a wrong one gets: a
    // different answer would confirm a guessed password.
    let right = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let wrong = app.login(ADMIN_EMAIL, "not the password at all").await;
    for login in [&right, &wrong] {
        assert_eq!(login.status, StatusCode::UNPROCESSABLE_ENTITY, "{login:?}");
        assert!(login.body.contains("Wrong email or password."), "{}", login.body);
        assert!(login.session_set_cookie().is_none());
    }
    assert_eq!(right.body, wrong.body);
    assert!(!right.body.contains("AccessDisabled"));
}

async fn idle_and_absolute_timeouts_end_sessions(app: TestApp) {
    let token = app.register_admin().await;
    app.state.clock.advance(29 * 60);
    assert_eq!(
        app.get("/", Some(&token)).await.status,
        StatusCode::OK,
        "still active at 29 minutes"
    );
    app.state.clock.advance(31 * 60);
    let idle = app.get("/", Some(&token)).await;
    assert_eq!(idle.header("location"), Some("/login?next=/&reason=idle"));

    // Absolute limit: stay active every 20 minutes, still ends after 12 hours.
    let token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    for _ in 0..35 {
        app.state.clock.advance(20 * 60);
        assert_eq!(app.get("/", Some(&token)).await.status, StatusCode::OK);
    }
    app.state.clock.advance(20 * 60);
    let expired = app.get("/", Some(&token)).await;
    assert_eq!(expired.header("location"), Some("/login?next=/&reason=expired"));
}

async fn repeated_failures_are_rate_limited(app: TestApp) {
    app.register_admin().await;
    for _ in 0..10 {
        assert_eq!(
            app.login(ADMIN_EMAIL, "wrong password guess").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // Refused in the words of a wrong password: the attacker learns nothing.
    let limited = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(limited.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        limited.body.contains(app::auth::service::WRONG_CREDENTIALS),
        "{}",
        limited.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_history WHERE outcome = 'rate_limited'")
            .await,
        1
    );
    assert!(limited.session_set_cookie().is_none());
    app.state.clock.advance(16 * 60);
    assert!(
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_some(),
        "window passed"
    );
}

async fn cross_origin_posts_are_refused(app: TestApp) {
    app.register_admin().await;
    let form = [("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)];
    let evil = app
        .call_with_origin("auth/login", &form, None, Some("https://evil.example"))
        .await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    assert!(evil.session_set_cookie().is_none());
    let null_origin = app.call_with_origin("auth/login", &form, None, Some("null")).await;
    assert_eq!(null_origin.status, StatusCode::FORBIDDEN);

    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header("host", crate::common::HOST)
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "email=ada%40example.com&password=correct+horse+battery+staple",
        ))
        .unwrap();
    assert_eq!(app.request(request).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attempt_limits").await,
        0,
        "refused before reaching the function"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        1,
        "only the setup session"
    );

    let same = app.call("auth/login", &form, None).await;
    assert!(same.session_cookie().is_some());
}

async fn anonymous_visitor_is_sent_to_login_and_back(app: TestApp) {
    app.register_admin().await;
    let page = app.get("/settings/activity?x=1", None).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.header("location"), Some("/login?next=/settings/activity%3Fx%3D1"));
    let response = app
        .call(
            "auth/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "/settings/activity?x=1"),
            ],
            None,
        )
        .await;
    assert_eq!(
        response.header("location"),
        Some("/settings/activity?x=1"),
        "{response:?}"
    );
    let hostile = app
        .call(
            "auth/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "//evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(hostile.header("location"), Some("/"));
}

async fn changing_your_password_needs_the_current_one_and_ends_other_sessions(app: TestApp) {
    let here = app.register_admin().await;
    let elsewhere = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    let new_password = "a brand new passphrase";

    let wrong = [
        ("current_password", "not my password at all"),
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    let response = app.call("auth/password", &wrong, Some(&here)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{response:?}");
    assert!(
        response.body.contains("Your current password is not right."),
        "{}",
        response.body
    );

    let weak = [
        ("current_password", ADMIN_PASSWORD),
        ("password", "short"),
        ("password_confirm", "short"),
    ];
    let response = app.call("auth/password", &weak, Some(&here)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("at least 12 characters"), "{}", response.body);
    // Nothing changed: the old password still signs in.
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_some());

    let right = [
        ("current_password", ADMIN_PASSWORD),
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    let response = app.call("auth/password", &right, Some(&here)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    // The two other sessions (the second sign-in and the check above) ended; this one is
    // renewed: the browser gets a fresh cookie and the old token is worth nothing.
    assert_eq!(response.body.trim(), "2");
    let renewed = response.session_cookie().expect("a fresh session cookie");
    assert_ne!(renewed, here);
    for old in [&elsewhere, &here] {
        assert_eq!(
            app.call("users/list", &[], Some(old)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.call("users/list", &[], Some(&renewed)).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_none());
    assert!(app.login(ADMIN_EMAIL, new_password).await.session_cookie().is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'auth.password_changed'")
            .await,
        1
    );
    assert_eq!(
        app.call("auth/password", &right, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn the_page_embeds_the_viewer_for_hydration(app: TestApp) {
    let session = app.register_admin().await;
    let page = app.get("/profile", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find(r#"id="roster-viewer""#).expect("viewer data block");
    let block = &page.body[start..];
    let json = &block[block.find('>').unwrap() + 1..block.find("</script>").unwrap()];
    let viewer: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(viewer["Ok"]["SignedIn"]["email"], "ada@example.com", "{json}");
    // A name cannot close the data block early.
    app.execute("UPDATE users SET first_name = '</script><script>alert(1)</script>'")
        .await;
    let page = app.get("/profile", Some(&session)).await;
    assert!(
        !page.body.contains("</script><script>alert(1)"),
        "escaped in the data block"
    );
}

async fn anyone_signed_in_edits_their_own_name(app: TestApp) {
    let admin = app.register_admin().await;
    let analyst = app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let response = app
        .call(
            "auth/profile",
            &[("first_name", " Annie "), ("last_name", "Easley")],
            Some(&analyst),
        )
        .await;
    assert!(
        response.status.is_success() || response.status.is_redirection(),
        "{response:?}"
    );
    let page = app.get("/profile", Some(&analyst)).await;
    assert!(page.body.contains("Annie Easley"), "the profile shows the new name");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'user.updated' AND details LIKE '%Annie%'")
            .await,
        1
    );
    let response = app
        .call(
            "auth/profile",
            &[("first_name", ""), ("last_name", "Easley")],
            Some(&analyst),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("First name is required."), "{}", response.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE first_name = 'Annie'").await,
        1,
        "nothing changed"
    );
}
