//! Delivery of outgoing e-mail: each queued message is sent by a job of its
//! own on the job runner, which retries a refused or failed delivery with
//! its back-off (`crate::jobs`) until the attempts run out.

use chrono::{DateTime, Utc};

/// The kind of the job that sends one queued message.
pub const SEND_EMAIL_JOB: &str = "send-email";

/// Attempts after which a message is given up and marked failed (with
/// the job runner's back-off, the last is about an hour after the first).
pub const MAX_ATTEMPTS: i64 = 8;

/// What the job that sends a message makes of it when it could not take it
/// for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStep {
    /// Sendable: it was taken by another sender in the meantime and is
    /// free again; try again.
    Send,
    /// Nothing: it was sent (by an earlier attempt whose outcome was not
    /// recorded as the job's) or given up.
    Done,
    /// Not yet: another sender (one of an older version, which claimed
    /// messages itself) holds it until then; the attempt fails and is retried.
    HeldUntil(DateTime<Utc>),
}

/// The step for a message sent at `sent_at`, given up at `failed_at`, held
/// by an older sender until `locked_until`, at `now`.
pub fn send_step(
    sent_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SendStep {
    match (sent_at, failed_at, locked_until) {
        (Some(_), _, _) | (_, Some(_), _) => SendStep::Done,
        (None, None, Some(until)) if until > now => SendStep::HeldUntil(until),
        _ => SendStep::Send,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{AfterFailure, after_failure};

    #[test]
    fn a_message_is_retried_until_its_attempts_run_out() {
        assert!(matches!(after_failure(1, MAX_ATTEMPTS, 0.5), AfterFailure::RetryIn(_)));
        assert!(matches!(after_failure(MAX_ATTEMPTS - 1, MAX_ATTEMPTS, 0.5), AfterFailure::RetryIn(_)));
        assert_eq!(after_failure(MAX_ATTEMPTS, MAX_ATTEMPTS, 0.5), AfterFailure::GiveUp);
    }

    #[test]
    fn a_message_is_sent_once_and_not_while_an_older_sender_holds_it() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let (earlier, later) = (now - chrono::TimeDelta::seconds(5), now + chrono::TimeDelta::seconds(30));
        assert_eq!(send_step(None, None, None, now), SendStep::Send);
        assert_eq!(send_step(None, None, Some(earlier), now), SendStep::Send, "a lapsed claim");
        assert_eq!(send_step(None, None, Some(later), now), SendStep::HeldUntil(later));
        assert_eq!(send_step(Some(earlier), None, None, now), SendStep::Done);
        assert_eq!(send_step(None, Some(earlier), Some(later), now), SendStep::Done);
    }
}
