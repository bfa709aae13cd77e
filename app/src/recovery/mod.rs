//! Account recovery: "Forgot password?" (a single-use link by email that ends in a new
//! password) and the break-glass commands an operator runs from the server's shell
//! (`roster admin …`, in `break_glass`).

pub mod api;
pub mod view;

#[cfg(feature = "ssr")]
pub mod break_glass;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// The one answer to "Forgot password?", whatever the account's state: telling them apart would
/// tell a stranger which emails have accounts.
pub const FORGOT_ANSWER: &str =
    "If an account exists for that email, we have sent a link to reset its password. It works for 30 minutes.";
/// A reset link that is unknown, used, cancelled by a newer one, or past its 30 minutes.
pub const LINK_UNUSABLE: &str = "This password reset link has expired or was already used.";
pub const RESET_DONE: &str = "Your password was reset. Sign in with your new password.";
/// Where a reset link leads; the token follows.
pub const RESET_PATH: &str = "/reset-password";

/// What a reset link leads to. Nothing about an unusable link is told apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ResetLink {
    /// `two_factor`: the account has 2FA on, so a code is asked for too.
    Valid {
        email: String,
        two_factor: bool,
    },
    Unusable,
}

/// What the reset form sends, as typed. `Debug` leaves the token, passwords and code out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordReset {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    /// A 6-digit code or a recovery code; only for an account with 2FA.
    #[serde(default)]
    pub code: String,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordReset { .. }")
    }
}
