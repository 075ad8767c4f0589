//! Failed sign-in counters, per e-mail and per client address.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::login_protection::FailureCount;

use crate::schema::login_throttles;
use crate::{DbConnection, StoreError};

/// The counter of `key`, if any.
pub fn find(conn: &mut DbConnection, key: &str) -> Result<Option<FailureCount>, StoreError> {
    let row: Option<(i64, chrono::NaiveDateTime)> = login_throttles::table
        .find(key)
        .select((login_throttles::failures, login_throttles::last_failure_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(failures, last)| FailureCount { failures, last_failure_at: last.and_utc() }))
}

/// Counts one more failure for `key` at `now`; a counter whose last failure
/// is older than `window_start` starts again from one. Run it in a write
/// transaction: an increment in one statement, or an insert when new.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> Result<(), StoreError> {
    let now_naive = now.naive_utc();
    let restarted = diesel::update(
        login_throttles::table.find(key).filter(login_throttles::last_failure_at.lt(window_start.naive_utc())),
    )
    .set((
        login_throttles::failures.eq(1),
        login_throttles::first_failure_at.eq(now_naive),
        login_throttles::last_failure_at.eq(now_naive),
    ))
    .execute(conn)?;
    if restarted == 1 {
        return Ok(());
    }
    let counted = diesel::update(login_throttles::table.find(key))
        .set((
            login_throttles::failures.eq(login_throttles::failures + 1),
            login_throttles::last_failure_at.eq(now_naive),
        ))
        .execute(conn)?;
    if counted == 0 {
        diesel::insert_into(login_throttles::table)
            .values((
                login_throttles::throttle_key.eq(key),
                login_throttles::failures.eq(1),
                login_throttles::first_failure_at.eq(now_naive),
                login_throttles::last_failure_at.eq(now_naive),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the failures of `keys` (after a successful sign-in).
pub fn clear(conn: &mut DbConnection, keys: &[String]) -> Result<(), StoreError> {
    diesel::delete(login_throttles::table.filter(login_throttles::throttle_key.eq_any(keys))).execute(conn)?;
    Ok(())
}
