//! Server functions for setup, sign-in and sign-out, plus the session guards every other
//! area's server functions call first.

use super::Viewer;
use crate::domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use guards::*;

/// Who is looking: setup required, anonymous (and why), or the signed-in user. Public.
#[server(endpoint = "auth/viewer")]
pub async fn get_viewer() -> Result<Viewer, AppError> {
    use crate::context::{app_state, request_origin, respond, session_token};
    respond(async {
        super::service::viewer_for_request(&app_state()?, session_token().as_deref(), request_origin()).await
    })
    .await
}

/// Creates the first user as Global Administrator and signs them in. Public, once.
#[server(endpoint = "auth/setup")]
pub async fn register_first_admin(#[server(flatten)] form: super::Registration) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond};
    respond(async {
        let state = app_state()?;
        let cookie = super::service::register_first_admin(&state, form, &request_meta()).await?;
        set_sign_in_cookies(&state, &cookie).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Signs in with email and password. Public.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond};
    respond(async {
        let state = app_state()?;
        let next = super::safe_next_path(next.as_deref());
        match super::service::login(&state, &email, password, &request_meta()).await? {
            super::service::SignIn::SecondStep { challenge } => {
                set_challenge_cookie(&state, &challenge, super::second_step::CHALLENGE_SECS).await?;
                leptos_axum::redirect(&format!("/login/two-factor?next={}", crate::ui::url_encode(&next)));
            }
            signed_in => land(&state, signed_in, &next).await?,
        }
        Ok(())
    })
    .await
}

/// Whether this browser has a sign-in waiting for its 2FA code. Public.
#[server(endpoint = "auth/second-step-pending")]
pub async fn second_step_pending() -> Result<bool, AppError> {
    use crate::context::{app_state, cookie_value, respond};
    respond(async {
        let state = app_state()?;
        super::second_step::is_pending(&state, cookie_value(challenge_cookie(&state)).as_deref()).await
    })
    .await
}

/// The second step of signing in: a code from the authenticator app or a recovery code.
/// Public, but does anything only for the browser holding a live challenge.
#[server(endpoint = "auth/second-step")]
pub async fn complete_second_step(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::context::{app_state, cookie_value, request_meta, respond};
    respond(async {
        let state = app_state()?;
        let token = cookie_value(challenge_cookie(&state));
        let result = super::second_step::complete(&state, token.as_deref(), &code, &request_meta()).await;
        let done = match result {
            Ok(done) => done,
            Err(error) => {
                if !matches!(error, AppError::Invalid(_)) {
                    set_challenge_cookie(&state, "", 0).await?;
                }
                return Err(error);
            }
        };
        set_challenge_cookie(&state, "", 0).await?;
        let next = super::safe_next_path(next.as_deref());
        let next = match done.recovery_codes_left {
            // Say how many are left, on the profile where new ones are made.
            Some(left) => format!(
                "/profile?recovery_codes_left={left}&next={}",
                crate::ui::url_encode(&next)
            ),
            None => next,
        };
        land(&state, done.signed_in, &next).await
    })
    .await
}

/// The cookie that ties the second step of sign-in to this browser (`__Host-` over https,
/// as the session cookie).
#[cfg(feature = "ssr")]
fn challenge_cookie(state: &crate::state::AppState) -> &'static str {
    if state.config.secure_cookies() {
        "__Host-roster_sign_in"
    } else {
        "roster_sign_in"
    }
}

/// Sets the session cookie and sends the user on: to `next`, or to 2FA enrolment when a policy
/// requires it first.
#[cfg(feature = "ssr")]
async fn land(state: &crate::state::AppState, signed_in: super::service::SignIn, next: &str) -> Result<(), AppError> {
    if let super::service::SignIn::Session { cookie, enrol_only } = signed_in {
        set_sign_in_cookies(state, &cookie).await?;
        leptos_axum::redirect(if enrol_only {
            crate::two_factor::ENROL_PATH
        } else {
            next
        });
    }
    Ok(())
}

/// Ends the caller's session, if any, and clears the cookie. Public: signing out with an
/// already-expired session still lands on the login page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond, session_token};
    respond(async {
        let state = app_state()?;
        if let Some(token) = session_token() {
            super::service::logout(&state, &token, &request_meta(), None).await?;
        }
        set_session_cookie(&state, "", 0).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// "Stay signed in" in the warning before idle sign-out: the session's idle time starts again
/// now, and the browser gets the new deadlines. Any signed-in user, also a session that may
/// only enrol in 2FA (it idles too).
#[server(endpoint = "auth/stay-signed-in")]
pub async fn stay_signed_in() -> Result<super::SessionClock, AppError> {
    use crate::context::{session_token, signed_in};
    signed_in(true, |ctx| async move {
        let token = session_token().ok_or(AppError::Unauthenticated)?;
        super::timeouts::stay_signed_in(&ctx.state, &token).await
    })
    .await
}

/// The browser's countdown ran out (`reason`: `idle`, or `expired` at the absolute limit):
/// ends the session as sign-out does and sends the user to the login page, which says why and
/// returns them to `next` afterwards. Public, as sign-out: the server may have ended the
/// session already.
#[server(endpoint = "auth/timed-out")]
pub async fn timed_out(reason: String, next: Option<String>) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond, session_token};
    respond(async {
        let reason = match super::SignOutReason::from_code(&reason) {
            Some(reason @ (super::SignOutReason::Idle | super::SignOutReason::Expired)) => reason,
            _ => return Err(AppError::invalid("reason", "The reason must be idle or expired.")),
        };
        let state = app_state()?;
        if let Some(token) = session_token() {
            super::service::logout(&state, &token, &request_meta(), Some(reason)).await?;
        }
        set_session_cookie(&state, "", 0).await?;
        let next = super::safe_next_path(next.as_deref());
        leptos_axum::redirect(&format!(
            "/login?reason={}&next={}",
            reason.code(),
            crate::ui::url_encode(&next)
        ));
        Ok(())
    })
    .await
}

/// The timeouts in force, for the login page's "You were signed out after 30 minutes of
/// inactivity". Public: two numbers that say nothing about anyone.
#[server(endpoint = "auth/timeouts")]
pub async fn session_limits() -> Result<super::SessionLimits, AppError> {
    use crate::context::{app_state, respond};
    respond(async { super::timeouts::limits(&app_state()?).await }).await
}

/// The signed-in user changes their own first and last name, through the same rules and
/// activity log as an administrator's edit; a full page load then shows the new name everywhere.
#[server(endpoint = "auth/profile")]
pub async fn update_my_name(first_name: String, last_name: String) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond, Ctx};
    use crate::users::actions::{apply, Change};
    respond(async {
        let me = current_user().await?;
        let change = Change::name(&first_name, &last_name)?;
        let id = me.id;
        apply(&Ctx::new(app_state()?, me, request_meta()), id, change).await?;
        leptos_axum::redirect("/profile");
        Ok(())
    })
    .await
}

/// The signed-in user changes their own password; their other sessions end. Any signed-in user.
#[server(endpoint = "auth/password")]
pub async fn change_password(#[server(flatten)] form: super::PasswordChange) -> Result<u64, AppError> {
    use crate::context::{app_state, request_meta, respond, session_token};
    respond(async {
        current_user().await?;
        let token = session_token().ok_or(AppError::Unauthenticated)?;
        let state = app_state()?;
        let (cookie, ended) = super::service::change_password(&state, &token, form, &request_meta()).await?;
        set_sign_in_cookies(&state, &cookie).await?;
        Ok(ended)
    })
    .await
}

/// The cookies of a new session: the session's, and the browser's device cookie (renewed for
/// its full lifetime at each sign-in).
#[cfg(feature = "ssr")]
pub(crate) async fn set_sign_in_cookies(
    state: &crate::state::AppState,
    cookie: &super::service::NewSessionCookie,
) -> Result<(), AppError> {
    set_session_cookie(state, &cookie.token, cookie.max_age_secs).await?;
    let device_secs = super::devices::DEVICE_DAYS * 86_400;
    set_cookie(state, state.config.device_cookie(), &cookie.device.token, device_secs).await
}

#[cfg(feature = "ssr")]
pub(crate) async fn set_session_cookie(
    state: &crate::state::AppState,
    token: &str,
    max_age_secs: i64,
) -> Result<(), AppError> {
    set_cookie(state, state.config.session_cookie(), token, max_age_secs).await
}

#[cfg(feature = "ssr")]
async fn set_challenge_cookie(state: &crate::state::AppState, token: &str, max_age_secs: i64) -> Result<(), AppError> {
    set_cookie(state, challenge_cookie(state), token, max_age_secs).await
}

#[cfg(feature = "ssr")]
async fn set_cookie(
    state: &crate::state::AppState,
    name: &'static str,
    token: &str,
    max_age_secs: i64,
) -> Result<(), AppError> {
    use crate::context::append_response_header;
    let secure = super::service::public_url(state)
        .await?
        .is_some_and(|u| u.starts_with("https://"));
    // `__Host-` (when ROSTER_PUBLIC_URL is https) binds the cookie to this exact host: no
    // sibling subdomain can set or overwrite it.
    let cookie = cookie::Cookie::build((name, token))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .secure(secure);
    append_response_header(http::header::SET_COOKIE, &cookie.to_string());
    Ok(())
}

#[cfg(feature = "ssr")]
mod guards {
    use crate::auth::{Me, SignOutReason, Viewer};
    use crate::context::{app_state, session_token};
    use crate::domain::{AppError, Permission};

    /// The signed-in user, or the reason there is none. Every non-public server function starts
    /// here. A session that may only enrol in 2FA gets nothing else.
    pub async fn current_user() -> Result<Me, AppError> {
        let me = current_user_enrolling().await?;
        if me.enrol_only {
            return Err(AppError::Forbidden(
                "Set up two-factor authentication first: your organisation requires it.".into(),
            ));
        }
        Ok(me)
    }

    /// The signed-in user, including one whose session may only enrol in 2FA (for the
    /// enrolment functions).
    pub async fn current_user_enrolling() -> Result<Me, AppError> {
        let viewer = match crate::auth::snapshot::resolved() {
            Some(viewer) => viewer?,
            None => crate::auth::service::resolve_viewer(&app_state()?, session_token().as_deref()).await?,
        };
        match viewer {
            Viewer::SignedIn(me) => Ok(me),
            Viewer::Anonymous {
                reason: Some(SignOutReason::Disabled),
            } => Err(AppError::AccessDisabled),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// The signed-in user if they hold `permission` (through their role or a group).
    pub async fn require(permission: Permission) -> Result<Me, AppError> {
        let me = current_user().await?;
        if me.can(permission) {
            Ok(me)
        } else {
            Err(AppError::Forbidden("You don't have permission to do this.".into()))
        }
    }
}
