//! Groups: named sets of users that grant a role's permissions. A user's effective permissions
//! are the union of their own role's and every group's role (see `auth::service`), so a
//! membership change takes effect on the member's next request.

pub mod api;
mod panel;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod view;

use crate::domain::{has_invisible_or_bidi, FieldError, Role};
use serde::{Deserialize, Serialize};

/// Longest group name, in characters.
pub const NAME_MAX: usize = 60;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 500;

/// One group as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub member_count: i64,
}

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
}

/// Which way a membership changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    Add,
    Remove,
}

/// A group name: trimmed, 1..=60 characters, no control, invisible or text-direction characters.
pub fn parse_group_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let bad = |msg: String| Err(FieldError::new("name", msg));
    if name.is_empty() {
        return bad("Name is required.".into());
    }
    if name.chars().count() > NAME_MAX {
        return bad(format!("Name must be at most {NAME_MAX} characters."));
    }
    if name.chars().any(char::is_control) {
        return bad("Name must not contain control characters.".into());
    }
    if has_invisible_or_bidi(name) {
        return bad("Name must not contain invisible or text-direction characters.".into());
    }
    Ok(name.to_string())
}

/// The key that makes names unique regardless of case.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// A description: trimmed, at most 500 characters; line breaks and tabs are the only control
/// characters allowed.
pub fn parse_description(raw: &str) -> Result<String, FieldError> {
    let description = raw.trim();
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(FieldError::new(
            "description",
            format!("Description must be at most {DESCRIPTION_MAX} characters."),
        ));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            "description",
            "Description must not contain control characters.",
        ));
    }
    Ok(description.to_string())
}

/// A role chosen in a form, by code.
pub fn parse_role(raw: &str) -> Result<Role, FieldError> {
    Role::from_code(raw.trim()).ok_or_else(|| FieldError::new("role", "Choose a role."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(parse_group_name("  Night shift ").unwrap(), "Night shift");
        assert_eq!(parse_group_name(" ").unwrap_err().message, "Name is required.");
        assert!(parse_group_name(&"é".repeat(60)).is_ok());
        assert_eq!(
            parse_group_name(&"x".repeat(61)).unwrap_err().message,
            "Name must be at most 60 characters."
        );
        assert!(parse_group_name("a\u{7}b").is_err());
        for c in [
            '\u{202E}', '\u{2067}', '\u{200B}', '\u{2028}', '\u{2029}', '\u{FEFF}', '\u{200E}',
        ] {
            assert_eq!(
                parse_group_name(&format!("Night{c} shift")).unwrap_err().message,
                "Name must not contain invisible or text-direction characters.",
                "U+{:04X}",
                c as u32
            );
        }
        assert_eq!(parse_group_name("夜勤 🌙").unwrap(), "夜勤 🌙");
        assert_eq!(name_key("Night Shift"), "night shift");
    }

    #[test]
    fn descriptions_are_optional_and_bounded() {
        assert_eq!(parse_description("  ").unwrap(), "");
        assert_eq!(parse_description("On call\nweekends").unwrap(), "On call\nweekends");
        assert!(parse_description(&"x".repeat(501)).is_err());
        assert!(parse_description("bell\u{7}").is_err());
    }

    #[test]
    fn roles_are_chosen_by_code() {
        assert_eq!(parse_role("admin").unwrap(), Role::Administrator);
        assert_eq!(parse_role("root").unwrap_err().message, "Choose a role.");
    }
}

/// What the group form sends, as typed (parsed by the service).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub role: String,
}
