//! Monthly active accounts (MAA): what MSPs are billed on.
//!
//! # Definitions
//!
//! - An **account** is an end user of one customer, or of the MSP's own
//!   organisation: those are the MSP's *local users*; accounts of customers
//!   are *global users*. It is `active` or `inactive`, and every change of
//!   its status is kept with its time.
//! - A **month** is a UTC calendar month. A change made exactly at 00:00:00
//!   UTC on the 1st belongs to the new month.
//! - The **MAA of a month** for a customer is the number of distinct accounts
//!   of that customer that were active at any moment of the month: active
//!   when the month began (the status left by every change made before the
//!   month), or activated during it. An account that switches between active
//!   and inactive many times in a month counts once. A deleted account still
//!   counts in the months it was active. The MAA of the MSP is the sum over
//!   its customers and its own organisation.
//! - The **allowance of a month** is the sum of the allowance orders in force
//!   in that month (see [`crate::allowance`]).
//! - The **overage** of a month is `max(0, MAA − allowance)`.
//!
//! # How the numbers are kept
//!
//! [`counts_in`] is the rule as written above; reading it for every account
//! and every change would cost in proportion to history. Storage instead keeps
//! a roll-up per organisation per month ([`MonthTally`]), changed in the same
//! transaction as each status change by [`effect_of`], and each account
//! remembers the last month it was active in. [`monthly_active`] turns the
//! tallies of the months asked for plus today's active count into MAA,
//! without any row for a month in which nothing happened: an account active
//! since before a month is found from today's count, not from a row carried
//! into each new month. The property tests hold the two against each other.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};

use crate::spelling::spelled_enum;

spelled_enum! {
    /// Whether an account counts towards seats and MAA right now.
    pub enum AccountStatus {
        /// Uses the platform: holds a seat and counts in MAA.
        Active => "active",
        /// Kept, but holds no seat and does not count from the next month on.
        Inactive => "inactive",
    }
}

/// A UTC calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// The month `at` falls in.
    pub fn of(at: NaiveDateTime) -> Self {
        Self::of_day(at.date())
    }

    /// The month `day` falls in.
    pub fn of_day(day: NaiveDate) -> Self {
        Self(day.with_day(1).unwrap_or(day))
    }

    /// The month with this year and number (1–12), if it exists.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(Self)
    }

    /// Its first day: how storage keeps a month.
    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    /// The instant it begins: 00:00:00 UTC on the 1st.
    pub fn start(self) -> NaiveDateTime {
        self.0.and_time(chrono::NaiveTime::MIN)
    }

    /// The month `n` months later (earlier for negative `n`).
    pub fn plus(self, n: i32) -> Self {
        let moved = if n >= 0 {
            self.0.checked_add_months(Months::new(n.unsigned_abs()))
        } else {
            self.0.checked_sub_months(Months::new(n.unsigned_abs()))
        };
        Self(moved.unwrap_or(self.0))
    }

    /// The `count` months ending with this one, oldest first.
    pub fn trailing(self, count: u32) -> Vec<Self> {
        let count = i32::try_from(count).unwrap_or(i32::MAX);
        (0..count).rev().map(|back| self.plus(-back)).collect()
    }

    /// Months from `self` to `later`, `later` excluded (0 when `later` is not later).
    pub fn months_until(self, later: Self) -> i32 {
        (later.0.year() - self.0.year()) * 12 + i32::try_from(later.0.month()).unwrap_or(0)
            - i32::try_from(self.0.month()).unwrap_or(0)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

/// A month written other than `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a month written YYYY-MM, e.g. 2026-03")]
pub struct MonthError;

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (year, month) = raw.split_once('-').ok_or(MonthError)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(MonthError);
        }
        let year = year.parse().map_err(|_| MonthError)?;
        let month = month.parse().map_err(|_| MonthError)?;
        Self::new(year, month).ok_or(MonthError)
    }
}

/// One kept change of an account's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// When it happened (UTC).
    pub at: NaiveDateTime,
    /// The status from then on.
    pub status: AccountStatus,
}

/// The rule itself: whether an account with `history` (its changes, oldest
/// first, the first being its creation) counts in the MAA of `month`.
pub fn counts_in(history: &[StatusChange], month: Month) -> bool {
    let start = month.start();
    let end = month.plus(1).start();
    let active_when_it_began = history
        .iter()
        .rev()
        .find(|change| change.at < start)
        .is_some_and(|change| change.status == AccountStatus::Active);
    let activated_during_it =
        history.iter().any(|change| change.status == AccountStatus::Active && change.at >= start && change.at < end);
    active_when_it_began || activated_during_it
}

/// What one organisation's status changes in one month did to its roll-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthTally {
    /// Activations minus deactivations in the month.
    pub net_change: i64,
    /// Accounts that started to count in the month although they were not
    /// active when it began: at most one per account per month.
    pub newly_counted: i64,
}

impl std::ops::AddAssign for MonthTally {
    fn add_assign(&mut self, other: Self) {
        self.net_change += other.net_change;
        self.newly_counted += other.newly_counted;
    }
}

/// What a status change does to the roll-up and to the account's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    /// The month whose tally changes.
    pub month: Month,
    /// Added to that month's tally.
    pub tally: MonthTally,
    /// The account's new last month active.
    pub last_active_month: Month,
}

/// The effect of an account going from `from` (`None`: it is being created)
/// to `to` at `at`, given the last month it was active in; `None` when the
/// status does not change, so that nothing is counted or kept.
///
/// An activation makes the account count in its month unless it already did
/// there (it was active at some moment of that month before); a deactivation
/// leaves the month's count alone but remembers that the account was active
/// in it.
pub fn effect_of(
    from: Option<AccountStatus>,
    to: AccountStatus,
    last_active_month: Option<Month>,
    at: NaiveDateTime,
) -> Option<Effect> {
    let month = Month::of(at);
    match (from, to) {
        (Some(before), after) if before == after => None,
        (None, AccountStatus::Inactive) => None,
        (_, AccountStatus::Active) => Some(Effect {
            month,
            tally: MonthTally { net_change: 1, newly_counted: i64::from(last_active_month != Some(month)) },
            last_active_month: month,
        }),
        (Some(_), AccountStatus::Inactive) => {
            Some(Effect { month, tally: MonthTally { net_change: -1, newly_counted: 0 }, last_active_month: month })
        }
    }
}

/// Whether an account counts already in `month`, so that activating it then
/// adds nothing to that month's MAA.
pub fn already_counted(status: AccountStatus, last_active_month: Option<Month>, month: Month) -> bool {
    status == AccountStatus::Active || last_active_month == Some(month)
}

/// MAA of each of `months` for accounts of which `active_now` are active
/// today, from the tallies of those months and of every later month (absent
/// months had no changes). Months after today are not asked for.
///
/// An account active when a month began is active today unless a later change
/// says otherwise, so the accounts active at the start of month *M* are
/// `active_now` minus the net change of *M* and every month after; adding
/// those newly counted during *M* gives its MAA.
pub fn monthly_active(active_now: i64, tallies: &BTreeMap<Month, MonthTally>, months: &[Month]) -> Vec<i64> {
    months
        .iter()
        .map(|&month| {
            let net_since: i64 = tallies.range(month..).map(|(_, tally)| tally.net_change).sum();
            let newly_counted = tallies.get(&month).map_or(0, |tally| tally.newly_counted);
            active_now - net_since + newly_counted
        })
        .collect()
}

/// The overage of a month: MAA beyond the allowance, never negative.
pub fn overage(maa: i64, allowance: i64) -> i64 {
    (maa - allowance).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(month: Month, offset_secs: i64) -> NaiveDateTime {
        month.start() + chrono::Duration::seconds(offset_secs)
    }

    fn month(year: i32, number: u32) -> Month {
        Month::new(year, number).unwrap_or_else(|| Month::of_day(NaiveDate::MIN))
    }

    #[test]
    fn months_read_write_and_step() {
        let march: Month = "2026-03".parse().unwrap_or(month(1, 1));
        assert_eq!(march, month(2026, 3));
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(march.plus(10), month(2027, 1));
        assert_eq!(march.plus(-3), month(2025, 12));
        assert_eq!(march.trailing(3), vec![month(2026, 1), month(2026, 2), march]);
        assert_eq!(month(2025, 11).months_until(march), 4);
        for bad in ["2026-3", "2026-13", "26-03", "2026/03", ""] {
            assert_eq!(bad.parse::<Month>(), Err(MonthError), "{bad}");
        }
    }

    #[test]
    fn a_change_at_midnight_on_the_first_belongs_to_the_new_month() {
        let april = month(2026, 4);
        let active_until_april = [
            StatusChange { at: at(month(2026, 3), 5), status: AccountStatus::Active },
            StatusChange { at: april.start(), status: AccountStatus::Inactive },
        ];
        assert!(counts_in(&active_until_april, month(2026, 3)));
        // Active when April began: the deactivation is April's.
        assert!(counts_in(&active_until_april, april));
        assert!(!counts_in(&active_until_april, month(2026, 5)));
    }

    /// Status changes of one account: its creation, then flips, each `gap`
    /// seconds after the one before (0 allowed: several at one instant).
    fn history() -> impl Strategy<Value = Vec<StatusChange>> {
        let origin = month(2025, 1).start();
        let span = 20 * 31 * 86_400_i64;
        (0..span, any::<bool>(), prop::collection::vec(prop_oneof![Just(0_i64), 0..86_400 * 40_i64], 0..8)).prop_map(
            move |(created, active, gaps)| {
                let mut at = origin + chrono::Duration::seconds(created);
                let mut status = if active { AccountStatus::Active } else { AccountStatus::Inactive };
                let mut changes = vec![StatusChange { at, status }];
                for gap in gaps {
                    // Snap some changes onto the first instant of a month.
                    at += chrono::Duration::seconds(gap);
                    if gap % 3 == 0 {
                        at = Month::of(at).plus(1).start();
                    }
                    status =
                        if status == AccountStatus::Active { AccountStatus::Inactive } else { AccountStatus::Active };
                    changes.push(StatusChange { at, status });
                }
                changes
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// The roll-up, kept change by change as storage keeps it, gives the
        /// same MAA as the rule applied to every account's whole history.
        #[test]
        fn the_roll_up_agrees_with_the_rule(histories in prop::collection::vec(history(), 0..25)) {
            let mut tallies: BTreeMap<Month, MonthTally> = BTreeMap::new();
            let mut active_now = 0;
            for changes in &histories {
                let mut status = None;
                let mut last_active = None;
                for change in changes {
                    if let Some(effect) = effect_of(status, change.status, last_active, change.at) {
                        *tallies.entry(effect.month).or_default() += effect.tally;
                        last_active = Some(effect.last_active_month);
                    }
                    status = Some(change.status);
                }
                active_now += i64::from(status == Some(AccountStatus::Active));
            }
            let months = month(2026, 12).trailing(26);
            let kept = monthly_active(active_now, &tallies, &months);
            for (month, kept) in months.iter().zip(kept) {
                let reference = histories.iter().filter(|changes| counts_in(changes, *month)).count();
                prop_assert_eq!(kept, i64::try_from(reference).unwrap_or(-1), "{}", month);
            }
        }
    }

    #[test]
    fn flapping_in_one_month_counts_once() {
        let may = month(2026, 5);
        let mut status = None;
        let mut last = None;
        let mut newly = 0;
        for (i, to) in [AccountStatus::Active, AccountStatus::Inactive, AccountStatus::Active, AccountStatus::Inactive]
            .into_iter()
            .enumerate()
        {
            let effect = effect_of(status, to, last, at(may, i64::try_from(i).unwrap_or(0) * 60));
            if let Some(effect) = effect {
                newly += effect.tally.newly_counted;
                last = Some(effect.last_active_month);
            }
            status = Some(to);
        }
        assert_eq!(newly, 1);
        assert!(already_counted(AccountStatus::Inactive, last, may));
        assert!(!already_counted(AccountStatus::Inactive, last, may.plus(1)));
    }

    #[test]
    fn overage_is_never_negative() {
        assert_eq!(overage(1_500, 1_000), 500);
        assert_eq!(overage(900, 1_000), 0);
    }
}
