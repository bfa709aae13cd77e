//! Trigger deliveries over time: retries through an outage, final answers, pausing after 12
//! hours of failures, secret rotation, Redeliver, and two workers on one database (claims).
//! The helpers are `triggers.rs`'s.

use super::triggers::{
    advance, deliveries, latest, relogin, settle, setup, start_worker, trigger, wait_status, webhook,
};
use crate::common::receiver::verify_signature;
use crate::common::{json, TestApp};
use axum::http::StatusCode;
use std::time::Duration;

on_both_backends!(
    an_outage_ends_in_delivery_after_recovery_and_a_4xx_is_final,
    failing_for_twelve_hours_pauses_and_tells_the_owner,
    rotation_signs_with_both_secrets_and_redeliver_repeats_the_event,
    two_workers_send_each_delivery_once_and_a_lapsed_claim_records_nothing,
);

async fn an_outage_ends_in_delivery_after_recovery_and_a_4xx_is_final(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, secret) = webhook(&app, &admin, &receiver).await;
    trigger(&app, &admin, "Added user", "user_added", "", &[id]).await;
    receiver.answer_with(503);
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    receiver.wait_for(1).await;
    wait_attempts(&app, id, 1).await;
    assert_eq!(latest(&app, id).await, ("queued".into(), 1, Some(503)));
    // Still down at the next try (30 s later), back up at the one after (a minute later).
    advance(&app, 31);
    receiver.wait_for(2).await;
    wait_attempts(&app, id, 2).await;
    receiver.answer_with(200);
    settle().await;
    assert_eq!(receiver.received().len(), 2, "nothing is sent before the retry is due");
    advance(&app, 61);
    let got = receiver.wait_for(3).await;
    wait_status(&app, id, "delivered").await;
    assert_eq!(latest(&app, id).await, ("delivered".into(), 3, Some(200)));
    // Every attempt carried the same event, each signed afresh.
    let ids: Vec<&str> = got.iter().map(|r| r.header("roster-event-id")).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    verify_signature(
        got[2].header("roster-signature"),
        &secret,
        &got[2].body,
        app.state.clock.now(),
    )
    .unwrap();

    // A 404 is final: one attempt, no retry however long we wait.
    receiver.answer_with(404);
    app.user_with_role(&admin, "bob@example.com", "analyst").await;
    receiver.wait_for(4).await;
    wait_status(&app, id, "failed").await;
    assert_eq!(latest(&app, id).await, ("failed".into(), 1, Some(404)));
    advance(&app, 3600);
    settle().await;
    assert_eq!(receiver.received().len(), 4);
}

async fn wait_attempts(app: &TestApp, id: i64, attempts: i64) {
    for _ in 0..100 {
        if latest(app, id).await.1 == attempts {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("attempts never reached {attempts}");
}

async fn failing_for_twelve_hours_pauses_and_tells_the_owner(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    trigger(&app, &admin, "Added user", "user_added", "", &[id]).await;
    receiver.answer_with(500);
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    receiver.wait_for(1).await;
    wait_attempts(&app, id, 1).await;
    advance(&app, 11 * 3600);
    receiver.wait_for(2).await;
    wait_attempts(&app, id, 2).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM integrations WHERE status = 'paused'")
            .await,
        0
    );
    advance(&app, 3600 + 60);
    receiver.wait_for(3).await;
    wait_attempts(&app, id, 3).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM integrations WHERE status = 'paused'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'ada@example.com' AND subject = 'Roster paused the integration \"Receiver\"'").await,
        1,
        "the owner is told once"
    );
    let admin = relogin(&app).await;
    let listed = json(&app.call("integrations/list", &[], Some(&admin)).await.body);
    assert_eq!(listed[0]["paused"], true);
    // Paused: nothing more is tried.
    receiver.answer_with(200);
    advance(&app, 600);
    settle().await;
    assert_eq!(receiver.received().len(), 3);
    // An event while paused is queued, not dropped, and not sent yet.
    app.user_with_role(&admin, "cy@example.com", "analyst").await;
    advance(&app, 60);
    settle().await;
    assert_eq!(receiver.received().len(), 3);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM deliveries WHERE integration_id = {id}"))
            .await,
        2
    );
    // Resumed: both waiting deliveries go out.
    let response = app
        .call(
            "integrations/resume",
            &[("integration_id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    advance(&app, 60);
    let got = receiver.wait_for(5).await;
    wait_status(&app, id, "delivered").await;
    assert!(
        got.iter().any(|r| r.body.contains("cy@example.com")),
        "the event from the pause arrived"
    );
}

async fn rotation_signs_with_both_secrets_and_redeliver_repeats_the_event(app: TestApp) {
    let (app, admin, receiver, _worker) = setup(app).await;
    let (id, old) = webhook(&app, &admin, &receiver).await;
    trigger(&app, &admin, "Added user", "user_added", "", &[id]).await;
    let response = app
        .call(
            "integrations/rotate-secret",
            &[("integration_id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let new = json(&response.body)["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    app.user_with_role(&admin, "ann@example.com", "analyst").await;
    let got = receiver.wait_for(1).await;
    let (signature, body) = (got[0].header("roster-signature"), &got[0].body);
    assert_eq!(signature.matches("v1=").count(), 2, "{signature}");
    verify_signature(signature, &old, body, app.state.clock.now()).unwrap();
    verify_signature(signature, &new, body, app.state.clock.now()).unwrap();
    // A day later only the new secret signs.
    wait_status(&app, id, "delivered").await;
    let delivery = deliveries(&app, &admin, id).await[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    advance(&app, 24 * 3600 + 1);
    let admin = relogin(&app).await;
    let response = app
        .call(
            "integrations/redeliver",
            &[("integration_id", &id.to_string()), ("delivery_id", &delivery)],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    let got = receiver.wait_for(2).await;
    assert_eq!(
        got[1].header("roster-event-id"),
        got[0].header("roster-event-id"),
        "the same event again"
    );
    assert_eq!(got[1].body, got[0].body);
    assert_eq!(got[1].header("roster-signature").matches("v1=").count(), 1);
    verify_signature(
        got[1].header("roster-signature"),
        &new,
        &got[1].body,
        app.state.clock.now(),
    )
    .unwrap();
    // Send test answers with the receiver's words.
    let response = app
        .call(
            "integrations/test",
            &[("integration_id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert!(response.body.contains("The receiver answered 200"), "{}", response.body);
    receiver.answer_with(401);
    let response = app
        .call(
            "integrations/test",
            &[("integration_id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert!(response.body.contains("The receiver answered 401"), "{response:?}");
}

async fn two_workers_send_each_delivery_once_and_a_lapsed_claim_records_nothing(app: TestApp) {
    let (app, admin, receiver, worker) = setup(app).await;
    let (id, _) = webhook(&app, &admin, &receiver).await;
    trigger(&app, &admin, "Added user", "user_added", "", &[id]).await;
    // Two replicas' workers on one database.
    let second = start_worker(&app);
    for n in 0..12 {
        app.user_with_role(&admin, &format!("user{n}@example.com"), "analyst")
            .await;
    }
    let got = receiver.wait_for(12).await;
    settle().await;
    let mut ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("roster-event-id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        (got.len(), receiver.received().len(), ids.len()),
        (12, 12, 12),
        "each delivery sent once"
    );
    drop((worker, second));

    // A claim whose lease ran out belongs to whoever claims the row next: the first claimant's
    // result is refused.
    receiver.answer_with(503);
    app.user_with_role(&admin, "late@example.com", "analyst").await;
    let pool = &app.state.db.pool;
    let backend = app.state.db.backend;
    let now = app.state.clock.now();
    let first = app::triggers::queue::claim(pool, backend, "token-a", now, 60, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        app::triggers::queue::claim(pool, backend, "token-b", now, 60, 10)
            .await
            .unwrap()
            .is_empty(),
        "held"
    );
    let later = now + 61;
    let second = app::triggers::queue::claim(pool, backend, "token-b", later, 60, 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    let row = first[0].id;
    assert!(
        !app::triggers::queue::mark_delivered(pool, row, "token-a", Some(200), later)
            .await
            .unwrap()
    );
    assert!(
        !app::triggers::queue::mark_failed(pool, row, "token-a", None, "x", later, true, later)
            .await
            .unwrap()
    );
    assert!(
        app::triggers::queue::mark_delivered(pool, row, "token-b", Some(200), later)
            .await
            .unwrap()
    );
    assert_eq!(latest(&app, id).await, ("delivered".into(), 1, Some(200)));
}
