//! (ssr) What a server function knows about its request: state, caller address, session cookie.
//! Server functions use these helpers and nothing else from HTTP.

use crate::domain::AppError;
use crate::state::AppState;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Who sent the request, for the activity log and rate limits.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
    /// The browser's device cookie (see `auth::devices`), if it sent one.
    pub device: Option<String>,
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("no application state", "AppState missing from context"))
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The id of one request: taken from `X-Request-Id` or made up by the server, returned in the
/// response's `X-Request-Id`, present in every log line of the request and in the message of
/// a server error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// This request's id, if there is a request.
pub fn request_id() -> Option<String> {
    parts()?.extensions.get::<RequestId>().map(|id| id.0.clone())
}

/// The client's address as the server's `client_addr` middleware resolved it: the TCP peer, or
/// the address a trusted proxy (ROSTER_TRUSTED_PROXIES) forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

pub fn request_meta() -> RequestMeta {
    let Some(parts) = parts() else {
        return RequestMeta::default();
    };
    // Without the middleware (a router built some other way) the TCP peer is all there is.
    let ip = parts
        .extensions
        .get::<ClientAddr>()
        .map(|addr| addr.0)
        .or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_canonical())
        })
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect())
        .unwrap_or_default();
    let device = app_state()
        .ok()
        .and_then(|state| session_token_in(&parts.headers, state.config.device_cookie()));
    RequestMeta { ip, user_agent, device }
}

/// The session cookie's value, if the request carries one.
pub fn session_token() -> Option<String> {
    session_token_in(&parts()?.headers, app_state().ok()?.config.session_cookie())
}

/// The value of the cookie `name`, if the request carries one.
pub fn cookie_value(name: &str) -> Option<String> {
    session_token_in(&parts()?.headers, name)
}

/// The value of the session cookie named `cookie_name` in these request headers.
pub fn session_token_in(headers: &http::HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|pair| pair.name() == cookie_name)
        .map(|pair| pair.value().to_string())
        .filter(|value| !value.is_empty())
}

/// The scheme and host the browser used, for prefilling the console URL at setup.
pub fn request_origin() -> Option<String> {
    origin_in(&parts()?.headers)
}

/// The scheme and host these request headers name.
pub fn origin_in(headers: &http::HeaderMap) -> Option<String> {
    let host = headers.get(http::header::HOST)?.to_str().ok()?;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    Some(format!("{proto}://{host}"))
}

pub fn append_response_header(name: http::HeaderName, value: &str) {
    if let (Some(options), Ok(value)) = (use_context::<ResponseOptions>(), http::HeaderValue::from_str(value)) {
        options.append_header(name, value);
    }
}

/// Gives an error its HTTP status on the way out, so API clients see 401/403/422 too.
pub fn fail<T>(error: AppError) -> Result<T, AppError> {
    if let Some(options) = use_context::<ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            options.set_status(status);
        }
    }
    Err(error)
}

/// One request as services see it: the state, who acts, from where, and when. Services take
/// this one value rather than loose arguments, so the activity log, permission checks and
/// notifications all read the same facts.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub state: AppState,
    pub actor: crate::auth::Me,
    pub meta: RequestMeta,
    /// The request's time, read once.
    pub now: i64,
}

impl Ctx {
    pub fn new(state: AppState, actor: crate::auth::Me, meta: RequestMeta) -> Ctx {
        let now = state.clock.now();
        Ctx {
            state,
            actor,
            meta,
            now,
        }
    }
}

/// The body of every server function for signed-in users: checks the session and `permission`
/// on the server, builds the request context, and gives errors their HTTP status.
pub async fn with_permission<T, Fut>(
    permission: crate::domain::Permission,
    body: impl FnOnce(Ctx) -> Fut,
) -> Result<T, AppError>
where
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    use tracing::Instrument;
    respond(async {
        let actor = crate::auth::api::require(permission).await?;
        // Inside the request's span (id, method, path): every line logged below names the user.
        let span = tracing::info_span!("call", user_id = actor.id.0);
        body(Ctx::new(app_state()?, actor, request_meta()))
            .instrument(span)
            .await
    })
    .await
}

/// The body of a server function for any signed-in user (their own account's settings).
/// `enrolling`: also for a session that may only enrol in 2FA.
pub async fn signed_in<T, Fut>(enrolling: bool, body: impl FnOnce(Ctx) -> Fut) -> Result<T, AppError>
where
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    use tracing::Instrument;
    respond(async {
        let actor = if enrolling {
            crate::auth::api::current_user_enrolling().await?
        } else {
            crate::auth::api::current_user().await?
        };
        let span = tracing::info_span!("call", user_id = actor.id.0);
        body(Ctx::new(app_state()?, actor, request_meta()))
            .instrument(span)
            .await
    })
    .await
}

/// Runs a server function body and maps its error through [`fail`].
pub async fn respond<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    match body.await {
        Ok(value) => Ok(value),
        Err(error) => fail(error),
    }
}
