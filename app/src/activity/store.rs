//! (ssr) The activity_log table: every entry is written by [`record`], inside the caller's
//! transaction, chained to the one before (see `chain`); reads are the page's keyset queries.
//! Names are copied into the entry so it outlives the users.

use super::chain::entry_hash;
use super::filters::{Filter, Key, Side, Value};
use super::Recorded;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub actor_email: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub object_name: &'a str,
    pub success: bool,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// JSON object with before/after values or a reason.
    pub details: String,
}

impl<'a> Entry<'a> {
    /// A new account's own entry (setup, signup): the new user is both actor and object.
    pub fn new_account(
        at: i64,
        user_id: i64,
        name: &'a str,
        email: &'a str,
        action: &'a str,
        meta: &'a crate::context::RequestMeta,
        details: serde_json::Value,
    ) -> Entry<'a> {
        Entry {
            at,
            actor_id: Some(user_id),
            actor_name: name,
            actor_email: email,
            action,
            object_type: "user",
            object_id: Some(user_id),
            object_name: name,
            success: true,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details: details.to_string(),
        }
    }
}

/// Appends one entry. Runs on the caller's transaction (`&mut *tx`), so the entry stands or
/// falls with the change it records. Appends are serialised on the chain head: its update
/// takes SQLite's write lock / PostgreSQL's row lock until the transaction ends, hands out the
/// next id (so ids have no gaps) and the previous entry's hash.
pub async fn record(conn: &mut AnyConnection, entry: &Entry<'_>) -> Result<Recorded, sqlx::Error> {
    let details = if entry.details.is_empty() {
        "{}"
    } else {
        entry.details.as_str()
    };
    let head = sqlx::query("UPDATE activity_chain SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash")
        .fetch_one(&mut *conn)
        .await?;
    let id: i64 = head.try_get(0)?;
    let prev_hash: String = head.try_get(1)?;
    let recorded = Recorded {
        id,
        at: entry.at,
        actor_id: entry.actor_id,
        actor_name: entry.actor_name.to_string(),
        actor_email: entry.actor_email.to_string(),
        action: entry.action.to_string(),
        object_type: entry.object_type.to_string(),
        object_id: entry.object_id,
        object_name: entry.object_name.to_string(),
        success: entry.success,
        ip: entry.ip.to_string(),
        user_agent: entry.user_agent.to_string(),
        details: serde_json::from_str(details).unwrap_or_else(|_| serde_json::json!({})),
    };
    let hash = entry_hash(&prev_hash, &recorded, details);
    sqlx::query(
        "INSERT INTO activity_log (id, at, actor_id, actor_name, actor_email, action, object_type, \
         object_id, object_name, outcome, ip, user_agent, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(entry.at)
    .bind(entry.actor_id)
    .bind(entry.actor_name)
    .bind(entry.actor_email)
    .bind(entry.action)
    .bind(entry.object_type)
    .bind(entry.object_id)
    .bind(entry.object_name)
    .bind(recorded.outcome())
    .bind(entry.ip)
    .bind(entry.user_agent)
    .bind(details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE activity_chain SET last_hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    // What the entry triggers is queued in the same transaction (see `triggers`).
    crate::triggers::on_recorded(conn, entry, id).await?;
    Ok(recorded)
}

/// Appends an entry that belongs to no other change (a failed sign-in, a test email) in a
/// transaction of its own.
pub async fn record_alone(db: &crate::db::Db, entry: &Entry<'_>) -> Result<Recorded, sqlx::Error> {
    let mut tx = db.begin().await?;
    let recorded = record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// What a signed-in user did to one object, successfully: with the request context it becomes
/// an entry (who, from where, when), filled in the same way everywhere.
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub object_name: &'a str,
    pub details: serde_json::Value,
}

pub async fn record_event(
    conn: &mut AnyConnection,
    ctx: &crate::context::Ctx,
    event: Event<'_>,
) -> Result<Recorded, sqlx::Error> {
    let actor_name = ctx.actor.display_name();
    let entry = Entry {
        at: ctx.now,
        actor_id: Some(ctx.actor.id.0),
        actor_name: &actor_name,
        actor_email: &ctx.actor.email,
        action: event.action,
        object_type: event.object_type,
        object_id: event.object_id,
        object_name: event.object_name,
        success: true,
        ip: &ctx.meta.ip,
        user_agent: &ctx.meta.user_agent,
        details: event.details.to_string(),
    };
    record(conn, &entry).await
}

/// The columns [`decode`] reads.
pub const COLUMNS: &str = "id, at, actor_id, actor_name, actor_email, action, object_type, object_id, \
                           object_name, outcome, ip, user_agent, details";

/// One row into an entry, and its details as stored (which the hash covers).
pub fn decode(row: &AnyRow) -> Result<(Recorded, String), sqlx::Error> {
    let details: String = row.try_get("details")?;
    let outcome: String = row.try_get("outcome")?;
    let entry = Recorded {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        object_name: row.try_get("object_name")?,
        success: match outcome.as_str() {
            "success" => true,
            "failure" => false,
            other => {
                return Err(sqlx::Error::ColumnDecode {
                    index: "outcome".into(),
                    source: format!("unknown outcome {other:?}").into(),
                })
            }
        },
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    };
    Ok((entry, details))
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for value in values {
        query = match value {
            Value::Text(text) => query.bind(text.as_str()),
            Value::Int(n) => query.bind(*n),
        };
    }
    query
}

/// Up to `limit` entries matching `filter` on one side of a key (or from the newest),
/// in the order of that side: newest first for older ones, oldest first for newer ones.
pub async fn page<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    filter: &Filter,
    side: Option<Side>,
    limit: usize,
) -> Result<Vec<Recorded>, sqlx::Error> {
    let Some((sql, values)) = select(filter, side, COLUMNS, limit) else {
        return Ok(Vec::new());
    };
    let rows = bind_all(sqlx::query(&sql), &values).fetch_all(exec).await?;
    rows.iter().map(|row| decode(row).map(|(entry, _)| entry)).collect()
}

/// Whether any entry matching `filter` lies on that side of `key`.
pub async fn any_beyond<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    filter: &Filter,
    side: Side,
) -> Result<bool, sqlx::Error> {
    let Some((sql, values)) = select(filter, Some(side), "id, at", 1) else {
        return Ok(false);
    };
    Ok(bind_all(sqlx::query(&sql), &values)
        .fetch_optional(exec)
        .await?
        .is_some())
}

/// The query for up to `limit` matching entries in the side's order. A filter resolved to a
/// few values (`names::resolve`) reads each value's first `limit` entries from its index and
/// keeps the first `limit` of them all; otherwise the log is walked by time. `None`: the
/// filter matched no value, so no entry.
fn select(filter: &Filter, side: Option<Side>, columns: &str, limit: usize) -> Option<(String, Vec<Value>)> {
    let order = match side {
        Some(Side::Newer(_)) => "at ASC, id ASC",
        _ => "at DESC, id DESC",
    };
    let mut values = Vec::new();
    let sql = match filter.driving() {
        None => {
            let condition = filter.condition_into(side, None, &mut values);
            format!("SELECT {columns} FROM activity_log{condition} ORDER BY {order} LIMIT {limit}")
        }
        Some([]) => return None,
        Some(candidates) => {
            let probes: Vec<String> = candidates
                .iter()
                .enumerate()
                .map(|(i, candidate)| {
                    let condition = filter.condition_into(side, Some(candidate), &mut values);
                    format!(
                        "SELECT {columns} FROM (SELECT {columns} FROM activity_log{condition} \
                         ORDER BY {order} LIMIT {limit}) AS probe{i}"
                    )
                })
                .collect();
            // UNION: an entry two values match (a name and an email) is kept once.
            format!(
                "SELECT {columns} FROM ({}) AS probes ORDER BY {order} LIMIT {limit}",
                probes.join(" UNION ")
            )
        }
    };
    Some((sql, values))
}

pub fn key_of(entry: &Recorded) -> Key {
    Key {
        at: entry.at,
        id: entry.id,
    }
}
