use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime, Weekday};
use proptest::prelude::*;

use super::*;
use crate::campaigns::schedule::{SendingWindow, WeekdayKey};

fn at(date: &str, time: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(&format!("{date}T{time}"), "%Y-%m-%dT%H:%M").unwrap_or_default()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

fn helsinki_two_days() -> Schedule {
    Schedule {
        timezone: chrono_tz::Europe::Helsinki,
        // Friday 15 January 2027.
        starts_at: at("2027-01-15", "09:00"),
        spread: Spread::BusinessDays(2),
        window: SendingWindow { start: hm(9, 0), end: hm(16, 0), ..SendingWindow::office_hours() },
        blackout_dates: BTreeSet::new(),
        randomize_order: true,
        max_per_minute: None,
        tracking_days: 7,
    }
}

#[test]
fn fifty_over_two_business_days_from_a_friday_fall_on_friday_and_monday() {
    let schedule = helsinki_two_days();
    let plan = plan(&schedule, at("2027-01-01", "00:00").and_utc(), 50, 3, 42).unwrap_or_default();
    assert_eq!(plan.len(), 50);
    let days: BTreeSet<WeekdayKey> =
        plan.iter().map(|p| WeekdayKey::of(p.at.with_timezone(&schedule.timezone).weekday())).collect();
    assert_eq!(days, BTreeSet::from([WeekdayKey::of(Weekday::Mon), WeekdayKey::of(Weekday::Fri)]));
    // 09:00 Helsinki in January is 07:00 UTC.
    assert_eq!(plan[0].at, at("2027-01-15", "07:00").and_utc());
    let (first, last) = span(&plan).unwrap_or_default();
    assert!(plan.iter().all(|p| first <= p.at && p.at <= last), "a plan is in sending order");
    let scenarios: BTreeSet<usize> = plan.iter().map(|p| p.scenario).collect();
    assert_eq!(scenarios, BTreeSet::from([0, 1, 2]), "three scenarios drawn among 50");
    assert_ne!(plan.iter().map(|p| p.recipient).collect::<Vec<_>>(), (0..50).collect::<Vec<_>>(), "shuffled");
}

#[test]
fn a_launch_after_the_start_plans_from_the_launch() {
    let schedule = helsinki_two_days();
    let late = at("2027-01-15", "12:30").and_utc();
    let times = plan_times(&schedule, late, 10).unwrap_or_default();
    assert!(times.iter().all(|t| *t >= late));
}

#[test]
fn a_cap_that_cannot_fit_says_how_many_would() {
    let schedule = Schedule { spread: Spread::Hours(1), max_per_minute: Some(2), ..helsinki_two_days() };
    assert_eq!(
        plan_times(&schedule, at("2027-01-01", "00:00").and_utc(), 121),
        Err(Infeasible { asked: 121, fits: 120 })
    );
    assert_eq!(plan_times(&schedule, at("2027-01-01", "00:00").and_utc(), 120).map(|t| t.len()), Ok(120));
}

#[test]
fn the_spring_gap_is_skipped_and_the_autumn_hour_used_once() {
    // Helsinki: 2027-03-28 03:00 → 04:00 (gap); 2026-10-25 04:00 → 03:00 (repeat).
    let all_day = SendingWindow {
        days: (0..7).filter_map(|d| Weekday::try_from(d).ok()).map(WeekdayKey::of).collect(),
        start: hm(2, 0),
        end: hm(6, 0),
    };
    let spring = Schedule {
        starts_at: at("2027-03-28", "02:00"),
        spread: Spread::Hours(3),
        window: all_day.clone(),
        max_per_minute: Some(1),
        ..helsinki_two_days()
    };
    let from = first_instant(&spring, at("2027-01-01", "00:00").and_utc());
    let first_day = window_minutes(&spring, from).filter(|(_, day)| *day == 0).count();
    assert_eq!(first_day, 240 - 60, "03:00-03:59 does not exist on the 28th");
    let autumn = Schedule { starts_at: at("2026-10-25", "02:00"), window: all_day, ..spring };
    let first_day = window_minutes(&autumn, at("2026-01-01", "00:00").and_utc()).filter(|(_, day)| *day == 0).count();
    assert_eq!(first_day, 240, "03:00-03:59 happens twice but is used once");
}

const ZONES: [Tz; 8] = [
    chrono_tz::Europe::Helsinki,
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

/// Days around the 2026-2027 daylight-saving changes of the EU, the US
/// and Australia.
const CHANGES: [&str; 8] =
    ["2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01", "2027-03-14", "2027-03-28"];

prop_compose! {
    fn schedules()(
        zone in 0..ZONES.len(),
        change in 0..CHANGES.len(),
        day_offset in -6_i64..4,
        start_minute in 0_u32..(24 * 60),
        days in 1_u8..128,
        window_start in 0_u32..(23 * 60),
        window_length in 1_u32..(24 * 60),
        blackouts in proptest::collection::vec(0_u64..12, 0..4),
        spread in prop_oneof![Just(Spread::AllAtOnce), (1_u16..5).prop_map(Spread::BusinessDays), (1_u16..30).prop_map(Spread::Hours)],
        cap in proptest::option::of(1_u32..12),
        randomize_order in any::<bool>(),
    ) -> Schedule {
        let change = NaiveDate::parse_from_str(CHANGES[change], "%Y-%m-%d").unwrap_or_default();
        let date = change + TimeDelta::days(day_offset);
        let window_end = (window_start + window_length).min(24 * 60 - 1);
        Schedule {
            timezone: ZONES[zone],
            starts_at: date.and_hms_opt(start_minute / 60, start_minute % 60, 0).unwrap_or_default(),
            spread,
            window: SendingWindow {
                days: (0..7).filter(|d| days & (1 << d) != 0).filter_map(|d| Weekday::try_from(d).ok()).map(WeekdayKey::of).collect(),
                start: hm(window_start / 60, window_start % 60),
                end: hm(window_end / 60, window_end % 60),
            },
            blackout_dates: blackouts.into_iter().filter_map(|d| date.checked_add_days(Days::new(d))).collect(),
            randomize_order,
            max_per_minute: cap,
            tracking_days: 7,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Every planned time is inside the window, on an open day that is not
    /// a blackout date, in the campaign's zone; none is before the start
    /// (or the launch); no minute holds more than the cap; every recipient
    /// is planned once; and the same seed gives the same plan. A refusal
    /// names a number that does fit.
    #[test]
    fn plans_keep_to_the_window_the_start_the_blackouts_and_the_cap(
        schedule in schedules(),
        count in 0_usize..250,
        launch_offset_minutes in -3000_i64..600,
        seed in any::<u64>(),
    ) {
        let start = resolve_local(schedule.timezone, schedule.starts_at);
        let not_before = start + TimeDelta::minutes(launch_offset_minutes);
        match plan(&schedule, not_before, count, 3, seed) {
            Ok(planned) => {
                prop_assert_eq!(planned.len(), count);
                let recipients: BTreeSet<usize> = planned.iter().map(|p| p.recipient).collect();
                prop_assert_eq!(recipients.len(), count);
                let mut per_minute: HashMap<i64, u32> = HashMap::new();
                for p in &planned {
                    let local = p.at.with_timezone(&schedule.timezone);
                    prop_assert!(p.at >= start && p.at >= not_before, "{} before the start {} / launch {}", p.at, start, not_before);
                    prop_assert!(schedule.window.open_on(local.weekday()), "{} is on a closed day", local);
                    prop_assert!(!schedule.blackout_dates.contains(&local.date_naive()), "{} is a blackout date", local);
                    prop_assert!(local.time() >= schedule.window.start && local.time() < schedule.window.end, "{} outside the window", local);
                    prop_assert!(p.scenario < 3);
                    *per_minute.entry(p.at.timestamp().div_euclid(60)).or_default() += 1;
                }
                if let Some(cap) = schedule.max_per_minute {
                    prop_assert!(per_minute.values().all(|n| *n <= cap), "over the cap of {}: {:?}", cap, per_minute.values().max());
                }
                prop_assert_eq!(plan(&schedule, not_before, count, 3, seed).ok(), Some(planned));
            }
            Err(Infeasible { asked, fits }) => {
                prop_assert_eq!(asked, count as u64);
                prop_assert!(fits < asked);
                if fits > 0 {
                    prop_assert!(plan_times(&schedule, not_before, fits as usize).is_ok(), "{} were said to fit", fits);
                }
            }
        }
    }
}
