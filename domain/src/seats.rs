//! Seats: the MSP's license pool and what each customer draws from it.
//!
//! The pool has a total set by the platform operator. A customer's allocated
//! seats are drawn from it; the sum over customers (the pool's *allocated*
//! seats) never exceeds the total. Storage enforces that sum in one
//! conditional statement; this module states the arithmetic and the rules
//! that do not depend on concurrency.

use std::fmt;

use crate::msps::MspLimits;

/// A number of seats: 0 to [`SeatCount::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SeatCount(i64);

/// A seat count outside the allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number between 0 and {max}")]
pub struct SeatCountError {
    /// The largest allowed count.
    pub max: i64,
}

impl SeatCount {
    /// Largest count: the largest any MSP limit may be.
    pub const MAX: i64 = MspLimits::MAX_VALUE;

    /// Checks a count.
    pub fn new(count: i64) -> Result<Self, SeatCountError> {
        if (0..=Self::MAX).contains(&count) { Ok(Self(count)) } else { Err(SeatCountError { max: Self::MAX }) }
    }

    /// The count.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for SeatCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The utilisation (in percent) at which a pool warns; 90 unless the MSP
/// chooses another, 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningThreshold(i64);

/// A threshold outside 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole percentage between 1 and 100")]
pub struct WarningThresholdError;

impl WarningThreshold {
    /// The threshold of a new MSP.
    pub const DEFAULT: i64 = 90;

    /// Checks a percentage.
    pub fn new(percent: i64) -> Result<Self, WarningThresholdError> {
        if (1..=100).contains(&percent) { Ok(Self(percent)) } else { Err(WarningThresholdError) }
    }

    /// A stored threshold; one outside 1–100 (which no write lets in) reads
    /// as the default rather than failing a read.
    pub fn from_stored(percent: i64) -> Self {
        Self::new(percent).unwrap_or(Self(Self::DEFAULT))
    }

    /// The percentage.
    pub fn percent(self) -> i64 {
        self.0
    }
}

/// How full a pool is, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolWarning {
    /// Below the warning threshold.
    None,
    /// At or above the threshold, with seats left.
    Warning,
    /// Every seat is allocated (or the pool is empty).
    Exhausted,
}

impl PoolWarning {
    /// The spelling in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Warning => "warning",
            Self::Exhausted => "exhausted",
        }
    }
}

/// The state of an MSP's seat pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatPool {
    /// Seats bought.
    pub total: i64,
    /// Seats allocated to customers.
    pub allocated: i64,
}

impl SeatPool {
    /// Seats left to allocate (never negative, even if an operator lowered
    /// the total below what is allocated).
    pub fn available(self) -> i64 {
        (self.total - self.allocated).max(0)
    }

    /// Allocated seats as a percentage of the total, rounded down to one
    /// decimal; an empty pool is 0 % used if nothing is allocated, else 100 %.
    pub fn utilisation_percent(self) -> f64 {
        percent_of(self.allocated, self.total)
    }

    /// How full the pool is against `threshold`.
    pub fn warning(self, threshold: WarningThreshold) -> PoolWarning {
        if self.available() == 0 {
            PoolWarning::Exhausted
        } else if self.allocated * 100 >= threshold.percent() * self.total {
            PoolWarning::Warning
        } else {
            PoolWarning::None
        }
    }
}

/// `part` as a percentage of `whole`, rounded down to one decimal. A zero
/// whole is 0 % when the part is zero, else 100 %.
pub fn percent_of(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return if part > 0 { 100.0 } else { 0.0 };
    }
    // Integer arithmetic first, so that 2 of 3 is 66.6, not 66.66666….
    let tenths = part.saturating_mul(1000) / whole;
    tenths as f64 / 10.0
}

/// Why a customer's new seat count was refused before the pool was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeatChangeError {
    /// Fewer seats than the customer has active users.
    #[error("the customer has {active_users} active users; seats cannot go below that")]
    BelowActiveUsers {
        /// Active users of the customer now.
        active_users: i64,
    },
}

/// A change of one customer's seats: how many are drawn from the pool
/// (positive) or returned to it (negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatChange {
    /// Seats before.
    pub from: SeatCount,
    /// Seats after.
    pub to: SeatCount,
}

impl SeatChange {
    /// Checks that the customer keeps a seat for each of its active users.
    /// Raising seats is always allowed here (the pool decides).
    pub fn check(from: SeatCount, to: SeatCount, active_users: i64) -> Result<Self, SeatChangeError> {
        if to < from && to.get() < active_users {
            return Err(SeatChangeError::BelowActiveUsers { active_users });
        }
        Ok(Self { from, to })
    }

    /// Seats drawn from the pool (negative: returned to it).
    pub fn drawn(self) -> i64 {
        self.to.get() - self.from.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seats(n: i64) -> SeatCount {
        SeatCount::new(n).unwrap_or_default()
    }

    #[test]
    fn counts_are_bounded() {
        assert!(SeatCount::new(-1).is_err());
        assert!(SeatCount::new(SeatCount::MAX + 1).is_err());
        assert_eq!(SeatCount::new(0).map(SeatCount::get), Ok(0));
    }

    #[test]
    fn the_pool_warns_at_the_threshold_and_is_exhausted_when_full() {
        let threshold = WarningThreshold::new(90).unwrap_or(WarningThreshold(90));
        assert_eq!(SeatPool { total: 100, allocated: 89 }.warning(threshold), PoolWarning::None);
        assert_eq!(SeatPool { total: 100, allocated: 90 }.warning(threshold), PoolWarning::Warning);
        assert_eq!(SeatPool { total: 100, allocated: 100 }.warning(threshold), PoolWarning::Exhausted);
        assert_eq!(SeatPool { total: 0, allocated: 0 }.warning(threshold), PoolWarning::Exhausted);
        assert_eq!(SeatPool { total: 3, allocated: 2 }.utilisation_percent(), 66.6);
        assert_eq!(SeatPool { total: 0, allocated: 0 }.utilisation_percent(), 0.0);
        assert_eq!(SeatPool { total: 10, allocated: 12 }.available(), 0);
    }

    #[test]
    fn thresholds_are_percentages() {
        assert!(WarningThreshold::new(0).is_err());
        assert!(WarningThreshold::new(101).is_err());
        assert_eq!(WarningThreshold::new(100).map(WarningThreshold::percent), Ok(100));
    }

    #[test]
    fn seats_may_not_drop_below_active_users_but_may_rise_past_them() {
        assert_eq!(
            SeatChange::check(seats(10), seats(4), 5),
            Err(SeatChangeError::BelowActiveUsers { active_users: 5 })
        );
        assert_eq!(SeatChange::check(seats(10), seats(5), 5).map(SeatChange::drawn), Ok(-5));
        // Already below (seats were lowered before users were activated
        // elsewhere): raising a little is still allowed.
        assert_eq!(SeatChange::check(seats(2), seats(3), 5).map(SeatChange::drawn), Ok(1));
    }

    proptest! {
        #[test]
        fn utilisation_is_between_0_and_100_when_not_over_allocated(total in 1i64..1_000_000, share in 0.0f64..=1.0) {
            let allocated = (total as f64 * share) as i64;
            let pool = SeatPool { total, allocated };
            let percent = pool.utilisation_percent();
            prop_assert!((0.0..=100.0).contains(&percent));
            prop_assert_eq!(pool.available() + allocated, total);
            prop_assert_eq!(pool.warning(WarningThreshold(100)) == PoolWarning::Exhausted, allocated == total);
        }
    }
}
