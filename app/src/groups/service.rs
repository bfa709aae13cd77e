//! (ssr) Group rules: valid, case-insensitively unique names; only Global Administrators act on
//! anything that grants or holds the Global Administrator role; memberships change, users never.

use super::store::{self, GroupRecord, GroupValues};
use super::{
    name_key, parse_description, parse_group_name, parse_role, GroupForm, GroupMember, GroupSummary, Membership,
};
use crate::activity::store::{self as activity, Event};
use crate::auth::service::collect;
use crate::auth::Me;
use crate::context::Ctx;
use crate::db::{is_unique_violation, Tx};
use crate::domain::{effective_permissions, AppError, Permission, Role, UserStatus};
use crate::state::AppState;
use crate::users::store::TargetUser;
use serde_json::json;

/// A group form that passed every rule.
struct ValidGroup {
    name: String,
    key: String,
    description: String,
    role: Role,
}

impl ValidGroup {
    fn values(&self) -> GroupValues<'_> {
        GroupValues {
            name: &self.name,
            name_key: &self.key,
            description: &self.description,
            role: self.role.code(),
        }
    }
}

fn parse(form: &GroupForm) -> Result<ValidGroup, AppError> {
    let mut errors = Vec::new();
    let name = collect(parse_group_name(&form.name), &mut errors);
    let description = collect(parse_description(&form.description), &mut errors);
    let role = collect(parse_role(&form.role), &mut errors);
    match (name, description, role) {
        (Some(name), Some(description), Some(role)) if errors.is_empty() => Ok(ValidGroup {
            key: name_key(&name),
            name,
            description,
            role,
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

fn duplicate_name(name: &str) -> AppError {
    AppError::invalid("name", format!("A group named “{name}” already exists."))
}

fn missing_group() -> AppError {
    AppError::NotFound("That group no longer exists.".into())
}

fn missing_user() -> AppError {
    AppError::NotFound("That user no longer exists.".into())
}

/// Granting the Global Administrator role, or acting on what holds it, is acting on Global
/// Administrators.
fn require_global_admin(actor: &Me, involved: bool, doing: &str) -> Result<(), AppError> {
    if involved && !actor.can(Permission::ManageGlobalAdmins) {
        return Err(AppError::Forbidden(format!("Only a Global Administrator can {doing}.")));
    }
    Ok(())
}

pub async fn list(state: &AppState) -> Result<Vec<GroupSummary>, AppError> {
    Ok(store::list(&state.db.pool)
        .await?
        .into_iter()
        .map(|g| GroupSummary {
            role: g.role,
            id: g.id,
            name: g.name,
            description: g.description,
            member_count: g.member_count,
        })
        .collect())
}

pub async fn members(state: &AppState, group_id: i64) -> Result<Vec<GroupMember>, AppError> {
    let pool = &state.db.pool;
    store::find(pool, group_id).await?.ok_or_else(missing_group)?;
    Ok(store::members(pool, group_id)
        .await?
        .into_iter()
        .map(|u| GroupMember {
            id: u.id,
            name: format!("{} {}", u.first_name, u.last_name),
            role: u.role,
            disabled: u.status == UserStatus::Disabled,
            email: u.email,
        })
        .collect())
}

pub async fn create(ctx: &Ctx, form: GroupForm) -> Result<i64, AppError> {
    let (actor, now) = (&ctx.actor, ctx.now);
    let group = parse(&form)?;
    require_global_admin(
        actor,
        group.role == Role::GlobalAdministrator,
        "create a group with the Global Administrator role",
    )?;
    let mut tx = ctx.state.db.begin().await?;
    let id = match store::insert(&mut *tx, &group.values(), now).await {
        Err(e) if is_unique_violation(&e) => return Err(duplicate_name(&group.name)),
        other => other?,
    };
    let details = json!({ "role": group.role.label(), "description": group.description });
    record(&mut tx, ctx, "group.created", id, &group.name, details).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, group_id: i64, form: GroupForm) -> Result<(), AppError> {
    let (actor, now) = (&ctx.actor, ctx.now);
    let mut tx = ctx.state.db.begin().await?;
    // An unknown group is reported before the form's problems: there is nothing to fix it for.
    let before = store::lock(&mut *tx, group_id).await?.ok_or_else(missing_group)?;
    let group = parse(&form)?;
    require_global_admin(
        actor,
        before.role == Role::GlobalAdministrator,
        "change a group with the Global Administrator role",
    )?;
    require_global_admin(
        actor,
        group.role == Role::GlobalAdministrator,
        "grant the Global Administrator role to a group",
    )?;
    let unchanged = before.name == group.name && before.description == group.description && before.role == group.role;
    if unchanged {
        return Ok(());
    }
    match store::update(&mut *tx, group_id, &group.values(), now).await {
        Err(e) if is_unique_violation(&e) => return Err(duplicate_name(&group.name)),
        other => other?,
    }
    let details = json!({
        "before": snapshot(&before.name, &before.description, before.role),
        "after": snapshot(&group.name, &group.description, group.role),
    });
    record(&mut tx, ctx, "group.updated", group_id, &group.name, details).await?;
    tx.commit().await?;
    Ok(())
}

fn snapshot(name: &str, description: &str, role: Role) -> serde_json::Value {
    json!({ "name": name, "description": description, "role": role.label() })
}

pub async fn delete(ctx: &Ctx, group_id: i64) -> Result<(), AppError> {
    let actor = &ctx.actor;
    let mut tx = ctx.state.db.begin().await?;
    let group = store::lock(&mut *tx, group_id).await?.ok_or_else(missing_group)?;
    require_global_admin(
        actor,
        group.role == Role::GlobalAdministrator,
        "delete a group with the Global Administrator role",
    )?;
    let members = store::member_count(&mut *tx, group_id).await?;
    store::delete(&mut *tx, group_id).await?;
    let details = json!({ "role": group.role.label(), "members": members });
    record(&mut tx, ctx, "group.deleted", group_id, &group.name, details).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a user to a group or removes them from it. The user's account is never touched.
pub async fn change_member(ctx: &Ctx, group_id: i64, user_id: i64, change: Membership) -> Result<(), AppError> {
    let (actor, now) = (&ctx.actor, ctx.now);
    let mut tx = ctx.state.db.begin().await?;
    let group = store::lock(&mut *tx, group_id).await?.ok_or_else(missing_group)?;
    require_global_admin(
        actor,
        group.role == Role::GlobalAdministrator,
        "change the members of a group with the Global Administrator role",
    )?;
    let user = crate::users::store::find_target(&mut tx, user_id)
        .await?
        .ok_or_else(missing_user)?;
    let user_name = format!("{} {}", user.first_name, user.last_name);
    let action = match change {
        Membership::Add => {
            require_global_admin(actor, user.is_global_admin(), "add a Global Administrator to a group")?;
            add(&mut tx, &group, &user, now).await?;
            "group.member_added"
        }
        Membership::Remove => {
            require_global_admin(
                actor,
                user.is_global_admin(),
                "remove a Global Administrator from a group",
            )?;
            if !store::remove_member(&mut *tx, group_id, user_id).await? {
                return Err(AppError::NotFound(format!("{} is not in {}.", user.email, group.name)));
            }
            // What the user may still do without this group: invitations beyond it are revoked.
            let mut remaining = user.group_roles.clone();
            if let Some(at) = remaining.iter().position(|r| *r == group.role) {
                remaining.remove(at);
            }
            let after = effective_permissions(user.role, remaining);
            let why = format!(
                "{user_name}, who sent it, left the group {} and may no longer send it.",
                group.name
            );
            crate::invites::service::revoke_beyond_authority(&mut tx, user.id, &after, &why, now).await?;
            "group.member_removed"
        }
    };
    let details = json!({ "user_id": user.id, "user_name": user_name, "user_email": user.email });
    record(&mut tx, ctx, action, group_id, &group.name, details).await?;
    tx.commit().await?;
    Ok(())
}

async fn add(tx: &mut Tx<'_>, group: &GroupRecord, user: &TargetUser, now: i64) -> Result<(), AppError> {
    let already = || AppError::Conflict(format!("{} is already in {}.", user.email, group.name));
    if store::is_member(&mut **tx, group.id, user.id).await? {
        return Err(already());
    }
    match store::add_member(&mut **tx, group.id, user.id, now).await {
        Err(e) if is_unique_violation(&e) => Err(already()),
        other => Ok(other?),
    }
}

async fn record(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    action: &str,
    group_id: i64,
    group_name: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let event = Event {
        action,
        object_type: "group",
        object_id: Some(group_id),
        object_name: group_name,
        details,
    };
    activity::record_event(tx, ctx, event).await?;
    Ok(())
}
