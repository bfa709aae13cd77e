//! (ssr) SQL for pending enrolments and recovery codes. The user's own TOTP columns live on
//! the `users` table and are written by `users::accounts`.

use sqlx::{Any, Executor, Row};

/// Starts (or restarts) an enrolment: one pending secret per user.
pub async fn put_enrolment<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    secret_enc: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO totp_enrolments (user_id, secret_enc, created_at, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, \
         created_at = excluded.created_at, expires_at = excluded.expires_at",
    )
    .bind(user_id)
    .bind(secret_enc)
    .bind(now)
    .bind(expires_at)
    .execute(exec)
    .await?;
    Ok(())
}

/// The sealed pending secret, if one is still valid at `now`.
pub async fn live_enrolment<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT secret_enc FROM totp_enrolments WHERE user_id = $1 AND expires_at > $2")
        .bind(user_id)
        .bind(now)
        .fetch_optional(exec)
        .await?;
    row.map(|r| r.try_get(0)).transpose()
}

pub async fn delete_enrolment<'c, E: Executor<'c, Database = Any>>(exec: E, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_enrolments WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Enrolments nobody finished in time.
pub async fn delete_expired_enrolments<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM totp_enrolments WHERE expires_at <= $1")
        .bind(now)
        .execute(exec)
        .await?
        .rows_affected())
}

pub async fn delete_recovery_codes<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn insert_recovery_code<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    code_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(exec)
        .await?;
    Ok(())
}

/// Marks an unused code used; false when there is no such unused code. One statement, so two
/// requests with the same code cannot both use it.
pub async fn use_recovery_code<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    code_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(user_id)
            .bind(code_hash)
            .bind(now)
            .execute(exec)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(exec)
        .await?
        .try_get(0)
}
