//! (ssr) From an activity entry to deliveries: the one hook `activity::store::record` calls.
//! It runs inside the caller's transaction, so the notification exists exactly when the
//! change does.

use super::queue::{self, NewDelivery};
use super::store;
use super::Condition;
use crate::activity::store::Entry;
use crate::domain::Role;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

/// How long Roster keeps trying to deliver one notification.
pub const RETRY_WINDOW_SECS: i64 = 24 * 3600;

/// The notification type a receiver sees (`type` in the body, "Notification type:").
pub fn notification_type(action: &str) -> &'static str {
    match action {
        "user.added" | "user.created" => "create_user",
        "user.role_changed" => "change_user_role",
        "user.disabled" => "disable_user",
        "user.deleted" => "delete_user",
        "user.two_factor_disabled" => "disable_two_factor",
        "auth.sign_in_locked" => "lock_sign_in",
        _ => "activity",
    }
}

/// Queues one delivery per reaction of every enabled trigger this entry matches.
pub async fn on_recorded(conn: &mut AnyConnection, entry: &Entry<'_>, activity_id: i64) -> Result<(), sqlx::Error> {
    let Some(condition) = Condition::for_action(entry.action) else {
        return Ok(()); // Most entries (sign-ins, settings) concern no trigger: no query at all.
    };
    let matches = store::matching(&mut *conn, condition).await?;
    if matches.is_empty() {
        return Ok(());
    }
    let details: Value = serde_json::from_str(&entry.details).unwrap_or_else(|_| json!({}));
    let target = target_of(&mut *conn, entry, &details).await?;
    let actor = actor_of(&mut *conn, entry, &details, target.invited_by).await?;
    let filter_role = match condition {
        Condition::RoleChanged => role_by_label(details["after"]["role"].as_str()),
        _ => target.role,
    };
    let mut body = json!({
        "type": notification_type(entry.action),
        "occurred_at": entry.at,
        "actor": actor,
        "target": {
            "id": entry.object_id,
            "name": target.name,
            "email": target.email,
            "role": target.role.map(Role::label),
        },
        "data": { "action": entry.action, "activity_id": activity_id, "details": details },
    });
    for m in matches {
        let wanted: Vec<&str> = m.roles.split(',').filter(|r| !r.is_empty()).collect();
        if !wanted.is_empty() && !filter_role.is_some_and(|r| wanted.contains(&r.code())) {
            continue;
        }
        let event_id = new_event_id();
        body["id"] = json!(event_id);
        body["trigger"] = json!({ "id": m.trigger_id, "name": m.trigger_name });
        let text = body.to_string();
        let new = NewDelivery {
            integration_id: m.integration_id,
            trigger_id: Some(m.trigger_id),
            event_id: &event_id,
            event_type: notification_type(entry.action),
            body: &text,
            now: entry.at,
            give_up_at: entry.at + RETRY_WINDOW_SECS,
        };
        queue::insert(&mut *conn, &new).await?;
    }
    // The worker looks a moment later, after the caller's commit (its poll catches the rest).
    super::delivery::wake();
    Ok(())
}

/// `evt_` and 32 hex digits: the receiver's key for dropping a repeated delivery.
pub fn new_event_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("evt_{}", hex::encode(bytes))
}

struct Target {
    name: String,
    email: String,
    role: Option<Role>,
    invited_by: Option<i64>,
}

/// The user the entry is about: from `users` while it exists, else from the entry itself
/// (a deleted user's details keep their email and role).
async fn target_of(conn: &mut AnyConnection, entry: &Entry<'_>, details: &Value) -> Result<Target, sqlx::Error> {
    if let Some(id) = entry.object_id.filter(|_| entry.object_type == "user") {
        let row = sqlx::query("SELECT first_name, last_name, email, role, invited_by FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            let (first, last): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            return Ok(Target {
                name: format!("{first} {last}"),
                email: row.try_get(2)?,
                role: row.try_get::<Role, _>(3).ok(),
                invited_by: row.try_get(4)?,
            });
        }
    }
    let before = &details["before"];
    Ok(Target {
        name: entry.object_name.to_string(),
        email: before["email"].as_str().unwrap_or(entry.actor_email).to_string(),
        role: role_by_label(before["role"].as_str()),
        invited_by: None,
    })
}

/// Who did it. A new account's own entry names the new user as actor: the one who added them
/// is whoever sent the invitation.
async fn actor_of(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    details: &Value,
    invited_by: Option<i64>,
) -> Result<Value, sqlx::Error> {
    if entry.action == "user.added" {
        if let Some(id) = invited_by {
            let row = sqlx::query("SELECT first_name, last_name, email FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(row) = row {
                let (first, last): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                let email: String = row.try_get(2)?;
                return Ok(json!({ "id": id, "name": format!("{first} {last}"), "email": email }));
            }
        }
        return Ok(json!({ "id": null, "name": details["invited_by"].as_str().unwrap_or(""), "email": null }));
    }
    if entry.action == "auth.sign_in_locked" {
        return Ok(json!({ "id": null, "name": "", "email": null, "ip": entry.ip }));
    }
    Ok(json!({ "id": entry.actor_id, "name": entry.actor_name, "email": entry.actor_email }))
}

fn role_by_label(label: Option<&str>) -> Option<Role> {
    let label = label?;
    Role::ALL.into_iter().find(|r| r.label() == label)
}
