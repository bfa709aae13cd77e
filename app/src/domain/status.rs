//! Where an account and an invitation stand, as the database stores them.

use serde::{Deserialize, Serialize};

/// Whether a user may sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    Disabled,
}

crate::codes!(UserStatus {
    Active => "active",
    Disabled => "disabled",
});

/// An invitation's life: pending until used or revoked (expiry is decided at use time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InviteStatus {
    Pending,
    Used,
    Revoked,
}

crate::codes!(InviteStatus {
    Pending => "pending",
    Used => "used",
    Revoked => "revoked",
});
