//! (ssr) SQL for setup, users' credentials, sessions and login attempts.

use crate::db::Row as DbRow;
use sqlx::{Any, Executor, FromRow, Row};

/// True once the first registration has committed.
pub async fn setup_completed<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM instance_setup")
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(count > 0)
}

/// Inserts the one setup row; a second caller fails with a unique violation.
pub async fn claim_setup<'c, E: Executor<'c, Database = Any>>(exec: E, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO instance_setup (id, completed_at) VALUES (1, $1)")
        .bind(now)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn record_first_user<'c, E: Executor<'c, Database = Any>>(exec: E, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE instance_setup SET first_user_id = $1 WHERE id = 1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
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
    .bind(user.role)
    .bind(user.invited_by)
    .bind(user.now)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

/// A user as authentication sees them.
#[derive(Clone, Debug, FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub role: String,
    pub status: String,
}

const USER_COLUMNS: &str = "u.id, u.email, u.first_name, u.last_name, u.password_hash, u.role, u.status";

pub async fn find_user_by_email<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(exec)
        .await
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

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    s: &NewSession<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(exec)
    .await?;
    Ok(())
}

/// A session joined with its user, and what deciding on it needs: the roles the user's groups
/// grant and the idle-timeout setting. All of it comes from one query, since every request of
/// a signed-in user starts here.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub session_id: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user: UserRecord,
    pub group_roles: Vec<String>,
    /// The raw `session.idle_timeout_minutes` setting, if set.
    pub idle_timeout_setting: Option<String>,
}

pub async fn find_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    token_hash: &str,
) -> Result<Option<SessionRecord>, sqlx::Error> {
    // One row per group membership (at least one row): the session and user columns repeat.
    let rows: Vec<DbRow> = sqlx::query(&format!(
        "SELECT s.id AS session_id, s.last_seen_at, s.expires_at, {USER_COLUMNS}, g.role AS group_role, \
         (SELECT value FROM settings WHERE key = $2) AS idle_timeout_setting \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN group_members m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id \
         WHERE s.token_hash = $1"
    ))
    .bind(token_hash)
    .bind(crate::settings::store::IDLE_TIMEOUT_MINUTES)
    .fetch_all(exec)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut group_roles = Vec::new();
    for row in &rows {
        if let Some(role) = row.try_get::<Option<String>, _>("group_role")? {
            group_roles.push(role);
        }
    }
    Ok(Some(SessionRecord {
        session_id: first.try_get("session_id")?,
        last_seen_at: first.try_get("last_seen_at")?,
        expires_at: first.try_get("expires_at")?,
        user: UserRecord::from_row(first)?,
        group_roles,
        idle_timeout_setting: first.try_get("idle_timeout_setting")?,
    }))
}

pub async fn touch_session<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    session_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn delete_session<'c, E: Executor<'c, Database = Any>>(exec: E, session_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn record_login_attempt<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
    ip: &str,
    success: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_attempts (at, email, ip, success) VALUES ($1, $2, $3, $4)")
        .bind(now)
        .bind(email)
        .bind(ip)
        .bind(success as i64)
        .execute(exec)
        .await?;
    Ok(())
}

/// Failed attempts for this email, and from this address, since `since`.
pub async fn recent_failures<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
    ip: &str,
    since: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN email = $1 THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN ip = $2 AND ip <> '' THEN 1 ELSE 0 END), 0) \
         FROM login_attempts WHERE at >= $3 AND success = 0 AND (email = $1 OR ip = $2)",
    )
    .bind(email)
    .bind(ip)
    .bind(since)
    .fetch_one(exec)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
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

/// Ends every session of the user but one (the one making the change).
pub async fn delete_other_sessions<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    keep_session_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep_session_id)
        .execute(exec)
        .await?
        .rows_affected())
}
