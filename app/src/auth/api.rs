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
        let state = app_state()?;
        let viewer = super::service::resolve_viewer(&state, session_token().as_deref()).await?;
        Ok(match viewer {
            Viewer::SetupRequired { .. } => Viewer::SetupRequired {
                suggested_console_url: request_origin().unwrap_or_default(),
            },
            other => other,
        })
    })
    .await
}

/// Creates the first user as Global Administrator and signs them in. Public, once.
#[server(endpoint = "auth/setup")]
pub async fn register_first_admin(
    first_name: String,
    last_name: String,
    email: String,
    password: String,
    password_confirm: String,
    console_url: String,
) -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond};
    respond(async {
        let state = app_state()?;
        let form = super::service::Registration {
            first_name,
            last_name,
            email,
            password,
            password_confirm,
            console_url,
        };
        let cookie = super::service::register_first_admin(&state, form, &request_meta()).await?;
        set_session_cookie(&state, &cookie.token, cookie.max_age_secs).await?;
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
        let cookie = super::service::login(&state, &email, password, &request_meta()).await?;
        set_session_cookie(&state, &cookie.token, cookie.max_age_secs).await?;
        leptos_axum::redirect(&super::safe_next_path(next.as_deref()));
        Ok(())
    })
    .await
}

/// Ends the caller's session, if any, and clears the cookie. Public: signing out with an
/// already-expired session still lands on the login page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::context::{app_state, request_meta, respond, session_token};
    respond(async {
        let state = app_state()?;
        if let Some(token) = session_token() {
            super::service::logout(&state, &token, &request_meta()).await?;
        }
        set_session_cookie(&state, "", 0).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
pub(crate) async fn set_session_cookie(
    state: &crate::state::AppState,
    token: &str,
    max_age_secs: i64,
) -> Result<(), AppError> {
    use crate::context::{append_response_header, SESSION_COOKIE};
    let secure = super::service::public_url(state)
        .await?
        .is_some_and(|u| u.starts_with("https://"));
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    );
    append_response_header(http::header::SET_COOKIE, &cookie);
    Ok(())
}

#[cfg(feature = "ssr")]
mod guards {
    use crate::auth::{Me, SignOutReason, Viewer};
    use crate::context::{app_state, session_token};
    use crate::domain::{AppError, Permission};

    /// The signed-in user, or the reason there is none. Every non-public server function starts here.
    pub async fn current_user() -> Result<Me, AppError> {
        let state = app_state()?;
        match crate::auth::service::resolve_viewer(&state, session_token().as_deref()).await? {
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
