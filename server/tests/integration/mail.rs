//! Email configuration and delivery against real peers: an SMTP server process (aiosmtpd) and
//! AWS SES v2 (moto), on SQLite and PostgreSQL.

use crate::common::peers::{free_port, MailSink, MotoSes, ReceivedEmail};
use crate::common::{json, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    settings_are_validated_and_secrets_never_leave_the_server,
    test_email_reports_success_or_the_servers_own_error,
    invite_by_email_arrives_and_its_link_signs_up_once,
    resend_and_revoke_kill_the_emailed_link,
    emailed_link_expires,
    inviting_by_email_needs_a_mailer_but_links_do_not,
    twenty_invites_while_smtp_is_down_all_arrive_exactly_once,
    aws_ses_sends_test_and_invitation_emails,
    only_global_administrators_change_where_mail_goes,
);

fn form<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Saves a configuration as the first admin (a Global Administrator), confirmed with their password.
pub(crate) async fn configure(app: &TestApp, admin: &str, fields: &[(&'static str, String)]) {
    let mut fields = form(fields);
    fields.push(("current_password", ADMIN_PASSWORD));
    let response = app.call("mail/save", &fields, Some(admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
}

/// Invites by email; returns the invite id.
pub(crate) async fn invite_by_email(app: &TestApp, admin: &str, email: &str, lifetime: &str) -> i64 {
    let response = app
        .call(
            "invites/create",
            &[
                ("email", email),
                ("role", "analyst"),
                ("lifetime", lifetime),
                ("first_name", "Bob"),
                ("delivery", "email"),
            ],
            Some(admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let body = json(&response.body);
    assert_eq!(body["url"], Value::Null, "an emailed link is not shown to the admin");
    assert_eq!(body["emailed_to"], email.to_lowercase());
    body["invite_id"].as_i64().unwrap()
}

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

async fn pending(app: &TestApp, admin: &str) -> Vec<Value> {
    let response = app.call("invites/pending", &[], Some(admin)).await;
    json(&response.body).as_array().unwrap().clone()
}

async fn settings_are_validated_and_secrets_never_leave_the_server(app: TestApp) {
    let admin = app.register_admin().await;
    let bad = [
        ("kind", "smtp"),
        ("host", "smtp example.com"),
        ("port", "0"),
        ("security", "none"),
        ("sender_address", "not-an-address"),
        ("username", "mailer"),
        ("current_password", ADMIN_PASSWORD),
    ];
    let response = app.call("mail/save", &bad, Some(&admin)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = json(&response.body)["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["sender_address", "host", "port", "secret"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM email_config").await, 0, "nothing saved");

    let remote_plain = [
        ("kind", "smtp"),
        ("host", "smtp.example.com"),
        ("port", "25"),
        ("security", "none"),
        ("sender_address", "roster@example.com"),
    ];
    let response = app.call("mail/save", &remote_plain, Some(&admin)).await;
    assert!(
        response.body.contains("only to a mail server on this machine"),
        "{response:?}"
    );

    let secret = "app-password-XYZZY-1234";
    let google = [
        ("kind", "google_smtp"),
        ("host", "smtp.gmail.com"),
        ("port", "465"),
        ("security", "tls"),
        ("sender_address", "Team@Example.com"),
        ("secret", secret),
        ("current_password", ADMIN_PASSWORD),
    ];
    let saved = app.call("mail/save", &google, Some(&admin)).await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    let loaded = app.call("mail/settings", &[], Some(&admin)).await;
    for body in [&saved.body, &loaded.body] {
        assert!(!body.contains(secret), "the secret is never sent back: {body}");
        let settings = json(body);
        assert_eq!(settings["secret_set"], true);
        assert_eq!(settings["username"], "team@example.com");
    }
    let sealed: String = sqlx::query_scalar("SELECT secret_enc FROM email_config")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(!sealed.contains(secret) && sealed.starts_with("v1:"), "{sealed}");
    assert!(
        !database_bytes_contain(&app, secret).await,
        "the secret is not readable in the database"
    );

    // Saving again without a secret keeps it; the activity log records the change, not the secret.
    let without_secret: Vec<_> = google.iter().filter(|(k, _)| *k != "secret").copied().collect();
    let response = app.call("mail/save", &without_secret, Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let entries = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'email_config.updated'")
        .await;
    assert_eq!(entries, 2);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM activity_log WHERE details LIKE '%{secret}%'"
        ))
        .await,
        0
    );
}

/// SQLite: the database file and its WAL. PostgreSQL: every text column of email_config.
async fn database_bytes_contain(app: &TestApp, needle: &str) -> bool {
    let url = app.state.db.pool.connect_options().database_url.to_string();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap();
        sqlx::query("PRAGMA wal_checkpoint(FULL)")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        return [path.to_string(), format!("{path}-wal")].iter().any(|file| {
            std::fs::read(file)
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        });
    }
    let row_text: String = sqlx::query_scalar("SELECT CAST(row_to_json(e) AS TEXT) FROM email_config e")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    row_text.contains(needle)
}

async fn test_email_reports_success_or_the_servers_own_error(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    let response = app.call("mail/test", &form(&sink.settings_form()), Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(json(&response.body), format!("Test email sent to {ADMIN_EMAIL}."));
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0].to, ADMIN_EMAIL);
    assert_eq!(mail[0].from, "roster@example.com");
    assert_eq!(mail[0].subject, "Roster test email");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_config").await,
        0,
        "testing does not save"
    );

    let mut refused = sink.settings_form();
    refused[2].1 = free_port().to_string();
    let response = app.call("mail/test", &form(&refused), Some(&admin)).await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY, "{response:?}");
    assert!(response.body.contains("Connection refused"), "{}", response.body);

    // aiosmtpd offers no STARTTLS: Roster must refuse to go on unencrypted.
    let mut starttls = sink.settings_form();
    starttls[1].1 = "localhost".into();
    starttls[3].1 = "starttls".into();
    let response = app.call("mail/test", &form(&starttls), Some(&admin)).await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY, "{response:?}");
    assert!(response.body.to_lowercase().contains("tls"), "{}", response.body);
    assert_eq!(sink.messages().len(), 1, "nothing else was sent");
}

async fn invite_by_email_arrives_and_its_link_signs_up_once(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    configure(&app, &admin, &sink.settings_form()).await;
    invite_by_email(&app, &admin, "Bob@Example.com", "3d").await;

    let mail = sink.wait_for(1).await;
    let invitation = &mail[0];
    assert_eq!(invitation.to, "bob@example.com");
    assert_eq!(invitation.subject, "Ada Lovelace invited you to Roster");
    let link = invitation.invite_link();
    assert!(link.starts_with("http://roster.test/invite/"), "{link}");
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM invites")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let expiry = app::ui::format_utc(expires);
    for part in [&invitation.text, &invitation.html] {
        assert!(part.contains("Ada Lovelace") && part.contains("Analyst") && part.contains(&expiry));
        assert!(part.contains(&link));
        assert!(part.contains("Hello Bob,"));
    }
    let listed = pending(&app, &admin).await;
    assert_eq!(
        listed[0]["delivery"]["Sent"]["at"].as_i64().map(|at| at > 0),
        Some(true),
        "{listed:?}"
    );

    let token = token_of(&link);
    assert_eq!(app.open_invite(&token).await["Valid"]["email"], "bob@example.com");
    let signed_up = app.signup(&token).await;
    assert!(signed_up.session_cookie().is_some(), "{signed_up:?}");
    let mail = sink.wait_for(2).await;
    let ready = mail
        .iter()
        .find(|m| m.subject == "Your Roster account is ready")
        .expect("confirmation email");
    assert_eq!(ready.to, "bob@example.com");
    assert!(ready.text.contains("http://roster.test") && ready.text.contains("Analyst"));

    assert_eq!(app.open_invite(&token).await["Invalid"], "Used");
    let again = app.signup(&token).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already been used"));
}

async fn resend_and_revoke_kill_the_emailed_link(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    configure(&app, &admin, &sink.settings_form()).await;
    let first_id = invite_by_email(&app, &admin, "carol@example.com", "24h").await;
    let first = token_of(&sink.wait_for(1).await[0].invite_link());

    let resent = app
        .call("invites/resend", &[("invite_id", &first_id.to_string())], Some(&admin))
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{resent:?}");
    let second_id = json(&resent.body)["invite_id"].as_i64().unwrap();
    let mail = sink.wait_for(2).await;
    let second = token_of(&mail[1].invite_link());
    assert_ne!(first, second);
    assert_eq!(app.open_invite(&first).await["Invalid"], "Revoked");
    assert_eq!(app.open_invite(&second).await["Valid"]["email"], "carol@example.com");

    let revoked = app
        .call("invites/revoke", &[("invite_id", &second_id.to_string())], Some(&admin))
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(app.open_invite(&second).await["Invalid"], "Revoked");
    assert_eq!(app.signup(&second).await.status, StatusCode::CONFLICT);
}

async fn emailed_link_expires(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    configure(&app, &admin, &sink.settings_form()).await;
    invite_by_email(&app, &admin, "dave@example.com", "1h").await;
    let token = token_of(&sink.wait_for(1).await[0].invite_link());
    app.state.clock.advance(3600);
    assert_eq!(app.open_invite(&token).await["Invalid"], "Expired");
    let response = app.signup(&token).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.body.contains("expired"));
}

async fn inviting_by_email_needs_a_mailer_but_links_do_not(app: TestApp) {
    let admin = app.register_admin().await;
    let by_email = app
        .call(
            "invites/create",
            &[
                ("email", "erin@example.com"),
                ("role", "analyst"),
                ("lifetime", "24h"),
                ("delivery", "email"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(by_email.status, StatusCode::CONFLICT);
    assert!(
        by_email.body.contains("Settings → Email Configuration"),
        "{}",
        by_email.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invites").await,
        0,
        "nothing was created"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);

    let by_link = app
        .call(
            "invites/create",
            &[
                ("email", "erin@example.com"),
                ("role", "analyst"),
                ("lifetime", "24h"),
                ("delivery", "link"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(by_link.status, StatusCode::OK);
    let link = json(&by_link.body)["url"].as_str().unwrap().to_string();
    let resend = app.call("invites/resend", &[("invite_id", "1")], Some(&admin)).await;
    assert_eq!(resend.status, StatusCode::CONFLICT, "resending needs a mailer too");
    assert_eq!(
        app.open_invite(&token_of(&link)).await["Valid"]["email"],
        "erin@example.com"
    );
}

async fn twenty_invites_while_smtp_is_down_all_arrive_exactly_once(mut app: TestApp) {
    let admin = app.register_admin().await;
    let mut sink = MailSink::start().await;
    configure(&app, &admin, &sink.settings_form()).await;
    sink.stop();
    let emails: Vec<String> = (1..=20).map(|i| format!("user{i:02}@example.com")).collect();
    for email in &emails {
        invite_by_email(&app, &admin, email, "7d").await;
    }
    // Every email is tried, fails, and waits for a retry; the Pending tab says why.
    wait_until(|| async { app.count("SELECT COUNT(*) FROM outbox WHERE attempts >= 1").await == 20 }).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").await,
        20
    );
    let listed = pending(&app, &admin).await;
    let retrying = &listed[0]["delivery"]["Queued"];
    assert!(retrying["attempts"].as_i64().unwrap() >= 1, "{listed:?}");
    assert!(
        retrying["last_error"].as_str().unwrap().contains("Connection refused"),
        "{listed:?}"
    );

    // Roster restarts while the server is still down, then the server comes back.
    app.restart_worker();
    sink.resume().await;
    // A day later every retry is long due (the backoff is at most an hour).
    app.advance_clock_and_wake(24 * 3600);
    let mail = sink.wait_for(20).await;
    wait_until(|| async { app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await == 20 }).await;
    app.advance_clock_and_wake(24 * 3600);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut received: Vec<String> = sink.messages().iter().map(|m| m.to.clone()).collect();
    received.sort();
    assert_eq!(received, emails, "each invitation arrived exactly once");
    assert!(mail.iter().all(|m| m.subject == "Ada Lovelace invited you to Roster"));
}

async fn wait_until<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "condition not met within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn aws_ses_sends_test_and_invitation_emails(app: TestApp) {
    let admin = app.register_admin().await;
    let ses = MotoSes::start().await;
    let response = app.call("mail/test", &form(&ses.settings_form()), Some(&admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_eq!(ses.wait_for(1).await[0].subject, "Roster test email");

    let mut unverified = ses.settings_form();
    unverified[1].1 = "nobody@example.org".into();
    let response = app.call("mail/test", &form(&unverified), Some(&admin)).await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY, "{response:?}");
    assert!(
        response.body.contains("MessageRejected"),
        "SES's own words: {}",
        response.body
    );

    configure(&app, &admin, &ses.settings_form()).await;
    invite_by_email(&app, &admin, "frank@example.com", "24h").await;
    let mail = ses.wait_for(2).await;
    let invitation: &ReceivedEmail = mail
        .iter()
        .find(|m| m.to == "frank@example.com")
        .expect("invitation via SES");
    let token = token_of(&invitation.invite_link());
    assert!(app.signup(&token).await.session_cookie().is_some());
}

async fn only_global_administrators_change_where_mail_goes(app: TestApp) {
    let admin = app.register_admin().await;
    let sink = MailSink::start().await;
    let settings = sink.settings_form();
    configure(&app, &admin, &settings).await;
    let administrator = app.user_with_role(&admin, "adm@example.com", "admin").await;
    // An Administrator sees the configuration and may test it, but not change it.
    let seen = app.call("mail/settings", &[], Some(&administrator)).await;
    assert_eq!(seen.status, StatusCode::OK, "{seen:?}");
    let mut elsewhere = form(&settings);
    elsewhere.push(("current_password", crate::common::INVITEE_PASSWORD));
    let save = app.call("mail/save", &elsewhere, Some(&administrator)).await;
    assert_eq!(save.status, StatusCode::FORBIDDEN, "{save:?}");
    // Their test goes through the saved configuration, whatever the form says.
    let mut other_server = settings.clone();
    other_server[2].1 = free_port().to_string();
    let test = app.call("mail/test", &form(&other_server), Some(&administrator)).await;
    assert_eq!(test.status, StatusCode::OK, "{test:?}");
    assert_eq!(sink.wait_for(1).await[0].to, "adm@example.com");
    for (email, role) in [
        ("analyst@example.com", "analyst"),
        ("ro@example.com", "read_only"),
        ("dev@example.com", "api_developer"),
    ] {
        let session = app.user_with_role(&admin, email, role).await;
        for endpoint in ["mail/settings", "mail/save", "mail/test"] {
            let refused = app.call(endpoint, &form(&settings), Some(&session)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role} {endpoint}: {refused:?}");
        }
        let resend = app.call("invites/resend", &[("invite_id", "1")], Some(&session)).await;
        assert_eq!(resend.status, StatusCode::FORBIDDEN, "{role} resend");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let tests = sink
        .messages()
        .iter()
        .filter(|m| m.subject == "Roster test email")
        .count();
    assert_eq!(tests, 1, "only the Administrator's test went out");
    let entries = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'email_config.updated'")
        .await;
    assert_eq!(entries, 1, "only the Global Administrator's save");
}
