//! Delivery of outgoing e-mail: each queued message is sent by a job of its
//! own on the job runner, which retries a refused or failed delivery with
//! its back-off (`crate::jobs`) until the attempts run out.

/// The kind of the job that sends one queued message.
pub const SEND_EMAIL_JOB: &str = "send-email";

/// Attempts after which a message is given up and marked failed (with
/// the job runner's back-off, the last is about an hour after the first).
pub const MAX_ATTEMPTS: i64 = 8;

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
}
