//! Protection of sign-in against password guessing.
//!
//! Failed sign-ins are counted per e-mail address and per client address
//! within a window. Past a first threshold each further attempt is slowed
//! down (a delay that doubles, up to a cap); past a second one, attempts are
//! refused with `429` until the window of the last failure has passed. A
//! successful sign-in clears both counters. A locked e-mail is refused even
//! with the right password, otherwise the lock would tell a guesser when they
//! got it right.

use chrono::{DateTime, TimeDelta, Utc};

/// Thresholds of one counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Failures after which each attempt is delayed.
    pub slow_after: i64,
    /// Failures after which attempts are refused.
    pub block_after: i64,
}

/// The whole policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Per e-mail address.
    pub per_email: Thresholds,
    /// Per client address: higher, since offices share one address.
    pub per_address: Thresholds,
    /// Failures older than this no longer count; a block lasts this long
    /// after the last failure.
    pub window: TimeDelta,
    /// First delay once slowed down; doubles with each failure.
    pub base_delay: TimeDelta,
    /// Longest delay.
    pub max_delay: TimeDelta,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            per_email: Thresholds { slow_after: 3, block_after: 10 },
            per_address: Thresholds { slow_after: 20, block_after: 100 },
            window: TimeDelta::minutes(15),
            base_delay: TimeDelta::milliseconds(250),
            max_delay: TimeDelta::seconds(4),
        }
    }
}

/// Failures recorded for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures since the window began.
    pub failures: i64,
    /// When the last one happened.
    pub last_failure_at: DateTime<Utc>,
}

/// What to do with a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password now.
    Proceed,
    /// Check the password after waiting this long.
    Delay(TimeDelta),
    /// Refuse without checking; the client may retry after this long.
    Refuse {
        /// Time until the block lifts.
        retry_after: TimeDelta,
    },
}

impl LoginPolicy {
    /// Whether failures recorded at `last_failure_at` still count at `now`.
    pub fn still_counts(&self, last_failure_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_failure_at < self.window
    }

    fn verdict_for(&self, count: Option<FailureCount>, thresholds: Thresholds, now: DateTime<Utc>) -> Verdict {
        let Some(count) = count.filter(|c| self.still_counts(c.last_failure_at, now)) else {
            return Verdict::Proceed;
        };
        if count.failures >= thresholds.block_after {
            let retry_after = (count.last_failure_at + self.window - now).max(TimeDelta::seconds(1));
            return Verdict::Refuse { retry_after };
        }
        if count.failures >= thresholds.slow_after {
            let doublings = u32::try_from((count.failures - thresholds.slow_after).min(16)).unwrap_or(16);
            let delay = self.base_delay.checked_mul(1 << doublings).unwrap_or(self.max_delay).min(self.max_delay);
            return Verdict::Delay(delay);
        }
        Verdict::Proceed
    }

    /// The verdict for an attempt on an e-mail with `email` failures from an
    /// address with `address` failures: the stricter of the two.
    pub fn verdict(&self, email: Option<FailureCount>, address: Option<FailureCount>, now: DateTime<Utc>) -> Verdict {
        let by_email = self.verdict_for(email, self.per_email, now);
        let by_address = self.verdict_for(address, self.per_address, now);
        match (by_email, by_address) {
            (Verdict::Refuse { retry_after: a }, Verdict::Refuse { retry_after: b }) => {
                Verdict::Refuse { retry_after: a.max(b) }
            }
            (refuse @ Verdict::Refuse { .. }, _) | (_, refuse @ Verdict::Refuse { .. }) => refuse,
            (Verdict::Delay(a), Verdict::Delay(b)) => Verdict::Delay(a.max(b)),
            (delay @ Verdict::Delay(_), _) | (_, delay @ Verdict::Delay(_)) => delay,
            (Verdict::Proceed, Verdict::Proceed) => Verdict::Proceed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn failures(n: i64, ago: TimeDelta) -> Option<FailureCount> {
        Some(FailureCount { failures: n, last_failure_at: now() - ago })
    }

    #[test]
    fn a_few_failures_change_nothing() {
        let policy = LoginPolicy::default();
        assert_eq!(policy.verdict(None, None, now()), Verdict::Proceed);
        assert_eq!(
            policy.verdict(failures(2, TimeDelta::zero()), failures(2, TimeDelta::zero()), now()),
            Verdict::Proceed
        );
    }

    #[test]
    fn repeated_failures_slow_down_then_block() {
        let policy = LoginPolicy::default();
        assert_eq!(
            policy.verdict(failures(3, TimeDelta::zero()), None, now()),
            Verdict::Delay(TimeDelta::milliseconds(250))
        );
        assert_eq!(
            policy.verdict(failures(4, TimeDelta::zero()), None, now()),
            Verdict::Delay(TimeDelta::milliseconds(500))
        );
        assert_eq!(policy.verdict(failures(9, TimeDelta::zero()), None, now()), Verdict::Delay(TimeDelta::seconds(4)));
        assert_eq!(
            policy.verdict(failures(10, TimeDelta::minutes(5)), None, now()),
            Verdict::Refuse { retry_after: TimeDelta::minutes(10) }
        );
    }

    #[test]
    fn the_address_counter_blocks_too_and_the_stricter_verdict_wins() {
        let policy = LoginPolicy::default();
        let blocked = policy.verdict(None, failures(100, TimeDelta::zero()), now());
        assert_eq!(blocked, Verdict::Refuse { retry_after: TimeDelta::minutes(15) });
        let slowed = policy.verdict(failures(5, TimeDelta::zero()), failures(20, TimeDelta::zero()), now());
        assert_eq!(slowed, Verdict::Delay(TimeDelta::seconds(1)));
    }

    #[test]
    fn old_failures_no_longer_count() {
        let policy = LoginPolicy::default();
        assert_eq!(policy.verdict(failures(50, TimeDelta::minutes(15)), None, now()), Verdict::Proceed);
    }
}
