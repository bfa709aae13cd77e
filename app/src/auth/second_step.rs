//! (ssr) The second step of signing in to an account with 2FA. A correct password creates a
//! short-lived challenge bound to the browser (a cookie whose hash is stored), which grants
//! nothing but this step; a right code turns it into a session. Wrong codes count toward the
//! same limits as wrong passwords, and five of them end the challenge.

use super::challenges::{self, NewChallenge};
use super::limits::{self, Admission};
use super::secrets::{random_token, token_hash};
use super::service::{failed_attempt, finish_sign_in, full_name, log_login, record_attempt, SignIn};
use super::store;
use super::SignInOutcome;
use crate::activity::store::{self as activity, Entry};
use crate::context::RequestMeta;
use crate::domain::{AppError, UserStatus};
use crate::mail::notices::{security_notice, SecurityNotice};
use crate::mail::outbox;
use crate::state::AppState;
use crate::two_factor::service::{consume, SecondFactor, TypedCode, WRONG_CODE};

/// How long the step between password and code may take.
pub const CHALLENGE_SECS: i64 = 5 * 60;
/// Wrong codes before the user must start again from the password.
pub const MAX_WRONG_CODES: i64 = 5;

pub const EXPIRED: &str = super::EXPIRED_SIGN_IN;
const TOO_MANY_CODES: &str = "Too many wrong codes. Sign in again with your email and password.";

/// Starts the second step; returns the challenge cookie's value.
pub async fn start(state: &AppState, user_id: i64, meta: &RequestMeta) -> Result<String, AppError> {
    let now = state.clock.now();
    let token = random_token();
    let hash = token_hash(&token);
    let challenge = NewChallenge {
        token_hash: &hash,
        user_id,
        now,
        expires_at: now + CHALLENGE_SECS,
        ip: &meta.ip,
        user_agent: &meta.user_agent,
    };
    challenges::insert(&state.db.pool, &challenge).await?;
    Ok(token)
}

/// Whether this browser is in the middle of signing in.
pub async fn is_pending(state: &AppState, token: Option<&str>) -> Result<bool, AppError> {
    let Some(token) = token else { return Ok(false) };
    Ok(challenges::find(&state.db.pool, &token_hash(token), state.clock.now())
        .await?
        .is_some())
}

/// A signed-in session, and the recovery codes left when one was used.
pub struct Completed {
    pub signed_in: SignIn,
    pub recovery_codes_left: Option<i64>,
}

/// Checks the code for the challenge behind `token`.
pub async fn complete(
    state: &AppState,
    token: Option<&str>,
    code: &str,
    meta: &RequestMeta,
) -> Result<Completed, AppError> {
    let code = TypedCode::parse("code", code)?;
    let pool = &state.db.pool;
    let now = state.clock.now();
    let expired = || AppError::Conflict(EXPIRED.into());
    let challenge = match token {
        Some(token) => challenges::find(pool, &token_hash(token), now).await?,
        None => None,
    }
    .ok_or_else(expired)?;
    let user = store::find_user_by_id(pool, challenge.user_id)
        .await?
        .ok_or_else(expired)?;
    if user.status != UserStatus::Active {
        challenges::take(pool, challenge.id).await?;
        return Err(AppError::AccessDisabled);
    }
    let keys = limits::sign_in_keys(state, &user.email, meta).await?;
    let reservation = match limits::reserve(state, &keys).await? {
        Admission::Reserved(reservation) => reservation,
        Admission::Refused { first, .. } => {
            challenges::take(pool, challenge.id).await?;
            if first {
                record_attempt(state, Some(&user), &user.email, SignInOutcome::RateLimited, meta).await?;
            }
            return Err(AppError::RateLimited(
                "Too many failed sign-in attempts. Sign in again in a minute.".into(),
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    let Some(factor) = consume(state, &mut tx, user.id, &code, now).await? else {
        drop(tx);
        failed_attempt(
            state,
            reservation,
            Some(&user),
            &user.email,
            SignInOutcome::WrongCode,
            meta,
        )
        .await?;
        if challenges::count_failure(pool, challenge.id).await? >= MAX_WRONG_CODES {
            challenges::take(pool, challenge.id).await?;
            return Err(AppError::Conflict(TOO_MANY_CODES.into()));
        }
        return Err(AppError::invalid("code", WRONG_CODE));
    };
    if !challenges::take(&mut *tx, challenge.id).await? {
        return Err(expired());
    }
    let signed_in = finish_sign_in(state, &mut tx, &user, meta).await?;
    let recovery_codes_left = match factor {
        SecondFactor::Recovery { left } => {
            recovery_code_used(&mut tx, &user, left, now, meta).await?;
            Some(left)
        }
        SecondFactor::Totp => None,
    };
    tx.commit().await?;
    limits::release(state, reservation).await?;
    if recovery_codes_left.is_some() || signed_in.from_new_device() {
        state.mail.wake_worker();
    }
    log_login(state, Some(&user), &user.email, true, "", meta).await?;
    Ok(Completed {
        signed_in,
        recovery_codes_left,
    })
}

async fn recovery_code_used(
    tx: &mut crate::db::Tx<'_>,
    user: &store::UserRecord,
    left: i64,
    now: i64,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let name = full_name(user);
    let entry = Entry {
        object_type: "user",
        object_id: Some(user.id),
        object_name: &name,
        ..Entry::new_account(
            now,
            user.id,
            &name,
            &user.email,
            "two_factor.recovery_code_used",
            meta,
            serde_json::json!({ "left": left, "while": "signing in" }),
        )
    };
    activity::record(tx, &entry).await?;
    let what = format!("A recovery code was used to sign in to your Roster account. {left} recovery codes are left.");
    let subject = "A recovery code was used to sign in";
    let mail = security_notice(&SecurityNotice::from_request(
        &user.email,
        &user.first_name,
        subject,
        &what,
        now,
        meta,
    ));
    outbox::queue(&mut **tx, &mail, now).await?;
    Ok(())
}
