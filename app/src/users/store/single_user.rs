//! (ssr) SQL for the actions on one user (edit the name, change the role, disable, enable,
//! delete), read and written inside the action's transaction, and the Global Administrator
//! checks that guard them.

use crate::domain::{Role, UserStatus};
use sqlx::{Any, Executor, FromRow, Row};

/// The user an action is about, as it stands inside the action's transaction.
#[derive(Clone, Debug, FromRow)]
pub struct TargetUser {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: i64,
    /// Set while the user has 2FA on.
    pub totp_enabled_at: Option<i64>,
    /// An admin turned their 2FA off while a policy covered them (see migration 0008).
    pub totp_must_enrol: i64,
    /// The roles the user's groups grant (filled by [`find_target`] only).
    #[sqlx(skip)]
    pub group_roles: Vec<Role>,
}

impl TargetUser {
    /// What the user may do: their role's permissions and their groups'.
    pub fn permissions(&self) -> Vec<crate::domain::Permission> {
        crate::domain::effective_permissions(self.role, self.group_roles.iter().copied())
    }

    /// Holds Global Administrator rights, by role or through a group.
    pub fn is_global_admin(&self) -> bool {
        self.permissions()
            .contains(&crate::domain::Permission::ManageGlobalAdmins)
    }
}

/// PostgreSQL only (SQLite has no row locks): locks the active Global Administrators, in id
/// order, so concurrent actions that could remove the last one queue up instead of each
/// counting the other's target as still there.
pub async fn lock_active_global_admins<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM users WHERE role = 'global_admin' AND status = 'active' ORDER BY id FOR UPDATE")
        .fetch_all(exec)
        .await?;
    Ok(())
}

/// A write that changes nothing: it takes SQLite's write lock (before any read, so the
/// transaction never reads a stale snapshot) and PostgreSQL's row lock. False: no such user.
pub async fn lock_user<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// One user with the roles their groups grant (one row per membership, at least one row).
pub async fn find_target(tx: &mut crate::db::Tx<'_>, id: i64) -> Result<Option<TargetUser>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.status, u.created_at, u.totp_enabled_at, \
         u.totp_must_enrol, g.role AS group_role \
         FROM users u LEFT JOIN group_members m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id \
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut target = TargetUser::from_row(first)?;
    for row in &rows {
        if let Some(code) = row.try_get::<Option<String>, _>("group_role")? {
            target
                .group_roles
                .push(Role::from_code(&code).ok_or_else(|| sqlx::Error::ColumnDecode {
                    index: "groups.role".into(),
                    source: format!("unknown role code {code:?}").into(),
                })?);
        }
    }
    Ok(Some(target))
}

/// A role code read from `column`, or the error that names the column and the value.
pub fn decode_role(column: &str, code: String) -> Result<Role, sqlx::Error> {
    Role::try_from(code).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: Box::new(e),
    })
}

/// The addresses of every active Global Administrator, by their role or a group's.
pub async fn active_global_admin_emails<'c, E: Executor<'c, Database = Any>>(
    exec: E,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.email FROM users u WHERE u.status = 'active' AND (u.role = 'global_admin' OR EXISTS \
         (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id \
          WHERE m.user_id = u.id AND g.role = 'global_admin')) ORDER BY u.id",
    )
    .fetch_all(exec)
    .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

pub async fn set_name<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET first_name = $1, last_name = $2, updated_at = $3 WHERE id = $4")
        .bind(first_name)
        .bind(last_name)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_role<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    role: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Disables (`disabled_at` = now) or re-enables (`disabled_at` cleared) a user.
pub async fn set_disabled<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    id: i64,
    disabled: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = if disabled {
        "UPDATE users SET status = 'disabled', disabled_at = $1, updated_at = $1 WHERE id = $2"
    } else {
        "UPDATE users SET status = 'active', disabled_at = NULL, updated_at = $1 WHERE id = $2"
    };
    sqlx::query(sql).bind(now).bind(id).execute(exec).await?;
    Ok(())
}

/// Deletes the user; sessions and memberships go with it (ON DELETE CASCADE), references
/// elsewhere become NULL, and SQLite's search index follows by trigger.
pub async fn delete_user<'c, E: Executor<'c, Database = Any>>(exec: E, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn count_active_global_admins<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active'")
        .fetch_one(exec)
        .await?
        .try_get(0)
}
