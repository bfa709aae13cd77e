//! (ssr) Break-glass recovery, for `roster admin …` on the server's shell when nobody can sign
//! in: a new password or a one-time reset link for an account, and a Global Administrator when
//! no active one is left. Whoever can run these can read the database anyway; each still ends
//! the account's sessions and is logged with "command line" as its actor.

use super::service::{issue, reset_url};
use crate::activity::store::{self as activity, Entry};
use crate::auth::limits;
use crate::auth::secrets::hash_password;
use crate::auth::service::{check_new_password, full_name, public_url};
use crate::auth::store::{self as auth_store, find_user_by_email, UserRecord};
use crate::db::{is_unique_violation, Tx};
use crate::domain::{AppError, Email, PersonName, Role, UserStatus};
use crate::mail::notices::{security_notice, SecurityNotice, IF_NOT_YOU};
use crate::mail::outbox;
use crate::state::AppState;
use crate::users::accounts::{self, NewUser};

/// The actor of every entry these commands write (with no actor id).
pub const OPERATOR: &str = "command line";
const FROM: &str = "the server's command line";

#[derive(Clone, Copy, Debug, Default)]
pub struct ResetOptions {
    /// Turn the account's 2FA off too (its owner lost their device).
    pub disable_2fa: bool,
    /// Clear the account's failed sign-in count.
    pub unlock: bool,
}

/// What a reset did, for the operator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResetDone {
    pub sessions_ended: u64,
    pub two_factor_disabled: bool,
    /// The account is disabled: the new password works only once it is enabled again.
    pub account_disabled: bool,
}

/// A printed reset link and when it stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintedLink {
    pub url: String,
    pub expires_at: i64,
    pub done: ResetDone,
}

fn no_user(email: &Email) -> AppError {
    AppError::NotFound(format!("No user with email {email}."))
}

fn check_password(password: &str) -> Result<(), AppError> {
    let mut errors = Vec::new();
    check_new_password(password, password, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Sets the account's password; its sessions, sign-in challenges and reset links end.
pub async fn reset_password(
    state: &AppState,
    email: &Email,
    password: String,
    options: ResetOptions,
) -> Result<ResetDone, AppError> {
    check_password(&password)?;
    let user = find_user_by_email(&state.db.pool, email.as_str())
        .await?
        .ok_or_else(|| no_user(email))?;
    let password_hash = hash_password(password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    accounts::set_password_hash(&mut *tx, user.id, &password_hash, now).await?;
    super::store::cancel_live(&mut *tx, user.id, now).await?;
    let done = end_access(&mut tx, &user, options, now).await?;
    let details = serde_json::json!({
        "sessions_ended": done.sessions_ended,
        "two_factor_disabled": done.two_factor_disabled,
        "unlocked": options.unlock,
    });
    record(&mut tx, &user, "auth.password_reset", details, now).await?;
    let what = "The password of your Roster account was reset from the server's command line, and every session of yours was signed out.";
    notify(&mut tx, &user, "Your Roster password was changed", what, now).await?;
    tx.commit().await?;
    finish(state, &user, options).await?;
    Ok(done)
}

/// A one-time reset link for the account (the same as "Forgot password?" sends, but printed),
/// which cancels its older links.
pub async fn reset_link(state: &AppState, email: &Email, options: ResetOptions) -> Result<PrintedLink, AppError> {
    let user = find_user_by_email(&state.db.pool, email.as_str())
        .await?
        .ok_or_else(|| no_user(email))?;
    if user.status != UserStatus::Active {
        return Err(AppError::Conflict(format!(
            "The access of {email} is disabled, so a reset link would not work. Enable the account first, or set its password with --password-stdin."
        )));
    }
    let base_url = public_url(state).await?.ok_or_else(|| {
        AppError::Conflict(
            "The console URL is not known (setup saves it): set ROSTER_PUBLIC_URL so a link can be made.".into(),
        )
    })?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (token, expires_at) = issue(&mut tx, user.id, now).await?;
    let done = end_access(&mut tx, &user, options, now).await?;
    let details = serde_json::json!({
        "expires_in_minutes": super::service::LINK_SECS / 60,
        "sessions_ended": done.sessions_ended,
        "two_factor_disabled": done.two_factor_disabled,
        "unlocked": options.unlock,
    });
    record(&mut tx, &user, "auth.password_reset_link_created", details, now).await?;
    tx.commit().await?;
    finish(state, &user, options).await?;
    Ok(PrintedLink {
        url: reset_url(&base_url, &token),
        expires_at,
        done,
    })
}

/// Ends the account's sessions and sign-in challenges, and its 2FA if asked to.
async fn end_access(
    tx: &mut Tx<'_>,
    user: &UserRecord,
    options: ResetOptions,
    now: i64,
) -> Result<ResetDone, AppError> {
    let sessions_ended = auth_store::delete_sessions_of(&mut **tx, user.id).await?;
    crate::auth::challenges::delete_for_user(&mut **tx, user.id).await?;
    let mut two_factor_disabled = false;
    if options.disable_2fa && user.totp_enabled_at.is_some() {
        // As when an admin does it: a user a 2FA policy covers must enrol again at sign-in.
        let policy = crate::two_factor::policy::load(&mut **tx).await?;
        let target = crate::users::store::find_target(tx, user.id).await?;
        let must_enrol = target.is_some_and(|t| policy.scope.covers(&t.permissions()));
        crate::two_factor::service::remove(tx, user.id, must_enrol, now).await?;
        let details = serde_json::json!({
            "before": { "two_factor": "on" },
            "after": { "two_factor": "off" },
            "must_enrol_at_next_sign_in": must_enrol,
        });
        record(tx, user, "user.two_factor_disabled", details, now).await?;
        let what = "Two-factor authentication was turned off for your Roster account from the server's command line.";
        notify(tx, user, "Two-factor authentication was turned off", what, now).await?;
        two_factor_disabled = true;
    }
    Ok(ResetDone {
        sessions_ended,
        two_factor_disabled,
        account_disabled: user.status != UserStatus::Active,
    })
}

async fn finish(state: &AppState, user: &UserRecord, options: ResetOptions) -> Result<(), AppError> {
    if options.unlock {
        limits::clear(state, &user.email).await?;
    }
    // The notices wait in the outbox for the running server's worker.
    state.mail.wake_worker();
    Ok(())
}

/// Names for a new admin when none are given: the email's local part, "Administrator".
pub fn default_names(email: &Email) -> (String, String) {
    let local = email.as_str().split('@').next().unwrap_or_default();
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    let first = words.join(" ");
    let first = if PersonName::parse("first_name", "First name", &first).is_ok() {
        first
    } else {
        "Roster".to_string()
    };
    (first, "Administrator".to_string())
}

/// Creates an active Global Administrator, only when no active one exists. Returns their id.
pub async fn create_admin(
    state: &AppState,
    email: &Email,
    first_name: &str,
    last_name: &str,
    password: String,
) -> Result<i64, AppError> {
    let mut errors = Vec::new();
    let names = PersonName::parse_full(first_name, last_name, &mut errors);
    check_new_password(&password, &password, &mut errors);
    let (Some((first_name, last_name)), true) = (names, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let password_hash = hash_password(password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let user = NewUser {
        email: email.as_str(),
        first_name: first_name.as_str(),
        last_name: last_name.as_str(),
        password_hash: &password_hash,
        role: Role::GlobalAdministrator,
        invited_by: None,
        now,
    };
    // The insert first: on SQLite it takes the write lock, so the check below sees every
    // other admin that a racing command could have made.
    let user_id = match accounts::insert_user(&mut *tx, &user).await {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(format!(
                "A user with email {email} already exists. To get into that account, use: roster admin reset-password --email {email}"
            )))
        }
        other => other?,
    };
    if super::store::active_global_admins(&mut *tx, user_id).await? > 0 {
        return Err(AppError::Conflict(
            "An active Global Administrator already exists, so none was created. To get into their account, use: roster admin reset-password --email <their email>".into(),
        ));
    }
    // On a database nobody set up yet, this is the first account: /setup closes.
    if !auth_store::setup_completed(&mut *tx).await? {
        auth_store::claim_setup(&mut *tx, now).await?;
        auth_store::record_first_user(&mut *tx, user_id).await?;
    }
    let created = auth_store::find_user_by_id(&mut *tx, user_id)
        .await?
        .ok_or_else(|| AppError::internal("the new admin", "not found after insert"))?;
    let details = serde_json::json!({ "role": Role::GlobalAdministrator.label(), "status": "active" });
    record(&mut tx, &created, "user.created", details, now).await?;
    tx.commit().await?;
    Ok(user_id)
}

async fn record(
    tx: &mut Tx<'_>,
    user: &UserRecord,
    action: &str,
    details: serde_json::Value,
    now: i64,
) -> Result<(), AppError> {
    let name = full_name(user);
    let entry = Entry {
        at: now,
        actor_id: None,
        actor_name: OPERATOR,
        action,
        object_type: "user",
        object_id: Some(user.id),
        object_name: &name,
        success: true,
        details: details.to_string(),
        ..Entry::default()
    };
    activity::record(tx, &entry).await?;
    Ok(())
}

async fn notify(tx: &mut Tx<'_>, user: &UserRecord, subject: &str, what: &str, now: i64) -> Result<(), AppError> {
    let mail = security_notice(&SecurityNotice {
        to: &user.email,
        first_name: &user.first_name,
        subject,
        what,
        at: now,
        ip: FROM,
        user_agent: "roster admin",
        link_label: "",
        link: "",
        advice: IF_NOT_YOU,
    });
    outbox::queue(&mut **tx, &mail, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_names;
    use crate::domain::Email;

    #[test]
    fn default_names_come_from_the_email() {
        let names = |e: &str| default_names(&Email::parse(e).unwrap());
        assert_eq!(
            names("jane.doe@example.com"),
            ("Jane Doe".into(), "Administrator".into())
        );
        assert_eq!(
            names("ops+roster@example.com"),
            ("Ops Roster".into(), "Administrator".into())
        );
        assert_eq!(names("x@example.com"), ("X".into(), "Administrator".into()));
    }
}
