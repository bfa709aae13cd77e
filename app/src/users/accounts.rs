//! (ssr) Writes to the `users` table that belong to accounts rather than to the users list:
//! creating one (setup, signup), and what signing in and changing a password record. The
//! users area owns the table; other areas call these by name.

use crate::domain::Role;
use sqlx::{Any, Executor, Row};

pub struct NewUser<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub invited_by: Option<i64>,
    pub now: i64,
}

pub async fn insert_user<'c, E: Executor<'c, Database = Any>>(exec: E, user: &NewUser<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (email, first_name, last_name, password_hash, role, status, invited_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7) RETURNING id",
    )
    .bind(user.email)
    .bind(user.first_name)
    .bind(user.last_name)
    .bind(user.password_hash)
    .bind(user.role.code())
    .bind(user.invited_by)
    .bind(user.now)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

pub async fn set_last_login<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_password_hash<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now)
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// The user's TOTP state, as two-factor authentication reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TotpState {
    pub totp_secret_enc: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: Option<i64>,
    pub totp_must_enrol: i64,
}

pub async fn totp_state<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
) -> Result<Option<TotpState>, sqlx::Error> {
    sqlx::query_as("SELECT totp_secret_enc, totp_enabled_at, totp_last_step, totp_must_enrol FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(exec)
        .await
}

/// Turns 2FA on with a confirmed secret; `step` is the step of the code that confirmed it.
/// False when it was already on (a second tab finished first).
pub async fn enable_totp<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    secret_enc: &str,
    step: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET totp_secret_enc = $1, totp_enabled_at = $2, totp_last_step = $3, totp_must_enrol = 0, \
         updated_at = $2 WHERE id = $4 AND totp_enabled_at IS NULL",
    )
    .bind(secret_enc)
    .bind(now)
    .bind(step)
    .bind(user_id)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `step` as used, if it is later than the last one used: the one statement that
/// decides between two requests carrying the same code.
pub async fn advance_totp_step<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_enabled_at IS NOT NULL \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns 2FA off; `must_enrol` makes the next sign-in ask for a new enrolment at once.
pub async fn clear_totp<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    must_enrol: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET totp_secret_enc = NULL, totp_enabled_at = NULL, totp_last_step = NULL, \
         totp_must_enrol = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(i64::from(must_enrol))
    .bind(now)
    .bind(user_id)
    .execute(exec)
    .await?;
    Ok(())
}
