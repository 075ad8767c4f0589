//! MSPs: the partner accounts that own customers and admins.

use std::fmt;

pub use crate::text::NameError;

/// An MSP's name: trimmed, inner whitespace collapsed, 1–200 characters.
/// Names are unique without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspName(String);

impl MspName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name typed by a person.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        crate::text::normalise_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MspName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an MSP may use, set by the platform operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspLimits {
    /// Most customer organisations.
    pub max_organizations: i64,
    /// Seats in the MSP's license pool.
    pub seat_pool_total: i64,
    /// When the seat pool renews, if known.
    pub seat_pool_renewal_date: Option<chrono::NaiveDate>,
    /// Most active accounts across all customers (global users).
    pub max_global_users: i64,
    /// Most active accounts in the MSP's own organisation (local users).
    pub max_local_users: i64,
}

impl MspLimits {
    /// Largest value any limit may take: far beyond any real MSP, small
    /// enough that sums over many customers never overflow.
    pub const MAX_VALUE: i64 = 100_000_000;

    /// Limits of an MSP made with `msp-portal bootstrap`, before an operator
    /// sets real ones: room for a trial, no seats.
    pub fn starter() -> Self {
        Self {
            max_organizations: 100,
            seat_pool_total: 0,
            seat_pool_renewal_date: None,
            max_global_users: 0,
            max_local_users: 0,
        }
    }

    /// Limits `msp-portal bootstrap` gives a new MSP unless told otherwise:
    /// enough to try the product end to end (customers with seats, accounts)
    /// before a platform operator sets the contract's figures.
    pub fn trial() -> Self {
        Self {
            max_organizations: 100,
            seat_pool_total: 100,
            seat_pool_renewal_date: None,
            max_global_users: 100,
            max_local_users: 10,
        }
    }

    /// Checks one limit value: 0 to [`MspLimits::MAX_VALUE`].
    pub fn check_value(value: i64) -> Result<i64, LimitError> {
        if (0..=Self::MAX_VALUE).contains(&value) { Ok(value) } else { Err(LimitError { max: Self::MAX_VALUE }) }
    }
}

/// A limit outside the allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between 0 and {max}")]
pub struct LimitError {
    /// The largest allowed value.
    pub max: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_non_negative_and_bounded() {
        assert_eq!(MspLimits::check_value(0), Ok(0));
        assert_eq!(MspLimits::check_value(MspLimits::MAX_VALUE), Ok(MspLimits::MAX_VALUE));
        assert!(MspLimits::check_value(-1).is_err());
        assert!(MspLimits::check_value(MspLimits::MAX_VALUE + 1).is_err());
    }
}
