//! A person's first or last name, parsed once at the edge.

use super::{has_invisible_or_bidi, FieldError};
use serde::{Deserialize, Serialize};

/// A first or last name: trimmed, 1 to 100 characters, no control, invisible or text-direction
/// characters (see [`has_invisible_or_bidi`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    /// Parses the form value of `field` (`label` names it in the message).
    pub fn parse(field: &'static str, label: &str, raw: &str) -> Result<PersonName, FieldError> {
        let name = raw.trim();
        let problem = if name.is_empty() {
            format!("{label} is required.")
        } else if name.chars().count() > Self::MAX_CHARS {
            format!("{label} must be at most {} characters.", Self::MAX_CHARS)
        } else if name.chars().any(char::is_control) {
            format!("{label} must not contain control characters.")
        } else if has_invisible_or_bidi(name) {
            format!("{label} must not contain invisible or text-direction characters.")
        } else {
            return Ok(PersonName(name.to_string()));
        };
        Err(FieldError::new(field, problem))
    }

    /// A form's first and last name; each problem is added to `errors` against its field.
    pub fn parse_full(first: &str, last: &str, errors: &mut Vec<FieldError>) -> Option<(PersonName, PersonName)> {
        let first = PersonName::parse("first_name", "First name", first).map_err(|e| errors.push(e));
        let last = PersonName::parse("last_name", "Last name", last).map_err(|e| errors.push(e));
        Some((first.ok()?, last.ok()?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for PersonName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for PersonName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}
