//! (ssr) The 2FA policy: stored in settings, applied at sign-in.

use super::{Policy, PolicyForm, PolicyScope, MAX_GRACE_DAYS};
use crate::activity::store::{self as activity, Event};
use crate::context::Ctx;
use crate::domain::{AppError, FieldError, Permission};
use crate::settings::store as settings;
use sqlx::{Any, Executor};

const SCOPE: &str = "two_factor.policy";
const GRACE_DAYS: &str = "two_factor.grace_days";
const SINCE: &str = "two_factor.policy_since";

pub async fn load<'c, E: Executor<'c, Database = Any>>(exec: E) -> Result<Policy, sqlx::Error> {
    use sqlx::Row;
    let rows = sqlx::query("SELECT key, value FROM settings WHERE key IN ($1, $2, $3)")
        .bind(SCOPE)
        .bind(GRACE_DAYS)
        .bind(SINCE)
        .fetch_all(exec)
        .await?;
    let mut policy = Policy::default();
    for row in rows {
        let (key, value): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        match key.as_str() {
            SCOPE => policy.scope = PolicyScope::from_code(&value).unwrap_or_default(),
            GRACE_DAYS => policy.grace_days = settings::int_or(Some(&value), 0),
            _ => policy.since = settings::int_or(Some(&value), 0),
        }
    }
    Ok(policy)
}

/// Whether a user without 2FA must enrol before doing anything else, at `now`.
pub fn must_enrol_now(policy: &Policy, permissions: &[Permission], created_at: i64, flagged: bool, now: i64) -> bool {
    if !policy.scope.covers(permissions) {
        return false;
    }
    // An admin turned this user's 2FA off: no second grace period.
    flagged || now >= policy.since.max(created_at) + policy.grace_days * 86_400
}

fn parse(form: &PolicyForm) -> Result<(PolicyScope, i64), AppError> {
    let mut errors = Vec::new();
    let scope = PolicyScope::from_code(form.scope.trim());
    if scope.is_none() {
        errors.push(FieldError::new(
            "scope",
            "Choose who must use two-factor authentication.",
        ));
    }
    let grace = match form.grace_days.trim() {
        "" => Some(0),
        text => text.parse::<i64>().ok().filter(|d| (0..=MAX_GRACE_DAYS).contains(d)),
    };
    if grace.is_none() {
        errors.push(FieldError::new(
            "grace_days",
            format!("The grace period must be a whole number of days from 0 to {MAX_GRACE_DAYS}."),
        ));
    }
    match (scope, grace) {
        (Some(scope), Some(grace)) => Ok((scope, grace)),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Saves the policy. An admin cannot require 2FA of users that include themselves while they
/// have none: they would lock themselves into enrolment without having tried it.
pub async fn save(ctx: &Ctx, form: &PolicyForm, actor_has_two_factor: bool) -> Result<Policy, AppError> {
    let (scope, grace_days) = parse(form)?;
    if scope.covers(&ctx.actor.permissions) && !actor_has_two_factor {
        return Err(AppError::invalid(
            "scope",
            "Turn on two-factor authentication for your own account first (Profile): this policy includes you.",
        ));
    }
    let mut tx = ctx.state.db.begin().await?;
    let before = load(&mut *tx).await?;
    let stricter = strictness(scope) > strictness(before.scope);
    let since = if stricter { ctx.now } else { before.since };
    settings::set(&mut *tx, SCOPE, scope.code(), ctx.now).await?;
    settings::set(&mut *tx, GRACE_DAYS, &grace_days.to_string(), ctx.now).await?;
    settings::set(&mut *tx, SINCE, &since.to_string(), ctx.now).await?;
    let after = Policy {
        scope,
        grace_days,
        since,
    };
    if before.scope != after.scope || before.grace_days != after.grace_days {
        let details = serde_json::json!({
            "before": { "policy": before.scope.label(), "grace_days": before.grace_days },
            "after": { "policy": after.scope.label(), "grace_days": after.grace_days },
        });
        let event = Event {
            action: "settings.two_factor_policy_changed",
            object_type: "setting",
            object_id: None,
            object_name: "Two-factor authentication policy",
            details,
        };
        activity::record_event(&mut tx, ctx, event).await?;
    }
    tx.commit().await?;
    Ok(after)
}

fn strictness(scope: PolicyScope) -> u8 {
    match scope {
        PolicyScope::Off => 0,
        PolicyScope::Admins => 1,
        PolicyScope::Everyone => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn a_policy_confines_covered_users_after_the_grace_period() {
        let policy = Policy {
            scope: PolicyScope::Admins,
            grace_days: 2,
            since: 1_000_000,
        };
        let admin = Role::Administrator.permissions();
        assert!(!must_enrol_now(&policy, admin, 0, false, 1_000_000 + 86_400));
        assert!(must_enrol_now(&policy, admin, 0, false, 1_000_000 + 2 * 86_400));
        // Counted from the account's creation when it is newer than the policy.
        assert!(!must_enrol_now(
            &policy,
            admin,
            1_100_000,
            false,
            1_000_000 + 2 * 86_400
        ));
        // An analyst is not covered; an admin whose 2FA an admin turned off has no grace.
        assert!(!must_enrol_now(
            &policy,
            Role::Analyst.permissions(),
            0,
            true,
            2_000_000
        ));
        assert!(must_enrol_now(&policy, admin, 0, true, 1_000_001));
        let off = Policy::default();
        assert!(!must_enrol_now(&off, admin, 0, true, 5_000_000));
    }

    #[test]
    fn the_form_is_parsed_with_clear_messages() {
        let form = |scope: &str, grace: &str| PolicyForm {
            scope: scope.into(),
            grace_days: grace.into(),
        };
        assert_eq!(parse(&form("everyone", "7")).unwrap(), (PolicyScope::Everyone, 7));
        assert_eq!(parse(&form("off", "")).unwrap(), (PolicyScope::Off, 0));
        assert!(parse(&form("everyone", "31")).is_err());
        assert!(parse(&form("everyone", "-1")).is_err());
        assert!(parse(&form("sometimes", "1")).is_err());
    }
}
