//! Triggers and integrations against real peers: a loopback HTTP receiver (webhooks, Slack),
//! the SMTP sink (email), on SQLite and PostgreSQL. The delivery worker runs as `roster serve`
//! runs it; retries are reached by moving the clock.

use crate::common::peers::MailSink;
use crate::common::receiver::{allow_loopback, verify_signature, Receiver};
use crate::common::{json, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use axum::http::StatusCode;
use serde_json::Value;
use std::time::Duration;

on_both_backends!(
    a_matching_event_sends_exactly_one_signed_post,
    slack_text_matches_the_format,
    email_reaches_the_smtp_sink,
    unsafe_urls_and_bad_input_are_refused,
    triggers_belong_to_their_owner_and_admins_see_all,
    an_admin_created_from_the_command_line_is_a_user_added,
    disabled_deleted_two_factor_off_and_locked_each_notify,
    the_pages_render_for_who_may_see_them,
);

/// The delivery worker as `roster serve` runs it (polling quickly); it stops when dropped.
pub(super) struct Worker {
    _handle: server::workers::WorkerHandle,
}

pub(super) fn start_worker(app: &TestApp) -> Worker {
    let stopping = tokio_util::sync::CancellationToken::new();
    Worker {
        _handle: server::workers::deliveries::spawn(app.state.clone(), Duration::from_millis(200), stopping),
    }
}

/// Moves the clock on and wakes the delivery worker.
pub(super) fn advance(app: &TestApp, secs: i64) {
    app.state.clock.advance(secs);
    app::triggers::delivery::wake();
}

/// An app that may reach the loopback receiver, its first admin, the receiver and the worker.
pub(super) async fn setup(mut app: TestApp) -> (TestApp, String, Receiver, Worker) {
    allow_loopback(&mut app);
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    let receiver = Receiver::start().await;
    let worker = start_worker(&app);
    (app, admin, receiver, worker)
}

/// Adds an integration; returns its id and (webhooks) signing secret.
pub(super) async fn integration(app: &TestApp, admin: &str, form: &[(&str, &str)]) -> (i64, Option<String>) {
    let response = app.call("integrations/create", form, Some(admin)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let body = json(&response.body);
    (
        body["id"].as_i64().unwrap(),
        body["secret"].as_str().map(str::to_string),
    )
}

pub(super) async fn webhook(app: &TestApp, admin: &str, receiver: &Receiver) -> (i64, String) {
    let url = format!("{}/hooks/roster", receiver.base);
    let form = [
        ("kind", "webhook"),
        ("name", "Receiver"),
        ("url", url.as_str()),
        ("method", "POST"),
        ("headers", "X-Team: security"),
    ];
    let (id, secret) = integration(app, admin, &form).await;
    (id, secret.expect("a webhook's secret is shown once"))
}

pub(super) async fn trigger(
    app: &TestApp,
    session: &str,
    name: &str,
    condition: &str,
    roles: &str,
    integrations: &[i64],
) -> StatusCodeAndBody {
    let ids: Vec<String> = integrations.iter().map(i64::to_string).collect();
    let ids = ids.join(",");
    let form = [
        ("name", name),
        ("condition", condition),
        ("roles", roles),
        ("integrations", ids.as_str()),
    ];
    let response = app.call("triggers/create", &form, Some(session)).await;
    (response.status, response.body)
}

pub(super) type StatusCodeAndBody = (StatusCode, String);

pub(super) async fn deliveries(app: &TestApp, admin: &str, id: i64) -> Vec<Value> {
    let response = app
        .call(
            "integrations/deliveries",
            &[("integration_id", &id.to_string())],
            Some(admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body).as_array().unwrap().clone()
}

/// The integration's newest delivery: status, attempts, status code (from the database, as
/// the clock moves past sessions' timeouts).
pub(super) async fn latest(app: &TestApp, id: i64) -> (String, i64, Option<i64>) {
    let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT status, attempts, status_code FROM deliveries WHERE integration_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&app.state.db.pool)
    .await
    .unwrap();
    row.unwrap_or_default()
}

/// Waits until the integration's newest delivery has `status`.
pub(super) async fn wait_status(app: &TestApp, id: i64, status: &str) {
    for _ in 0..100 {
        if latest(app, id).await.0 == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no delivery became {status}: {:?}", latest(app, id).await);
}

/// Signs the admin in again (after the clock moved past the session's timeouts).
pub(super) async fn relogin(app: &TestApp) -> String {
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .session_cookie()
        .expect("signed in")
}

/// Lets the worker run a few rounds: for asserting that nothing (more) is sent.
pub(super) async fn settle() {
    app::triggers::delivery::wake();
    tokio::time::sleep(Duration::from_millis(800)).await;
}

async fn a_matching_event_sends_exactly_one_signed_post(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, secret) = webhook(&app, &admin, &receiver).await;
    let (status, body) = trigger(&app, &admin, "Added user", "user_added", "analyst", &[id]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let got = receiver.wait_for(1).await;
    let post = &got[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/hooks/roster");
    assert_eq!(post.header("content-type"), "application/json");
    assert_eq!(post.header("x-team"), "security", "custom headers are sent");
    verify_signature(
        post.header("roster-signature"),
        &secret,
        &post.body,
        app.state.clock.now(),
    )
    .unwrap();
    assert!(verify_signature(
        post.header("roster-signature"),
        "whsec_wrong",
        &post.body,
        app.state.clock.now()
    )
    .is_err());
    let event = post.json();
    assert_eq!(event["id"], post.header("roster-event-id"));
    assert_eq!(event["type"], "create_user");
    assert_eq!(event["target"]["email"], "ann@example.com");
    assert_eq!(event["target"]["role"], "Analyst");
    assert_eq!(event["actor"]["email"], "ada@example.com", "added by the inviter");
    assert_eq!(event["trigger"]["name"], "Added user");
    for key in ["occurred_at", "data"] {
        assert!(!event[key].is_null(), "{key} in {event}");
    }
    wait_status(&app, id, "delivered").await;
    let log = deliveries(&app, &admin, id).await;
    assert_eq!(
        (log[0]["status_code"].as_i64(), log[0]["attempts"].as_i64()),
        (Some(200), Some(1))
    );
    assert_eq!(log[0]["event_type"], "create_user");

    // A Read Only user does not match the role filter; a role change is another condition.
    app.user_with_role(&admin, "rita@example.com", "read_only").await;
    settle().await;
    assert_eq!(receiver.received().len(), 1, "exactly one POST");
    assert_eq!(app.count("SELECT COUNT(*) FROM deliveries").await, 1);
}

async fn slack_text_matches_the_format(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let response = app
        .call(
            "organisation/save-name",
            &[("organisation_name", "TestCompany")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let url = format!("{}/services/T0/B0/secret", receiver.base);
    let (id, secret) = integration(
        &app,
        &admin,
        &[("kind", "slack"), ("name", "Slack"), ("url", url.as_str())],
    )
    .await;
    assert_eq!(secret, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM integrations WHERE url LIKE '%services%' OR url_enc LIKE '%services%'")
            .await,
        0,
        "the Slack URL is sealed at rest"
    );
    trigger(&app, &admin, "Added user", "user_added", "", &[id]).await;
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].path, "/services/T0/B0/secret");
    assert_eq!(
        got[0].json()["text"],
        "[Roster] Trigger: New user was added to the company account\n\n\
         Notification type: create_user\n\n\
         A new user Bob Builder &lt;ann@example.com&gt; with the role Analyst was added to the company account by Ada Lovelace &lt;ada@example.com&gt;.\n\
         This notification was triggered by the \"Added user\" trigger.\n\n\
         Client: TestCompany\n\
         Console: http://roster.test"
    );
}

async fn email_reaches_the_smtp_sink(app: TestApp) {
    let (app, admin, _receiver, _worker) = setup(app).await;
    let sink = MailSink::start().await;
    let mut form: Vec<(&str, String)> = sink.settings_form();
    form.push(("current_password", ADMIN_PASSWORD.into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call("mail/save", &fields, Some(&admin)).await.status,
        StatusCode::OK
    );
    let (id, _) = integration(
        &app,
        &admin,
        &[
            ("kind", "email"),
            ("name", "Security team"),
            ("emails", "sec@example.com, Ops@Example.com"),
        ],
    )
    .await;
    trigger(&app, &admin, "Added user", "user_added", "analyst", &[id]).await;
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    // The new user's own "account ready" and one message to each address.
    let mails = sink.wait_for(3).await;
    let alerts: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.starts_with("[Roster] Trigger"))
        .collect();
    let mut to: Vec<&str> = alerts.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["ops@example.com", "sec@example.com"]);
    assert_eq!(
        alerts[0].subject,
        "[Roster] Trigger: New user was added to the company account"
    );
    assert!(alerts[0].text.contains(
        "A new user Bob Builder <ann@example.com> with the role Analyst was added to the company account by Ada Lovelace <ada@example.com>."
    ), "{}", alerts[0].text);
    assert!(alerts[0].html.contains("Bob Builder &lt;ann@example.com&gt;"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'")
            .await,
        1
    );

    // Send test queues a test message to each address.
    let response = app
        .call(
            "integrations/test",
            &[("integration_id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(
        response
            .body
            .contains("A test message was queued to sec@example.com, ops@example.com"),
        "{}",
        response.body
    );
    let mails = sink.wait_for(5).await;
    let tests = mails
        .iter()
        .filter(|m| m.subject == "[Roster] Trigger: Test notification")
        .count();
    assert_eq!(tests, 2);
}

async fn unsafe_urls_and_bad_input_are_refused(app: TestApp) {
    // No ROSTER_WEBHOOK_ALLOW here.
    let admin = app.register_admin().await;
    for (url, says) in [
        ("http://example.com/hook", "https://"),
        ("https://127.0.0.1/hook", "private, loopback or link-local"),
        ("https://localhost:9/hook", "private, loopback or link-local"),
        ("https://[::1]/hook", "private, loopback or link-local"),
        ("https://169.254.169.254/latest", "private, loopback or link-local"),
        ("https://10.0.0.1/hook", "private, loopback or link-local"),
        ("not a url", "full URL"),
    ] {
        for kind in ["webhook", "slack"] {
            let response = app
                .call(
                    "integrations/create",
                    &[("kind", kind), ("name", "X"), ("url", url)],
                    Some(&admin),
                )
                .await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {response:?}");
            assert!(response.body.contains(says), "{url}: {}", response.body);
        }
    }
    for form in [
        vec![("kind", "pager"), ("name", "X")],
        vec![("kind", "email"), ("name", ""), ("emails", "a@example.com")],
        vec![("kind", "email"), ("name", "X"), ("emails", "not-an-address")],
        vec![
            ("kind", "webhook"),
            ("name", "X"),
            ("url", "https://example.com/"),
            ("method", "GET"),
        ],
        vec![
            ("kind", "webhook"),
            ("name", "X"),
            ("url", "https://example.com/"),
            ("headers", "Roster-Signature: forged"),
        ],
    ] {
        let response = app.call("integrations/create", &form, Some(&admin)).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}: {response:?}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM integrations").await,
        0,
        "nothing was saved"
    );
    let (status, body) = trigger(&app, &admin, "T", "user_added", "", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("at least one integration"), "{body}");
    let (status, _) = trigger(&app, &admin, "T", "no_such_condition", "", &[1]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = trigger(&app, &admin, "T", "user_added", "", &[999]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM trigger_rules").await, 0);
}

async fn triggers_belong_to_their_owner_and_admins_see_all(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    let reader = app.user_with_role(&admin, "rita@example.com", "read_only").await;
    // A Read Only user (ViewUsers) sees the integrations' names and sets up their own trigger.
    let options = json(&app.call("triggers/reactions", &[], Some(&reader)).await.body);
    assert_eq!(options[0]["name"], "Receiver");
    assert!(!options.to_string().contains(&receiver.base), "no URLs for non-admins");
    let (status, body) = trigger(&app, &reader, "Mine", "user_role_changed", "admin", &[id]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = trigger(&app, &admin, "Admin's", "user_added", "", &[id]).await;
    assert_eq!(status, StatusCode::OK);
    let names = |body: &str| -> Vec<String> {
        json(body)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let mine = app.call("triggers/list", &[], Some(&reader)).await;
    assert_eq!(names(&mine.body), ["Mine"]);
    let all = app.call("triggers/list", &[], Some(&admin)).await;
    assert_eq!(names(&all.body), ["Mine", "Admin's"]);
    let admins_id = json(&all.body)[1]["id"].as_i64().unwrap().to_string();
    let readers_id = json(&all.body)[0]["id"].as_i64().unwrap().to_string();
    let response = app
        .call("triggers/delete", &[("trigger_id", &admins_id)], Some(&reader))
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND, "not someone else's");
    let response = app
        .call("triggers/delete", &[("trigger_id", &readers_id)], Some(&admin))
        .await;
    assert_eq!(response.status, StatusCode::OK, "an admin deletes anyone's");
    assert_eq!(
        names(&app.call("triggers/list", &[], Some(&reader)).await.body),
        Vec::<String>::new()
    );
    // The role filter on a role change looks at the new role.
    trigger(&app, &reader, "To admin", "user_role_changed", "admin", &[id]).await;
    let bob = app.user_with_role(&admin, "bob@example.com", "analyst").await;
    drop(bob);
    let before = receiver.wait_for(1).await.len(); // "Admin's" fired for Bob.
    let bob_id = app
        .count("SELECT id FROM users WHERE email = 'bob@example.com'")
        .await
        .to_string();
    let response = app
        .call(
            "users/change_role",
            &[("user_id", &bob_id), ("role", "read_only")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    settle().await;
    assert_eq!(receiver.received().len(), before, "to Read Only: no match");
    let response = app
        .call(
            "users/change_role",
            &[("user_id", &bob_id), ("role", "admin")],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let got = receiver.wait_for(before + 1).await;
    let event = got.last().unwrap().json();
    assert_eq!(event["type"], "change_user_role");
    assert_eq!(event["data"]["details"]["after"]["role"], "Administrator");

    // An owner who may no longer view users (now an Analyst) notifies no one.
    let rita = app
        .count("SELECT id FROM users WHERE email = 'rita@example.com'")
        .await
        .to_string();
    for (user, role) in [(&rita, "analyst"), (&bob_id, "read_only"), (&bob_id, "admin")] {
        let response = app
            .call("users/change_role", &[("user_id", user), ("role", role)], Some(&admin))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
    }
    settle().await;
    assert_eq!(receiver.received().len(), before + 1);
}

async fn an_admin_created_from_the_command_line_is_a_user_added(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    // A Read Only user's trigger: `roster admin create-admin` works only once no active Global
    // Administrator is left.
    let reader = app.user_with_role(&admin, "rita@example.com", "read_only").await;
    let (status, body) = trigger(&app, &reader, "New admins", "user_added", "global_admin", &[id]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.execute("UPDATE users SET status = 'disabled' WHERE email = 'ada@example.com'")
        .await;
    let email = app::domain::Email::parse("root@example.com").unwrap();
    app::recovery::break_glass::create_admin(&app.state, &email, "Root", "Admin", ADMIN_PASSWORD.into())
        .await
        .unwrap();
    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["type"], "create_user");
    assert_eq!(event["target"]["email"], "root@example.com");
    assert_eq!(event["target"]["role"], "Global Administrator");
    assert_eq!(event["actor"]["name"], app::recovery::break_glass::OPERATOR);
    assert_eq!(event["data"]["action"], "user.created");
}

async fn disabled_deleted_two_factor_off_and_locked_each_notify(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    for (name, condition) in [
        ("Gone", "user_disabled_or_deleted"),
        ("2FA off", "two_factor_disabled"),
        ("Locked", "sign_in_locked"),
    ] {
        let (status, body) = trigger(&app, &admin, name, condition, "analyst", &[id]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    let bob = app
        .count("SELECT id FROM users WHERE email = 'bob@example.com'")
        .await
        .to_string();
    let mut expected = Vec::new();

    // Sign-in locked: the attempt that starts slowing Bob's sign-ins down.
    for network in 0..10u8 {
        app.login_from(
            &format!("192.0.{network}.10:1000"),
            None,
            "bob@example.com",
            "a wrong guess",
        )
        .await;
    }
    for round in 0..8u8 {
        app.state.clock.advance(31);
        app.login_from(
            &format!("192.0.{}.10:1000", 100 + round),
            None,
            "bob@example.com",
            "a wrong guess",
        )
        .await;
    }
    expected.push(("lock_sign_in", "Locked"));
    receiver.wait_for(expected.len()).await;

    app.execute("UPDATE users SET totp_enabled_at = 1 WHERE email = 'bob@example.com'")
        .await;
    let response = app
        .call(
            "users/disable-2fa",
            &[("user_id", &bob), ("password", ADMIN_PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    expected.push(("disable_two_factor", "2FA off"));
    receiver.wait_for(expected.len()).await;

    for action in ["disable", "delete"] {
        let response = app
            .call(&format!("users/{action}"), &[("user_id", &bob)], Some(&admin))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
        expected.push((
            if action == "disable" {
                "disable_user"
            } else {
                "delete_user"
            },
            "Gone",
        ));
        receiver.wait_for(expected.len()).await;
    }
    let got: Vec<(String, String)> = receiver
        .received()
        .iter()
        .map(|r| {
            let e = r.json();
            assert_eq!(e["target"]["email"], "bob@example.com", "{e}");
            assert_eq!(e["target"]["role"], "Analyst", "{e}");
            (
                e["type"].as_str().unwrap().to_string(),
                e["trigger"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, expected);
    settle().await;
    assert_eq!(receiver.received().len(), expected.len(), "one each, nothing more");
}

async fn the_pages_render_for_who_may_see_them(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    trigger(&app, &admin, "Added user", "user_added", "analyst", &[id]).await;
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    wait_status(&app, id, "delivered").await;
    let page = app.get("/settings/integrations", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    for text in [
        "<h1>Integrations</h1>",
        "Add integration",
        "Receiver (Webhook)",
        "Send test",
        "Rotate secret",
        "create_user",
        "delivered",
        "Redeliver",
    ] {
        assert!(page.body.contains(text), "the integrations page shows {text}");
    }
    let page = app.get("/settings/triggers", Some(&admin)).await;
    for text in [
        "<h1>Triggers</h1>",
        "New trigger",
        "Create trigger",
        "<td>Added user</td>",
        "User added",
        "Analyst",
        "Receiver (Webhook)",
    ] {
        assert!(page.body.contains(text), "the triggers page shows {text}");
    }
    let page = app.get("/settings/general", Some(&admin)).await;
    assert!(page.body.contains("Organisation name"));

    let reader = app.user_with_role(&admin, "rita@example.com", "read_only").await;
    let page = app.get("/settings/triggers", Some(&reader)).await;
    assert!(page.body.contains("Create trigger"), "a reader sets up their own");
    assert!(
        !page.body.contains("<td>Added user</td>"),
        "but does not see the admin's"
    );
    let page = app.get("/settings/integrations", Some(&reader)).await;
    assert!(page.body.contains("permission to view this page"), "{}", page.body);
    assert!(!page.body.contains(&receiver.base));
}
