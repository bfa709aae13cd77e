//! The password policy, the same code in the browser (to explain as the user types) and on
//! the server (to enforce).

pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// Passwords of policy length that show up in breach lists again and again.
/// Shorter common passwords are already refused by the length rule.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "1234567891011",
    "111111111111",
    "000000000000",
    "123123123123",
    "121212121212",
    "123412341234",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopas",
    "qwertyuiopasdf",
    "qwertyuiopasdfgh",
    "qwerty123456",
    "qwerty1234567",
    "qwertyqwerty",
    "asdfghjkl123",
    "asdfghjkl1234",
    "asdfasdfasdf",
    "zxcvbnm12345",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "q1w2e3r4t5y6",
    "password1234",
    "password12345",
    "password123456",
    "password1234567",
    "passwordpassword",
    "password123!",
    "password2020",
    "password2021",
    "password2022",
    "password2023",
    "password2024",
    "password2025",
    "password2026",
    "p@ssw0rd1234",
    "p@ssword1234",
    "passw0rd1234",
    "iloveyou1234",
    "iloveyou12345",
    "iloveyouiloveyou",
    "letmein12345",
    "letmeinletmein",
    "welcome12345",
    "welcome123456",
    "welcomewelcome",
    "administrator",
    "administrator1",
    "admin1234567",
    "adminadmin123",
    "adminadminadmin",
    "changeme1234",
    "changemenow!",
    "abcdefghijkl",
    "abcdefghijklm",
    "abcd12345678",
    "abc123abc123",
    "abcabcabcabc",
    "aaaaaaaaaaaa",
    "football1234",
    "baseball1234",
    "basketball12",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "batman123456",
    "starwars1234",
    "trustno11234",
    "monkey123456",
    "dragon123456",
    "shadow123456",
    "master123456",
    "michael12345",
    "jennifer1234",
    "computer1234",
    "internet1234",
    "whatever1234",
    "qazwsxedcrfv",
    "1qazxsw23edc",
    "mypassword123",
    "mypassword12",
    "secret123456",
    "security1234",
    "summer2024!!",
    "spring2024!!",
    "winter2024!!",
    "testtesttest",
    "test12345678",
    "guest1234567",
    "loveyou12345",
    "corvette1234",
];

/// The first rule the password breaks, as a sentence for the user; None when it is acceptable.
pub fn password_problem(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Some(format!("Password must be at least {PASSWORD_MIN} characters."));
    }
    if length > PASSWORD_MAX {
        return Some(format!("Password must be at most {PASSWORD_MAX} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || is_trivial_pattern(&lower) {
        return Some("This password is too common; choose one that is harder to guess.".into());
    }
    None
}

/// The problem with a password confirmation, if it differs from the password.
pub fn confirmation_problem(password: &str, confirm: &str) -> Option<String> {
    (password != confirm).then(|| "The passwords do not match.".to_string())
}

/// One repeated character, or a run of consecutive characters ("abcdefghijklmn", "987654321098").
fn is_trivial_pattern(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    let repeated = chars.windows(2).all(|w| w[0] == w[1]);
    let step = |a: char, b: char| (b as i64) - (a as i64);
    let ascending = chars
        .windows(2)
        .all(|w| step(w[0], w[1]) == 1 || (w[0] == '9' && w[1] == '0'));
    let descending = chars
        .windows(2)
        .all(|w| step(w[0], w[1]) == -1 || (w[0] == '0' && w[1] == '9'));
    repeated || ascending || descending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(password_problem("short").unwrap().contains("at least 12"));
        assert!(password_problem(&"x1".repeat(65)).unwrap().contains("at most 128"));
        assert_eq!(password_problem("correct horse battery"), None);
    }

    #[test]
    fn confirmation_must_match() {
        assert_eq!(confirmation_problem("same thing here", "same thing here"), None);
        assert_eq!(
            confirmation_problem("same thing here", "other").unwrap(),
            "The passwords do not match."
        );
    }

    #[test]
    fn common_and_patterns() {
        assert!(password_problem("Password1234").unwrap().contains("too common"));
        assert!(password_problem("zzzzzzzzzzzzzz").is_some());
        assert!(password_problem("abcdefghijklmnop").is_some());
        assert!(password_problem("987654321098").is_some());
        assert_eq!(password_problem("Tr0ub4dor&3-extended"), None);
    }
}
