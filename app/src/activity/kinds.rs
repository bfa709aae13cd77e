//! Every action string the log holds, with its readable label and its filter group. Adding an
//! event kind is one line in `KINDS` (a unit test checks every action recorded in the code
//! has one).

/// The filter groups of the action multi-select, in the order the page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    Users,
    Invitations,
    Groups,
    SignIn,
    Settings,
    Email,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Users,
        Group::Invitations,
        Group::Groups,
        Group::SignIn,
        Group::Settings,
        Group::Email,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Users => "Users",
            Group::Invitations => "Invitations",
            Group::Groups => "Groups",
            Group::SignIn => "Sign-in",
            Group::Settings => "Settings",
            Group::Email => "Email",
        }
    }

    /// The kinds in this group, in table order.
    pub fn kinds(self) -> impl Iterator<Item = &'static Kind> {
        KINDS.iter().filter(move |k| k.group == self)
    }
}

#[derive(Debug)]
pub struct Kind {
    pub action: &'static str,
    pub label: &'static str,
    pub group: Group,
}

const fn kind(action: &'static str, label: &'static str, group: Group) -> Kind {
    Kind { action, label, group }
}

use Group::*;

pub const KINDS: &[Kind] = &[
    kind("setup.first_admin_registered", "Registered first administrator", Users),
    kind("user.created", "Created user", Users),
    kind("user.added", "User added", Users),
    kind("user.updated", "Changed name", Users),
    kind("user.role_changed", "Changed role", Users),
    kind("user.disabled", "Disabled access", Users),
    kind("user.enabled", "Enabled access", Users),
    kind("user.deleted", "Deleted user", Users),
    kind("user.two_factor_disabled", "Turned off 2FA for a user", Users),
    kind("user.sessions_ended", "Ended a user's sessions", Users),
    kind("user.unlocked", "Unlocked sign-in", Users),
    kind("invite.created", "Invited user", Invitations),
    kind("invite.link_renewed", "Renewed invitation link", Invitations),
    kind("invite.resent", "Resent invitation", Invitations),
    kind("invite.revoked", "Revoked invitation", Invitations),
    kind("group.created", "Created group", Groups),
    kind("group.updated", "Changed group", Groups),
    kind("group.deleted", "Deleted group", Groups),
    kind("group.member_added", "Added group member", Groups),
    kind("group.member_removed", "Removed group member", Groups),
    kind("auth.login", "Signed in", SignIn),
    kind("auth.login_failed", "Sign-in failed", SignIn),
    kind("auth.login_refused", "Sign-in refused", SignIn),
    kind("auth.sign_in_locked", "Sign-in locked", SignIn),
    kind("auth.logout", "Signed out", SignIn),
    kind("auth.password_changed", "Changed own password", SignIn),
    kind("auth.password_reset_requested", "Requested password reset", SignIn),
    kind("auth.password_reset", "Reset password", SignIn),
    kind(
        "auth.password_reset_link_created",
        "Created password reset link",
        SignIn,
    ),
    kind("session.revoked", "Signed out a session", SignIn),
    kind("session.revoked_others", "Signed out other sessions", SignIn),
    kind("two_factor.enabled", "Turned on 2FA", SignIn),
    kind("two_factor.disabled", "Turned off 2FA", SignIn),
    kind("two_factor.recovery_code_used", "Used a recovery code", SignIn),
    kind(
        "two_factor.recovery_codes_regenerated",
        "Regenerated recovery codes",
        SignIn,
    ),
    kind("settings.session_timeouts_changed", "Changed logout timeouts", Settings),
    kind("settings.console_url_changed", "Changed console URL", Settings),
    kind("settings.two_factor_policy_changed", "Changed 2FA policy", Settings),
    kind("settings.organisation_name_changed", "Renamed organisation", Settings),
    kind("integration.created", "Added integration", Settings),
    kind("integration.deleted", "Deleted integration", Settings),
    kind("integration.secret_rotated", "Rotated webhook secret", Settings),
    kind("integration.resumed", "Resumed integration", Settings),
    kind("integration.redelivered", "Redelivered notification", Settings),
    kind("trigger.created", "Created trigger", Settings),
    kind("trigger.deleted", "Deleted trigger", Settings),
    kind(
        "settings.activity_retention_changed",
        "Changed activity retention",
        Settings,
    ),
    kind("activity.exported", "Exported activity log", Settings),
    kind("activity.retention_deleted", "Deleted old activity entries", Settings),
    kind("email_config.updated", "Email configuration saved", Email),
    kind("email_config.test_sent", "Sent test email", Email),
];

pub fn find(action: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.action == action)
}

/// The readable label; an action without a kind (from a newer release) shows as it is.
pub fn label(action: &str) -> &str {
    find(action).map_or(action, |k| k.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `"area.verb"` string the source passes as an action has a kind.
    #[test]
    fn every_recorded_action_has_a_kind() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut files = vec![src];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("kinds.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let is_action = literal.split_once('.').is_some_and(|(area, verb)| {
                    ACTION_AREAS.contains(&area)
                        && !verb.is_empty()
                        && verb.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
                if is_action && find(literal).is_none() && !NOT_ACTIONS.contains(&literal) {
                    missing.push(format!("{literal} ({})", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "actions without a kind: {missing:?}");
    }

    const ACTION_AREAS: &[&str] = &[
        "integration",
        "trigger",
        "user",
        "invite",
        "group",
        "auth",
        "session",
        "settings",
        "two_factor",
        "email_config",
        "activity",
        "setup",
    ];

    /// Strings of the same shape that are setting keys or sealing purposes, not actions.
    const NOT_ACTIONS: &[&str] = &[
        "session.idle_timeout_minutes",
        "session.absolute_timeout_hours",
        "two_factor.policy",
        "two_factor.grace_days",
        "two_factor.policy_since",
        "email_config.secret",
        "activity.retention_days",
    ];

    #[test]
    fn actions_are_unique_and_every_group_has_kinds() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(KINDS[i + 1..].iter().all(|o| o.action != k.action), "{}", k.action);
        }
        for group in Group::ALL {
            assert!(group.kinds().next().is_some(), "{group:?}");
        }
    }
}
