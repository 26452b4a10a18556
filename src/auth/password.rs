//! Password hashing with argon2id (the crate's default parameters: 19 MiB, t=2, p=1,
//! OWASP's recommendation). Hashing is CPU-bound, so it runs on the blocking pool and
//! never stalls the reactor that serves streams.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;

/// Longest password accepted, in bytes: hashing cost must not be chosen by the caller.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A password could not be hashed (the system's random source failed).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash password: {0}")]
pub struct HashError(String);

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
///
/// # Errors
/// When the random source for the salt fails.
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| HashError(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `hash`. A malformed stored hash never matches.
/// With `None`, a fixed dummy hash is checked, so an unknown username costs as much
/// time as a known one and cannot be told apart by timing.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = hash.as_deref().unwrap_or_else(|| dummy_hash());
        let matched = PasswordHash::new(stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        matched && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("homestream-timing-equaliser").unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
             Qm5oV2xGd2VqZ0xKc0VqZ0xKc0VqZ0xKc0VqZ0xKc0U"
                .to_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse".into(), Some(h)).await);
        assert!(!verify("x".into(), Some("not a hash".into())).await);
        assert!(!verify("homestream-timing-equaliser".into(), None).await);
    }
}
