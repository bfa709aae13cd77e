//! Invitations: an admin invites an email with a role and a link lifetime; the invitee signs
//! up through a single-use link that expires.

pub mod api;
pub mod csv;
pub mod csv_api;
#[cfg(feature = "ssr")]
pub mod csv_service;
pub mod csv_view;
pub mod dialogs;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use crate::domain::Role;
use crate::mail::Delivery;
use serde::{Deserialize, Serialize};

/// How the invitee gets the link: shown to the admin once, or emailed by Roster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteDelivery {
    Link,
    Email,
}

crate::codes!(InviteDelivery {
    Link => "link",
    Email => "email",
});

/// How long an invite link stays valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteLifetime {
    OneHour,
    OneDay,
    ThreeDays,
    SevenDays,
}

crate::codes!(InviteLifetime {
    OneHour => "1h",
    OneDay => "24h",
    ThreeDays => "3d",
    SevenDays => "7d",
});

impl InviteLifetime {
    pub const DEFAULT: InviteLifetime = InviteLifetime::OneDay;

    pub fn label(self) -> &'static str {
        match self {
            InviteLifetime::OneHour => "1 hour",
            InviteLifetime::OneDay => "24 hours",
            InviteLifetime::ThreeDays => "3 days",
            InviteLifetime::SevenDays => "7 days",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            InviteLifetime::OneHour => 3600,
            InviteLifetime::OneDay => 24 * 3600,
            InviteLifetime::ThreeDays => 3 * 24 * 3600,
            InviteLifetime::SevenDays => 7 * 24 * 3600,
        }
    }
}

/// What the signup page shows for a valid link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignupInfo {
    pub email: String,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub invited_by: String,
}

/// Why a link cannot be used. Nothing else about the invite is revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkProblem {
    Expired,
    Used,
    Revoked,
    /// Whoever sent it was disabled or deleted, or may no longer grant its role.
    SenderLostAuthority,
    Unknown,
}

impl LinkProblem {
    pub fn message(self) -> &'static str {
        match self {
            LinkProblem::Expired => "This invitation link has expired.",
            LinkProblem::Used => "This invitation link has already been used.",
            LinkProblem::Revoked => "This invitation link has been revoked.",
            LinkProblem::SenderLostAuthority => {
                "This invitation is no longer valid: the person who sent it can no longer invite you with this role. Ask an administrator for a new invitation."
            }
            LinkProblem::Unknown => "This invitation link is not valid.",
        }
    }
}

/// The answer to opening an invite link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LinkState {
    Valid(SignupInfo),
    Invalid(LinkProblem),
}

/// A pending invitation, as the Pending tab lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The invitation email's delivery, if one was sent for this link.
    pub delivery: Option<Delivery>,
    /// Set when Roster revoked it because its sender lost the right to send it: why.
    pub revoked: Option<String>,
}

/// A fresh invitation: its link, shown once, or the address it was emailed to (the link then
/// goes only to the invitee's mailbox).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteLink {
    pub invite_id: i64,
    pub url: Option<String>,
    pub emailed_to: Option<String>,
    pub expires_at: i64,
}

/// What the invite form sends, as typed (parsed by the service).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub lifetime: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// `link` (the default) or `email`.
    #[serde(default)]
    pub delivery: String,
}

/// What the signup form sends, as typed. `Debug` leaves the passwords out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

impl std::fmt::Debug for SignupForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupForm")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .finish_non_exhaustive()
    }
}
