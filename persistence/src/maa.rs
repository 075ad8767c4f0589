//! The monthly roll-up MAA is read from, and allowance orders.
//!
//! Reads touch the tallies of the months asked for and later (one row per
//! organisation per month with a change), never the status history.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;
use domain::maa::{Month, MonthTally};

use crate::database::per_backend;
use crate::schema::{maa_orders, maa_tallies};
use crate::{DbConnection, StoreError};

/// Adds `tallies` to the organisation's roll-up rows, creating the missing.
pub fn add_tallies(
    conn: &mut DbConnection,
    msp_id: &str,
    organization_id: &str,
    tallies: &BTreeMap<Month, MonthTally>,
) -> Result<(), StoreError> {
    for (month, tally) in tallies {
        if *tally == MonthTally::default() {
            continue;
        }
        per_backend!(conn, |backend| diesel::insert_into(maa_tallies::table)
            .values((
                maa_tallies::msp_id.eq(msp_id),
                maa_tallies::month.eq(month.first_day()),
                maa_tallies::organization_id.eq(organization_id),
                maa_tallies::net_change.eq(tally.net_change),
                maa_tallies::newly_counted.eq(tally.newly_counted),
            ))
            .on_conflict((maa_tallies::msp_id, maa_tallies::month, maa_tallies::organization_id))
            .do_update()
            .set((
                maa_tallies::net_change.eq(maa_tallies::net_change + excluded(maa_tallies::net_change)),
                maa_tallies::newly_counted.eq(maa_tallies::newly_counted + excluded(maa_tallies::newly_counted)),
            ))
            .execute(backend))?;
    }
    Ok(())
}

/// One organisation's tallies from `from` on.
pub fn tallies_of(
    conn: &mut DbConnection,
    msp_id: &str,
    organization_id: &str,
    from: Month,
) -> Result<BTreeMap<Month, MonthTally>, StoreError> {
    let mut by_organization = tallies_of_organizations(conn, msp_id, &[organization_id.to_owned()], from)?;
    Ok(by_organization.remove(organization_id).unwrap_or_default())
}

/// The tallies of all the MSP's organisations together from `from` on:
/// the sum of theirs, month by month.
pub fn tallies_of_msp(
    conn: &mut DbConnection,
    msp_id: &str,
    from: Month,
) -> Result<BTreeMap<Month, MonthTally>, StoreError> {
    let rows: Vec<(NaiveDate, i64, i64)> = maa_tallies::table
        .filter(maa_tallies::msp_id.eq(msp_id))
        .filter(maa_tallies::month.ge(from.first_day()))
        .select((maa_tallies::month, maa_tallies::net_change, maa_tallies::newly_counted))
        .load(conn)?;
    let mut by_month: BTreeMap<Month, MonthTally> = BTreeMap::new();
    for (month, net_change, newly_counted) in rows {
        *by_month.entry(Month::of_day(month)).or_default() += MonthTally { net_change, newly_counted };
    }
    Ok(by_month)
}

/// An allowance order as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = maa_orders)]
pub struct OrderRecord {
    /// Primary key.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The SKU's id.
    pub sku: String,
    /// The SKU's name when ordered.
    pub sku_name: String,
    /// Units.
    pub quantity: i64,
    /// MAA per unit when ordered.
    pub maa_per_unit: i64,
    /// Months in force when ordered.
    pub term_months: i64,
    /// First day of the first month in force.
    pub starts_month: NaiveDate,
    /// When ordered (UTC).
    pub ordered_at: NaiveDateTime,
    /// Who ordered (the audit log's actor label).
    pub ordered_by: String,
}

impl OrderRecord {
    /// The order as far as the allowance cares.
    pub fn allowance_order(&self) -> domain::allowance::AllowanceOrder {
        domain::allowance::AllowanceOrder {
            starts: Month::of_day(self.starts_month),
            quantity: self.quantity,
            maa_per_unit: self.maa_per_unit,
            term_months: u32::try_from(self.term_months).unwrap_or(0),
        }
    }
}

/// Writes an order.
pub fn insert_order(conn: &mut DbConnection, order: &OrderRecord) -> Result<(), StoreError> {
    diesel::insert_into(maa_orders::table).values(order).execute(conn)?;
    Ok(())
}

/// A page of the MSP's orders, newest first, before `before_id`.
pub fn list_orders(
    conn: &mut DbConnection,
    msp_id: &str,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<OrderRecord>, StoreError> {
    let mut query = maa_orders::table.filter(maa_orders::msp_id.eq(msp_id)).into_boxed();
    if let Some(before) = before_id {
        query = query.filter(maa_orders::id.lt(before.to_owned()));
    }
    query
        .order(maa_orders::id.desc())
        .limit(limit)
        .select(OrderRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// The MSP's orders that started before `until` (first day of a month) and
/// may still be in force from `from` on: every term is at most 10 years.
pub fn orders_between(
    conn: &mut DbConnection,
    msp_id: &str,
    from: Month,
    until: Month,
) -> Result<Vec<OrderRecord>, StoreError> {
    maa_orders::table
        .filter(maa_orders::msp_id.eq(msp_id))
        .filter(maa_orders::starts_month.ge(from.plus(-120).first_day()))
        .filter(maa_orders::starts_month.lt(until.first_day()))
        .order(maa_orders::id.asc())
        .select(OrderRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// The tallies of some organisations of the MSP from `from` on, by
/// organisation.
pub fn tallies_of_organizations(
    conn: &mut DbConnection,
    msp_id: &str,
    organization_ids: &[String],
    from: Month,
) -> Result<BTreeMap<String, BTreeMap<Month, MonthTally>>, StoreError> {
    let rows: Vec<(String, NaiveDate, i64, i64)> = maa_tallies::table
        .filter(maa_tallies::msp_id.eq(msp_id))
        .filter(maa_tallies::organization_id.eq_any(organization_ids))
        .filter(maa_tallies::month.ge(from.first_day()))
        .select((maa_tallies::organization_id, maa_tallies::month, maa_tallies::net_change, maa_tallies::newly_counted))
        .load(conn)?;
    let mut by_organization: BTreeMap<String, BTreeMap<Month, MonthTally>> = BTreeMap::new();
    for (organization, month, net_change, newly_counted) in rows {
        by_organization
            .entry(organization)
            .or_default()
            .insert(Month::of_day(month), MonthTally { net_change, newly_counted });
    }
    Ok(by_organization)
}
