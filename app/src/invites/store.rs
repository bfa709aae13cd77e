//! (ssr) SQL for invitations.

use crate::domain::{InviteStatus, Role};
use sqlx::{Any, Executor, FromRow, Row};

pub struct NewInvite<'a> {
    pub email: &'a str,
    pub role: Role,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub token_hash: &'a str,
    pub invited_by: i64,
    pub invited_by_name: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// The email that carries the link, for an emailed invitation.
    pub outbox_id: Option<i64>,
}

pub async fn email_has_user<'c, E: Executor<'c, Database = Any>>(exec: E, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(exec)
        .await?
        .try_get(0)?;
    Ok(n > 0)
}

/// The role of the live invitation for this email, if there is one.
pub async fn pending_role<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
) -> Result<Option<Role>, sqlx::Error> {
    let row = sqlx::query("SELECT role FROM invites WHERE email = $1 AND status = 'pending'")
        .bind(email)
        .fetch_optional(exec)
        .await?;
    row.map(|r| crate::users::store::decode_role("role", r.try_get::<String, _>(0)?))
        .transpose()
}

/// Revokes the live invitation for this email, if any, so its link stops working.
pub async fn revoke_pending_for_email<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    email: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE invites SET status = 'revoked', revoked_at = $1 WHERE email = $2 AND status = 'pending'")
            .bind(now)
            .bind(email)
            .execute(exec)
            .await?
            .rows_affected(),
    )
}

pub async fn insert<'c, E: Executor<'c, Database = Any>>(exec: E, invite: &NewInvite<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO invites (email, role, first_name, last_name, token_hash, status, invited_by, invited_by_name, created_at, expires_at, outbox_id) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(invite.email)
    .bind(invite.role.code())
    .bind(invite.first_name)
    .bind(invite.last_name)
    .bind(invite.token_hash)
    .bind(invite.invited_by)
    .bind(invite.invited_by_name)
    .bind(invite.now)
    .bind(invite.expires_at)
    .bind(invite.outbox_id)
    .fetch_one(exec)
    .await?
    .try_get(0)
}

#[derive(Clone, Debug, FromRow)]
pub struct InviteRecord {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub status: InviteStatus,
    pub invited_by: Option<i64>,
    pub invited_by_name: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str =
    "id, email, role, first_name, last_name, status, invited_by, invited_by_name, created_at, expires_at";

pub async fn find_by_token_hash<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    hash: &str,
) -> Result<Option<InviteRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites WHERE token_hash = $1"))
        .bind(hash)
        .fetch_optional(exec)
        .await
}

pub async fn find<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<Option<InviteRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
}

/// Marks a pending invite used. Returns false if someone else used (or revoked) it first.
pub async fn mark_used<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    user_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invites SET status = 'used', used_at = $1, user_id = $2 WHERE id = $3 AND status = 'pending'",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(exec)
    .await?
    .rows_affected();
    Ok(done == 1)
}

pub async fn revoke<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE invites SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'pending'")
            .bind(now)
            .bind(id)
            .execute(exec)
            .await?
            .rows_affected();
    Ok(done == 1)
}

/// A pending invitation with the state of its email, if it was emailed.
#[derive(Clone, Debug, FromRow)]
pub struct PendingRecord {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by_name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub mail_status: Option<String>,
    pub mail_attempts: Option<i64>,
    pub mail_error: Option<String>,
    pub mail_sent_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

/// Pending invitations, newest first, and those Roster revoked since `revoked_since` because
/// their sender lost the right to send them (unless the email has been invited again or signed
/// up since), so the Pending tab can say what happened to them.
pub async fn list_pending<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    limit: i64,
    revoked_since: i64,
) -> Result<Vec<PendingRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.email, i.role, i.invited_by_name, i.created_at, i.expires_at, \
         o.status AS mail_status, o.attempts AS mail_attempts, o.last_error AS mail_error, o.sent_at AS mail_sent_at, \
         i.revoked_reason \
         FROM invites i LEFT JOIN outbox o ON o.id = i.outbox_id \
         WHERE i.status = 'pending' OR (i.status = 'revoked' AND i.revoked_reason IS NOT NULL \
           AND i.revoked_at >= $2 \
           AND NOT EXISTS (SELECT 1 FROM invites later WHERE later.email = i.email AND later.id > i.id) \
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = i.email)) \
         ORDER BY i.created_at DESC, i.id DESC LIMIT $1",
    )
    .bind(limit)
    .bind(revoked_since)
    .fetch_all(exec)
    .await
}

/// Revokes the still-pending invitations `inviter` sent (only those for the Global
/// Administrator role when `only_global_admin`), giving the reason the Pending tab shows.
pub async fn revoke_sent_by<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    inviter: i64,
    only_global_admin: bool,
    reason: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE invites SET status = 'revoked', revoked_at = $1, revoked_reason = $2 \
         WHERE invited_by = $3 AND status = 'pending' AND ($4 = 0 OR role = 'global_admin')",
    )
    .bind(now)
    .bind(reason)
    .bind(inviter)
    .bind(only_global_admin as i64)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Of `emails`, those that already belong to a user and those with a pending invitation, each
/// asked in batches of a few hundred (one statement per batch, not per email).
pub async fn taken_among(
    conn: &mut sqlx::AnyConnection,
    emails: &[&str],
) -> Result<(std::collections::HashSet<String>, std::collections::HashSet<String>), sqlx::Error> {
    const BATCH: usize = 500;
    let (mut users, mut invited) = (std::collections::HashSet::new(), std::collections::HashSet::new());
    for batch in emails.chunks(BATCH) {
        let list = (1..=batch.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT 'user', email FROM users WHERE email IN ({list}) \
             UNION ALL SELECT 'invite', email FROM invites WHERE status = 'pending' AND email IN ({list})"
        );
        let mut query = sqlx::query(&sql);
        for email in batch {
            query = query.bind(*email);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let email: String = row.try_get(1)?;
            match row.try_get::<String, _>(0)?.as_str() {
                "user" => users.insert(email),
                _ => invited.insert(email),
            };
        }
    }
    Ok((users, invited))
}

/// A write that changes nothing, first in a transaction: SQLite then takes its write lock
/// before the transaction reads anything, so its reads cannot go stale before it writes.
pub async fn lock_for_writing<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE invites SET status = status WHERE id = 0")
        .execute(exec)
        .await?;
    Ok(())
}
