//! The activity log's tamper evidence and retention through the real router: the append-only
//! trigger, Verify (and `roster admin verify-log`) finding an entry changed or removed behind
//! its back, and retention deleting only old entries while the chain stays whole.

use crate::activity_log::{all_entries, seed};
use crate::common::{json, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::db::Backend;
use axum::http::StatusCode;
use serde_json::Value;

on_both_backends!(
    the_table_is_append_only,
    verify_finds_an_entry_changed_or_removed_behind_its_back,
    retention_deletes_only_old_entries_and_keeps_the_chain_whole,
    retention_setting_is_validated_and_logged,
);

async fn the_table_is_append_only(app: TestApp) {
    let _admin = app.register_admin().await;
    for sql in [
        "UPDATE activity_log SET actor_name = 'Mallory'",
        "DELETE FROM activity_log",
        "DELETE FROM activity_chain",
    ] {
        let error = sqlx::query(sql).execute(&app.state.db.pool).await.unwrap_err();
        assert!(error.to_string().contains("activity_"), "{sql}: {error}");
    }
    if app.state.db.backend == Backend::Postgres {
        let error = sqlx::query("TRUNCATE activity_log")
            .execute(&app.state.db.pool)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE actor_name = 'Mallory'")
            .await,
        0
    );
    assert!(app.count("SELECT COUNT(*) FROM activity_log").await >= 1);
}

/// Lets the test itself change the table, as an intruder with database access would.
async fn bypass_trigger(app: &TestApp) {
    let statements: &[&str] = match app.state.db.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER activity_log_append_only_update",
            "DROP TRIGGER activity_log_append_only_delete",
        ],
        Backend::Postgres => &["ALTER TABLE activity_log DISABLE TRIGGER USER"],
    };
    for sql in statements {
        app.execute(sql).await;
    }
}

async fn verify(app: &TestApp, session: &str) -> Value {
    let response = app.call("activity/verify", &[], Some(session)).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    json(&response.body)
}

async fn verify_log_cli(app: &TestApp) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .env_remove("ROSTER_PUBLIC_URL")
        .env_remove("ROSTER_LOG")
        .env("DATABASE_URL", &app.database_url)
        .env("ROSTER_SECRET_KEY", hex::encode(app.state.config.key()))
        .env(
            "ROSTER_DATA_DIR",
            std::env::temp_dir().join(format!("roster_verify_{}", rand::random::<u32>())),
        )
        .args(["admin", "verify-log"])
        .output()
        .await
        .expect("run roster");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

async fn verify_finds_an_entry_changed_or_removed_behind_its_back(app: TestApp) {
    let admin = app.register_admin().await;
    seed(&app, 40).await;
    let report = verify(&app, &admin).await;
    assert_eq!(report["broken_at"], Value::Null, "{report}");
    assert!(report["checked"].as_i64().unwrap() >= 40);
    let (code, text) = verify_log_cli(&app).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("The log is intact"), "{text}");

    bypass_trigger(&app).await;
    let mut ids: Vec<i64> = all_entries(&app).await.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    // The newest entry cut off the end: the chain head still remembers it.
    let last = *ids.last().unwrap();
    app.execute(&format!("DELETE FROM activity_log WHERE id = {last}"))
        .await;
    assert_eq!(verify(&app, &admin).await["broken_at"], last);

    // A changed detail, its hash left as it was: found before the end.
    let changed = ids[20];
    app.execute(&format!(
        "UPDATE activity_log SET details = '{{\"before\":{{\"role\":\"Read Only\"}}}}' WHERE id = {changed}"
    ))
    .await;
    let report = verify(&app, &admin).await;
    assert_eq!(report["broken_at"], changed, "{report}");
    assert_eq!(report["checked"], changed - ids[0], "{report}");
    let (code, text) = verify_log_cli(&app).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!("Entry #{changed} was changed or removed")),
        "{text}"
    );

    // An earlier entry removed: the gap is the first break.
    let removed = ids[10];
    app.execute(&format!("DELETE FROM activity_log WHERE id = {removed}"))
        .await;
    assert_eq!(verify(&app, &admin).await["broken_at"], removed);
}

pub(crate) async fn save_retention(app: &TestApp, session: &str, days: &str) -> crate::common::TestResponse {
    app.call("activity/save-retention", &[("retention_days", days)], Some(session))
        .await
}

async fn retention_deletes_only_old_entries_and_keeps_the_chain_whole(app: TestApp) {
    app.state.clock.freeze();
    let admin = app.register_admin().await;
    assert_eq!(save_retention(&app, &admin, "30").await.status, StatusCode::OK);
    // 700 entries 40 days ago (more than one batch), then 25 days later 50 more.
    let old_start = app.state.clock.now();
    seed(&app, 700).await;
    app.state.clock.advance(25 * 86_400);
    seed(&app, 50).await;
    let young: Vec<i64> = all_entries(&app)
        .await
        .iter()
        .filter(|e| e.at > old_start + 86_400)
        .map(|e| e.id)
        .collect();
    assert_eq!(young.len(), 50);
    app.state.clock.advance(15 * 86_400 + 3 * 86_400);
    // Nothing is past 30 days from the entries 25 days younger; everything from the start is.
    server::workers::retention::round(&app.state).await;
    let left = all_entries(&app).await;
    let now = app.state.clock.now();
    assert!(
        left.iter().all(|e| e.at >= now - 30 * 86_400),
        "only old entries were deleted"
    );
    for id in &young {
        assert!(left.iter().any(|e| e.id == *id), "entry {id} was kept");
    }
    let logged = app
        .count("SELECT COUNT(*) FROM activity_log WHERE action = 'activity.retention_deleted'")
        .await;
    assert!(logged >= 2, "each batch is logged ({logged})");
    let deleted: i64 =
        sqlx::query_scalar::<_, String>("SELECT details FROM activity_log WHERE action = 'activity.retention_deleted'")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|d| json(d)["deleted"].as_i64().unwrap())
            .sum();
    assert!(deleted >= 700, "{deleted}");
    // The chain still verifies from the first entry that is left, and a second round deletes nothing.
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.session_cookie().unwrap();
    assert_eq!(verify(&app, &admin).await["broken_at"], Value::Null);
    let before_second = all_entries(&app).await.len();
    server::workers::retention::round(&app.state).await;
    assert_eq!(all_entries(&app).await.len(), before_second);
}

async fn retention_setting_is_validated_and_logged(app: TestApp) {
    let admin = app.register_admin().await;
    let loaded = app.call("activity/retention", &[], Some(&admin)).await;
    assert_eq!(json(&loaded.body), 400, "the default is 400 days");
    let page = app.get("/settings/general", Some(&admin)).await;
    assert!(page.body.contains("Keep activity entries for (days)"), "{}", page.body);
    for (bad, message) in [
        ("29", "between 30 days and 2555 days"),
        ("2556", "between 30 days and 2555 days"),
        ("a year", "whole number of days"),
        ("", "Enter how many days"),
    ] {
        let response = save_retention(&app, &admin, bad).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {response:?}");
        assert!(response.body.contains(message), "{bad}: {}", response.body);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM activity_log WHERE action = 'settings.activity_retention_changed'")
            .await,
        0
    );
    assert_eq!(save_retention(&app, &admin, "90").await.status, StatusCode::OK);
    assert_eq!(json(&app.call("activity/retention", &[], Some(&admin)).await.body), 90);
    let details: String =
        sqlx::query_scalar("SELECT details FROM activity_log WHERE action = 'settings.activity_retention_changed'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let details = json(&details);
    assert_eq!(details["before"]["retention_days"], 400);
    assert_eq!(details["after"]["retention_days"], 90);
}
