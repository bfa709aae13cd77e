//! (ssr) One user's actions: edit name, change role, disable, enable, delete, turn 2FA off, end
//! their sessions. Every action runs in one transaction that first locks the target, then checks
//! the guards against the row as it stands, changes it, and records before and after in the
//! activity log. Bulk actions go through `apply` too, one user per transaction.

use super::store::{self, TargetUser};
use crate::activity::store::{self as activity, Event};
use crate::auth::Me;
use crate::context::Ctx;
use crate::db::Backend;
use crate::domain::{effective_permissions, AppError, FieldError, Permission, PersonName, Role, UserId, UserStatus};
use crate::invites::service as invites;
use serde_json::json;

pub const NO_SUCH_USER: &str = "That user no longer exists.";

/// A change to one user, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Name {
        first_name: PersonName,
        last_name: PersonName,
    },
    Role(Role),
    Disable,
    Enable,
    Delete,
    /// An admin turns off a user's 2FA (they lost their device): the secret and recovery codes
    /// go, the user's sessions end, and under a 2FA policy they must enrol again at once.
    DisableTwoFactor,
    /// An admin ends the slowing down of sign-ins to this account (see `auth::limits`): its
    /// email's failed-attempt counters go.
    Unlock,
    /// An admin signs the user out everywhere (the users list's Sessions dialog).
    EndSessions,
}

impl Change {
    /// Parses the edit form; every field's problem is reported at once.
    pub fn name(first_name: &str, last_name: &str) -> Result<Change, AppError> {
        let mut errors = Vec::new();
        match PersonName::parse_full(first_name, last_name, &mut errors) {
            Some((first_name, last_name)) => Ok(Change::Name { first_name, last_name }),
            None => Err(AppError::Invalid(errors)),
        }
    }

    pub fn role(code: &str) -> Result<Change, AppError> {
        Role::from_code(code)
            .map(Change::Role)
            .ok_or_else(|| FieldError::new("role", "Choose a role.").into())
    }

    /// Whether this change can leave a Global Administrator no longer an active one.
    fn can_remove_global_admin(&self) -> bool {
        match self {
            Change::Disable | Change::Delete => true,
            Change::Role(role) => *role != Role::GlobalAdministrator,
            Change::Name { .. } | Change::Enable | Change::DisableTwoFactor | Change::Unlock | Change::EndSessions => {
                false
            }
        }
    }
}

fn not_found() -> AppError {
    AppError::NotFound(NO_SUCH_USER.into())
}

/// The rules that do not depend on other users: not on yourself, Global Administrators only
/// by those who may manage them, nothing twice. Reasons are about the rule, not the user, so a
/// bulk summary can group them.
fn check(actor: &Me, target: &TargetUser, change: &Change) -> Result<(), AppError> {
    let forbidden = |msg: &str| Err(AppError::Forbidden(msg.into()));
    let conflict = |msg: &str| Err(AppError::Conflict(msg.into()));
    if actor.id.0 == target.id {
        match change {
            Change::Disable => return forbidden("You cannot disable yourself."),
            Change::Delete => return forbidden("You cannot delete yourself."),
            Change::Role(_) => return forbidden("You cannot change your own role."),
            Change::DisableTwoFactor => {
                return forbidden("Turn off your own two-factor authentication from your profile.")
            }
            Change::EndSessions => return forbidden("End your own sessions from Profile → Security."),
            Change::Name { .. } | Change::Enable | Change::Unlock => {}
        }
    }
    let may_manage_global_admins = actor.can(Permission::ManageGlobalAdmins);
    // Global Administrator rights by role or through a group: both are acting on one.
    if target.is_global_admin() && !may_manage_global_admins {
        return forbidden("Only a Global Administrator can change a Global Administrator.");
    }
    if *change == Change::Role(Role::GlobalAdministrator) && !may_manage_global_admins {
        return forbidden("Only a Global Administrator can grant the Global Administrator role.");
    }
    match change {
        Change::Disable if target.status == UserStatus::Disabled => conflict("Access is already disabled."),
        Change::Enable if target.status == UserStatus::Active => conflict("Access is already enabled."),
        Change::DisableTwoFactor if target.totp_enabled_at.is_none() => {
            conflict("Two-factor authentication is not on for this user.")
        }
        _ => Ok(()),
    }
}

/// The refusal when a change would leave no active Global Administrator.
fn last_global_admin(change: &Change) -> AppError {
    let verb = match change {
        Change::Disable => "disabled",
        Change::Delete => "deleted",
        _ => "demoted",
    };
    AppError::Conflict(format!("The last active Global Administrator cannot be {verb}."))
}

/// Applies one change to one user, atomically.
pub async fn apply(ctx: &Ctx, user: UserId, change: Change) -> Result<(), AppError> {
    let (state, actor) = (&ctx.state, &ctx.actor);
    let mut tx = state.db.begin().await?;
    // Race safety for "keep one active Global Administrator": PostgreSQL queues on the GA
    // rows; SQLite serialises writers, and `lock_user` below takes its write lock before we read.
    if change.can_remove_global_admin() && state.db.backend == Backend::Postgres {
        store::lock_active_global_admins(&mut *tx).await?;
    }
    if !store::lock_user(&mut *tx, user.0).await? {
        return Err(not_found());
    }
    let target = store::find_target(&mut tx, user.0).await?.ok_or_else(not_found)?;
    check(actor, &target, &change)?;
    let Some((action, details)) = write(&mut tx, ctx, &target, &change).await? else {
        return Ok(()); // Nothing to change (the same name or role again).
    };
    let was_active_global_admin = target.role == Role::GlobalAdministrator && target.status == UserStatus::Active;
    if was_active_global_admin
        && change.can_remove_global_admin()
        && store::count_active_global_admins(&mut *tx).await? == 0
    {
        return Err(last_global_admin(&change)); // Dropping `tx` rolls the change back.
    }
    let name = format!("{} {}", target.first_name, target.last_name);
    let event = Event {
        action,
        object_type: "user",
        object_id: Some(target.id),
        object_name: &name,
        details,
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes the change; returns the activity action and its before/after details, or None when
/// the change would change nothing.
async fn write(
    tx: &mut crate::db::Tx<'_>,
    ctx: &Ctx,
    target: &TargetUser,
    change: &Change,
) -> Result<Option<(&'static str, serde_json::Value)>, AppError> {
    let now = ctx.now;
    let id = target.id;
    let status = |s: &str| json!({ "status": s });
    let name = format!("{} {}", target.first_name, target.last_name);
    Ok(Some(match change {
        Change::Name { first_name, last_name } => {
            if *first_name == target.first_name && *last_name == target.last_name {
                return Ok(None);
            }
            store::set_name(&mut **tx, id, first_name.as_str(), last_name.as_str(), now).await?;
            (
                "user.updated",
                json!({
                    "before": { "first_name": target.first_name, "last_name": target.last_name },
                    "after": { "first_name": first_name, "last_name": last_name },
                }),
            )
        }
        Change::Role(role) => {
            if *role == target.role {
                return Ok(None);
            }
            store::set_role(&mut **tx, id, role.code(), now).await?;
            let after = effective_permissions(*role, target.group_roles.iter().copied());
            let why = format!("{name}, who sent it, may no longer invite with this role.");
            let revoked = invites::revoke_beyond_authority(tx, id, &after, &why, now).await?;
            (
                "user.role_changed",
                json!({
                    "before": { "role": target.role.label() },
                    "after": { "role": role.label() },
                    "pending_invites_revoked": revoked,
                }),
            )
        }
        Change::Disable => {
            // Sessions stay: the next request of any of them ends it and says why.
            store::set_disabled(&mut **tx, id, true, now).await?;
            let why = format!("{name}, who sent it, was disabled.");
            let revoked = invites::revoke_beyond_authority(tx, id, &[], &why, now).await?;
            (
                "user.disabled",
                json!({ "before": status("active"), "after": status("disabled"), "pending_invites_revoked": revoked }),
            )
        }
        Change::Enable => {
            store::set_disabled(&mut **tx, id, false, now).await?;
            // A session left over from before the disable must never come back to life.
            let ended = crate::auth::store::delete_sessions_of(&mut **tx, id).await?;
            (
                "user.enabled",
                json!({ "before": status("disabled"), "after": status("active"), "old_sessions_ended": ended }),
            )
        }
        Change::DisableTwoFactor => {
            let policy = crate::two_factor::policy::load(&mut **tx).await?;
            let must_enrol = policy.scope.covers(&target.permissions());
            crate::two_factor::service::remove(tx, id, must_enrol, now).await?;
            let ended = crate::auth::store::delete_sessions_of(&mut **tx, id).await?;
            crate::two_factor::service::notify_disabled_by_admin(tx, ctx, target).await?;
            (
                "user.two_factor_disabled",
                json!({
                    "before": { "two_factor": "on" },
                    "after": { "two_factor": "off" },
                    "sessions_ended": ended,
                    "must_enrol_at_next_sign_in": must_enrol,
                }),
            )
        }
        Change::Unlock => {
            if !crate::auth::limits::clear_in(tx, now, &target.email).await? {
                return Err(AppError::Conflict("Sign-in to this account is not locked.".into()));
            }
            (
                "user.unlocked",
                json!({ "before": { "sign_in": "locked" }, "after": { "sign_in": "unlocked" } }),
            )
        }
        Change::EndSessions => {
            let ended = crate::auth::store::delete_sessions_of(&mut **tx, id).await?;
            if ended == 0 {
                return Ok(None); // Nothing to end (they all ended already): nothing to log.
            }
            (
                "user.sessions_ended",
                json!({ "before": { "sessions": ended }, "after": { "sessions": 0 } }),
            )
        }
        Change::Delete => {
            let why = format!("{name}, who sent it, was deleted.");
            let revoked = invites::revoke_beyond_authority(tx, id, &[], &why, now).await?;
            store::delete_user(&mut **tx, id).await?;
            (
                "user.deleted",
                json!({
                    "before": {
                        "first_name": target.first_name,
                        "last_name": target.last_name,
                        "email": target.email,
                        "role": target.role.label(),
                        "status": target.status.code(),
                    },
                    "after": null,
                    "pending_invites_revoked": revoked,
                }),
            )
        }
    }))
}
