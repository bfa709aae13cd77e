//! What several servers on one database rely on: one instance key (checked at start-up) and
//! migrations that an older server can run beside.

use crate::common::TestApp;
use app::settings::service::check_instance_key;

on_both_backends!(
    servers_on_one_database_must_share_the_instance_key,
    a_migration_from_a_newer_release_does_not_stop_an_older_server,
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
