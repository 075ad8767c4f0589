//! The wire form of API keys: `mspk_`, 12 characters of public prefix, `_`,
//! then a 256-bit random secret. The prefix finds the key and is shown in
//! lists (and by secret scanners, which recognise `mspk_`); only a SHA-256
//! hash of the whole key is stored.

use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::auth::refresh_tokens::{random_token, storage_hash};

/// How every API key starts.
pub const MARKER: &str = "mspk_";
const PREFIX_RANDOM_CHARS: usize = 12;
const PREFIX_LEN: usize = MARKER.len() + PREFIX_RANDOM_CHARS;

/// A freshly made key.
pub struct GeneratedKey {
    /// The public prefix, stored and listed.
    pub prefix: String,
    /// The whole key, shown once.
    pub secret: String,
    /// What is stored to recognise it.
    pub hash: String,
}

/// Makes a new key.
pub fn generate() -> GeneratedKey {
    let random: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(PREFIX_RANDOM_CHARS)
        .map(|b| char::from(b).to_ascii_lowercase())
        .collect();
    let prefix = format!("{MARKER}{random}");
    let secret = format!("{prefix}_{}", random_token());
    let hash = storage_hash(&secret);
    GeneratedKey { prefix, secret, hash }
}

/// Whether a bearer token is meant as an API key (rather than a JWT).
pub fn looks_like_api_key(token: &str) -> bool {
    token.starts_with(MARKER)
}

/// The prefix of a presented key, if it has the right shape.
pub fn prefix_of(token: &str) -> Option<&str> {
    let prefix = token.get(..PREFIX_LEN)?;
    (token.get(PREFIX_LEN..=PREFIX_LEN) == Some("_") && token.len() > PREFIX_LEN + 1 && prefix.starts_with(MARKER))
        .then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_recognised_and_hashed() {
        let key = generate();
        assert!(looks_like_api_key(&key.secret));
        assert_eq!(prefix_of(&key.secret), Some(key.prefix.as_str()));
        assert_eq!(storage_hash(&key.secret), key.hash);
        assert_ne!(generate().secret, key.secret);
        assert_eq!(prefix_of("mspk_short"), None);
        assert_eq!(prefix_of("mspk_abcdefghijkl"), None);
        assert_eq!(prefix_of("mspk_abcdefghijklXsecret"), None);
    }
}
