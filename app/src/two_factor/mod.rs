//! Two-factor authentication: TOTP enrolment with a QR code, recovery codes, turning it off
//! (by the user, or by an admin for a user who lost their device), and the 2FA policy.

pub mod api;
pub mod view;

#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod recovery;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod totp;

use crate::domain::Permission;
use serde::{Deserialize, Serialize};

/// Where a session that a 2FA policy confines goes: the only page it may use.
pub const ENROL_PATH: &str = "/two-factor/setup";

/// The signed-in user's 2FA, as their profile shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled_at: Option<i64>,
    pub recovery_codes_left: i64,
    /// A 2FA policy applies to this user: they cannot turn 2FA off.
    pub required: bool,
}

/// A secret waiting for its first code: what the enrolment screen shows. The secret is sent to
/// the browser this once, to be scanned or typed in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub qr_svg: String,
    /// The base32 secret in groups of four.
    pub key: String,
    pub issuer: String,
    pub account: String,
    pub expires_at: i64,
}

/// Who a 2FA policy covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyScope {
    #[default]
    Off,
    Admins,
    Everyone,
}

crate::codes!(PolicyScope {
    Off => "off",
    Admins => "admins",
    Everyone => "everyone",
});

impl PolicyScope {
    pub fn label(self) -> &'static str {
        match self {
            PolicyScope::Off => "Off",
            PolicyScope::Admins => "Required for Administrators and Global Administrators",
            PolicyScope::Everyone => "Required for everyone",
        }
    }

    /// Whether a user with these effective permissions falls under the policy: "Administrators"
    /// are those with an Administrator's rights, by role or through a group.
    pub fn covers(self, permissions: &[Permission]) -> bool {
        match self {
            PolicyScope::Off => false,
            PolicyScope::Everyone => true,
            PolicyScope::Admins => permissions.contains(&Permission::ManageSettings),
        }
    }
}

/// The 2FA policy as Settings → General shows and saves it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub scope: PolicyScope,
    /// Days a covered user without 2FA may still sign in normally, counted from when the
    /// policy was set (or from their account's creation, if later).
    pub grace_days: i64,
    /// When the policy last became stricter.
    pub since: i64,
}

pub const MAX_GRACE_DAYS: i64 = 30;

/// The policy form as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub scope: String,
    pub grace_days: String,
}
