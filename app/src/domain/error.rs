use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

/// A problem with one form field, shown next to that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The error every server function returns. Messages are meant for the person at the browser;
/// internal details stay in the server log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// No valid session: sign in first.
    Unauthenticated,
    /// The session ended because the account was disabled.
    AccessDisabled,
    /// Signed in, but not allowed to do this.
    Forbidden(String),
    /// Bad input: nothing was changed.
    Invalid(Vec<FieldError>),
    /// The request conflicts with the current state (duplicate, already done, …).
    Conflict(String),
    NotFound(String),
    /// Too many attempts; try again later.
    RateLimited(String),
    /// Another service (a mail server, AWS) refused or failed; its own words are passed on.
    Upstream(String),
    /// Something went wrong on the server; details are in its log, under this request id (empty
    /// when there was no request), which the message shows so an admin can find the line.
    Internal(String),
    /// The request never reached the function (network, encoding).
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    /// A request body over the server's size limit (answered with 413).
    pub fn too_large() -> Self {
        AppError::invalid("", "The request is too large.")
    }

    /// The message for one field, if this error is about that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.iter().find(|e| e.field == field).map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// HTTP status used on the wire (server functions only).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::AccessDisabled => 401,
            AppError::Forbidden(_) => 403,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::NotFound(_) => 404,
            AppError::RateLimited(_) => 429,
            AppError::Upstream(_) => 502,
            AppError::Internal(_) | AppError::Transport(_) => 500,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Unauthenticated => f.write_str("Please sign in."),
            AppError::AccessDisabled => f.write_str("Your access has been disabled."),
            AppError::Forbidden(msg)
            | AppError::Conflict(msg)
            | AppError::NotFound(msg)
            | AppError::RateLimited(msg)
            | AppError::Upstream(msg) => f.write_str(msg),
            AppError::Invalid(errors) => {
                let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
                f.write_str(&messages.join(" "))
            }
            AppError::Internal(reference) if reference.is_empty() => {
                f.write_str("Something went wrong on the server. Please try again.")
            }
            AppError::Internal(reference) => write!(
                f,
                "Something went wrong on the server (reference {reference}). Please try again."
            ),
            AppError::Transport(msg) => write!(f, "Could not reach the server: {msg}"),
        }
    }
}

impl std::error::Error for AppError {}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs `error` (inside the request's span: its id, method and path go with it) and gives
    /// the person the request id to quote.
    pub fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
        let reference = crate::context::request_id().unwrap_or_default();
        tracing::error!(%error, request_id = %reference, "{what}");
        AppError::Internal(reference)
    }
}

impl From<FieldError> for AppError {
    fn from(value: FieldError) -> Self {
        AppError::Invalid(vec![value])
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Requests that never reached the function answer 4xx with a plain message: serde's and
    /// hyper's own words (types, byte offsets) stay out of the answer.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                // Arguments that do not parse never reach the function, whose `respond` gives
                // errors their status; say 422 here, or the framework answers 500.
                set_status(422);
                let message = match missing_field(&msg) {
                    Some(field) => format!("Bad request: the field `{field}` is missing."),
                    None => "Bad request: a value in the request is not valid.".to_string(),
                };
                AppError::Invalid(vec![FieldError::new("", message)])
            }
            // On the server this is the request body that could not be read: over the size
            // limit (axum's `DefaultBodyLimit`, for bodies without Content-Length), or not
            // UTF-8. In the browser it is a response that did not decode: a transport problem.
            ServerFnErrorErr::Deserialization(msg) if is_too_large(&msg) && set_status(413) => AppError::too_large(),
            ServerFnErrorErr::Deserialization(_) if set_status(400) => AppError::Invalid(vec![FieldError::new(
                "",
                "Bad request: the request body could not be read.",
            )]),
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// http-body-util's `LengthLimitError` says this; server_fn passes errors on as text only.
fn is_too_large(msg: &str) -> bool {
    msg.contains("length limit exceeded")
}

/// The field named in serde's "missing field `email`", if it looks like an argument name.
fn missing_field(msg: &str) -> Option<&str> {
    let rest = &msg[msg.find("missing field `")? + "missing field `".len()..];
    let field = &rest[..rest.find('`')?];
    let plain = !field.is_empty() && field.len() <= 64 && field.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    plain.then_some(field)
}

/// Sets this response's status when answering a request on the server; false elsewhere (in
/// the browser, or on the server outside a request).
fn set_status(status: u16) -> bool {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        options.set_status(status);
        return true;
    }
    let _ = status;
    false
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::internal("database error", error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_are_named_and_nothing_else_is_quoted() {
        assert_eq!(missing_field("missing field `email`"), Some("email"));
        assert_eq!(
            missing_field("failed with reason: missing field `group_id`"),
            Some("group_id")
        );
        assert_eq!(missing_field("invalid digit found in string"), None);
        assert_eq!(missing_field("missing field `<script>`"), None);
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("invalid type: string \"x\"".into()));
        assert_eq!(error.to_string(), "Bad request: a value in the request is not valid.");
    }
}
