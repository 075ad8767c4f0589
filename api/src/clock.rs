//! The one source of the current time. Production runs on the system clock;
//! the end-to-end tests run the server on an adjustable clock they move
//! forward ("three days later") instead of sleeping or writing rows by hand.
//! Nothing else in the product reads the wall clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// A handle on the clock, cheap to clone; clones share one time.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    /// The system's time moved by an offset (microseconds) that only
    /// grows: time still flows, so timeouts and ordering behave as in
    /// production, and a test jumps ahead when it needs to.
    Adjustable(AtomicI64),
}

/// Why an adjustable clock refused a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The system clock is not adjustable.
    #[error("the system clock cannot be moved")]
    NotAdjustable,
    /// Time only moves forward.
    #[error("the clock only moves forward")]
    Backwards,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Source::System))
    }

    /// A clock that starts at the system's time and can be moved forward.
    pub fn adjustable() -> Self {
        Self(Arc::new(Source::Adjustable(AtomicI64::new(0))))
    }

    /// The current time, truncated to microseconds: both backends store
    /// microseconds, so what a response shows equals what a later read
    /// returns.
    pub fn now(&self) -> DateTime<Utc> {
        let system = Utc::now();
        let now = match &*self.0 {
            Source::System => system,
            Source::Adjustable(offset) => system + TimeDelta::microseconds(offset.load(Ordering::SeqCst)),
        };
        now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
    }

    /// Moves an adjustable clock forward by `by`.
    pub fn advance(&self, by: TimeDelta) -> Result<(), ClockError> {
        let Source::Adjustable(offset) = &*self.0 else { return Err(ClockError::NotAdjustable) };
        let micros = by.num_microseconds().ok_or(ClockError::Backwards)?;
        if micros < 0 {
            return Err(ClockError::Backwards);
        }
        offset.fetch_add(micros, Ordering::SeqCst);
        Ok(())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_forward_only() {
        let clock = Clock::adjustable();
        let before = clock.now();
        assert_eq!(clock.advance(TimeDelta::days(3)), Ok(()));
        let after = clock.now();
        assert!(after - before >= TimeDelta::days(3), "{before} → {after}");
        assert!(after - before < TimeDelta::days(3) + TimeDelta::minutes(1));
        assert_eq!(clock.advance(TimeDelta::seconds(-1)), Err(ClockError::Backwards));
    }

    #[test]
    fn clones_share_one_time_and_the_system_clock_stays_put() {
        let clock = Clock::adjustable();
        let shared = clock.clone();
        clock.advance(TimeDelta::hours(72)).unwrap_or_default();
        assert!(shared.now() - Utc::now() > TimeDelta::hours(71));
        assert_eq!(Clock::system().advance(TimeDelta::hours(1)), Err(ClockError::NotAdjustable));
        assert_eq!(Clock::system().now().timestamp_subsec_nanos() % 1000, 0);
    }
}
