//! Rules of `Idempotency-Key` (IETF httpapi draft
//! `draft-ietf-httpapi-idempotency-key-header`): what a key may be, how long
//! the first answer to it is kept, how long a request holds its key while it
//! runs, and which answers are kept for replay at all.
//!
//! A client that retries a `POST` with the key of its first attempt gets the
//! first attempt's answer again instead of a second order, customer or key.

use chrono::TimeDelta;

use crate::spelling::spelled_enum;

/// How long the answer to a key is kept and replayed: after this, the key
/// may be used again for anything.
pub const KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// How long a request holds its key while it runs. A second request with the
/// key meanwhile is refused as in flight; a key whose request never finished
/// (its process stopped) is free again after this.
pub const IN_FLIGHT_LEASE: TimeDelta = TimeDelta::minutes(2);

/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// What a key is, as the contract's pattern says it.
pub const KEY_PATTERN: &str = "^[!#-~]{1,255}$";

/// A client's `Idempotency-Key`: 1 to 255 visible ASCII characters other
/// than `"` (a UUID is what clients usually send; [`KEY_PATTERN`]), given
/// bare or, as the draft's structured field string, in double quotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Why a header value is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidIdempotencyKey {
    /// Nothing (or only quotes) was sent.
    #[error("Idempotency-Key is empty")]
    Empty,
    /// Over [`MAX_KEY_LENGTH`] characters.
    #[error("Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")]
    TooLong,
    /// A character that is not visible ASCII (a space, a control or non-ASCII
    /// character) or is a `"`.
    #[error("Idempotency-Key may hold only visible ASCII characters")]
    InvalidCharacter,
}

impl IdempotencyKey {
    /// Parses a header value.
    pub fn parse(value: &str) -> Result<Self, InvalidIdempotencyKey> {
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        if value.is_empty() {
            return Err(InvalidIdempotencyKey::Empty);
        }
        if value.len() > MAX_KEY_LENGTH {
            return Err(InvalidIdempotencyKey::TooLong);
        }
        if !value.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"') {
            return Err(InvalidIdempotencyKey::InvalidCharacter);
        }
        Ok(Self(value.to_owned()))
    }

    /// The key as sent (without quotes).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

spelled_enum! {
    /// Where the request holding a key stands.
    pub enum KeyState {
        /// The first request with the key is running.
        InFlight => "in_flight",
        /// It finished; its answer is kept for replay.
        Completed => "completed",
    }
}

/// Whether an answer with `status`, which the operation marked or not as not
/// to be stored (`forbids_storing`), is kept and replayed for its key.
///
/// Kept: whatever the operation itself answered, success or refusal (a 409
/// or a 422 would be the same answer again). Not kept, so that the retry
/// runs afresh: a credential that failed (401), a missing permission (403,
/// perhaps granted since), throttling (429), our own failures (5xx, after
/// which nothing was done), and answers that carry a secret — a token, a new
/// API key, a set-password link — which their operation marks
/// `Cache-Control: no-store` and which are never written to storage.
pub fn answer_is_kept(status: u16, forbids_storing: bool) -> bool {
    !forbids_storing && !matches!(status, 401 | 403 | 429) && status < 500
}

/// Whether a `Cache-Control` value forbids storing the answer (`no-store`).
pub fn forbids_storing(cache_control: &str) -> bool {
    cache_control.split(',').any(|directive| directive.trim().eq_ignore_ascii_case("no-store"))
}

/// Who holds a key while its request runs: a random token of that request,
/// so that a request that outlived its hold cannot write its answer into, or
/// give back, the hold of the request that took the key over.
pub fn new_holder(random: u128) -> String {
    format!("{random:032x}")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn keys_are_read_bare_or_quoted() {
        let uuid = "8e03978e-40d5-43e8-bc93-6894a57f9324";
        assert_eq!(IdempotencyKey::parse(uuid).map(|k| k.as_str().to_owned()), Ok(uuid.to_owned()));
        assert_eq!(IdempotencyKey::parse(&format!("\"{uuid}\"")).map(|k| k.as_str().to_owned()), Ok(uuid.to_owned()));
        assert_eq!(IdempotencyKey::parse(" order-17 ").map(|k| k.as_str().to_owned()), Ok("order-17".to_owned()));
    }

    #[test]
    fn empty_long_and_odd_keys_are_refused() {
        assert_eq!(IdempotencyKey::parse(""), Err(InvalidIdempotencyKey::Empty));
        assert_eq!(IdempotencyKey::parse("\"\""), Err(InvalidIdempotencyKey::Empty));
        assert_eq!(IdempotencyKey::parse(&"k".repeat(256)), Err(InvalidIdempotencyKey::TooLong));
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert_eq!(IdempotencyKey::parse("clé"), Err(InvalidIdempotencyKey::InvalidCharacter));
        assert_eq!(IdempotencyKey::parse("a\tb"), Err(InvalidIdempotencyKey::InvalidCharacter));
        assert_eq!(IdempotencyKey::parse("order 17"), Err(InvalidIdempotencyKey::InvalidCharacter));
        assert_eq!(IdempotencyKey::parse("a\"b"), Err(InvalidIdempotencyKey::InvalidCharacter));
    }

    #[test]
    fn only_the_operations_own_answers_are_kept() {
        for kept in [200, 201, 202, 204, 400, 404, 409, 412, 413, 415, 422] {
            assert!(answer_is_kept(kept, false), "{kept}");
            assert!(!answer_is_kept(kept, true), "{kept} with a secret");
        }
        for not_kept in [401, 403, 429, 500, 502, 503] {
            assert!(!answer_is_kept(not_kept, false), "{not_kept}");
        }
    }

    #[test]
    fn no_store_is_read_among_other_directives() {
        assert!(forbids_storing("no-store"));
        assert!(forbids_storing("private, No-Store"));
        assert!(!forbids_storing("private, no-cache"));
        assert!(!forbids_storing("no-storey"));
    }

    #[test]
    fn holders_are_the_random_token_in_hex() {
        assert_eq!(new_holder(0xabc), format!("{:0>32}", "abc"));
        assert_ne!(new_holder(1), new_holder(2));
    }

    #[test]
    fn a_key_outlives_its_lease() {
        assert!(IN_FLIGHT_LEASE < KEY_LIFETIME);
    }

    proptest! {
        #[test]
        fn a_parsed_key_parses_again_to_itself(raw in "[ -~]{0,300}") {
            if let Ok(key) = IdempotencyKey::parse(&raw) {
                prop_assert!(!key.as_str().is_empty() && key.as_str().len() <= MAX_KEY_LENGTH);
                prop_assert_eq!(IdempotencyKey::parse(key.as_str()), Ok(key.clone()));
            }
        }

        #[test]
        fn every_key_the_contracts_pattern_allows_is_accepted(raw in "[!#-~]{1,255}") {
            prop_assert_eq!(IdempotencyKey::parse(&raw).map(|key| key.as_str().to_owned()), Ok(raw));
        }
    }
}
