//! Types that cross the wire and are parsed at the edges: once a value has one of these
//! types it is known to be valid, on the server and in the browser alike.

mod codes;
mod email;
mod error;
mod name;
mod password;
mod role;
mod status;
mod text;

pub use codes::UnknownCode;
pub use email::Email;
pub use error::{AppError, FieldError};
pub use name::PersonName;
pub use password::{confirmation_problem, password_problem, PASSWORD_MAX, PASSWORD_MIN};
pub use role::{effective_permissions, may_grant, Permission, Role};
pub use status::{InviteStatus, UserStatus};
pub use text::has_invisible_or_bidi;

use serde::{Deserialize, Serialize};

/// A user's primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// The console's public URL: `http(s)://host[:port][/path]`, no query or fragment; a trailing
/// slash is dropped. Kept as typed (the host's case and any port stay as given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConsoleUrl(String);

impl ConsoleUrl {
    pub fn parse(raw: &str) -> Result<ConsoleUrl, FieldError> {
        let url = raw.trim().trim_end_matches('/');
        let bad = |msg: &str| Err(FieldError::new("console_url", msg.to_string()));
        let rest = if let Some(rest) = url.strip_prefix("https://") {
            rest
        } else if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else {
            return bad("The console URL must start with http:// or https://.");
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') {
            return bad("The console URL needs a host name, like https://roster.example.com.");
        }
        if url.contains(['?', '#', ' ']) || url.chars().any(char::is_control) {
            return bad("The console URL must not contain spaces, a query or a fragment.");
        }
        if url.len() > 2000 {
            return bad("The console URL is too long.");
        }
        Ok(ConsoleUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for ConsoleUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_url_is_parsed() {
        assert_eq!(
            ConsoleUrl::parse(" https://r.example.com/ ").unwrap().as_str(),
            "https://r.example.com"
        );
        assert_eq!(
            ConsoleUrl::parse("http://127.0.0.1:3000").unwrap().as_str(),
            "http://127.0.0.1:3000"
        );
        assert!(ConsoleUrl::parse("ftp://x").is_err());
        assert!(ConsoleUrl::parse("https://").is_err());
        assert!(ConsoleUrl::parse("https://x/?a=b").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("first_name", "First name", "  Ada ").unwrap(), "Ada");
        assert!(PersonName::parse("first_name", "First name", "   ").is_err());
        assert!(PersonName::parse("first_name", "First name", &"x".repeat(101)).is_err());
    }

    #[test]
    fn names_refuse_invisible_and_direction_characters() {
        for c in [
            '\u{202E}', '\u{2067}', '\u{200B}', '\u{2028}', '\u{2029}', '\u{FEFF}', '\u{200E}',
        ] {
            let error = PersonName::parse("last_name", "Last name", &format!("Love{c}lace")).unwrap_err();
            assert_eq!(error.field, "last_name");
            assert_eq!(
                error.message, "Last name must not contain invisible or text-direction characters.",
                "U+{:04X}",
                c as u32
            );
        }
        for name in ["Zoë", "Núñez", "山田", "Ada 🎉"] {
            assert_eq!(PersonName::parse("first_name", "First name", name).unwrap(), name);
        }
    }
}
