//! Licenses about to end: the window an MSP looks ahead, in whole UTC days.

use chrono::{Days, NaiveDate};

/// The days from `from` (today) to the last day of the window, both
/// included: a license ending on either day is in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryWindow {
    /// The first day: today.
    pub from: NaiveDate,
    /// The day after the last one (exclusive bound).
    pub before: NaiveDate,
}

/// A look-ahead outside 0 to [`ExpiryWindow::MAX_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number of days between 0 and 3650")]
pub struct WindowError;

impl ExpiryWindow {
    /// Look-ahead when none is asked for.
    pub const DEFAULT_DAYS: i64 = 60;
    /// Longest look-ahead: ten years.
    pub const MAX_DAYS: i64 = 3650;

    /// Today and the next `days` days; 0 is today only.
    pub fn within(today: NaiveDate, days: i64) -> Result<Self, WindowError> {
        let days = u64::try_from(days).ok().filter(|d| *d <= Self::MAX_DAYS.unsigned_abs()).ok_or(WindowError)?;
        let before = today.checked_add_days(Days::new(days + 1)).ok_or(WindowError)?;
        Ok(Self { from: today, before })
    }
}

/// Whole days from `today` to `expires` (0 on the day itself, negative once
/// past).
pub fn days_left(expires: NaiveDate, today: NaiveDate) -> i64 {
    (expires - today).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn the_window_includes_today_and_its_last_day() {
        let window = ExpiryWindow::within(date("2026-11-24"), 60);
        assert_eq!(window, Ok(ExpiryWindow { from: date("2026-11-24"), before: date("2027-01-24") }));
        assert_eq!(ExpiryWindow::within(date("2026-12-31"), 0).map(|w| w.before), Ok(date("2027-01-01")));
        assert_eq!(ExpiryWindow::within(date("2026-11-24"), -1), Err(WindowError));
        assert_eq!(ExpiryWindow::within(date("2026-11-24"), 3651), Err(WindowError));
        assert_eq!(days_left(date("2027-01-23"), date("2026-11-24")), 60);
        assert_eq!(days_left(date("2026-11-23"), date("2026-11-24")), -1);
    }
}
