//! Rules of sending a campaign's messages: how many a sender claims at a
//! time, what the relay's answer means for a recipient (sent, tried again
//! with back-off, or failed with the relay's words), and what a relay that
//! cannot be reached at all does (nothing is failed: the batch waits and
//! the campaign shows a delivery problem until the relay answers again).

use chrono::{DateTime, TimeDelta, Utc};

use crate::jobs::{AfterFailure, after_failure};

/// Recipients a sender claims and sends over one connection at a time.
pub const BATCH_SIZE: i64 = 50;

/// How long a sender holds the recipients it claimed; a sender that died
/// leaves them to be claimed again after this.
pub const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(2);

/// Attempts at one message before a relay's temporary refusals fail it.
pub const MAX_SEND_ATTEMPTS: i64 = 8;

/// How long a batch waits after the relay could not be reached at all.
pub const RELAY_DOWN_RETRY: TimeDelta = TimeDelta::seconds(60);

/// Senders (jobs) that work through one campaign at once.
pub const LANES: u8 = 2;

/// Messages one sender has with the relay at once, each on a connection of
/// the pool: a relay answers each message only after its final dot, so one
/// connection at a time spends most of its time waiting. Kept small so
/// that a relay limiting connections per client is not refused.
pub const IN_FLIGHT: usize = 4;

/// What the relay made of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayAnswer {
    /// Accepted (2xx), with the relay's answer.
    Accepted(String),
    /// A temporary refusal (4xx), with the relay's answer.
    Transient(String),
    /// A permanent refusal (5xx), or a message that cannot be sent at all.
    Permanent(String),
    /// No answer: the relay could not be reached or the connection broke.
    Unreachable(String),
}

/// What happens to a recipient after its attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterSend {
    /// Sent, with the relay's answer.
    Sent(String),
    /// Tried again at this time; the answer is kept.
    RetryAt(DateTime<Utc>, String),
    /// Failed for good with the relay's answer.
    Failed(String),
    /// Released untouched (its attempt not counted), to be tried at this time.
    Released(DateTime<Utc>),
}

/// The fate of a recipient whose `attempts`-th attempt (1 for the first)
/// got `answer` at `now`; `jitter` in `[0, 1)` spreads retries.
pub fn after_answer(answer: &RelayAnswer, attempts: i64, now: DateTime<Utc>, jitter: f64) -> AfterSend {
    match answer {
        RelayAnswer::Accepted(text) => AfterSend::Sent(text.clone()),
        RelayAnswer::Permanent(text) => AfterSend::Failed(text.clone()),
        RelayAnswer::Transient(text) => match after_failure(attempts, MAX_SEND_ATTEMPTS, jitter) {
            AfterFailure::RetryIn(delay) => AfterSend::RetryAt(now + delay, text.clone()),
            AfterFailure::GiveUp => AfterSend::Failed(format!("{text} (gave up after {attempts} attempts)")),
        },
        RelayAnswer::Unreachable(_) => AfterSend::Released(now + RELAY_DOWN_RETRY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn a_temporary_refusal_is_retried_with_back_off_until_the_last_attempt() {
        let answer = RelayAnswer::Transient("451 4.7.1 try later".into());
        assert_eq!(
            after_answer(&answer, 1, now(), 0.5),
            AfterSend::RetryAt(now() + TimeDelta::seconds(30), "451 4.7.1 try later".into())
        );
        assert_eq!(
            after_answer(&answer, MAX_SEND_ATTEMPTS, now(), 0.5),
            AfterSend::Failed("451 4.7.1 try later (gave up after 8 attempts)".into())
        );
    }

    #[test]
    fn a_permanent_refusal_fails_at_once_and_an_unreachable_relay_fails_nothing() {
        let refused = RelayAnswer::Permanent("550 5.1.1 no such user".into());
        assert_eq!(after_answer(&refused, 1, now(), 0.0), AfterSend::Failed("550 5.1.1 no such user".into()));
        let down = RelayAnswer::Unreachable("connection refused".into());
        assert_eq!(after_answer(&down, 7, now(), 0.0), AfterSend::Released(now() + RELAY_DOWN_RETRY));
    }
}
