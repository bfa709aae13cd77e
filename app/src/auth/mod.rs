//! Setup (first administrator), sign-in, sessions, sign-out and the current user.

#[cfg(feature = "ssr")]
pub mod alerts;
pub mod api;
pub mod code_page;
pub mod idle;
pub mod snapshot;
pub mod view;

#[cfg(feature = "ssr")]
pub mod challenges;
#[cfg(feature = "ssr")]
pub mod devices;
#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod second_step;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod timeouts;

use crate::domain::{Permission, Role, UserId};
use serde::{Deserialize, Serialize};

/// The signed-in user, as the UI needs them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    /// Union of the role's permissions and those of every group the user is in (none while
    /// `enrol_only`).
    pub permissions: Vec<Permission>,
    /// A 2FA policy requires this user to enrol before anything else.
    #[serde(default)]
    pub enrol_only: bool,
    /// When this session ends, as the server saw it while answering (for the warning before
    /// idle sign-out, `idle.rs`).
    #[serde(default)]
    pub session: Option<SessionClock>,
}

/// A session's deadlines, in unix seconds of the server's clock. `now` is when the server read
/// them, so the browser can count from its own clock whatever the difference between the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClock {
    pub now: i64,
    /// The idle timeout in force.
    pub idle_secs: i64,
    /// The session ends at this time unless a request comes first.
    pub idle_deadline: i64,
    /// The session ends at this time however active it is (the absolute timeout).
    pub absolute_deadline: i64,
}

/// The server writes a session's `last_seen_at` at most this often (a write per request would
/// cost every read): after a request, the stored time may be up to this much earlier.
pub const LAST_SEEN_EVERY_SECS: i64 = 60;

/// The timeouts in force (Settings → General), for the login page's "signed out after …".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimits {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Me {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Who is looking at the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Viewer {
    /// No user exists yet: everything leads to /setup, with the console URL prefilled.
    SetupRequired {
        suggested_console_url: String,
    },
    /// Not signed in; `reason` says why a session just ended, if it did.
    Anonymous {
        reason: Option<SignOutReason>,
    },
    SignedIn(Me),
}

/// Why the server ended a session; carried to the login page as `?reason=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignOutReason {
    Disabled,
    Expired,
    Idle,
}

crate::codes!(SignOutReason {
    Disabled => "disabled",
    Expired => "expired",
    Idle => "idle",
});

impl SignOutReason {
    /// What the login page says; with the timeouts in force it names them.
    pub fn message(self, limits: Option<SessionLimits>) -> String {
        match (self, limits) {
            (SignOutReason::Disabled, _) => "Your access has been disabled. Contact an administrator.".into(),
            (SignOutReason::Expired, Some(limits)) => format!(
                "You were signed out because your session reached its {}-hour limit. Please sign in again.",
                limits.absolute_hours
            ),
            (SignOutReason::Expired, None) => "Your session has expired. Please sign in again.".into(),
            (SignOutReason::Idle, Some(limits)) => format!(
                "You were signed out after {} minutes of inactivity.",
                limits.idle_minutes
            ),
            (SignOutReason::Idle, None) => "You were signed out after a period of inactivity.".into(),
        }
    }
}

/// How one sign-in attempt on an existing account ended, as its sign-in history shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInOutcome {
    SignedIn,
    WrongPassword,
    WrongCode,
    Disabled,
    RateLimited,
}

crate::codes!(SignInOutcome {
    SignedIn => "signed_in",
    WrongPassword => "wrong_password",
    WrongCode => "wrong_code",
    Disabled => "disabled",
    RateLimited => "rate_limited",
});

impl SignInOutcome {
    pub fn label(self) -> &'static str {
        match self {
            SignInOutcome::SignedIn => "Signed in",
            SignInOutcome::WrongPassword => "Wrong password",
            SignInOutcome::WrongCode => "Wrong 2FA code",
            SignInOutcome::Disabled => "Refused: access disabled",
            SignInOutcome::RateLimited => "Refused: too many attempts",
        }
    }

    pub fn success(self) -> bool {
        self == SignInOutcome::SignedIn
    }
}

/// One row of an account's sign-in history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignInRecord {
    pub at: i64,
    pub outcome: SignInOutcome,
    pub ip: String,
    pub user_agent: String,
}

/// Shown when the second step of sign-in is no longer waiting.
pub const EXPIRED_SIGN_IN: &str = "Your sign-in has expired. Sign in again with your email and password.";

/// What the setup form sends, as typed (parsed by the service). `Debug` leaves the passwords out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
    pub console_url: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("email", &self.email)
            .field("console_url", &self.console_url)
            .finish_non_exhaustive()
    }
}

/// What the change-password form sends. `Debug` leaves the passwords out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub password: String,
    pub password_confirm: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}

/// A local path to return to after sign-in; anything else (other hosts, `//x`) becomes `/`.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/login")
                && !path.starts_with("/setup")
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn next_path_stays_local() {
        assert_eq!(safe_next_path(Some("/settings/users?q=a")), "/settings/users?q=a");
        assert_eq!(safe_next_path(Some("//evil.example")), "/");
        assert_eq!(safe_next_path(Some("https://evil.example")), "/");
        assert_eq!(safe_next_path(Some("/\\evil")), "/");
        assert_eq!(safe_next_path(None), "/");
    }
}
