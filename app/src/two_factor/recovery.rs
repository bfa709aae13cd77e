//! (ssr) Recovery codes: ten one-time codes such as `7KD3M-QX9PA`, from an alphabet without
//! look-alikes (no 0/O, 1/I/L). Only keyed hashes are stored: the key is the instance key,
//! which the database does not hold, so a copy of the database cannot be searched for them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const COUNT: usize = 10;
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const HALF: usize = 5;
/// At two or fewer left, signing in with one asks the user to make a new set.
pub const LOW: i64 = 2;

/// A new set of codes.
pub fn generate() -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..COUNT)
        .map(|_| {
            let mut code = String::with_capacity(2 * HALF + 1);
            for i in 0..2 * HALF {
                if i == HALF {
                    code.push('-');
                }
                code.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
            }
            code
        })
        .collect()
}

/// A code as typed (any case, with or without the dash and spaces), in its canonical form.
pub fn parse(input: &str) -> Option<String> {
    let chars: Vec<char> = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != 2 * HALF || !chars.iter().all(|c| c.is_ascii() && ALPHABET.contains(&(*c as u8))) {
        return None;
    }
    let (a, b) = chars.split_at(HALF);
    Some(format!(
        "{}-{}",
        a.iter().collect::<String>(),
        b.iter().collect::<String>()
    ))
}

/// The stored form of a canonical code.
pub fn hash(key: &[u8; 32], code: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"roster recovery code\0");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_format_and_no_ambiguous_characters() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(&code[5..6], "-");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
            assert_eq!(parse(code).as_deref(), Some(code.as_str()));
        }
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
    }

    #[test]
    fn typed_codes_are_canonicalised_and_bad_ones_refused() {
        assert_eq!(parse(" 7kd3m qx9pa ").as_deref(), Some("7KD3M-QX9PA"));
        assert_eq!(parse("7KD3MQX9PA").as_deref(), Some("7KD3M-QX9PA"));
        assert_eq!(parse("7KD3M-QX9P"), None);
        assert_eq!(parse("7KD3M-QX9P0"), None, "0 is not in the alphabet");
        assert_eq!(parse("123456"), None);
    }

    #[test]
    fn hashes_depend_on_the_key() {
        let a = hash(&[1; 32], "7KD3M-QX9PA");
        assert_eq!(a, hash(&[1; 32], "7KD3M-QX9PA"));
        assert_ne!(a, hash(&[2; 32], "7KD3M-QX9PA"));
        assert_ne!(a, hash(&[1; 32], "7KD3M-QX9PB"));
    }
}
