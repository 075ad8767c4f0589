//! API keys: what a key is called and how long it lives.

use chrono::{DateTime, Utc};

use crate::text::{NameError, normalise_name};

/// What an API key is for, as its creator named it: the rules of every name
/// of the domain (no control characters, not blank, whitespace tidied), at
/// most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name typed by a person.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        normalise_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An expiry that has already passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be in the future")]
pub struct ExpiryInThePast;

/// Checks the expiry asked for a new key at `now`: none (lasts until
/// revoked) or a time still to come.
pub fn check_expiry(
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ExpiryInThePast> {
    match expires_at {
        Some(at) if at <= now => Err(ExpiryInThePast),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn names_follow_the_name_rules() {
        assert_eq!(
            ApiKeyName::parse("  HaloPSA   sync ").map(|n| n.as_str().to_owned()),
            Ok("HaloPSA sync".to_owned())
        );
        assert!(ApiKeyName::parse("   ").is_err());
        assert!(ApiKeyName::parse("tab\there").is_err());
        assert!(ApiKeyName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn expiry_must_lie_ahead() {
        let now = Utc::now();
        assert_eq!(check_expiry(None, now), Ok(None));
        assert_eq!(check_expiry(Some(now + TimeDelta::days(1)), now), Ok(Some(now + TimeDelta::days(1))));
        assert_eq!(check_expiry(Some(now), now), Err(ExpiryInThePast));
    }
}
