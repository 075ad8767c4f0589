//! Requests from an MSP to the platform operator for more seats in its pool.
//! A request is `pending` until the operator approves it (the pool's total
//! grows by the seats asked for) or rejects it; a decision is final.

use crate::spelling::spelled_enum;

spelled_enum! {
    /// Where a request stands.
    pub enum ExpansionStatus {
        /// Waiting for the operator.
        Pending => "pending",
        /// Granted: the seats were added to the pool.
        Approved => "approved",
        /// Refused.
        Rejected => "rejected",
    }
}

/// A decision on a request that was already decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request was already {0}")]
pub struct AlreadyDecided(pub ExpansionStatus);

impl ExpansionStatus {
    /// Checks a decision (`Approved` or `Rejected`) on a request in this
    /// status. Repeating the same decision is not an error, so that a
    /// retried approval does not fail; it changes nothing either.
    pub fn decide(self, decision: Self) -> Result<Decision, AlreadyDecided> {
        match self {
            Self::Pending if decision != Self::Pending => Ok(Decision::Apply(decision)),
            current if current == decision => Ok(Decision::AlreadyMade),
            current => Err(AlreadyDecided(current)),
        }
    }
}

impl ExpansionStatus {
    /// Seats a request of `requested` seats adds to the pool when it reaches
    /// this status: all of them on approval, none otherwise.
    pub fn seats_added(self, requested: i64) -> i64 {
        if self == Self::Approved { requested } else { 0 }
    }
}

/// What a valid decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record it (and, for an approval, grow the pool).
    Apply(ExpansionStatus),
    /// The same decision was made before: nothing to do.
    AlreadyMade,
}

/// Seats asked for in one request: 1 to this many.
pub const MAX_REQUESTED_SEATS: i64 = 1_000_000;

/// Checks the seats of a request.
pub fn check_requested_seats(seats: i64) -> Result<i64, RequestedSeatsError> {
    if (1..=MAX_REQUESTED_SEATS).contains(&seats) { Ok(seats) } else { Err(RequestedSeatsError) }
}

/// Seats outside 1 to [`MAX_REQUESTED_SEATS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number between 1 and 1000000")]
pub struct RequestedSeatsError;

#[cfg(test)]
mod tests {
    use super::*;
    use ExpansionStatus::*;

    #[test]
    fn only_pending_requests_are_decided_and_decisions_are_final() {
        assert_eq!(Pending.decide(Approved), Ok(Decision::Apply(Approved)));
        assert_eq!(Pending.decide(Rejected), Ok(Decision::Apply(Rejected)));
        assert_eq!(Approved.decide(Approved), Ok(Decision::AlreadyMade));
        assert_eq!(Approved.decide(Rejected), Err(AlreadyDecided(Approved)));
        assert_eq!(Rejected.decide(Approved), Err(AlreadyDecided(Rejected)));
    }

    #[test]
    fn only_approval_adds_seats() {
        assert_eq!(Approved.seats_added(25), 25);
        assert_eq!(Rejected.seats_added(25), 0);
        assert_eq!(Pending.seats_added(25), 0);
    }

    #[test]
    fn requested_seats_are_bounded() {
        assert!(check_requested_seats(0).is_err());
        assert!(check_requested_seats(MAX_REQUESTED_SEATS + 1).is_err());
        assert_eq!(check_requested_seats(25), Ok(25));
    }
}
