//! Argon2id password hashes (OWASP parameters, `Argon2::default()`).
//!
//! Hashing is slow on purpose; call these from the blocking pool only.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
}

/// True when `password` matches the PHC string `stored`. A malformed stored
/// hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash of a random password nobody knows. Sign-in verifies against it when
/// the e-mail is unknown, so that an unknown e-mail takes as long to refuse
/// as a wrong password and response times reveal no accounts. Computed once
/// per process (argon2 is slow on purpose; every server of the process, as
/// in the tests, shares it).
pub fn decoy_hash() -> Result<String, argon2::password_hash::Error> {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(decoy) = DECOY.get() {
        return Ok(decoy.clone());
    }
    let secret = crate::auth::refresh_tokens::random_token();
    let decoy = hash(&secret)?;
    Ok(DECOY.get_or_init(|| decoy).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong horse battery", &stored));
        assert!(!verify("anything", "not a phc string"));
    }
}
