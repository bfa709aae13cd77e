//! (ssr) Authentication rules: first-admin registration, sign-in with brute-force limits,
//! session validation with idle and absolute timeouts, sign-out. No HTTP here.

use super::limits::{self, Admission, Reservation, PER_EMAIL};
use super::secrets::{hash_password, pause_like_a_password_check, random_token, token_hash, verify_password};
use super::store::{self, NewSession, UserRecord};
use super::{Me, PasswordChange, Registration, SignInOutcome, SignOutReason, Viewer};
use crate::activity::store::{self as activity, Entry};
use crate::context::RequestMeta;
use crate::db::{is_unique_violation, Tx};
use crate::domain::{
    confirmation_problem, effective_permissions, password_problem, AppError, ConsoleUrl, Email, FieldError, PersonName,
    Role, UserId, UserStatus,
};
use crate::settings::store as settings;
use crate::state::AppState;
use crate::users::accounts::{self, NewUser};

/// The one refusal for a wrong email, a wrong password and a disabled account with the right
/// password: telling them apart would confirm a guessed password of a disabled account.
pub const WRONG_CREDENTIALS: &str =
    "Wrong email or password. (If both are right, your access may have been disabled: contact an administrator.)";
const ALREADY_SET_UP: &str = "Roster is already set up. Sign in instead.";

/// A new session: the cookie value and how long the cookie may live, and the browser's device
/// cookie (see `devices`).
pub struct NewSessionCookie {
    pub token: String,
    pub max_age_secs: i64,
    pub device: super::devices::Device,
}

/// Parses a new password and its confirmation into field errors.
pub fn check_new_password(password: &str, confirm: &str, errors: &mut Vec<FieldError>) {
    if let Some(problem) = password_problem(password) {
        errors.push(FieldError::new("password", problem));
    } else if let Some(problem) = confirmation_problem(password, confirm) {
        errors.push(FieldError::new("password_confirm", problem));
    }
}

/// Collects every field's problem at once, so the form can show them all.
pub(crate) fn collect<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

pub async fn register_first_admin(
    state: &AppState,
    form: Registration,
    meta: &RequestMeta,
) -> Result<NewSessionCookie, AppError> {
    let mut errors = Vec::new();
    let names = PersonName::parse_full(&form.first_name, &form.last_name, &mut errors);
    let email = collect(Email::parse(&form.email), &mut errors);
    check_new_password(&form.password, &form.password_confirm, &mut errors);
    let console_url = collect(ConsoleUrl::parse(&form.console_url), &mut errors);
    let (Some((first_name, last_name)), Some(email), Some(console_url), true) =
        (names, email, console_url, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    if store::setup_completed(&state.db.pool).await? {
        return Err(AppError::Conflict(ALREADY_SET_UP.into()));
    }
    let password_hash = hash_password(form.password).await?;
    let now = state.clock.now();

    let mut tx = state.db.begin().await?;
    // The database decides the race: only one transaction can insert the setup row.
    match store::claim_setup(&mut *tx, now).await {
        Err(e) if is_unique_violation(&e) => return Err(AppError::Conflict(ALREADY_SET_UP.into())),
        other => other?,
    }
    let user = NewUser {
        email: email.as_str(),
        first_name: first_name.as_str(),
        last_name: last_name.as_str(),
        password_hash: &password_hash,
        role: Role::GlobalAdministrator,
        invited_by: None,
        now,
    };
    let user_id = accounts::insert_user(&mut *tx, &user).await?;
    store::record_first_user(&mut *tx, user_id).await?;
    settings::set(&mut *tx, settings::CONSOLE_URL, console_url.as_str(), now).await?;
    let name = format!("{first_name} {last_name}");
    let details = serde_json::json!({ "role": Role::GlobalAdministrator.label(), "console_url": console_url });
    let entry = Entry::new_account(
        now,
        user_id,
        &name,
        email.as_str(),
        "setup.first_admin_registered",
        meta,
        details,
    );
    activity::record(&mut tx, &entry).await?;
    let cookie = start_session(&mut tx, user_id, now, meta, false).await?;
    tx.commit().await?;
    Ok(cookie)
}

/// What a correct password leads to.
pub enum SignIn {
    /// Signed in. `enrol_only`: the session may only set up 2FA, which a policy requires.
    Session { cookie: NewSessionCookie, enrol_only: bool },
    /// The account has 2FA: the browser gets this challenge and is asked for a code.
    SecondStep { challenge: String },
}

impl SignIn {
    /// A session started in a browser the account had not used: its owner was emailed.
    pub fn from_new_device(&self) -> bool {
        matches!(self, SignIn::Session { cookie, .. } if !cookie.device.known)
    }
}

pub async fn login(state: &AppState, email: &str, password: String, meta: &RequestMeta) -> Result<SignIn, AppError> {
    let email = Email::parse(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Password is required."));
    }
    let pool = &state.db.pool;
    let keys = limits::sign_in_keys(state, email.as_str(), meta).await?;
    let reservation = match limits::reserve(state, &keys).await? {
        Admission::Reserved(reservation) => reservation,
        Admission::Refused { first, .. } => {
            crate::metrics::sign_in("refused");
            if first {
                let user = store::find_user_by_email(pool, email.as_str()).await?;
                record_attempt(state, user.as_ref(), email.as_str(), SignInOutcome::RateLimited, meta).await?;
            }
            // Refused, wrong and unknown look alike, in words and in time: a refusal tells an
            // attacker nothing, not even that guessing has been slowed down.
            pause_like_a_password_check().await;
            return Err(AppError::invalid("", WRONG_CREDENTIALS));
        }
    };
    let user = store::find_user_by_email(pool, email.as_str()).await?;
    let verified = match verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await {
        Ok(verified) => verified,
        Err(busy) => {
            limits::release(state, reservation).await?;
            return Err(busy.into());
        }
    };
    let user = match user {
        Some(user) if verified && user.status == UserStatus::Active => user,
        Some(user) if verified => {
            failed_attempt(
                state,
                reservation,
                Some(&user),
                email.as_str(),
                SignInOutcome::Disabled,
                meta,
            )
            .await?;
            return Err(AppError::invalid("", WRONG_CREDENTIALS));
        }
        user => {
            let outcome = SignInOutcome::WrongPassword;
            failed_attempt(state, reservation, user.as_ref(), email.as_str(), outcome, meta).await?;
            return Err(AppError::invalid("", WRONG_CREDENTIALS));
        }
    };
    limits::release(state, reservation).await?;
    if user.totp_enabled_at.is_some() {
        let challenge = super::second_step::start(state, user.id, meta).await?;
        return Ok(SignIn::SecondStep { challenge });
    }
    let mut tx = state.db.begin().await?;
    let signed_in = finish_sign_in(state, &mut tx, &user, meta).await?;
    tx.commit().await?;
    if signed_in.from_new_device() {
        state.mail.wake_worker();
    }
    log_login(state, Some(&user), email.as_str(), true, "", meta).await?;
    Ok(signed_in)
}

/// A failed attempt (a wrong password or code, a disabled account) keeps its counts; the one
/// that starts slowing the email down tells the account's owner, once per window.
pub(crate) async fn failed_attempt(
    state: &AppState,
    reservation: Reservation,
    user: Option<&UserRecord>,
    email: &str,
    outcome: SignInOutcome,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let under_attack = reservation.started_slowing;
    limits::keep(reservation);
    record_attempt(state, user, email, outcome, meta).await?;
    if let (true, Some(user)) = (under_attack, user) {
        super::alerts::report(state, user, meta).await?;
    }
    Ok(())
}

/// Writes one attempt to the activity log and, for an existing account, to its sign-in history.
pub(crate) async fn record_attempt(
    state: &AppState,
    user: Option<&UserRecord>,
    email: &str,
    outcome: SignInOutcome,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let reason = match outcome {
        SignInOutcome::SignedIn => "",
        SignInOutcome::WrongPassword => "wrong email or password",
        SignInOutcome::WrongCode => "wrong 2FA code",
        SignInOutcome::Disabled => "access disabled",
        SignInOutcome::RateLimited => "too many failed attempts",
    };
    // The activity log names only a user whose password was right: a wrong guess at an email
    // is not that person's doing.
    let actor = user.filter(|_| matches!(outcome, SignInOutcome::Disabled | SignInOutcome::WrongCode));
    log_login(state, actor, email, outcome.success(), reason, meta).await?;
    if let Some(user) = user {
        super::history::record(&state.db.pool, user.id, state.clock.now(), outcome, meta).await?;
    }
    Ok(())
}

/// The session for a user who has passed every step of sign-in. Under a 2FA policy whose
/// grace period is over, a user without 2FA gets a session that may only enrol.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    tx: &mut Tx<'_>,
    user: &UserRecord,
    meta: &RequestMeta,
) -> Result<SignIn, AppError> {
    let now = state.clock.now();
    // The write first: on SQLite it takes the lock before the transaction reads anything.
    accounts::set_last_login(&mut **tx, user.id, now).await?;
    let enrol_only = user.totp_enabled_at.is_none() && must_enrol(tx, user.id, now).await?;
    let cookie = start_session(tx, user.id, now, meta, enrol_only).await?;
    super::history::record(&mut **tx, user.id, now, SignInOutcome::SignedIn, meta).await?;
    if !cookie.device.known {
        super::alerts::new_device(state, tx, user, meta).await?;
    }
    Ok(SignIn::Session { cookie, enrol_only })
}

/// Whether the user, about to get a session, must enrol in 2FA first (a policy covers them,
/// their grace period is over, and they have no 2FA).
pub(crate) async fn must_enrol(tx: &mut Tx<'_>, user_id: i64, now: i64) -> Result<bool, AppError> {
    // Inside the transaction: no second connection while this one holds SQLite's write lock.
    let policy = crate::two_factor::policy::load(&mut **tx).await?;
    if policy.scope == crate::two_factor::PolicyScope::Off {
        return Ok(false);
    }
    let Some(target) = crate::users::store::find_target(tx, user_id).await? else {
        return Ok(false);
    };
    Ok(target.totp_enabled_at.is_none()
        && crate::two_factor::policy::must_enrol_now(
            &policy,
            &target.permissions(),
            target.created_at,
            target.totp_must_enrol != 0,
            now,
        ))
}

/// Checks a signed-in user's own password before a change that needs it (a new password, the
/// mail configuration). Wrong guesses count toward the sign-in limit for the account, so a
/// borrowed session cannot brute-force the password; `Ok(false)` is a wrong password.
pub async fn confirm_password(state: &AppState, email: &str, password: String) -> Result<bool, AppError> {
    let reservation = match limits::reserve(state, &[(PER_EMAIL, email)]).await? {
        Admission::Reserved(reservation) => reservation,
        Admission::Refused { .. } => {
            return Err(AppError::RateLimited(
                "Too many wrong passwords. Wait 30 seconds and try again.".into(),
            ))
        }
    };
    let stored = store::find_user_by_email(&state.db.pool, email)
        .await?
        .map(|u| u.password_hash);
    let verified = verify_password(password, stored).await;
    if verified == Ok(true) {
        limits::release(state, reservation).await?;
        Ok(true)
    } else {
        limits::keep(reservation);
        Ok(verified.map_err(AppError::from)?)
    }
}

pub(crate) async fn log_login(
    state: &AppState,
    user: Option<&UserRecord>,
    email: &str,
    success: bool,
    reason: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    crate::metrics::sign_in(if success { "signed_in" } else { "failed" });
    let name = user.map(full_name).unwrap_or_default();
    let details = if reason.is_empty() {
        String::new()
    } else {
        serde_json::json!({ "reason": reason }).to_string()
    };
    activity::record_alone(
        &state.db,
        &Entry {
            at: state.clock.now(),
            actor_id: user.map(|u| u.id),
            actor_name: &name,
            actor_email: email,
            action: if success { "auth.login" } else { "auth.login_failed" },
            object_type: "session",
            success,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details,
            ..Entry::default()
        },
    )
    .await?;
    Ok(())
}

/// A fresh random session token, stored only as its hash; the absolute lifetime comes from settings.
pub(crate) async fn start_session(
    tx: &mut Tx<'_>,
    user_id: i64,
    now: i64,
    meta: &RequestMeta,
    enrol_only: bool,
) -> Result<NewSessionCookie, AppError> {
    let hours = settings::get_i64(
        &mut **tx,
        settings::ABSOLUTE_TIMEOUT_HOURS,
        settings::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
    )
    .await?;
    let max_age_secs = hours * 3600;
    let token = random_token();
    let hash = token_hash(&token);
    let session = NewSession {
        token_hash: &hash,
        user_id,
        now,
        expires_at: now + max_age_secs,
        ip: &meta.ip,
        user_agent: &meta.user_agent,
        enrol_only,
    };
    store::insert_session(&mut **tx, &session).await?;
    let device = super::devices::remember(tx, user_id, meta.device.as_deref(), now).await?;
    Ok(NewSessionCookie {
        token,
        max_age_secs,
        device,
    })
}

/// Who holds this session cookie. Ends sessions that are past their limits or whose user was
/// disabled, and says why.
pub async fn resolve_viewer(state: &AppState, token: Option<&str>) -> Result<Viewer, AppError> {
    let pool = &state.db.pool;
    // A signed-in user's request costs one query: a session exists only once setup is done.
    let session = match token {
        Some(token) => store::find_session(pool, &token_hash(token)).await?,
        None => None,
    };
    let Some(session) = session else {
        return Ok(if store::setup_completed(pool).await? {
            Viewer::Anonymous { reason: None }
        } else {
            Viewer::SetupRequired {
                suggested_console_url: String::new(),
            }
        });
    };
    let now = state.clock.now();
    // The timeouts in force now apply to sessions that already exist (see `timeouts::clock`).
    let clock = super::timeouts::clock(&session, session.last_seen_at, now);
    let ended = if session.user.status != UserStatus::Active {
        Some(SignOutReason::Disabled)
    } else if now >= clock.absolute_deadline {
        Some(SignOutReason::Expired)
    } else if now >= clock.idle_deadline {
        Some(SignOutReason::Idle)
    } else {
        None
    };
    if let Some(reason) = ended {
        let mut tx = state.db.begin().await?;
        // A timeout the server found (the browser's own countdown logs through `logout`) is a
        // sign-out in the activity log too; a disabled account's was logged when it was disabled.
        if store::delete_session(&mut *tx, session.session_id).await? && reason != SignOutReason::Disabled {
            let name = full_name(&session.user);
            activity::record(
                &mut tx,
                &Entry {
                    at: now,
                    actor_id: Some(session.user.id),
                    actor_name: &name,
                    actor_email: &session.user.email,
                    action: "auth.logout",
                    object_type: "session",
                    success: true,
                    details: serde_json::json!({ "timed_out": reason.code(), "noticed_by": "server" }).to_string(),
                    ..Entry::default()
                },
            )
            .await?;
        }
        tx.commit().await?;
        return Ok(Viewer::Anonymous { reason: Some(reason) });
    }
    // Idle time is tracked to the minute; skipping the write otherwise keeps reads cheap.
    let last_seen_at = if now - session.last_seen_at >= super::LAST_SEEN_EVERY_SECS {
        store::touch_session(pool, session.session_id, now).await?;
        now
    } else {
        session.last_seen_at
    };
    let mut me = me(&session.user, &session.group_roles)?;
    me.session = Some(super::timeouts::clock(&session, last_seen_at, now));
    if session.enrol_only {
        me.enrol_only = true;
        me.permissions.clear();
    }
    Ok(Viewer::SignedIn(me))
}

/// Who is looking, for a request with this session cookie from this origin (which prefills the
/// console URL while setup is still to do).
pub async fn viewer_for_request(
    state: &AppState,
    token: Option<&str>,
    origin: Option<String>,
) -> Result<Viewer, AppError> {
    Ok(match resolve_viewer(state, token).await? {
        Viewer::SetupRequired { .. } => Viewer::SetupRequired {
            suggested_console_url: origin.unwrap_or_default(),
        },
        other => other,
    })
}

/// The user as the console sees them: their permissions are the union of their role's and
/// those of their groups' roles.
fn me(user: &UserRecord, group_roles: &[Role]) -> Result<Me, AppError> {
    let role = user.role;
    let group_roles = group_roles.iter().copied();
    Ok(Me {
        id: UserId(user.id),
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        role,
        permissions: effective_permissions(role, group_roles),
        enrol_only: false,
        session: None,
    })
}

/// Ends the session behind this token (if any) and records it.
/// `timed_out`: the browser's countdown ran out (idle or at the absolute limit), which the
/// activity log says.
pub async fn logout(
    state: &AppState,
    token: &str,
    meta: &RequestMeta,
    timed_out: Option<SignOutReason>,
) -> Result<(), AppError> {
    let pool = &state.db.pool;
    let Some(session) = store::find_session(pool, &token_hash(token)).await? else {
        return Ok(());
    };
    store::delete_session(pool, session.session_id).await?;
    let name = full_name(&session.user);
    activity::record_alone(
        &state.db,
        &Entry {
            at: state.clock.now(),
            actor_id: Some(session.user.id),
            actor_name: &name,
            actor_email: &session.user.email,
            action: "auth.logout",
            object_type: "session",
            success: true,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details: timed_out
                .map(|reason| serde_json::json!({ "timed_out": reason.code() }).to_string())
                .unwrap_or_default(),
            ..Entry::default()
        },
    )
    .await?;
    Ok(())
}

/// The signed-in user changes their own password: the current one must be right (see
/// [`confirm_password`]). Every session of theirs ends, this one too: the caller gets a fresh
/// session, so a session token captured before the change is worth nothing after it. Returns
/// the fresh session and how many other sessions ended.
pub async fn change_password(
    state: &AppState,
    token: &str,
    form: PasswordChange,
    meta: &RequestMeta,
) -> Result<(NewSessionCookie, u64), AppError> {
    let pool = &state.db.pool;
    let session = store::find_session(pool, &token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let user = session.user;
    let mut errors = Vec::new();
    if form.current_password.is_empty() {
        errors.push(FieldError::new("current_password", "Enter your current password."));
    }
    check_new_password(&form.password, &form.password_confirm, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if !confirm_password(state, &user.email, form.current_password).await? {
        return Err(AppError::invalid(
            "current_password",
            "Your current password is not right.",
        ));
    }
    let password_hash = hash_password(form.password).await?;
    let now = state.clock.now();
    let name = full_name(&user);
    let mut tx = state.db.begin().await?;
    accounts::set_password_hash(&mut *tx, user.id, &password_hash, now).await?;
    let ended = store::delete_sessions_of(&mut *tx, user.id).await?.saturating_sub(1);
    let cookie = start_session(&mut tx, user.id, now, meta, false).await?;
    activity::record(
        &mut tx,
        &Entry {
            at: now,
            actor_id: Some(user.id),
            actor_name: &name,
            actor_email: &user.email,
            action: "auth.password_changed",
            object_type: "user",
            object_id: Some(user.id),
            object_name: &name,
            success: true,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            details: serde_json::json!({ "other_sessions_ended": ended, "this_session_renewed": true }).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((cookie, ended))
}

/// The console URL links and emails use: the operator's setting wins over the one saved at setup.
pub async fn public_url(state: &AppState) -> Result<Option<String>, AppError> {
    if let Some(url) = &state.config.public_url {
        return Ok(Some(url.clone()));
    }
    Ok(settings::get(&state.db.pool, settings::CONSOLE_URL).await?)
}

pub(crate) fn full_name(user: &UserRecord) -> String {
    format!("{} {}", user.first_name, user.last_name)
}
