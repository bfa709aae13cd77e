//! The outside security review's findings, each as a test that failed before its fix: the mail
//! endpoint, stored secrets, sign-in limits, effective permissions of targets, invitations
//! that outlive their sender's authority, unbounded rows from refused sign-ins, live links in
//! the outbox, test-email limits, secrets in `Debug`, and session cookies. SQLite and PostgreSQL.

use crate::common::peers::{MailSink, MotoSes};
use crate::common::{json, Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, INVITEE_PASSWORD};
use axum::http::StatusCode;

on_both_backends!(
    only_a_global_admin_changes_the_mailer_with_their_password_and_every_global_admin_is_told,
    a_saved_secret_is_never_sent_to_another_endpoint,
    parallel_wrong_passwords_each_use_up_an_attempt_before_any_hashing,
    guards_see_global_admin_rights_that_come_from_a_group,
    invitations_end_with_their_senders_authority,
    refused_sign_ins_are_summed_not_logged_one_by_one_and_old_windows_are_pruned,
    queued_invitation_emails_hold_no_working_link,
    test_emails_are_limited_and_logged,
);

fn with(fields: &[(&'static str, String)], extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut all = fields.to_vec();
    all.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    all
}

async fn call(
    app: &TestApp,
    endpoint: &str,
    fields: &[(&'static str, String)],
    session: &str,
) -> crate::common::TestResponse {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call(endpoint, &form, Some(session)).await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.count(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .to_string()
}

fn field_errors(body: &str) -> Vec<String> {
    json(body)["Invalid"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn only_a_global_admin_changes_the_mailer_with_their_password_and_every_global_admin_is_told(app: TestApp) {
    let admin = app.register_admin().await;
    let old_route = MailSink::start().await;
    let new_route = MailSink::start().await;
    let first = with(&old_route.settings_form(), &[("current_password", ADMIN_PASSWORD)]);
    assert_eq!(call(&app, "mail/save", &first, &admin).await.status, StatusCode::OK);
    let second_ga = app.user_with_role(&admin, "grace@example.com", "global_admin").await;
    let administrator = app.user_with_role(&admin, "adm@example.com", "admin").await;
    let moved = new_route.settings_form();

    // An Administrator cannot point the mailer anywhere, whatever they send.
    let by_admin = with(&moved, &[("current_password", INVITEE_PASSWORD)]);
    assert_eq!(
        call(&app, "mail/save", &by_admin, &administrator).await.status,
        StatusCode::FORBIDDEN
    );
    // A Global Administrator must confirm with their own password.
    let missing = call(&app, "mail/save", &moved, &admin).await;
    assert_eq!(field_errors(&missing.body), ["current_password"], "{missing:?}");
    let wrong = call(
        &app,
        "mail/save",
        &with(&moved, &[("current_password", "not my password")]),
        &admin,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Your password is not right."), "{}", wrong.body);
    let port: i64 = sqlx::query_scalar("SELECT port FROM email_config")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(port, i64::from(old_route.port), "nothing changed");

    let saved = call(
        &app,
        "mail/save",
        &with(&moved, &[("current_password", ADMIN_PASSWORD)]),
        &admin,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    // Both Global Administrators hear of it through the route mail took before the change.
    // (The old route also carried the two new users' "account ready" emails.)
    let notices: Vec<_> = old_route
        .wait_for(4)
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Roster's email configuration was changed"))
        .collect();
    let mut told: Vec<&str> = notices.iter().map(|m| m.to.as_str()).collect();
    told.sort();
    assert_eq!(told, [ADMIN_EMAIL, "grace@example.com"]);
    for notice in &notices {
        assert_eq!(
            notice.subject,
            "Roster's email configuration was changed by Ada Lovelace"
        );
        assert!(
            notice.text.contains("Ada Lovelace <ada@example.com>"),
            "{}",
            notice.text
        );
        assert!(
            notice.text.contains(&format!("127.0.0.1:{}", new_route.port)),
            "{}",
            notice.text
        );
        assert!(
            notice.text.contains(&format!("127.0.0.1:{}", old_route.port)),
            "{}",
            notice.text
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(new_route.messages().is_empty(), "the new route carries no notice");
    drop(second_ga);
}

async fn a_saved_secret_is_never_sent_to_another_endpoint(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    let smtp = with(
        &sink.settings_form(),
        &[
            ("username", "mailer"),
            ("secret", "s3cret-smtp-password"),
            ("current_password", ADMIN_PASSWORD),
        ],
    );
    assert_eq!(call(&app, "mail/save", &smtp, &admin).await.status, StatusCode::OK);

    // A listener that would receive AUTH PLAIN: the test must never connect to it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap = listener.local_addr().unwrap().port().to_string();
    let emptied: Vec<_> = smtp
        .iter()
        .filter(|(k, _)| *k != "secret")
        .map(|(k, v)| (*k, if *k == "port" { trap.clone() } else { v.clone() }))
        .collect();
    let test = call(&app, "mail/test", &emptied, &admin).await;
    assert_eq!(field_errors(&test.body), ["secret"], "{test:?}");
    assert!(
        test.body.contains("enter the password for this user name again"),
        "{}",
        test.body
    );
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(500), listener.accept()).await;
    assert!(accepted.is_err(), "nothing connected to the other port");

    // Saving a changed endpoint without the secret is refused too, and keeps what was saved.
    let saved = call(&app, "mail/save", &emptied, &admin).await;
    assert_eq!(field_errors(&saved.body), ["secret"], "{saved:?}");
    for (field, value) in [("host", "localhost"), ("security", "tls"), ("username", "other")] {
        let changed: Vec<_> = smtp
            .iter()
            .filter(|(k, _)| *k != "secret")
            .map(|(k, v)| (*k, if *k == field { value.to_string() } else { v.clone() }))
            .collect();
        let response = call(&app, "mail/save", &changed, &admin).await;
        assert_eq!(field_errors(&response.body), ["secret"], "{field}: {response:?}");
    }
    let port: i64 = sqlx::query_scalar("SELECT port FROM email_config")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(port, i64::from(sink.port));
    // The same endpoint keeps its secret.
    let same: Vec<_> = smtp.iter().filter(|(k, _)| *k != "secret").cloned().collect();
    assert_eq!(call(&app, "mail/save", &same, &admin).await.status, StatusCode::OK);

    // SES: a new region or endpoint needs the secret key again.
    let ses = MotoSes::start().await;
    let ses_form = with(&ses.settings_form(), &[("current_password", ADMIN_PASSWORD)]);
    assert_eq!(call(&app, "mail/save", &ses_form, &admin).await.status, StatusCode::OK);
    let mut moved: Vec<_> = ses_form.iter().filter(|(k, _)| *k != "secret").cloned().collect();
    for (key, value) in moved.iter_mut() {
        if *key == "aws_region" {
            *value = "us-east-1".into();
        }
    }
    let response = call(&app, "mail/test", &moved, &admin).await;
    assert_eq!(field_errors(&response.body), ["secret"], "{response:?}");
}

async fn parallel_wrong_passwords_each_use_up_an_attempt_before_any_hashing(app: TestApp) {
    app.register_admin().await;
    let attempts = (0..30).map(|_| app.login(ADMIN_EMAIL, "a wrong password, in parallel"));
    let responses = futures::future::join_all(attempts).await;
    // Every answer is the same refusal; the history tells the checked ones from the refused.
    assert!(responses.iter().all(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY));
    let outcome = "SELECT COUNT(*) FROM sign_in_history WHERE outcome =";
    assert_eq!(
        app.count(&format!("{outcome} 'wrong_password'")).await,
        10,
        "at most the limit is verified"
    );
    assert_eq!(
        app.count(&format!("{outcome} 'rate_limited'")).await,
        1,
        "the rest were refused, the first one written"
    );
    // The right password is refused too until the window passes.
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_none());
}

async fn guards_see_global_admin_rights_that_come_from_a_group(app: TestApp) {
    let admin = app.register_admin().await;
    let administrator = app.user_with_role(&admin, "adm@example.com", "admin").await;
    app.user_with_role(&admin, "hidden@example.com", "read_only").await;
    let hidden = user_id(&app, "hidden@example.com").await;
    let group = |name: &str, role: &str| {
        vec![
            ("name", name.to_string()),
            ("description", String::new()),
            ("role", role.to_string()),
        ]
    };
    let supers = json(
        &call(&app, "groups/create", &group("Supers", "global_admin"), &admin)
            .await
            .body,
    );
    let plain = json(
        &call(&app, "groups/create", &group("Plain", "analyst"), &admin)
            .await
            .body,
    );
    let (supers, plain) = (supers.to_string(), plain.to_string());
    for group_id in [&supers, &plain] {
        let add = [("group_id", group_id.clone()), ("user_id", hidden.clone())];
        assert_eq!(
            call(&app, "groups/add_member", &add, &admin).await.status,
            StatusCode::OK
        );
    }
    let me = |id: &str, extra: &[(&'static str, &str)]| with(&[("user_id", id.to_string())], extra);
    for (endpoint, form) in [
        ("users/disable", me(&hidden, &[])),
        ("users/delete", me(&hidden, &[])),
        ("users/change_role", me(&hidden, &[("role", "analyst")])),
        (
            "users/update_name",
            me(&hidden, &[("first_name", "X"), ("last_name", "Y")]),
        ),
        (
            "groups/remove_member",
            vec![("group_id", plain.clone()), ("user_id", hidden.clone())],
        ),
    ] {
        let response = call(&app, endpoint, &form, &administrator).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{endpoint}: {response:?}");
    }
    let bulk = call(
        &app,
        "users/bulk",
        &[("action", "disable".into()), ("user_ids", hidden.clone())],
        &administrator,
    )
    .await;
    assert_eq!(json(&bulk.body)["done"], 0, "{bulk:?}");
    let third = json(
        &call(&app, "groups/create", &group("Third", "read_only"), &admin)
            .await
            .body,
    )
    .to_string();
    let add = [("group_id", third), ("user_id", hidden.clone())];
    assert_eq!(
        call(&app, "groups/add_member", &add, &administrator).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'hidden@example.com' AND status = 'active' AND role = 'read_only'")
            .await,
        1,
        "nothing changed"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM group_members").await, 2);
}

/// An invite link made by `session` for `email` with `role`; returns its token.
async fn invite_link(app: &TestApp, session: &str, email: &str, role: &str) -> String {
    let response = app
        .call(
            "invites/create",
            &[("email", email), ("role", role), ("lifetime", "24h")],
            Some(session),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

async fn invitations_end_with_their_senders_authority(app: TestApp) {
    let admin = app.register_admin().await;
    // Disabled: everything they sent is revoked, and the Pending tab says why.
    let administrator = app.user_with_role(&admin, "adm@example.com", "admin").await;
    let carol = invite_link(&app, &administrator, "carol@example.com", "analyst").await;
    let adm = user_id(&app, "adm@example.com").await;
    assert_eq!(
        app.call("users/disable", &[("user_id", &adm)], Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.open_invite(&carol).await["Invalid"], "Revoked");
    assert_eq!(app.signup(&carol).await.status, StatusCode::CONFLICT);
    let pending = json(&app.call("invites/pending", &[], Some(&admin)).await.body);
    let row = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == "carol@example.com")
        .expect("listed");
    assert!(row["revoked"].as_str().unwrap().contains("was disabled"), "{row}");

    // Demoted from Global Administrator: their Global Administrator invitations go, others stay.
    let grace = app.user_with_role(&admin, "grace@example.com", "global_admin").await;
    let dave = invite_link(&app, &grace, "dave@example.com", "global_admin").await;
    let erin = invite_link(&app, &grace, "erin@example.com", "analyst").await;
    let grace_id = user_id(&app, "grace@example.com").await;
    let demote = [("user_id", grace_id.as_str()), ("role", "admin")];
    assert_eq!(
        app.call("users/change_role", &demote, Some(&admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.open_invite(&dave).await["Invalid"], "Revoked");
    assert_eq!(app.open_invite(&erin).await["Valid"]["email"], "erin@example.com");

    // Authority through a group that is then deleted: no revocation ran, the signup refuses.
    let helper = app.user_with_role(&admin, "helper@example.com", "api_developer").await;
    let helper_id = user_id(&app, "helper@example.com").await;
    let group = [("name", "Helpers"), ("description", ""), ("role", "admin")];
    let group_id = json(&app.call("groups/create", &group, Some(&admin)).await.body).to_string();
    let add = [("group_id", group_id.as_str()), ("user_id", helper_id.as_str())];
    assert_eq!(
        app.call("groups/add_member", &add, Some(&admin)).await.status,
        StatusCode::OK
    );
    let frank = invite_link(&app, &helper, "frank@example.com", "analyst").await;
    assert_eq!(
        app.call("groups/delete", &[("group_id", &group_id)], Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.open_invite(&frank).await["Invalid"], "SenderLostAuthority");
    let refused = app.signup(&frank).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("can no longer invite you"), "{}", refused.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'frank@example.com'")
            .await,
        0
    );
}

async fn refused_sign_ins_are_summed_not_logged_one_by_one_and_old_windows_are_pruned(app: TestApp) {
    app.register_admin().await;
    let logged = || app.count("SELECT COUNT(*) FROM activity_log WHERE action LIKE 'auth.login%'");
    for _ in 0..10 {
        app.login(ADMIN_EMAIL, "wrong password guess").await;
    }
    assert_eq!(logged().await, 10);
    for _ in 0..40 {
        assert_eq!(
            app.login(ADMIN_EMAIL, "wrong password guess").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(logged().await, 11, "only the first refusal has a row of its own");
    // The email's window from this network, and the email's own.
    assert_eq!(app.count("SELECT COUNT(*) FROM attempt_limits").await, 2);
    app.state.clock.advance(61 * 60);
    let report = app::auth::limits::prune(&app.state).await.unwrap();
    assert_eq!(report.windows, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attempt_limits").await,
        0,
        "nothing left behind"
    );
    let details: String = sqlx::query_scalar("SELECT details FROM activity_log WHERE action = 'auth.login_refused'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(json(&details)["refused"], 39, "{details}");
    assert!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().is_some());
}

async fn queued_invitation_emails_hold_no_working_link(mut app: TestApp) {
    let admin = app.register_admin().await;
    let mut sink = MailSink::start().await;
    let form = with(&sink.settings_form(), &[("current_password", ADMIN_PASSWORD)]);
    assert_eq!(call(&app, "mail/save", &form, &admin).await.status, StatusCode::OK);
    sink.stop();
    let invite = [
        ("email", "bob@example.com"),
        ("role", "analyst"),
        ("lifetime", "24h"),
        ("delivery", "email"),
    ];
    assert_eq!(
        app.call("invites/create", &invite, Some(&admin)).await.status,
        StatusCode::OK
    );
    let (text, html, sealed): (String, String, Option<String>) =
        sqlx::query_as("SELECT body_text, body_html, link_enc FROM outbox")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    for body in [&text, &html] {
        assert!(!body.contains("/invite/"), "no link in the stored bodies: {body}");
        assert!(body.contains(app::mail::outbox::LINK_PLACEHOLDER));
    }
    assert!(sealed.is_some_and(|s| s.starts_with("v1:")));
    app.restart_worker();
    sink.resume().await;
    app.advance_clock_and_wake(3600);
    let link = sink.wait_for(1).await[0].invite_link();
    let token = link.rsplit('/').next().unwrap();
    assert!(!link.contains("{{"), "{link}");
    // The sink has the message a moment before the worker records it as sent.
    let mut stored: Option<String> = Some(String::new());
    for _ in 0..50 {
        stored = sqlx::query_scalar("SELECT link_enc FROM outbox")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        if stored.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored, None, "the sealed link is dropped once sent");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE body_text LIKE '%{token}%' OR body_html LIKE '%{token}%'"
        ))
        .await,
        0
    );
    assert!(app.signup(token).await.session_cookie().is_some());
}

async fn test_emails_are_limited_and_logged(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    for _ in 0..5 {
        let sent = call(&app, "mail/test", &sink.settings_form(), &admin).await;
        assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    }
    let sixth = call(&app, "mail/test", &sink.settings_form(), &admin).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{sixth:?}");
    assert_eq!(sink.wait_for(5).await.len(), 5);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'email_config.test_sent' AND outcome = 'success'")
            .await,
        5
    );
    app.state.clock.advance(61);
    assert_eq!(
        call(&app, "mail/test", &sink.settings_form(), &admin).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_debug_output() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let key_bytes = format!("{:?}", [7u8; 32]);
    let printed = format!("{:?} {:?}", app.state, app.state.config);
    assert!(!printed.contains(&key_bytes[1..20]), "{printed}");
    let hex = "ab".repeat(32);
    let config =
        server::config::Config::from_lookup(|name| (name == "ROSTER_SECRET_KEY").then(|| hex.clone())).unwrap();
    let printed = format!("{config:?}");
    assert!(!printed.contains(&hex) && !printed.contains("171, 171"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_session_cookie_is_host_only() {
    let app = TestApp::start_with(Backend::Sqlite, Some("https://roster.example.com"))
        .await
        .unwrap();
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/auth/setup")
        .header("host", "roster.example.com")
        .header("origin", "https://roster.example.com")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(crate::common::form_body(
            &crate::common::admin_form(),
        )))
        .unwrap();
    let setup = app.request(request).await;
    let line = setup.session_set_cookie().expect("a session cookie");
    assert!(line.starts_with("__Host-roster_session="), "{line}");
    assert!(
        line.contains("; Secure") && line.contains("Path=/") && !line.contains("Domain"),
        "{line}"
    );
    let token = setup.session_cookie().unwrap();
    // A cookie without the prefix (one a sibling subdomain could set) is not a session.
    let plain = axum::http::Request::builder()
        .uri("/profile")
        .header("host", "roster.example.com")
        .header("accept", "text/html")
        .header("cookie", format!("roster_session={token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.request(plain).await;
    assert_eq!(response.status, StatusCode::FOUND, "{response:?}");
}
