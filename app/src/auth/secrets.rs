//! (ssr) Password hashing and session tokens.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// argon2id at OWASP's recommended minimum: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most one argon2 computation per core at a time: each takes 19 MiB and a core for its
/// duration, so more in parallel only adds memory and makes every one of them slower. Callers
/// beyond that wait their turn, up to a bounded queue; past it they are told to come back.
struct HashGate {
    running: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
}

/// Requests that may wait for a hashing slot before new ones are turned away.
const MAX_WAITING_HASHES: usize = 256;

fn gate() -> &'static HashGate {
    static GATE: OnceLock<HashGate> = OnceLock::new();
    GATE.get_or_init(|| HashGate {
        running: tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
        waiting: std::sync::atomic::AtomicUsize::new(0),
    })
}

/// Too many passwords are being hashed at once: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingBusy;

impl std::fmt::Display for HashingBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("too many password checks at once")
    }
}

impl From<HashingBusy> for crate::domain::AppError {
    fn from(_: HashingBusy) -> Self {
        crate::domain::AppError::RateLimited("Too many sign-ins at once. Try again in a moment.".into())
    }
}

/// Runs one argon2 computation on the blocking pool once a slot is free.
async fn with_hashing_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashingBusy> {
    let gate = gate();
    let waiting = Waiting::join(&gate.waiting).ok_or(HashingBusy)?;
    // A caller that goes away while waiting (the client hung up) leaves the queue too: the
    // guard, not the line after the wait, counts it out.
    let permit = gate.running.acquire().await;
    drop(waiting);
    let _permit = permit.map_err(|_| HashingBusy)?;
    tokio::task::spawn_blocking(work).await.map_err(|_| HashingBusy)
}

/// One place in the queue for a hashing slot, given back when dropped.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    /// A place, unless [`MAX_WAITING_HASHES`] callers wait already.
    fn join(count: &'a std::sync::atomic::AtomicUsize) -> Option<Self> {
        use std::sync::atomic::Ordering;
        if count.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_HASHES {
            count.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Waiting(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Hashes a new password (bounded by the hashing gate, off the async runtime).
pub async fn hash_password(password: String) -> Result<String, HashingBusy> {
    with_hashing_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 hashes any password of the policy's length")
            .to_string()
    })
    .await
}

/// Verifies a password (bounded by the hashing gate, off the async runtime). With no stored
/// hash (unknown email) it verifies against a dummy hash anyway, so the response time does not
/// tell whether the account exists.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, HashingBusy> {
    with_hashing_slot(move || {
        let started = std::time::Instant::now();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let verified = hasher().verify_password(password.as_bytes(), &parsed).is_ok();
        note_check_time(started.elapsed());
        verified
    })
    .await
}

/// A running average of one password check's duration, in microseconds (0 until the first).
static CHECK_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn note_check_time(took: std::time::Duration) {
    use std::sync::atomic::Ordering;
    let took = took.as_micros().min(u128::from(u64::MAX)) as u64;
    let _ = CHECK_MICROS.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |avg| {
        Some(if avg == 0 { took } else { (avg * 7 + took) / 8 })
    });
}

/// Waits about as long as checking a password takes, without the work: an answer that needs
/// no check (a refused attempt) then takes as long as one that did.
pub async fn pause_like_a_password_check() {
    let micros = CHECK_MICROS.load(std::sync::atomic::Ordering::Relaxed);
    // Before any check was timed, a typical figure for these argon2 parameters.
    let pause = if micros == 0 {
        std::time::Duration::from_millis(50)
    } else {
        std::time::Duration::from_micros(micros)
    };
    tokio::time::sleep(pause).await;
}

/// Whether `value` looks like a [`random_token`] (what a browser sends back may be anything).
pub fn is_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(random_token().as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string()
    })
}

/// 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are stored only as this hash, so a database leak does not leak live sessions or links.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn a_place_in_the_queue_is_given_back_however_its_caller_ends() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let count = AtomicUsize::new(0);
        let places: Vec<_> = (0..MAX_WAITING_HASHES)
            .map(|_| Waiting::join(&count).unwrap())
            .collect();
        assert!(Waiting::join(&count).is_none(), "the queue is full");
        assert_eq!(count.load(Ordering::SeqCst), MAX_WAITING_HASHES);
        // Callers that went away (their futures dropped mid-wait) leave no place taken.
        drop(places);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert!(Waiting::join(&count).is_some());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hash = hash_password("a long enough password".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify_password("a long enough password".into(), Some(hash.clone())).await,
            Ok(true)
        );
        assert_eq!(
            verify_password("another password!!".into(), Some(hash)).await,
            Ok(false)
        );
        assert_eq!(verify_password("whatever".into(), None).await, Ok(false));
    }
}
