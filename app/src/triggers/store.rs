//! (ssr) SQL for `trigger_rules` and `trigger_reactions`.

use super::Condition;
use crate::domain::{Permission, Role};
use sqlx::{Any, AnyConnection, Executor, FromRow, Row};

#[derive(Clone, Debug, FromRow)]
pub struct TriggerRow {
    pub id: i64,
    pub name: String,
    pub condition: Condition,
    pub roles: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub reactions: String,
}

pub struct NewTrigger<'a> {
    pub name: &'a str,
    pub condition: Condition,
    pub roles: &'a str,
    pub owner_id: i64,
    pub now: i64,
}

pub async fn insert(conn: &mut AnyConnection, new: &NewTrigger<'_>, integrations: &[i64]) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query(
        "INSERT INTO trigger_rules (name, condition, roles, enabled, owner_id, created_at) \
         VALUES ($1, $2, $3, 1, $4, $5) RETURNING id",
    )
    .bind(new.name)
    .bind(new.condition.code())
    .bind(new.roles)
    .bind(new.owner_id)
    .bind(new.now)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    for integration in integrations {
        sqlx::query("INSERT INTO trigger_reactions (trigger_id, integration_id) VALUES ($1, $2)")
            .bind(id)
            .bind(integration)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// id, name, condition, roles, owner id, owner name, one reaction's name (if any).
type ListedRow = (i64, String, Condition, String, i64, String, Option<String>);

/// Every trigger (`owner` None) or one user's, with their owners' names and reactions' names.
pub async fn list<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    owner: Option<i64>,
) -> Result<Vec<TriggerRow>, sqlx::Error> {
    // The reactions' names as one text column: few per trigger, and no GROUP_CONCAT/STRING_AGG
    // difference to paper over when done in Rust instead.
    let rows: Vec<ListedRow> = sqlx::query_as(
        "SELECT t.id, t.name, t.condition, t.roles, t.owner_id, u.first_name || ' ' || u.last_name, i.name \
         FROM trigger_rules t JOIN users u ON u.id = t.owner_id \
         LEFT JOIN trigger_reactions r ON r.trigger_id = t.id LEFT JOIN integrations i ON i.id = r.integration_id \
         WHERE ($1 = 0 OR t.owner_id = $1) ORDER BY t.id, i.name",
    )
    .bind(owner.unwrap_or(0))
    .fetch_all(exec)
    .await?;
    let mut out: Vec<TriggerRow> = Vec::new();
    for (id, name, condition, roles, owner_id, owner_name, reaction) in rows {
        if out.last().is_none_or(|t| t.id != id) {
            out.push(TriggerRow {
                id,
                name,
                condition,
                roles,
                owner_id,
                owner_name,
                reactions: String::new(),
            });
        }
        if let (Some(last), Some(reaction)) = (out.last_mut(), reaction) {
            if !last.reactions.is_empty() {
                last.reactions.push_str(", ");
            }
            last.reactions.push_str(&reaction);
        }
    }
    Ok(out)
}

pub async fn owner_of<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT owner_id, name FROM trigger_rules WHERE id = $1")
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn delete<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM trigger_rules WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?
        .rows_affected()
        > 0)
}

/// An enabled trigger of this condition with one of its reactions (to an active integration).
#[derive(Clone, Debug, FromRow)]
pub struct Match {
    pub trigger_id: i64,
    pub trigger_name: String,
    pub roles: String,
    pub integration_id: i64,
}

/// Enabled triggers on `condition` whose owner is still active and may still view users (by
/// role or through a group), each with every integration it reacts with. A paused integration
/// is included: its notifications wait in the queue (claims skip paused integrations) and go
/// out when it is resumed, so nothing is lost while it is paused.
pub async fn matching(conn: &mut AnyConnection, condition: Condition) -> Result<Vec<Match>, sqlx::Error> {
    // Role codes are constants of the code, not input: safe to write into the SQL.
    let viewers: Vec<String> = Role::ALL
        .into_iter()
        .filter(|r| r.permissions().contains(&Permission::ViewUsers))
        .map(|r| format!("'{}'", r.code()))
        .collect();
    let viewers = viewers.join(",");
    let sql = format!(
        "SELECT t.id AS trigger_id, t.name AS trigger_name, t.roles, r.integration_id \
         FROM trigger_rules t JOIN trigger_reactions r ON r.trigger_id = t.id \
         JOIN integrations i ON i.id = r.integration_id JOIN users u ON u.id = t.owner_id \
         WHERE t.condition = $1 AND t.enabled = 1 AND u.status = 'active' \
         AND (u.role IN ({viewers}) OR EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id \
              WHERE gm.user_id = u.id AND g.role IN ({viewers}))) \
         ORDER BY t.id, r.integration_id"
    );
    sqlx::query_as(&sql).bind(condition.code()).fetch_all(conn).await
}
