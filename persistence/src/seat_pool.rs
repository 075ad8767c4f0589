//! The MSP's seat pool and organisation count: the counters on the MSP's row
//! that limits are checked against. Each check is one conditional `UPDATE`
//! of that row — "add n if the result stays within the limit" — so that any
//! number of concurrent requests on any number of servers can never take
//! the counters past the limits; zero rows updated means "refused".

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::schema::{customers, msps};
use crate::{DbConnection, StoreError};

/// The pool as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = msps)]
pub struct PoolRecord {
    /// Seats bought.
    pub seat_pool_total: i64,
    /// Seats allocated to customers.
    pub seat_pool_allocated: i64,
    /// When the pool renews.
    pub seat_pool_renewal_date: Option<NaiveDate>,
    /// Utilisation (percent) at which the pool warns.
    pub seat_pool_warning_percent: i64,
    /// Customers of the MSP.
    pub customer_count: i64,
    /// Most customers.
    pub max_organizations: i64,
}

/// Reads the pool of an MSP.
pub fn read(conn: &mut DbConnection, msp_id: &str) -> Result<Option<PoolRecord>, StoreError> {
    msps::table.find(msp_id).select(PoolRecord::as_select()).first(conn).optional().map_err(StoreError::from)
}

/// Why a limit refused a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The MSP has its maximum number of customers.
    OrganizationLimit {
        /// The maximum.
        max_organizations: i64,
    },
    /// The pool has fewer seats left than asked for.
    SeatsUnavailable {
        /// Seats left.
        available: i64,
    },
}

/// Takes one organisation slot and `seats` seats for a new customer, both or
/// neither, in one statement.
pub fn claim_customer_slot(
    conn: &mut DbConnection,
    msp_id: &str,
    seats: i64,
) -> Result<Result<(), Refusal>, StoreError> {
    let mut target = diesel::update(msps::table)
        .filter(msps::id.eq(msp_id))
        .filter(msps::customer_count.lt(msps::max_organizations))
        .into_boxed();
    if seats > 0 {
        target = target.filter((msps::seat_pool_allocated + seats).le(msps::seat_pool_total));
    }
    let claimed = target
        .set((
            msps::customer_count.eq(msps::customer_count + 1),
            msps::seat_pool_allocated.eq(msps::seat_pool_allocated + seats),
        ))
        .execute(conn)?;
    if claimed == 1 {
        return Ok(Ok(()));
    }
    refusal(conn, msp_id, true)
}

/// Returns a deleted customer's slot and seats.
pub fn release_customer_slot(conn: &mut DbConnection, msp_id: &str, seats: i64) -> Result<(), StoreError> {
    diesel::update(msps::table.find(msp_id))
        .set((
            msps::customer_count.eq(msps::customer_count - 1),
            msps::seat_pool_allocated.eq(msps::seat_pool_allocated - seats),
        ))
        .execute(conn)?;
    Ok(())
}

/// Draws `seats` more seats from the pool (a negative number returns them),
/// in one statement that refuses to go past the total.
pub fn draw(conn: &mut DbConnection, msp_id: &str, seats: i64) -> Result<Result<(), Refusal>, StoreError> {
    let mut target = diesel::update(msps::table).filter(msps::id.eq(msp_id)).into_boxed();
    if seats > 0 {
        target = target.filter((msps::seat_pool_allocated + seats).le(msps::seat_pool_total));
    }
    let drawn = target.set(msps::seat_pool_allocated.eq(msps::seat_pool_allocated + seats)).execute(conn)?;
    if drawn == 1 {
        return Ok(Ok(()));
    }
    refusal(conn, msp_id, false)
}

fn refusal(conn: &mut DbConnection, msp_id: &str, new_customer: bool) -> Result<Result<(), Refusal>, StoreError> {
    let pool = read(conn, msp_id)?.ok_or(StoreError::Database(diesel::result::Error::NotFound))?;
    if new_customer && pool.customer_count >= pool.max_organizations {
        return Ok(Err(Refusal::OrganizationLimit { max_organizations: pool.max_organizations }));
    }
    Ok(Err(Refusal::SeatsUnavailable { available: (pool.seat_pool_total - pool.seat_pool_allocated).max(0) }))
}

/// Adds `seats` to the pool's total (an approved expansion).
pub fn grow(conn: &mut DbConnection, msp_id: &str, seats: i64) -> Result<bool, StoreError> {
    let grown = diesel::update(msps::table.find(msp_id))
        .set(msps::seat_pool_total.eq(msps::seat_pool_total + seats))
        .execute(conn)?;
    Ok(grown == 1)
}

/// Sets the utilisation at which the pool warns.
pub fn set_warning_percent(conn: &mut DbConnection, msp_id: &str, percent: i64) -> Result<bool, StoreError> {
    let set =
        diesel::update(msps::table.find(msp_id)).set(msps::seat_pool_warning_percent.eq(percent)).execute(conn)?;
    Ok(set == 1)
}

/// Active accounts of each of `customer_ids` (absent: none), as counted by
/// every status change.
pub fn active_users(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_ids: &[String],
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    if customer_ids.is_empty() {
        return Ok(Default::default());
    }
    let counts: Vec<(String, i64)> = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .filter(customers::id.eq_any(customer_ids))
        .select((customers::id, customers::active_accounts))
        .load(conn)?;
    Ok(counts.into_iter().collect())
}
