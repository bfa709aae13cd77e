//! Settings → Triggers: each team member's rules ("when a user is added with the role Analyst,
//! notify these integrations"). An activity entry that matches an enabled trigger queues one
//! delivery per reaction, in the transaction that records it (`on_recorded`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod event;
#[cfg(feature = "ssr")]
pub mod message;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

#[cfg(feature = "ssr")]
pub use event::on_recorded;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    UserAdded,
    RoleChanged,
    DisabledOrDeleted,
    TwoFactorDisabled,
    SignInLocked,
}

crate::codes!(Condition {
    UserAdded => "user_added",
    RoleChanged => "user_role_changed",
    DisabledOrDeleted => "user_disabled_or_deleted",
    TwoFactorDisabled => "two_factor_disabled",
    SignInLocked => "sign_in_locked",
});

impl Condition {
    /// The activity actions that mean this condition (where each event is defined: one line).
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            // Signup through a link or an emailed invitation; `roster admin create-admin`.
            Condition::UserAdded => &["user.added", "user.created"],
            Condition::RoleChanged => &["user.role_changed"],
            Condition::DisabledOrDeleted => &["user.disabled", "user.deleted"],
            Condition::TwoFactorDisabled => &["user.two_factor_disabled"],
            Condition::SignInLocked => &["auth.sign_in_locked"],
        }
    }

    pub fn for_action(action: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.actions().contains(&action))
    }

    pub fn label(self) -> &'static str {
        match self {
            Condition::UserAdded => "User added",
            Condition::RoleChanged => "User role changed",
            Condition::DisabledOrDeleted => "User disabled or deleted",
            Condition::TwoFactorDisabled => "2FA disabled by an admin",
            Condition::SignInLocked => "Sign-in locked",
        }
    }

    /// What the role filter looks at: the user's role, or for a role change the new one.
    pub fn role_hint(self) -> &'static str {
        match self {
            Condition::RoleChanged => "Only when the new role is one of these. None chosen: any role.",
            _ => "Only for users with one of these roles. None chosen: any role.",
        }
    }
}

/// A trigger as Settings → Triggers lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerInfo {
    pub id: i64,
    pub name: String,
    pub condition: Condition,
    /// Role labels; empty: any role.
    pub roles: Vec<String>,
    /// Integration names.
    pub reactions: Vec<String>,
    pub owner: String,
    pub mine: bool,
}

/// The new-trigger form as typed: `roles` (codes) and `integrations` (ids) comma-separated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub roles: String,
    #[serde(default)]
    pub integrations: String,
}

/// What the form offers as reactions: every integration, by name (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionOption {
    pub id: i64,
    pub name: String,
    pub kind: String,
}
