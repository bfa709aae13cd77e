//! (ssr) Trigger rules: a trigger has a name, a condition, a role filter and at least one
//! reaction. Its owner manages it; ManageSettings sees and deletes all.

use super::store::{self, NewTrigger};
use super::{Condition, ReactionOption, TriggerForm, TriggerInfo};
use crate::activity::store::{self as activity, Event};
use crate::context::Ctx;
use crate::domain::{AppError, FieldError, Permission, Role};
use serde_json::json;

fn sees_all(ctx: &Ctx) -> bool {
    ctx.actor.permissions.contains(&Permission::ManageSettings)
}

pub async fn list(ctx: &Ctx) -> Result<Vec<TriggerInfo>, AppError> {
    let owner = (!sees_all(ctx)).then_some(ctx.actor.id.0);
    let rows = store::list(&ctx.state.db.pool, owner).await?;
    Ok(rows
        .into_iter()
        .map(|row| TriggerInfo {
            id: row.id,
            name: row.name,
            condition: row.condition,
            roles: roles_of(&row.roles).map(|r| r.label().to_string()).collect(),
            reactions: row
                .reactions
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            owner: row.owner_name,
            mine: row.owner_id == ctx.actor.id.0,
        })
        .collect())
}

fn roles_of(codes: &str) -> impl Iterator<Item = Role> + '_ {
    codes.split(',').filter_map(Role::from_code)
}

pub async fn options(ctx: &Ctx) -> Result<Vec<ReactionOption>, AppError> {
    let rows = crate::integrations::store::list(&ctx.state.db.pool).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.status == "active")
        .map(|r| ReactionOption {
            id: r.id,
            name: r.name,
            kind: r.kind.label().to_string(),
        })
        .collect())
}

pub async fn create(ctx: &Ctx, form: &TriggerForm) -> Result<i64, AppError> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter a name for the trigger."));
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "Use at most 100 characters, without control characters.",
        ));
    }
    let condition = Condition::from_code(form.condition.trim());
    if condition.is_none() {
        errors.push(FieldError::new("condition", "Choose a condition."));
    }
    let mut roles: Vec<Role> = Vec::new();
    for code in form.roles.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match Role::from_code(code) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None => errors.push(FieldError::new("roles", format!("There is no role {code:?}."))),
        }
    }
    let mut ids: Vec<i64> = Vec::new();
    for raw in form.integrations.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match raw.parse::<i64>() {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new("integrations", "Choose integrations from the list.")),
        }
    }
    if ids.is_empty() && errors.iter().all(|e| e.field != "integrations") {
        errors.push(FieldError::new(
            "integrations",
            "Choose at least one integration to notify.",
        ));
    }
    let (Some(condition), true) = (condition, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let mut tx = ctx.state.db.begin().await?;
    let known = crate::integrations::store::list(&mut *tx).await?;
    if ids.iter().any(|id| !known.iter().any(|k| k.id == *id)) {
        return Err(AppError::invalid(
            "integrations",
            "An integration you chose no longer exists.",
        ));
    }
    let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    let new = NewTrigger {
        name,
        condition,
        roles: &codes.join(","),
        owner_id: ctx.actor.id.0,
        now: ctx.now,
    };
    let id = store::insert(&mut tx, &new, &ids).await?;
    let after = json!({ "name": name, "condition": condition.label(),
                        "roles": roles.iter().map(|r| r.label()).collect::<Vec<_>>(), "integrations": ids });
    let event = Event {
        action: "trigger.created",
        object_type: "trigger",
        object_id: Some(id),
        object_name: name,
        details: json!({ "before": null, "after": after }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let not_found = || AppError::NotFound("There is no such trigger.".into());
    let mut tx = ctx.state.db.begin().await?;
    let (owner, name) = store::owner_of(&mut *tx, id).await?.ok_or_else(not_found)?;
    if owner != ctx.actor.id.0 && !sees_all(ctx) {
        // Someone else's trigger is invisible to this user: the same answer as none at all.
        return Err(not_found());
    }
    store::delete(&mut *tx, id).await?;
    let event = Event {
        action: "trigger.deleted",
        object_type: "trigger",
        object_id: Some(id),
        object_name: &name,
        details: json!({ "before": { "name": name }, "after": null }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}
