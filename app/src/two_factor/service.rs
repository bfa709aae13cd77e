//! (ssr) Two-factor rules: enrolment (a pending secret confirmed by a current code and the
//! password), recovery codes, checking a second factor (each TOTP step and each recovery code
//! good once, decided by one statement), and turning 2FA off.

use super::{recovery, store, totp, Enrolment, TwoFactorStatus};
use crate::activity::store::{self as activity, Event};
use crate::auth::limits::{self, Admission, PER_EMAIL};
use crate::auth::service::confirm_password;
use crate::context::Ctx;
use crate::crypto;
use crate::db::Tx;
use crate::domain::{AppError, FieldError};
use crate::mail::notices::{security_notice, SecurityNotice};
use crate::mail::outbox;
use crate::state::AppState;
use crate::users::accounts;

/// How long a shown secret waits for its first code.
pub const ENROLMENT_SECS: i64 = 10 * 60;

pub const WRONG_CODE: &str =
    "That code is not right. Check that your device's clock is correct and enter the current code.";
const CODE_FORMAT: &str = "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";
const TOTP_FORMAT: &str = "Enter the 6-digit code from your authenticator app.";
const WRONG_PASSWORD: &str = "Your password is not right.";
const NOT_ON: &str = "Two-factor authentication is not on for this account.";

/// Which second factor a code turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    Totp,
    Recovery { left: i64 },
}

/// A code as typed: six digits or a recovery code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedCode {
    Totp(String),
    Recovery(String),
}

impl TypedCode {
    pub fn parse(field: &str, input: &str) -> Result<TypedCode, AppError> {
        if let Some(code) = totp::parse_code(input) {
            Ok(TypedCode::Totp(code))
        } else if let Some(code) = recovery::parse(input) {
            Ok(TypedCode::Recovery(code))
        } else {
            Err(AppError::invalid(field, CODE_FORMAT))
        }
    }
}

fn secret_purpose(user_id: i64) -> String {
    format!("users.totp_secret:{user_id}")
}

fn open_secret(state: &AppState, user_id: i64, sealed: &str) -> Result<Vec<u8>, AppError> {
    crypto::open(state.config.key(), &secret_purpose(user_id), sealed)
        .and_then(|encoded| totp::from_base32(&encoded))
        .ok_or_else(|| AppError::internal("a TOTP secret did not open", "wrong instance key or damaged value"))
}

/// Checks and uses up a second factor of `user_id`: a TOTP code for a step later than the last
/// one used, or an unused recovery code. `Ok(None)` is a wrong code.
pub async fn consume(
    state: &AppState,
    tx: &mut Tx<'_>,
    user_id: i64,
    code: &TypedCode,
    now: i64,
) -> Result<Option<SecondFactor>, AppError> {
    match code {
        TypedCode::Totp(code) => {
            // Read outside the transaction: its first statement is then the write, which on
            // SQLite takes the lock rather than failing to upgrade a read.
            let Some(current) = accounts::totp_state(&state.db.pool, user_id).await? else {
                return Ok(None);
            };
            let Some(sealed) = current.totp_secret_enc.filter(|_| current.totp_enabled_at.is_some()) else {
                return Ok(None);
            };
            let secret = open_secret(state, user_id, &sealed)?;
            let Some(step) = totp::matching_step(&secret, code, now, current.totp_last_step) else {
                return Ok(None);
            };
            // Two requests with one code: only one moves the step forward.
            Ok(accounts::advance_totp_step(&mut **tx, user_id, step)
                .await?
                .then_some(SecondFactor::Totp))
        }
        TypedCode::Recovery(code) => {
            let hash = recovery::hash(state.config.key(), code);
            if !store::use_recovery_code(&mut **tx, user_id, &hash, now).await? {
                return Ok(None);
            }
            let left = store::recovery_codes_left(&mut **tx, user_id).await?;
            Ok(Some(SecondFactor::Recovery { left }))
        }
    }
}

/// A wrong code counts toward the account's sign-in limit, as a wrong password does.
pub async fn count_wrong_code(state: &AppState, email: &str, ip: &str) -> Result<(), AppError> {
    if let Admission::Reserved(reservation) =
        limits::reserve(state, &[(PER_EMAIL, email), (limits::PER_ADDRESS, ip)]).await?
    {
        limits::keep(reservation);
    }
    Ok(())
}

pub async fn status(ctx: &Ctx) -> Result<TwoFactorStatus, AppError> {
    let pool = &ctx.state.db.pool;
    let current = accounts::totp_state(pool, ctx.actor.id.0)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let policy = super::policy::load(pool).await?;
    Ok(TwoFactorStatus {
        enabled_at: current.totp_enabled_at,
        recovery_codes_left: store::recovery_codes_left(pool, ctx.actor.id.0).await?,
        required: policy.scope.covers(&ctx.actor.permissions),
    })
}

/// Shows a new secret (the QR code and the key) that becomes active once confirmed.
pub async fn start(ctx: &Ctx) -> Result<Enrolment, AppError> {
    let user_id = ctx.actor.id.0;
    let pool = &ctx.state.db.pool;
    let current = accounts::totp_state(pool, user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if current.totp_enabled_at.is_some() {
        return Err(AppError::Conflict("Two-factor authentication is already on.".into()));
    }
    let secret = totp::new_secret();
    let encoded = totp::base32(&secret);
    let sealed = crypto::seal(ctx.state.config.key(), &secret_purpose(user_id), &encoded);
    let expires_at = ctx.now + ENROLMENT_SECS;
    store::put_enrolment(pool, user_id, &sealed, ctx.now, expires_at).await?;
    let issuer = issuer(&ctx.state).await?;
    let url = totp::otpauth_url(&secret, &issuer, &ctx.actor.email);
    Ok(Enrolment {
        qr_svg: totp::qr_svg(&url),
        key: totp::key_in_groups(&encoded),
        issuer,
        account: ctx.actor.email.clone(),
        expires_at,
    })
}

/// "Roster" and the console's host, so one authenticator tells several consoles apart.
async fn issuer(state: &AppState) -> Result<String, AppError> {
    let host = crate::auth::service::public_url(state)
        .await?
        .and_then(|u| url_host(&u))
        .unwrap_or_default();
    Ok(if host.is_empty() {
        "Roster".into()
    } else {
        format!("Roster ({host})")
    })
}

fn url_host(console_url: &str) -> Option<String> {
    let url = url::Url::parse(console_url).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// The password and a code, both required, checked in that order: the password first, so a
/// code cannot be tried without it.
fn require_password_and_code(password: &str, code: &str, code_field: &str) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if code.trim().is_empty() {
        errors.push(FieldError::new(code_field, TOTP_FORMAT));
    }
    if password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password."));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

async fn check_password(ctx: &Ctx, password: String) -> Result<(), AppError> {
    if confirm_password(&ctx.state, &ctx.actor.email, password).await? {
        Ok(())
    } else {
        Err(AppError::invalid("password", WRONG_PASSWORD))
    }
}

/// Confirms the pending secret with a current code and the password: 2FA is on, and the user
/// gets their recovery codes (shown this once).
pub async fn enable(ctx: &Ctx, code: &str, password: String) -> Result<Vec<String>, AppError> {
    require_password_and_code(&password, code, "code")?;
    let code = totp::parse_code(code).ok_or_else(|| AppError::invalid("code", TOTP_FORMAT))?;
    let user_id = ctx.actor.id.0;
    let state = &ctx.state;
    let expired = || AppError::Conflict("The setup expired. Choose Enable to start again.".into());
    let sealed = store::live_enrolment(&state.db.pool, user_id, ctx.now)
        .await?
        .ok_or_else(expired)?;
    check_password(ctx, password).await?;
    let secret = open_secret(state, user_id, &sealed)?;
    let Some(step) = totp::matching_step(&secret, &code, ctx.now, None) else {
        return Err(AppError::invalid("code", WRONG_CODE));
    };
    let codes = recovery::generate();
    let mut tx = state.db.begin().await?;
    if !accounts::enable_totp(&mut *tx, user_id, &sealed, step, ctx.now).await? {
        return Err(AppError::Conflict("Two-factor authentication is already on.".into()));
    }
    store::delete_enrolment(&mut *tx, user_id).await?;
    replace_recovery_codes(state, &mut tx, user_id, &codes, ctx.now).await?;
    crate::auth::store::release_enrol_only_sessions(&mut *tx, user_id).await?;
    record_own(
        &mut tx,
        ctx,
        "two_factor.enabled",
        serde_json::json!({ "before": "off", "after": "on" }),
    )
    .await?;
    notify_owner(
        &mut tx,
        ctx,
        "Two-factor authentication was turned on",
        "Two-factor authentication was turned on for your Roster account. Signing in now needs a code from your authenticator app.",
    )
    .await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(codes)
}

async fn replace_recovery_codes(
    state: &AppState,
    tx: &mut Tx<'_>,
    user_id: i64,
    codes: &[String],
    now: i64,
) -> Result<(), AppError> {
    store::delete_recovery_codes(&mut **tx, user_id).await?;
    for code in codes {
        store::insert_recovery_code(&mut **tx, user_id, &recovery::hash(state.config.key(), code), now).await?;
    }
    Ok(())
}

/// Password and a current code (or recovery code) of the signed-in user, for changes to their 2FA.
async fn confirm_both(ctx: &Ctx, tx: &mut Tx<'_>, password: String, code: &str) -> Result<SecondFactor, AppError> {
    require_password_and_code(&password, code, "code")?;
    let code = TypedCode::parse("code", code)?;
    check_password(ctx, password).await?;
    match consume(&ctx.state, tx, ctx.actor.id.0, &code, ctx.now).await? {
        Some(factor) => Ok(factor),
        None => {
            count_wrong_code(&ctx.state, &ctx.actor.email, &ctx.meta.ip).await?;
            Err(AppError::invalid("code", WRONG_CODE))
        }
    }
}

async fn require_on(ctx: &Ctx) -> Result<(), AppError> {
    let current = accounts::totp_state(&ctx.state.db.pool, ctx.actor.id.0)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if current.totp_enabled_at.is_none() {
        return Err(AppError::Conflict(NOT_ON.into()));
    }
    Ok(())
}

/// A new set of recovery codes; the old set stops working.
pub async fn regenerate(ctx: &Ctx, password: String, code: &str) -> Result<Vec<String>, AppError> {
    require_on(ctx).await?;
    let state = &ctx.state;
    let mut tx = state.db.begin().await?;
    let factor = confirm_both(ctx, &mut tx, password, code).await?;
    let codes = recovery::generate();
    replace_recovery_codes(state, &mut tx, ctx.actor.id.0, &codes, ctx.now).await?;
    record_used_recovery_code(&mut tx, ctx, factor).await?;
    record_own(
        &mut tx,
        ctx,
        "two_factor.recovery_codes_regenerated",
        serde_json::json!({ "codes": codes.len() }),
    )
    .await?;
    notify_owner(
        &mut tx,
        ctx,
        "New recovery codes for your Roster account",
        "A new set of recovery codes was made for your Roster account. The old codes no longer work.",
    )
    .await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(codes)
}

/// The user turns their own 2FA off, with their password and a code (or a recovery code).
/// Refused while a 2FA policy covers them.
pub async fn disable_own(ctx: &Ctx, password: String, code: &str) -> Result<(), AppError> {
    require_on(ctx).await?;
    let state = &ctx.state;
    let policy = super::policy::load(&state.db.pool).await?;
    if policy.scope.covers(&ctx.actor.permissions) {
        return Err(AppError::Forbidden(
            "Your organisation requires two-factor authentication: it cannot be turned off.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let factor = confirm_both(ctx, &mut tx, password, code).await?;
    record_used_recovery_code(&mut tx, ctx, factor).await?;
    remove(&mut tx, ctx.actor.id.0, false, ctx.now).await?;
    record_own(
        &mut tx,
        ctx,
        "two_factor.disabled",
        serde_json::json!({ "before": "on", "after": "off" }),
    )
    .await?;
    notify_owner(
        &mut tx,
        ctx,
        "Two-factor authentication was turned off",
        "Two-factor authentication was turned off for your Roster account. Signing in now needs only your password.",
    )
    .await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(())
}

/// Removes the user's TOTP secret, recovery codes, pending enrolment and sign-in challenges.
pub async fn remove(tx: &mut Tx<'_>, user_id: i64, must_enrol: bool, now: i64) -> Result<(), AppError> {
    accounts::clear_totp(&mut **tx, user_id, must_enrol, now).await?;
    store::delete_recovery_codes(&mut **tx, user_id).await?;
    store::delete_enrolment(&mut **tx, user_id).await?;
    crate::auth::challenges::delete_for_user(&mut **tx, user_id).await?;
    Ok(())
}

async fn record_own(tx: &mut Tx<'_>, ctx: &Ctx, action: &str, details: serde_json::Value) -> Result<(), AppError> {
    let name = ctx.actor.display_name();
    let event = Event {
        action,
        object_type: "user",
        object_id: Some(ctx.actor.id.0),
        object_name: &name,
        details,
    };
    activity::record_event(tx, ctx, event).await?;
    Ok(())
}

async fn record_used_recovery_code(tx: &mut Tx<'_>, ctx: &Ctx, factor: SecondFactor) -> Result<(), AppError> {
    if let SecondFactor::Recovery { left } = factor {
        record_own(
            tx,
            ctx,
            "two_factor.recovery_code_used",
            serde_json::json!({ "left": left }),
        )
        .await?;
    }
    Ok(())
}

async fn notify_owner(tx: &mut Tx<'_>, ctx: &Ctx, subject: &str, what: &str) -> Result<(), AppError> {
    notify(tx, ctx, &ctx.actor.email, &ctx.actor.first_name, subject, what).await
}

/// Tells a user an admin turned their 2FA off (they are the one who can tell if it was wrong).
pub async fn notify_disabled_by_admin(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    target: &crate::users::store::TargetUser,
) -> Result<(), AppError> {
    let what = format!(
        "{} <{}> turned off two-factor authentication for your Roster account, and your sessions were signed out.",
        ctx.actor.display_name(),
        ctx.actor.email
    );
    let subject = "An administrator turned off your two-factor authentication";
    notify(tx, ctx, &target.email, &target.first_name, subject, &what).await
}

async fn notify(
    tx: &mut Tx<'_>,
    ctx: &Ctx,
    to: &str,
    first_name: &str,
    subject: &str,
    what: &str,
) -> Result<(), AppError> {
    let mail = security_notice(&SecurityNotice::from_request(
        to, first_name, subject, what, ctx.now, &ctx.meta,
    ));
    outbox::queue(&mut **tx, &mail, ctx.now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_issuer_names_the_console_host() {
        assert_eq!(
            super::url_host("https://roster.example.com/x").as_deref(),
            Some("roster.example.com")
        );
        assert_eq!(
            super::url_host("http://127.0.0.1:3000").as_deref(),
            Some("127.0.0.1:3000")
        );
        assert_eq!(super::url_host("nonsense"), None);
    }
}
