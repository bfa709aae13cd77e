//! (ssr) SQL for password-reset links (`password_resets`, written only here). A link is found
//! only by its token's hash, and used by one conditional update, so two requests racing with
//! one link cannot both set a password.

use crate::domain::{Role, UserStatus};
use sqlx::{Any, Executor, FromRow, Row};

pub struct NewReset<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(exec: E, r: &NewReset<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(r.token_hash)
        .bind(r.user_id)
        .bind(r.now)
        .bind(r.expires_at)
        .execute(exec)
        .await?;
    Ok(())
}

/// Cancels the user's links that could still be used; returns how many.
pub async fn cancel_live<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE password_resets SET cancelled_at = $2 \
         WHERE user_id = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .execute(exec)
    .await?
    .rows_affected())
}

/// The user a usable link belongs to.
#[derive(Clone, Debug, FromRow)]
pub struct LiveReset {
    pub user_id: i64,
}

pub async fn find_live<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    token_hash: &str,
    now: i64,
) -> Result<Option<LiveReset>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id FROM password_resets \
         WHERE token_hash = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(exec)
    .await
}

/// Uses the link up if it is still usable; false if it is not (any more).
pub async fn take<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    token_hash: &str,
    user_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE password_resets SET used_at = $3 \
         WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(exec)
    .await?
    .rows_affected()
        == 1)
}

/// Links that expired before `cutoff` (used and cancelled ones expire too): nothing reads them.
pub async fn delete_expired<'c, E: Executor<'c, Database = Any>>(exec: E, cutoff: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
        .bind(cutoff)
        .execute(exec)
        .await?
        .rows_affected())
}

/// Active users with Global Administrator rights, by role or through a group, other than
/// `except`.
pub async fn active_global_admins<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    except: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) FROM users u WHERE u.status = $1 AND u.id <> $3 AND (u.role = $2 OR EXISTS \
         (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id AND g.role = $2))",
    )
    .bind(UserStatus::Active.code())
    .bind(Role::GlobalAdministrator.code())
    .bind(except)
    .fetch_one(exec)
    .await?
    .try_get(0)
}
