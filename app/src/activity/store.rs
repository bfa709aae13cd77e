//! (ssr) Writing activity-log entries. Names are copied into the entry so it outlives the users.

use sqlx::{AnyConnection, Row};

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

/// Writes the entry, then queues what triggers it fires, on the same connection (the caller's
/// transaction).
pub async fn record(conn: &mut AnyConnection, entry: &Entry<'_>) -> Result<(), sqlx::Error> {
    let details = if entry.details.is_empty() {
        "{}"
    } else {
        entry.details.as_str()
    };
    let id = sqlx::query(
        "INSERT INTO activity_log (at, actor_id, actor_name, actor_email, action, object_type, \
         object_id, object_name, outcome, ip, user_agent, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(entry.at)
    .bind(entry.actor_id)
    .bind(entry.actor_name)
    .bind(entry.actor_email)
    .bind(entry.action)
    .bind(entry.object_type)
    .bind(entry.object_id)
    .bind(entry.object_name)
    .bind(if entry.success { "success" } else { "failure" })
    .bind(entry.ip)
    .bind(entry.user_agent)
    .bind(details)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = id.try_get(0)?;
    crate::triggers::on_recorded(conn, entry, id).await?;
    Ok(())
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
) -> Result<(), sqlx::Error> {
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
