//! What several servers on one database rely on: one instance key (checked at start-up),
//! migrations that an older server can run beside, and an outbox that two replicas' workers
//! share without sending anything twice.

use crate::common::peers::MailSink;
use crate::common::{json, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::mail::store;
use app::mail::transport::OutgoingEmail;
use app::settings::service::check_instance_key;
use axum::http::StatusCode;
use std::collections::HashSet;

on_both_backends!(
    servers_on_one_database_must_share_the_instance_key,
    a_migration_from_a_newer_release_does_not_stop_an_older_server,
    two_replicas_send_each_queued_email_exactly_once,
    a_worker_whose_lease_ran_out_cannot_overwrite_the_next_claim,
    the_database_clock_decides_leases,
    sessions_and_sign_in_limits_are_the_same_on_both_replicas,
    a_change_through_one_replica_shows_in_the_others_list,
);

async fn servers_on_one_database_must_share_the_instance_key(app: TestApp) {
    let db = &app.state.db;
    // The test app's key is stored by the first check; racing first checks agree.
    let (a, b) = tokio::join!(
        check_instance_key(db, &[7u8; 32], 1),
        check_instance_key(db, &[7u8; 32], 1)
    );
    assert_eq!((a, b), (Ok(()), Ok(())));
    let refused = check_instance_key(db, &[8u8; 32], 2).await.unwrap_err();
    assert!(refused.contains("ROSTER_SECRET_KEY"), "{refused}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE key = 'instance.key_check'")
            .await,
        1
    );
}

async fn a_migration_from_a_newer_release_does_not_stop_an_older_server(app: TestApp) {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(99_990_001_i64)
    .bind("from a newer release")
    .bind(true)
    .bind(vec![0u8; 48])
    .bind(1_i64)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    app.state.db.migrate().await.expect("an older server runs on");
    app.register_admin().await;
}

async fn two_replicas_send_each_queued_email_exactly_once(app: TestApp) {
    let replica = app.second_replica().await;
    let sink = MailSink::start().await;
    let admin = app.register_admin().await;
    crate::mail::configure(&app, &admin, &sink.settings_form()).await;
    const INVITES: usize = 40;
    let invites = (0..INVITES).map(|i| {
        let (app, admin) = (&app, &admin);
        let through = if i % 2 == 0 { app } else { &replica };
        async move { crate::mail::invite_by_email(through, admin, &format!("guest{i}@example.com"), "3d").await }
    });
    futures::future::join_all(invites).await;
    let received = sink.wait_for(INVITES).await;
    // Both workers keep polling: anything sent twice would arrive within a few polls.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let received = if sink.messages().len() > received.len() {
        sink.messages()
    } else {
        received
    };
    assert_eq!(received.len(), INVITES, "each invitation arrives once");
    let recipients: HashSet<_> = received.iter().map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), INVITES);
    let ids: HashSet<_> = received.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), INVITES, "each email has its own Message-ID");
    assert!(
        ids.iter()
            .all(|id| id.starts_with("outbox.") && id.ends_with("@example.com")),
        "{ids:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND claim_token IS NULL")
            .await,
        INVITES as i64
    );
}

async fn queue_one(app: &TestApp, now: i64) -> i64 {
    let email = OutgoingEmail {
        to: "ada@example.com".into(),
        subject: "Hello".into(),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
    };
    app::mail::outbox::queue(&app.state.db.pool, &email, now).await.unwrap()
}

async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_next_claim(mut app: TestApp) {
    // This test is the worker.
    app.worker = None;
    let (pool, backend) = (&app.state.db.pool, app.state.db.backend);
    let now = app.state.db.now(&app.state.clock).await.unwrap();
    let id = queue_one(&app, now).await;
    let first = store::claim_due(pool, backend, "first", now, now + 10, 50)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    // Claimed: nobody else gets it while the lease lasts.
    assert!(store::claim_due(pool, backend, "second", now + 9, now + 19, 50)
        .await
        .unwrap()
        .is_empty());
    // The first worker stalls past its lease; the second claims the email and fails to send it.
    let second = store::claim_due(pool, backend, "second", now + 10, now + 20, 50)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(
        store::mark_attempt_failed(pool, id, "second", "421 try later", now + 60, false)
            .await
            .unwrap()
    );
    // The first worker wakes up and reports success: too late, nothing is written.
    assert!(!store::mark_sent(pool, id, "first", now + 12).await.unwrap());
    let row = store::delivery(pool, id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts, row.sent_at), ("queued", 1, None));
    assert_eq!(row.last_error.as_deref(), Some("421 try later"));
    // A worker that is shutting down gives back what it claimed and did not finish.
    let third = store::claim_due(pool, backend, "third", now + 60, now + 70, 50)
        .await
        .unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(store::release(pool, "third").await.unwrap(), 1);
    assert_eq!(
        store::claim_due(pool, backend, "fourth", now + 61, now + 71, 50)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn the_database_clock_decides_leases(app: TestApp) {
    let system_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let database_now = app.state.db.now(&app.state.clock).await.unwrap();
    assert!((database_now - system_now).abs() <= 2, "{database_now} vs {system_now}");
    // A test clock moved forward moves the database's time with it (tests only).
    app.state.clock.advance(3600);
    let moved = app.state.db.now(&app.state.clock).await.unwrap();
    assert!((moved - database_now - 3600).abs() <= 2, "{moved} vs {database_now}");
}

async fn sessions_and_sign_in_limits_are_the_same_on_both_replicas(app: TestApp) {
    let replica = app.second_replica().await;
    app.register_admin().await;
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    let listed = replica.call("users/list", &[("tab", "active")], Some(&session)).await;
    assert_eq!(
        listed.status,
        StatusCode::OK,
        "a session from one replica works on the other"
    );
    replica.call("auth/logout", &[], Some(&session)).await;
    let after = app.call("users/list", &[("tab", "active")], Some(&session)).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "signed out on one, ended on both"
    );
    // Failed sign-ins alternate between the replicas from one network: ten are checked in all.
    for attempt in 0..12 {
        let through = if attempt % 2 == 0 { &app } else { &replica };
        let response = through
            .login_from("203.0.113.9:4000", None, ADMIN_EMAIL, "a wrong guess")
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_history WHERE outcome = 'wrong_password'")
            .await,
        10
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_history WHERE outcome = 'rate_limited'")
            .await,
        1
    );
}

async fn a_change_through_one_replica_shows_in_the_others_list(app: TestApp) {
    let replica = app.second_replica().await;
    let admin = app.register_admin().await;
    app.user_with_role(&admin, "grace@example.com", "analyst").await;
    let search = [("tab", "active"), ("q", "grace")];
    // The other replica reads the list (and remembers its page ends and match counts)...
    let before = json(&replica.call("users/list", &search, Some(&admin)).await.body);
    assert_eq!(before["counts"]["active"], 1, "{before}");
    let grace = app
        .count("SELECT id FROM users WHERE email = 'grace@example.com'")
        .await;
    let disabled = app
        .call("users/disable", &[("user_id", &grace.to_string())], Some(&admin))
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    // ...and sees the change made through the first at once.
    let after = json(&replica.call("users/list", &search, Some(&admin)).await.body);
    assert_eq!(after["counts"]["active"], 0, "{after}");
    assert_eq!(after["counts"]["disabled"], 1, "{after}");
}
