//! MSP rows and their limits.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::msps::{MspLimits, MspName};

use crate::schema::msps;
use crate::{DbConnection, StoreError};

/// An MSP as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = msps)]
pub struct MspRecord {
    /// Primary key.
    pub id: String,
    /// Display name, unique without regard to case.
    pub name: String,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
    /// Most customer organisations.
    pub max_organizations: i64,
    /// Seats in the license pool.
    pub seat_pool_total: i64,
    /// When the seat pool renews.
    pub seat_pool_renewal_date: Option<NaiveDate>,
    /// Most active accounts across customers.
    pub max_global_users: i64,
    /// Most active accounts in the MSP's own organisation.
    pub max_local_users: i64,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl MspRecord {
    /// The limits, as the domain knows them.
    pub fn limits(&self) -> MspLimits {
        MspLimits {
            max_organizations: self.max_organizations,
            seat_pool_total: self.seat_pool_total,
            seat_pool_renewal_date: self.seat_pool_renewal_date,
            max_global_users: self.max_global_users,
            max_local_users: self.max_local_users,
        }
    }
}

/// Inserts an MSP. A name already taken (in any case) gives
/// [`StoreError::UniqueViolation`].
pub fn insert(
    conn: &mut DbConnection,
    name: &MspName,
    limits: &MspLimits,
    now: DateTime<Utc>,
) -> Result<MspRecord, StoreError> {
    let record = MspRecord {
        id: crate::new_id(),
        name: name.as_str().to_owned(),
        created_at: now.naive_utc(),
        max_organizations: limits.max_organizations,
        seat_pool_total: limits.seat_pool_total,
        seat_pool_renewal_date: limits.seat_pool_renewal_date,
        max_global_users: limits.max_global_users,
        max_local_users: limits.max_local_users,
        updated_at: now.naive_utc(),
    };
    diesel::insert_into(msps::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Finds an MSP by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<MspRecord>, StoreError> {
    msps::table.find(id).select(MspRecord::as_select()).first(conn).optional().map_err(StoreError::from)
}

/// Up to `limit` MSPs in creation order, after id `after`.
pub fn list(conn: &mut DbConnection, after: Option<&str>, limit: i64) -> Result<Vec<MspRecord>, StoreError> {
    let mut query = msps::table.select(MspRecord::as_select()).order(msps::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(msps::id.gt(after.to_owned()));
    }
    query.load(conn).map_err(StoreError::from)
}

/// What [`update_limits`] did.
#[derive(Debug)]
pub enum LimitsUpdate {
    /// The limits were replaced.
    Updated(MspRecord),
    /// The new seat-pool total is below the seats already allocated to
    /// customers; nothing changed.
    BelowAllocated {
        /// Seats allocated now.
        allocated: i64,
    },
    /// No such MSP.
    NotFound,
}

/// Replaces the limits of an MSP, unless the new pool total is below what
/// is allocated (checked in the same statement, so that a concurrent seat
/// allocation cannot slip under it).
pub fn update_limits(
    conn: &mut DbConnection,
    id: &str,
    limits: &MspLimits,
    now: DateTime<Utc>,
) -> Result<LimitsUpdate, StoreError> {
    let updated = diesel::update(msps::table.find(id))
        .filter(msps::seat_pool_allocated.le(limits.seat_pool_total))
        .set((
            msps::max_organizations.eq(limits.max_organizations),
            msps::seat_pool_total.eq(limits.seat_pool_total),
            msps::seat_pool_renewal_date.eq(limits.seat_pool_renewal_date),
            msps::max_global_users.eq(limits.max_global_users),
            msps::max_local_users.eq(limits.max_local_users),
            msps::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if updated == 1 {
        return Ok(find(conn, id)?.map_or(LimitsUpdate::NotFound, LimitsUpdate::Updated));
    }
    Ok(match crate::seat_pool::read(conn, id)? {
        Some(pool) => LimitsUpdate::BelowAllocated { allocated: pool.seat_pool_allocated },
        None => LimitsUpdate::NotFound,
    })
}

/// Takes the MSP's row lock until the transaction ends, so that changes to
/// the MSP's admins run one after the other (the last-owner rule reads the
/// other owners and must not race a concurrent demotion). On SQLite the write
/// transaction already holds the database lock; this is then a cheap no-op
/// write.
pub fn lock(conn: &mut DbConnection, id: &str) -> Result<bool, StoreError> {
    let touched = diesel::update(msps::table.find(id)).set(msps::id.eq(msps::id)).execute(conn)?;
    Ok(touched == 1)
}

/// True when an MSP with this name (in any case) exists.
pub fn name_taken(conn: &mut DbConnection, name: &MspName) -> Result<bool, StoreError> {
    diesel::select(diesel::dsl::exists(msps::table.filter(lower(msps::name).eq(name.as_str().to_lowercase()))))
        .get_result(conn)
        .map_err(StoreError::from)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The tracking settings of MSP `id`, as stored.
pub fn tracking_settings(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<domain::campaigns::tracking_settings::TrackingSettings>, StoreError> {
    let row: Option<(i64, String, String, Option<i64>)> = msps::table
        .find(id)
        .select((msps::click_delay_seconds, msps::allowed_sources, msps::denied_sources, msps::result_retention_days))
        .first(conn)
        .optional()?;
    let Some((click_delay_seconds, allowed, denied, result_retention_days)) = row else { return Ok(None) };
    let parse = |list: &str| {
        domain::client_address::parse_ranges(list).map_err(|e| StoreError::Corrupt(format!("msp {id}: sources: {e}")))
    };
    Ok(Some(domain::campaigns::tracking_settings::TrackingSettings {
        click_delay_seconds,
        allowed_sources: parse(&allowed)?,
        denied_sources: parse(&denied)?,
        result_retention_days,
    }))
}

/// Stores the tracking settings of MSP `id`.
pub fn set_tracking_settings(
    conn: &mut DbConnection,
    id: &str,
    settings: &domain::campaigns::tracking_settings::TrackingSettings,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    diesel::update(msps::table.find(id))
        .set((
            msps::click_delay_seconds.eq(settings.click_delay_seconds),
            msps::allowed_sources.eq(joined(&settings.allowed_sources)),
            msps::denied_sources.eq(joined(&settings.denied_sources)),
            msps::result_retention_days.eq(settings.result_retention_days),
            msps::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

fn joined<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}
