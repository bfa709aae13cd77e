//! (ssr) Secrets at rest: values such as SMTP passwords are sealed with the instance's secret key
//! (XChaCha20-Poly1305, random nonce) before they reach the database, so a copy of the database
//! file alone reveals nothing.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;

/// Seals `plain`; `purpose` binds the ciphertext to where it is stored, so a sealed value copied
/// into another column does not open.
pub fn seal(key: &[u8; 32], purpose: &str, plain: &str) -> String {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain.as_bytes(),
                aad: purpose.as_bytes(),
            },
        )
        .expect("encryption with a valid key cannot fail");
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    format!("{VERSION}:{}", STANDARD_NO_PAD.encode(bytes))
}

/// Opens a value made by [`seal`] with the same key and purpose. `None` means the key changed
/// or the value was tampered with.
pub fn open(key: &[u8; 32], purpose: &str, sealed: &str) -> Option<String> {
    let encoded = sealed.strip_prefix(VERSION)?.strip_prefix(':')?;
    let bytes = STANDARD_NO_PAD.decode(encoded).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, body) = bytes.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: purpose.as_bytes(),
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

/// A value that tells whether two servers hold the same key, without revealing it: an
/// HMAC-SHA256 of a fixed label.
pub fn key_check(key: &[u8; 32]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"roster instance key check v1");
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_checks_differ_by_key_only() {
        assert_eq!(key_check(&[1u8; 32]), key_check(&[1u8; 32]));
        assert_ne!(key_check(&[1u8; 32]), key_check(&[2u8; 32]));
        assert_eq!(key_check(&[1u8; 32]).len(), 64);
    }

    #[test]
    fn round_trips_and_refuses_other_keys_purposes_and_tampering() {
        let key = [7u8; 32];
        let sealed = seal(&key, "smtp", "hunter2 app password");
        assert!(!sealed.contains("hunter2"));
        assert_eq!(open(&key, "smtp", &sealed).as_deref(), Some("hunter2 app password"));
        assert_eq!(open(&[8u8; 32], "smtp", &sealed), None);
        assert_eq!(open(&key, "ses", &sealed), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(open(&key, "smtp", &tampered), None);
        // A fresh nonce each time: the same secret never looks the same twice.
        assert_ne!(seal(&key, "smtp", "x"), seal(&key, "smtp", "x"));
    }
}
