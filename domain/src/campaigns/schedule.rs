//! A campaign's schedule: when it starts, in which time zone, how fast it
//! sends, inside which window, and how long it is tracked.
//!
//! Clients write a [`ScheduleSpec`] (plain JSON values, every field
//! optional); [`Schedule::parse`] fills the defaults and checks it once,
//! reporting every problem with a JSON pointer. Stored campaigns keep the
//! canonical spec of their schedule ([`Schedule::to_spec`]).

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Default tracking period after the last send, in days.
pub const DEFAULT_TRACKING_DAYS: u8 = 7;
/// Longest tracking period, in days (Microsoft ends simulations after 2-30).
pub const MAX_TRACKING_DAYS: u8 = 30;
/// Longest spread, in business days.
pub const MAX_SPREAD_DAYS: u16 = 30;
/// Longest spread, in hours of sending window.
pub const MAX_SPREAD_HOURS: u16 = 720;
/// Highest cap in messages per minute.
pub const MAX_PER_MINUTE: u32 = 100_000;
/// Most blackout dates.
pub const MAX_BLACKOUT_DATES: usize = 366;

/// A schedule as clients send and storage keeps it: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// IANA zone; absent: the customer's.
    pub timezone: Option<String>,
    /// Local date-time of the start, `YYYY-MM-DDTHH:MM[:SS]`.
    pub starts_at: Option<String>,
    /// Absent or `null`: all at once; else spread over an amount of a unit.
    pub spread_over: Option<SpreadSpec>,
    /// The sending window; absent: Monday-Friday 08:00-17:00.
    pub window: Option<WindowSpec>,
    /// Local dates on which nothing is sent.
    pub blackout_dates: Option<Vec<String>>,
    /// Send in a random (seeded) order rather than by account.
    pub randomize_order: Option<bool>,
    /// Most messages in any one minute.
    pub max_per_minute: Option<i64>,
    /// Days of tracking after the last send, 1-30 (default 7).
    pub tracking_days: Option<i64>,
}

/// A spread as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpreadSpec {
    /// How many units.
    pub amount: i64,
    /// `business_days` or `hours`.
    pub unit: String,
}

/// A sending window as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpec {
    /// Days of the week: `mon` … `sun`.
    pub days: Option<Vec<String>>,
    /// Local start time, `HH:MM`.
    pub start: Option<String>,
    /// Local end time, `HH:MM`, after the start.
    pub end: Option<String>,
}

/// How the messages are spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// As fast as the window and the cap allow, from the start.
    AllAtOnce,
    /// Evenly over the window time of this many business days (days of the
    /// window that are not blackout dates), the start's day included when
    /// its window is still open.
    BusinessDays(u16),
    /// Evenly over this many hours of window time from the start.
    Hours(u16),
}

/// The local window messages go out in: some days of the week, between two
/// times of day (the end excluded). Windows do not cross midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendingWindow {
    /// Days of the week it is open.
    pub days: BTreeSet<WeekdayKey>,
    /// Local opening time.
    pub start: NaiveTime,
    /// Local closing time (exclusive).
    pub end: NaiveTime,
}

/// A weekday that sorts Monday first (chrono's `Weekday` has no order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WeekdayKey(u8);

impl WeekdayKey {
    /// The key of `day`.
    pub fn of(day: Weekday) -> Self {
        Self(day.num_days_from_monday() as u8)
    }

    const SPELLINGS: [&'static str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    /// `mon` … `sun`.
    pub fn as_str(self) -> &'static str {
        Self::SPELLINGS[usize::from(self.0)]
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::SPELLINGS.iter().position(|s| *s == raw).and_then(|i| u8::try_from(i).ok()).map(Self)
    }
}

impl SendingWindow {
    /// Monday to Friday, 08:00 to 17:00.
    pub fn office_hours() -> Self {
        Self {
            days: [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
                .into_iter()
                .map(WeekdayKey::of)
                .collect(),
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
        }
    }

    /// Whether the window is open on `day`.
    pub fn open_on(&self, day: Weekday) -> bool {
        self.days.contains(&WeekdayKey::of(day))
    }
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The zone its local times are in.
    pub timezone: Tz,
    /// Local start.
    pub starts_at: NaiveDateTime,
    /// How the messages are spread.
    pub spread: Spread,
    /// When messages may go out.
    pub window: SendingWindow,
    /// Local dates on which nothing is sent.
    pub blackout_dates: BTreeSet<NaiveDate>,
    /// Random (seeded) order rather than by account.
    pub randomize_order: bool,
    /// Most messages in any one minute.
    pub max_per_minute: Option<u32>,
    /// Days of tracking after the last send.
    pub tracking_days: u8,
}

/// One problem of a schedule, at a JSON pointer relative to the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleProblem {
    /// Where, e.g. `/window/start`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn problem(pointer: &str, message: impl Into<String>) -> ScheduleProblem {
    ScheduleProblem { pointer: pointer.to_owned(), message: message.into() }
}

fn parse_time(raw: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw, "%H:%M").ok()
}

fn parse_local(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
        .ok()
}

impl Schedule {
    /// Checks `spec`, filling defaults; `default_zone` is the customer's.
    /// Every problem is reported, each at its pointer.
    pub fn parse(spec: &ScheduleSpec, default_zone: &str) -> Result<Self, Vec<ScheduleProblem>> {
        let mut problems = Vec::new();
        let zone_name = spec.timezone.as_deref().unwrap_or(default_zone);
        let timezone = zone_name.parse::<Tz>().map_err(|_| {
            problems.push(problem(
                "/timezone",
                format!("'{zone_name}' is not an IANA time zone name, like Europe/Helsinki"),
            ))
        });
        let starts_at = match spec.starts_at.as_deref() {
            None => {
                problems.push(problem("/starts_at", "is required: a local date-time like 2027-01-15T09:00"));
                Err(())
            }
            Some(raw) => parse_local(raw).ok_or_else(|| {
                problems.push(problem("/starts_at", format!("'{raw}' is not a local date-time like 2027-01-15T09:00")))
            }),
        };
        let spread = match &spec.spread_over {
            None => Ok(Spread::AllAtOnce),
            Some(SpreadSpec { amount, unit }) => match unit.as_str() {
                "business_days" => u16::try_from(*amount)
                    .ok()
                    .filter(|n| (1..=MAX_SPREAD_DAYS).contains(n))
                    .map(Spread::BusinessDays)
                    .ok_or_else(|| {
                        problems
                            .push(problem("/spread_over/amount", format!("must be 1-{MAX_SPREAD_DAYS} business days")))
                    }),
                "hours" => u16::try_from(*amount)
                    .ok()
                    .filter(|n| (1..=MAX_SPREAD_HOURS).contains(n))
                    .map(Spread::Hours)
                    .ok_or_else(|| {
                        problems.push(problem("/spread_over/amount", format!("must be 1-{MAX_SPREAD_HOURS} hours")))
                    }),
                _ => {
                    problems.push(problem("/spread_over/unit", "must be one of: business_days, hours"));
                    Err(())
                }
            },
        };
        let window = parse_window(spec.window.as_ref(), &mut problems);
        let mut blackout_dates = BTreeSet::new();
        let raw_dates = spec.blackout_dates.as_deref().unwrap_or_default();
        if raw_dates.len() > MAX_BLACKOUT_DATES {
            problems.push(problem("/blackout_dates", format!("must list at most {MAX_BLACKOUT_DATES} dates")));
        }
        for (i, raw) in raw_dates.iter().enumerate() {
            match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(date) => {
                    blackout_dates.insert(date);
                }
                Err(_) => problems
                    .push(problem(&format!("/blackout_dates/{i}"), format!("'{raw}' is not a date like 2026-12-24"))),
            }
        }
        let max_per_minute = match spec.max_per_minute {
            None => Ok(None),
            Some(n) => u32::try_from(n).ok().filter(|n| (1..=MAX_PER_MINUTE).contains(n)).map(Some).ok_or_else(|| {
                problems.push(problem("/max_per_minute", format!("must be 1-{MAX_PER_MINUTE}, or null for no cap")))
            }),
        };
        let tracking_days = u8::try_from(spec.tracking_days.unwrap_or(i64::from(DEFAULT_TRACKING_DAYS)))
            .ok()
            .filter(|n| (1..=MAX_TRACKING_DAYS).contains(n))
            .ok_or_else(|| problems.push(problem("/tracking_days", format!("must be 1-{MAX_TRACKING_DAYS} days"))));
        match (timezone, starts_at, spread, window, max_per_minute, tracking_days) {
            (Ok(timezone), Ok(starts_at), Ok(spread), Ok(window), Ok(max_per_minute), Ok(tracking_days))
                if problems.is_empty() =>
            {
                Ok(Self {
                    timezone,
                    starts_at,
                    spread,
                    window,
                    blackout_dates,
                    randomize_order: spec.randomize_order.unwrap_or(false),
                    max_per_minute,
                    tracking_days,
                })
            }
            _ => Err(problems),
        }
    }

    /// The canonical spec of this schedule: every field present.
    pub fn to_spec(&self) -> ScheduleSpec {
        ScheduleSpec {
            timezone: Some(self.timezone.name().to_owned()),
            starts_at: Some(self.starts_at.format("%Y-%m-%dT%H:%M:%S").to_string()),
            spread_over: match self.spread {
                Spread::AllAtOnce => None,
                Spread::BusinessDays(n) => Some(SpreadSpec { amount: i64::from(n), unit: "business_days".to_owned() }),
                Spread::Hours(n) => Some(SpreadSpec { amount: i64::from(n), unit: "hours".to_owned() }),
            },
            window: Some(WindowSpec {
                days: Some(self.window.days.iter().map(|d| d.as_str().to_owned()).collect()),
                start: Some(self.window.start.format("%H:%M").to_string()),
                end: Some(self.window.end.format("%H:%M").to_string()),
            }),
            blackout_dates: Some(self.blackout_dates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect()),
            randomize_order: Some(self.randomize_order),
            max_per_minute: self.max_per_minute.map(i64::from),
            tracking_days: Some(i64::from(self.tracking_days)),
        }
    }

    /// Whether `other` differs from this one in anything but `tracking_days`.
    pub fn differs_beyond_tracking(&self, other: &Self) -> bool {
        Self { tracking_days: other.tracking_days, ..self.clone() } != *other
    }
}

impl ScheduleSpec {
    /// This spec over `base`: fields given here replace those of `base`
    /// (for a `PATCH`). `spread_over` and `max_per_minute` are replaced
    /// only when `spread_given` / `cap_given` say the client sent them,
    /// since their `null` means something (all at once; no cap).
    pub fn over(&self, base: &Self, spread_given: bool, cap_given: bool) -> Self {
        Self {
            timezone: self.timezone.clone().or_else(|| base.timezone.clone()),
            starts_at: self.starts_at.clone().or_else(|| base.starts_at.clone()),
            spread_over: if spread_given { self.spread_over.clone() } else { base.spread_over.clone() },
            window: match (&self.window, &base.window) {
                (Some(given), Some(kept)) => Some(WindowSpec {
                    days: given.days.clone().or_else(|| kept.days.clone()),
                    start: given.start.clone().or_else(|| kept.start.clone()),
                    end: given.end.clone().or_else(|| kept.end.clone()),
                }),
                (given, kept) => given.clone().or_else(|| kept.clone()),
            },
            blackout_dates: self.blackout_dates.clone().or_else(|| base.blackout_dates.clone()),
            randomize_order: self.randomize_order.or(base.randomize_order),
            max_per_minute: if cap_given { self.max_per_minute } else { base.max_per_minute },
            tracking_days: self.tracking_days.or(base.tracking_days),
        }
    }
}

fn parse_window(spec: Option<&WindowSpec>, problems: &mut Vec<ScheduleProblem>) -> Result<SendingWindow, ()> {
    let default = SendingWindow::office_hours();
    let Some(spec) = spec else { return Ok(default) };
    let before = problems.len();
    let days = match &spec.days {
        None => default.days.clone(),
        Some(raw) => {
            let mut days = BTreeSet::new();
            for (i, day) in raw.iter().enumerate() {
                match WeekdayKey::parse(day) {
                    Some(key) => {
                        days.insert(key);
                    }
                    None => problems.push(problem(
                        &format!("/window/days/{i}"),
                        "must be one of: mon, tue, wed, thu, fri, sat, sun",
                    )),
                }
            }
            if raw.is_empty() {
                problems.push(problem("/window/days", "must name at least one day"));
            }
            days
        }
    };
    let mut time = |pointer: &str, raw: Option<&String>, fallback: NaiveTime| match raw {
        None => fallback,
        Some(raw) => parse_time(raw).unwrap_or_else(|| {
            problems.push(problem(pointer, format!("'{raw}' is not a time of day like 08:30")));
            fallback
        }),
    };
    let start = time("/window/start", spec.start.as_ref(), default.start);
    let end = time("/window/end", spec.end.as_ref(), default.end);
    if problems.len() == before && end <= start {
        problems.push(problem("/window/end", "must be after the window's start (windows do not cross midnight)"));
    }
    if problems.len() == before { Ok(SendingWindow { days, start, end }) } else { Err(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(starts_at: &str) -> ScheduleSpec {
        ScheduleSpec { starts_at: Some(starts_at.to_owned()), ..ScheduleSpec::default() }
    }

    #[test]
    fn defaults_are_office_hours_all_at_once_and_a_week_of_tracking() {
        let schedule =
            Schedule::parse(&spec("2027-01-15T09:00"), "Europe/Helsinki").unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(schedule.timezone, chrono_tz::Europe::Helsinki);
        assert_eq!(schedule.spread, Spread::AllAtOnce);
        assert_eq!(schedule.window, SendingWindow::office_hours());
        assert_eq!(schedule.tracking_days, 7);
        let round_trip = Schedule::parse(&schedule.to_spec(), "UTC").unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(round_trip, schedule);
    }

    #[test]
    fn every_problem_is_reported_at_its_pointer() {
        let bad = ScheduleSpec {
            timezone: Some("Mars/Olympus".to_owned()),
            starts_at: Some("tomorrow".to_owned()),
            spread_over: Some(SpreadSpec { amount: 0, unit: "business_days".to_owned() }),
            window: Some(WindowSpec {
                days: Some(vec!["fri".to_owned(), "fry".to_owned()]),
                start: Some("17:00".to_owned()),
                end: Some("09:00".to_owned()),
            }),
            blackout_dates: Some(vec!["2026-13-01".to_owned()]),
            randomize_order: None,
            max_per_minute: Some(0),
            tracking_days: Some(31),
        };
        let problems = Schedule::parse(&bad, "UTC").unwrap_err();
        let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/timezone",
                "/starts_at",
                "/spread_over/amount",
                "/window/days/1",
                "/blackout_dates/0",
                "/max_per_minute",
                "/tracking_days"
            ]
        );
        let inverted = ScheduleSpec {
            window: Some(WindowSpec { days: None, start: Some("17:00".to_owned()), end: Some("09:00".to_owned()) }),
            ..spec("2027-01-15T09:00")
        };
        let problems = Schedule::parse(&inverted, "UTC").unwrap_err();
        assert_eq!(problems[0].pointer, "/window/end");
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let base = Schedule::parse(&spec("2027-01-15T09:00"), "UTC").unwrap_or_else(|p| panic!("{p:?}")).to_spec();
        let patch = ScheduleSpec {
            tracking_days: Some(14),
            window: Some(WindowSpec { days: None, start: None, end: Some("18:00".to_owned()) }),
            ..ScheduleSpec::default()
        };
        let merged = patch.over(&base, false, false);
        let window = merged.window.clone().unwrap_or(WindowSpec { days: None, start: None, end: None });
        assert_eq!(
            (window.start.as_deref(), window.end.as_deref()),
            (Some("08:00"), Some("18:00")),
            "the window merges"
        );
        assert_eq!(window.days.map(|d| d.len()), Some(5));
        assert_eq!(merged.starts_at, base.starts_at);
        assert_eq!(merged.tracking_days, Some(14));
        let a = Schedule::parse(&base, "UTC").unwrap_or_else(|p| panic!("{p:?}"));
        let b = Schedule::parse(&merged, "UTC").unwrap_or_else(|p| panic!("{p:?}"));
        assert!(a.differs_beyond_tracking(&b), "the window changed");
        let only_tracking =
            ScheduleSpec { tracking_days: Some(14), ..ScheduleSpec::default() }.over(&base, false, false);
        let c = Schedule::parse(&only_tracking, "UTC").unwrap_or_else(|p| panic!("{p:?}"));
        assert!(!a.differs_beyond_tracking(&c));
    }
}
