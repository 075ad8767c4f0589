//! Delivery of outgoing e-mail: how often and when a failed message is retried.

use chrono::TimeDelta;

/// Attempts after which a message is given up and marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long a sender may hold a message before another sender may take it
/// over (it crashed mid-send).
pub const CLAIM_TTL: TimeDelta = TimeDelta::seconds(60);

/// When to try a message again after its `attempts`-th failure: after 5 s,
/// then doubling (10 s, 20 s, …), or never once [`MAX_ATTEMPTS`] were made.
pub fn retry_delay(attempts: i64) -> Option<TimeDelta> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    Some(TimeDelta::seconds(5 * (1 << doublings)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_end() {
        assert_eq!(retry_delay(1), Some(TimeDelta::seconds(5)));
        assert_eq!(retry_delay(2), Some(TimeDelta::seconds(10)));
        assert_eq!(retry_delay(7), Some(TimeDelta::seconds(320)));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
    }
}
