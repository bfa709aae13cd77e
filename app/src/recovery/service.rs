//! (ssr) "Forgot password?": a reset link only for an active account, one answer for every
//! email in one time, at most a few links per email per hour; the link works once, for 30
//! minutes, needs the 2FA code of an account that has 2FA, and ends every session.

use super::store::{self, NewReset};
use super::{PasswordReset, ResetLink, FORGOT_ANSWER, LINK_UNUSABLE, RESET_PATH};
use crate::activity::store::{self as activity, Entry};
use crate::auth::limits::{self, Admission, PASSWORD_RESETS, PASSWORD_RESETS_PER_ADDRESS, PER_ADDRESS, PER_EMAIL};
use crate::auth::secrets::{hash_password, random_token, token_hash};
use crate::auth::service::{check_new_password, full_name, public_url};
use crate::auth::store::{find_user_by_email, find_user_by_id, UserRecord};
use crate::context::RequestMeta;
use crate::db::Tx;
use crate::domain::{AppError, Email, FieldError, UserStatus};
use crate::mail::notices::{security_notice, SecurityNotice};
use crate::mail::outbox::{self, Extras, LINK_PLACEHOLDER};
use crate::state::AppState;
use crate::two_factor::service::{consume, SecondFactor, TypedCode, WRONG_CODE};
use std::time::Duration;

/// How long a reset link works.
pub const LINK_SECS: i64 = 30 * 60;
/// Every "Forgot password?" answer takes at least this long, so the writes made for a real
/// account (a link, an email, a log entry) do not show in the response time.
const ANSWER_FLOOR: Duration = Duration::from_millis(400);
/// Used-up and expired links are kept this long after expiry, then pruned.
const KEEP_SECS: i64 = 24 * 3600;

const CODE_REQUIRED: &str =
    "Your account has two-factor authentication: enter the 6-digit code from your authenticator app, or a recovery code.";
const TOO_MANY_CODES: &str = "Too many wrong codes. Wait 15 minutes and try again.";
const NOT_YOU_LINK: &str =
    "If you did not ask for this, ignore this email: your password stays as it is, and the link expires by itself.";
const NOT_YOU_CHANGED: &str =
    "If this was not you, tell an administrator at once: someone may have access to your email.";

pub fn reset_url(base_url: &str, token: &str) -> String {
    format!("{}{RESET_PATH}/{token}", base_url.trim_end_matches('/'))
}

/// A new link for the user, stored only as its token's hash; the user's older links stop
/// working. Returns the token and when it expires.
pub(crate) async fn issue(tx: &mut Tx<'_>, user_id: i64, now: i64) -> Result<(String, i64), sqlx::Error> {
    // The write first (on SQLite it takes the lock), and at most one usable link per user.
    store::cancel_live(&mut **tx, user_id, now).await?;
    let token = random_token();
    let expires_at = now + LINK_SECS;
    let reset = NewReset {
        token_hash: &token_hash(&token),
        user_id,
        now,
        expires_at,
    };
    store::insert(&mut **tx, &reset).await?;
    Ok((token, expires_at))
}

/// The one answer, after at least [`ANSWER_FLOOR`], whatever happened.
pub async fn forgot_password(state: &AppState, email: &str, meta: &RequestMeta) -> Result<String, AppError> {
    let started = tokio::time::Instant::now();
    let result = send_link(state, email, meta).await;
    tokio::time::sleep_until(started + ANSWER_FLOOR).await;
    result.map(|()| FORGOT_ANSWER.to_string())
}

async fn send_link(state: &AppState, email: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    // Counted for every email, known or not, so the limit says nothing about accounts either.
    let keys = [
        (PASSWORD_RESETS, email.as_str()),
        (PASSWORD_RESETS_PER_ADDRESS, meta.ip.as_str()),
    ];
    match limits::reserve(state, &keys).await? {
        Admission::Reserved(reservation) => limits::keep(reservation),
        Admission::Refused { .. } => return Ok(()),
    }
    let Some(user) = find_user_by_email(&state.db.pool, email.as_str()).await? else {
        return Ok(());
    };
    if user.status != UserStatus::Active {
        return Ok(());
    }
    let Some(base_url) = public_url(state).await? else {
        tracing::warn!("a password reset was asked for, but no console URL is set to link to (ROSTER_PUBLIC_URL)");
        return Ok(());
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (token, _) = issue(&mut tx, user.id, now).await?;
    let link = reset_url(&base_url, &token);
    // The bodies carry a placeholder; the link is sealed, so the outbox holds no working link.
    let mail = security_notice(&SecurityNotice {
        link_label: "Reset your password",
        link: LINK_PLACEHOLDER,
        advice: NOT_YOU_LINK,
        ..SecurityNotice::from_request(
            &user.email,
            &user.first_name,
            "Reset your Roster password",
            "Someone, probably you, asked to reset the password of your Roster account. The link below works once, for 30 minutes.",
            now,
            meta,
        )
    });
    let extras = Extras {
        link: Some(&link),
        ..Default::default()
    };
    outbox::queue_with(&mut *tx, &mail, extras, state.config.key(), now).await?;
    let name = full_name(&user);
    let entry = Entry {
        at: now,
        actor_email: &user.email,
        action: "auth.password_reset_requested",
        object_type: "user",
        object_id: Some(user.id),
        object_name: &name,
        success: true,
        ip: &meta.ip,
        user_agent: &meta.user_agent,
        details: serde_json::json!({ "expires_in_minutes": LINK_SECS / 60 }).to_string(),
        ..Entry::default()
    };
    activity::record(&mut tx, &entry).await?;
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(())
}

/// The active account behind a usable link.
async fn live_user(state: &AppState, hash: &str, now: i64) -> Result<Option<UserRecord>, AppError> {
    let pool = &state.db.pool;
    let Some(reset) = store::find_live(pool, hash, now).await? else {
        return Ok(None);
    };
    Ok(find_user_by_id(pool, reset.user_id)
        .await?
        .filter(|user| user.status == UserStatus::Active))
}

pub async fn open_link(state: &AppState, token: &str) -> Result<ResetLink, AppError> {
    Ok(match live_user(state, &token_hash(token), state.clock.now()).await? {
        Some(user) => ResetLink::Valid {
            email: user.email,
            two_factor: user.totp_enabled_at.is_some(),
        },
        None => ResetLink::Unusable,
    })
}

/// Every field's problem at once; the code only for an account with 2FA.
fn parse_form(form: &PasswordReset, user: &UserRecord) -> Result<Option<TypedCode>, AppError> {
    let mut errors = Vec::new();
    check_new_password(&form.password, &form.password_confirm, &mut errors);
    let mut code = None;
    if user.totp_enabled_at.is_some() {
        if form.code.trim().is_empty() {
            errors.push(FieldError::new("code", CODE_REQUIRED));
        } else {
            match TypedCode::parse("code", &form.code) {
                Ok(parsed) => code = Some(parsed),
                Err(AppError::Invalid(mut problems)) => errors.append(&mut problems),
                Err(other) => return Err(other),
            }
        }
    }
    if errors.is_empty() {
        Ok(code)
    } else {
        Err(AppError::Invalid(errors))
    }
}

pub async fn reset_password(state: &AppState, form: PasswordReset, meta: &RequestMeta) -> Result<(), AppError> {
    let unusable = || AppError::Conflict(LINK_UNUSABLE.into());
    let hash = token_hash(&form.token);
    let user = live_user(state, &hash, state.clock.now()).await?.ok_or_else(unusable)?;
    let code = parse_form(&form, &user)?;
    // A code is counted before it is checked, as at sign-in, so a stolen link is no way to
    // guess codes faster than the sign-in page allows.
    let reservation = match &code {
        None => None,
        Some(_) => match limits::reserve(state, &[(PER_EMAIL, &user.email), (PER_ADDRESS, &meta.ip)]).await? {
            Admission::Reserved(reservation) => Some(reservation),
            Admission::Refused { .. } => return Err(AppError::RateLimited(TOO_MANY_CODES.into())),
        },
    };
    let password_hash = match hash_password(form.password).await {
        Ok(hash) => hash,
        Err(busy) => {
            if let Some(reservation) = reservation {
                limits::release(state, reservation).await?;
            }
            return Err(busy.into());
        }
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // Used up first: of two requests racing with one link, one sets the password.
    if !store::take(&mut *tx, &hash, user.id, now).await? {
        drop(tx);
        // No code was checked: its attempt is given back.
        if let Some(reservation) = reservation {
            limits::release(state, reservation).await?;
        }
        return Err(unusable());
    }
    let factor = match &code {
        None => None,
        Some(code) => match consume(state, &mut tx, user.id, code, now).await? {
            Some(factor) => Some(factor),
            None => {
                // Rolled back: the link stays usable, the wrong code stays counted.
                drop(tx);
                if let Some(reservation) = reservation {
                    limits::keep(reservation);
                }
                log_wrong_code(state, &user, meta).await?;
                return Err(AppError::invalid("code", WRONG_CODE));
            }
        },
    };
    crate::users::accounts::set_password_hash(&mut *tx, user.id, &password_hash, now).await?;
    let sessions_ended = crate::auth::store::delete_sessions_of(&mut *tx, user.id).await?;
    crate::auth::challenges::delete_for_user(&mut *tx, user.id).await?;
    let name = full_name(&user);
    if let Some(SecondFactor::Recovery { left }) = factor {
        let details = serde_json::json!({ "left": left, "while": "resetting the password" });
        let entry = Entry::new_account(
            now,
            user.id,
            &name,
            &user.email,
            "two_factor.recovery_code_used",
            meta,
            details,
        );
        activity::record(&mut tx, &entry).await?;
    }
    let second_factor = match factor {
        None => "none",
        Some(SecondFactor::Totp) => "authenticator code",
        Some(SecondFactor::Recovery { .. }) => "recovery code",
    };
    let details = serde_json::json!({ "sessions_ended": sessions_ended, "second_factor": second_factor });
    let entry = Entry::new_account(now, user.id, &name, &user.email, "auth.password_reset", meta, details);
    activity::record(&mut tx, &entry).await?;
    let mail = security_notice(&SecurityNotice {
        advice: NOT_YOU_CHANGED,
        ..SecurityNotice::from_request(
            &user.email,
            &user.first_name,
            "Your Roster password was changed",
            "The password of your Roster account was changed through a password reset link, and every session of yours was signed out.",
            now,
            meta,
        )
    });
    outbox::queue(&mut *tx, &mail, now).await?;
    tx.commit().await?;
    if let Some(reservation) = reservation {
        limits::release(state, reservation).await?;
    }
    // Whoever was locked out by wrong guesses can sign in with the new password at once.
    limits::clear(state, &user.email).await?;
    state.mail.wake_worker();
    Ok(())
}

async fn log_wrong_code(state: &AppState, user: &UserRecord, meta: &RequestMeta) -> Result<(), AppError> {
    let name = full_name(user);
    let details = serde_json::json!({ "reason": "wrong 2FA code" });
    let entry = Entry {
        success: false,
        ..Entry::new_account(
            state.clock.now(),
            user.id,
            &name,
            &user.email,
            "auth.password_reset",
            meta,
            details,
        )
    };
    activity::record_alone(&state.db, &entry).await?;
    Ok(())
}

/// Removes links a day after they expired (used and cancelled ones included).
pub async fn prune(state: &AppState) -> Result<u64, sqlx::Error> {
    store::delete_expired(&state.db.pool, state.clock.now() - KEEP_SECS).await
}
