//! Planned send times: a pure function of a campaign's schedule, the number
//! of recipients and a seed.
//!
//! - **Window time** is the sequence of local minutes inside the sending
//!   window, on days the window is open and that are not blackout dates,
//!   from the start on. Each local minute is resolved in the campaign's
//!   zone: a minute that a daylight-saving change skips does not exist and
//!   is not used; a minute that happens twice is used once, the first
//!   time. So window time is a strictly increasing run of UTC minutes.
//! - **All at once**: everyone at the first minute of window time; with a
//!   cap of `c` per minute, `c` per minute from that minute on.
//! - **Spread over N business days / hours**: the window time of the first
//!   N business days (days that contribute at least one minute) or the
//!   first N × 60 minutes of window time; recipients are placed evenly
//!   across it, to the second. With `M` minutes and `n` recipients no
//!   minute gets more than ⌈n / M⌉, so a cap `c` fits when `n ≤ M × c`;
//!   otherwise the plan is refused with how many would fit.
//! - **Order**: recipients are planned in the order given (by account) or,
//!   with `randomize_order`, in an order shuffled by the campaign's seed;
//!   each recipient's scenario is drawn from the campaign's scenarios by
//!   the same seed (another stream), so the same seed gives the same plan.

use chrono::{DateTime, Datelike, Days, DurationRound, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::schedule::{Schedule, Spread};

/// How far ahead of its start a plan may reach, in days.
pub const HORIZON_DAYS: u64 = 400;

/// A plan that cannot hold every recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the schedule cannot fit {asked} recipients: its window and cap fit {fits} (widen the window, spread over more days, or raise the cap)"
)]
pub struct Infeasible {
    /// Recipients to plan.
    pub asked: u64,
    /// How many the window and cap can hold.
    pub fits: u64,
}

/// The UTC instant of a local date-time in `zone`: the first of two when
/// the clocks go back, the first minute after the gap when they go forward.
pub fn resolve_local(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    // Gaps are at most a few hours; step forward by minutes until a time exists.
    for _ in 0..(24 * 60) {
        if let Some(instant) = zone.from_local_datetime(&probe).earliest() {
            return instant.with_timezone(&Utc);
        }
        probe += TimeDelta::minutes(1);
    }
    local.and_utc()
}

/// The first instant a campaign may send: its local start, or
/// `not_before` when later (a launch after the planned start), rounded up
/// to a whole minute.
pub fn first_instant(schedule: &Schedule, not_before: DateTime<Utc>) -> DateTime<Utc> {
    ceil_minute(resolve_local(schedule.timezone, schedule.starts_at).max(not_before))
}

/// `instant` rounded up to a whole minute: send times are whole minutes
/// (plus an even spread inside one), so a send planned for the minute a
/// launch happens in is due at that launch.
pub fn ceil_minute(instant: DateTime<Utc>) -> DateTime<Utc> {
    let floor = instant.duration_trunc(TimeDelta::minutes(1)).unwrap_or(instant);
    if floor == instant { instant } else { floor + TimeDelta::minutes(1) }
}

/// The minutes of window time from `from` on, each with the index of the
/// business day it belongs to.
pub fn window_minutes(schedule: &Schedule, from: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, u64)> + '_ {
    let zone = schedule.timezone;
    let first_date = from.with_timezone(&zone).date_naive();
    let (open, close) =
        (schedule.window.start.num_seconds_from_midnight() / 60, schedule.window.end.num_seconds_from_midnight() / 60);
    (0..HORIZON_DAYS)
        .filter_map(move |offset| first_date.checked_add_days(Days::new(offset)))
        .filter(|date| schedule.window.open_on(date.weekday()) && !schedule.blackout_dates.contains(date))
        .map(move |date| {
            (open..close)
                .filter_map(|minute| {
                    let local = date.and_hms_opt(minute / 60, minute % 60, 0)?;
                    zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
                })
                .filter(|t| *t >= from)
                .collect::<Vec<_>>()
        })
        .filter(|minutes| !minutes.is_empty())
        .zip(0_u64..)
        .flat_map(|(minutes, day)| minutes.into_iter().map(move |m| (m, day)))
}

/// The send time of each of `count` recipients, in planning order
/// (non-decreasing), or why they do not fit.
pub fn plan_times(
    schedule: &Schedule,
    not_before: DateTime<Utc>,
    count: usize,
) -> Result<Vec<DateTime<Utc>>, Infeasible> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let asked = count as u64;
    let from = first_instant(schedule, not_before);
    let mut minutes = window_minutes(schedule, from);
    let cap = schedule.max_per_minute.map(|c| c as usize);
    let window: Vec<DateTime<Utc>> = match (schedule.spread, cap) {
        (Spread::AllAtOnce, None) => {
            let Some((first, _)) = minutes.next() else { return Err(Infeasible { asked, fits: 0 }) };
            return Ok(vec![first; count]);
        }
        (Spread::AllAtOnce, Some(cap)) => {
            let needed = count.div_ceil(cap);
            let window: Vec<_> = minutes.take(needed).map(|(m, _)| m).collect();
            if window.len() < needed {
                return Err(Infeasible { asked, fits: (window.len() * cap) as u64 });
            }
            let step = |i: usize| TimeDelta::seconds(((i % cap) * 60 / cap) as i64);
            return Ok((0..count).map(|i| window[i / cap] + step(i)).collect());
        }
        (Spread::BusinessDays(days), _) => {
            minutes.take_while(|(_, day)| *day < u64::from(days)).map(|(m, _)| m).collect()
        }
        (Spread::Hours(hours), _) => minutes.take(usize::from(hours) * 60).map(|(m, _)| m).collect(),
    };
    let fits = match cap {
        Some(cap) => (window.len() * cap) as u64,
        None if window.is_empty() => 0,
        None => u64::MAX,
    };
    if asked > fits {
        return Err(Infeasible { asked, fits });
    }
    let span = window.len() as u128 * 60;
    Ok((0..count)
        .map(|i| {
            let second = (i as u128 * span / count as u128) as usize;
            window[second / 60] + TimeDelta::seconds((second % 60) as i64)
        })
        .collect())
}

/// The order recipients `0..count` are planned in: as given, or shuffled
/// by `seed`.
pub fn send_order(count: usize, randomize: bool, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    if randomize {
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    }
    order
}

/// For each of `count` recipients, the index of its scenario among
/// `choices`, drawn by `seed` (another stream than the order's).
pub fn pick_scenarios(count: usize, choices: usize, seed: u64) -> Vec<usize> {
    use rand::Rng;
    if choices <= 1 {
        return vec![0; count];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    (0..count).map(|_| rng.gen_range(0..choices)).collect()
}

/// The planned sending of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedSend {
    /// Index of the recipient in the list given.
    pub recipient: usize,
    /// Index of its scenario.
    pub scenario: usize,
    /// When it is sent.
    pub at: DateTime<Utc>,
}

/// The whole plan: for each of `count` recipients (given in a stable order,
/// by account) its scenario and send time, in sending order.
pub fn plan(
    schedule: &Schedule,
    not_before: DateTime<Utc>,
    count: usize,
    scenarios: usize,
    seed: u64,
) -> Result<Vec<PlannedSend>, Infeasible> {
    let times = plan_times(schedule, not_before, count)?;
    let order = send_order(count, schedule.randomize_order, seed);
    let picks = pick_scenarios(count, scenarios, seed);
    Ok(order
        .into_iter()
        .zip(times)
        .map(|(recipient, at)| PlannedSend { recipient, scenario: picks[recipient], at })
        .collect())
}

/// When the first and the last message of a plan go out; `None` for an
/// empty plan. Plans are in sending order, so these are its ends.
pub fn span(plan: &[PlannedSend]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((plan.first()?.at, plan.last()?.at))
}

#[cfg(test)]
mod tests;
