//! (ssr) SQL for groups and their members.

use crate::domain::Role;
use sqlx::{Any, Executor, FromRow, Row};

/// A group with its member count.
#[derive(Clone, Debug, FromRow)]
pub struct ListedGroup {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub member_count: i64,
}

/// Every group with its member count, by name regardless of case.
pub async fn list<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<Vec<ListedGroup>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id, g.name, g.description, g.role, COUNT(m.user_id) AS member_count \
         FROM groups g LEFT JOIN group_members m ON m.group_id = g.id \
         GROUP BY g.id, g.name, g.name_key, g.description, g.role ORDER BY g.name_key, g.id",
    )
    .fetch_all(exec)
    .await
}

/// A group's own columns.
#[derive(Clone, Debug, FromRow)]
pub struct GroupRecord {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub role: Role,
}

pub async fn find<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<Option<GroupRecord>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, description, role FROM groups WHERE id = $1")
        .bind(id)
        .fetch_optional(exec)
        .await
}

/// Reads a group inside a transaction through a no-op write, so the transaction holds the
/// write lock (SQLite) or the row lock (PostgreSQL) from here on and the group it checks is
/// the group it changes.
pub async fn lock<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<Option<GroupRecord>, sqlx::Error> {
    sqlx::query_as("UPDATE groups SET updated_at = updated_at WHERE id = $1 RETURNING id, name, description, role")
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub struct GroupValues<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: &'a str,
    pub role: &'a str,
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    group: &GroupValues<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO groups (name, name_key, description, role, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(group.name)
    .bind(group.name_key)
    .bind(group.description)
    .bind(group.role)
    .bind(now)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

pub async fn update<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    group: &GroupValues<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE groups SET name = $1, name_key = $2, description = $3, role = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(group.name)
    .bind(group.name_key)
    .bind(group.description)
    .bind(group.role)
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Deletes a group; its memberships go with it (ON DELETE CASCADE), its users stay.
pub async fn delete<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn member_count<'c, E: Executor<'c, Database = Any>>(exec: E, group_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1")
        .bind(group_id)
        .fetch_one(exec)
        .await?
        .try_get(0)
}

use crate::users::store::TargetUser;

/// Members of a group, by last name, first name.
pub async fn members<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    group_id: i64,
) -> Result<Vec<TargetUser>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT u.id, u.first_name, u.last_name, u.email, u.role, u.status, u.created_at, u.totp_enabled_at, \
         u.totp_must_enrol FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY {}",
        crate::users::store::name_order("u", ""),
    ))
    .bind(group_id)
    .fetch_all(exec)
    .await
}

pub async fn is_member<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    group_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(n > 0)
}

pub async fn add_member<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    group_id: i64,
    user_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO group_members (group_id, user_id, added_at) VALUES ($1, $2, $3)")
        .bind(group_id)
        .bind(user_id)
        .bind(now)
        .execute(exec)
        .await?;
    Ok(())
}

/// Removes a membership (never the user). Returns false if the user was not a member.
pub async fn remove_member<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    group_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(exec)
        .await?
        .rows_affected();
    Ok(done == 1)
}
