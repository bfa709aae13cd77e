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
