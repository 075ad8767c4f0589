//! Rules of background jobs: where a job stands, how long a worker holds
//! one, and when a failed job is tried again (exponential back-off with
//! jitter, so that jobs failing together do not retry together).

use chrono::TimeDelta;

use crate::spelling::spelled_enum;

spelled_enum! {
    /// Where a job stands.
    pub enum JobStatus {
        /// Waiting for its `run_at` (or for a worker).
        Queued => "queued",
        /// Held by a worker until its lease expires.
        Running => "running",
        /// Done.
        Succeeded => "succeeded",
        /// Given up after its last attempt; kept with its error.
        Failed => "failed",
    }
}

/// How long a worker holds a job it claimed; a job whose worker died is
/// claimed again once this has passed.
pub const LEASE: TimeDelta = TimeDelta::minutes(5);

/// How long a handler may run before its attempt is stopped and failed:
/// short of the lease, so that no other worker can start the job again
/// while the first still runs it.
pub const RUN_LIMIT: TimeDelta = TimeDelta::seconds(LEASE.num_seconds() - 30);

/// Attempts before a job is given up, unless its kind says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;

/// The first retry's delay; each further one doubles it.
pub const FIRST_RETRY: TimeDelta = TimeDelta::seconds(30);

/// The longest delay between two attempts.
pub const MAX_RETRY: TimeDelta = TimeDelta::hours(6);

/// Whether the `attempts`-th attempt (1 for the first) of `max_attempts` is
/// the last: after it fails, the job is given up.
pub fn is_last_attempt(attempts: i64, max_attempts: i64) -> bool {
    attempts >= max_attempts
}

/// What happens to a job whose attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this delay.
    RetryIn(TimeDelta),
    /// It had its last attempt: keep it as failed.
    GiveUp,
}

/// The fate of a job that failed its `attempts`-th attempt (1 for the
/// first) of `max_attempts`; `jitter` in `[0, 1)` spreads the delay between
/// 75 % and 125 % of the exponential step.
pub fn after_failure(attempts: i64, max_attempts: i64, jitter: f64) -> AfterFailure {
    if is_last_attempt(attempts, max_attempts) {
        return AfterFailure::GiveUp;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let step = FIRST_RETRY.checked_mul(1 << doublings).unwrap_or(MAX_RETRY).min(MAX_RETRY);
    let factor = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let millis = (step.num_milliseconds() as f64 * factor) as i64;
    AfterFailure::RetryIn(TimeDelta::milliseconds(millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_handler_is_stopped_before_its_lease_lapses() {
        assert!(RUN_LIMIT < LEASE && RUN_LIMIT > TimeDelta::zero());
    }

    #[test]
    fn retries_double_until_the_cap_and_stop_at_the_last_attempt() {
        assert_eq!(after_failure(1, 8, 0.5), AfterFailure::RetryIn(TimeDelta::seconds(30)));
        assert_eq!(after_failure(2, 8, 0.5), AfterFailure::RetryIn(TimeDelta::seconds(60)));
        assert_eq!(after_failure(3, 8, 0.0), AfterFailure::RetryIn(TimeDelta::seconds(90)));
        assert_eq!(after_failure(20, 30, 0.5), AfterFailure::RetryIn(MAX_RETRY));
        assert_eq!(after_failure(8, 8, 0.5), AfterFailure::GiveUp);
        assert_eq!(after_failure(1, 1, 0.5), AfterFailure::GiveUp);
    }

    proptest! {
        #[test]
        fn delays_stay_within_a_quarter_of_the_step(attempts in 1_i64..40, jitter in 0.0_f64..1.0) {
            let AfterFailure::RetryIn(delay) = after_failure(attempts, 100, jitter) else {
                return Err(TestCaseError::fail("retried"));
            };
            prop_assert!(delay >= TimeDelta::milliseconds(22_500));
            prop_assert!(delay <= MAX_RETRY + MAX_RETRY / 4);
            let AfterFailure::RetryIn(next) = after_failure(attempts + 1, 100, jitter) else {
                return Err(TestCaseError::fail("retried"));
            };
            prop_assert!(next >= delay, "with the same jitter, a later retry never waits less");
        }
    }
}
