//! (ssr) Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps), with one
//! step of clock skew each way and never the same step twice.

use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: i64 = 30;
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The secret as authenticator apps take it: base32, no padding.
pub fn base32(secret: &[u8]) -> String {
    Secret::Raw(secret.to_vec()).to_encoded().to_string()
}

/// The base32 secret back to bytes.
pub fn from_base32(encoded: &str) -> Option<Vec<u8>> {
    Secret::Encoded(encoded.to_string()).to_bytes().ok()
}

/// The base32 key in groups of four, for typing it in by hand.
pub fn key_in_groups(encoded: &str) -> String {
    let chars: Vec<char> = encoded.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> TOTP {
    // `new_unchecked`: the account name is an email, whose `@` and `:` rules the checked
    // constructor is stricter about than authenticator apps are.
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS as u64,
        secret.to_vec(),
        Some(issuer.to_string()),
        account.to_string(),
    )
}

/// The `otpauth://` URL the QR code carries.
pub fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> String {
    totp(secret, issuer, account).get_url()
}

/// The QR code of `url` as an SVG image.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// A code as typed: six digits, spaces allowed between them.
pub fn parse_code(input: &str) -> Option<String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

/// The time step `code` belongs to at `now` (this step, the one before or the one after), if
/// that step is later than `last_step`: a code is good once.
pub fn matching_step(secret: &[u8], code: &str, now: i64, last_step: Option<i64>) -> Option<i64> {
    let totp = totp(secret, "", "");
    let current = now.div_euclid(STEP_SECS);
    [current - 1, current, current + 1]
        .into_iter()
        .filter(|step| *step >= 0 && last_step.is_none_or(|last| *step > last))
        .find(|step| totp.check(code, (*step * STEP_SECS) as u64))
}

/// The code for the step containing `at` (tests and tools compute codes this way).
pub fn code_at(secret: &[u8], at: i64) -> String {
    totp(secret, "", "").generate(at.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109), "081804");
        assert_eq!(code_at(RFC_SECRET, 1_234_567_890), "005924");
    }

    #[test]
    fn one_step_of_skew_each_way_at_the_step_edges() {
        let now = 1_800_000_000; // a step boundary: 1_800_000_000 / 30 = 60_000_000
        let step = now / STEP_SECS;
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now), now, None),
            Some(step)
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now - 1), now, None),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now + 30), now, None),
            Some(step + 1)
        );
        // The last second of a step still accepts the next step's code, and not two ahead.
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now + 30), now + 29, None),
            Some(step + 1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now + 60), now, None),
            None
        );
    }

    #[test]
    fn a_code_from_two_steps_ago_is_refused() {
        let now = 1_800_000_015;
        assert_eq!(
            matching_step(RFC_SECRET, &code_at(RFC_SECRET, now - 60), now, None),
            None
        );
    }

    #[test]
    fn the_same_step_or_an_earlier_one_is_never_accepted_twice() {
        let now = 1_800_000_015;
        let code = code_at(RFC_SECRET, now);
        let step = matching_step(RFC_SECRET, &code, now, None).unwrap();
        assert_eq!(matching_step(RFC_SECRET, &code, now, Some(step)), None);
        assert_eq!(matching_step(RFC_SECRET, &code, now + 20, Some(step)), None);
        // The previous step's code after the current one was used: refused too.
        let previous = code_at(RFC_SECRET, now - 30);
        assert_eq!(matching_step(RFC_SECRET, &previous, now, Some(step)), None);
        // The next step's code is still fine.
        let next = code_at(RFC_SECRET, now + 30);
        assert_eq!(matching_step(RFC_SECRET, &next, now + 30, Some(step)), Some(step + 1));
    }

    #[test]
    fn codes_are_six_digits_spaces_allowed() {
        assert_eq!(parse_code(" 123 456 "), Some("123456".into()));
        assert_eq!(parse_code("12345"), None);
        assert_eq!(parse_code("12345a"), None);
        assert_eq!(parse_code("1234567"), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_and_group_by_four() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        let encoded = base32(&secret);
        assert_eq!(encoded.len(), 32);
        assert_eq!(from_base32(&encoded).unwrap(), secret);
        let grouped = key_in_groups(&encoded);
        assert_eq!(grouped.split(' ').count(), 8);
        assert!(otpauth_url(&secret, "Roster (roster.test)", "ada@example.com").starts_with("otpauth://totp/"));
        assert!(qr_svg("otpauth://totp/x").contains("<svg"));
    }
}
