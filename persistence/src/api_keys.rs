//! API keys of integrations and scripts. Only a hash of each secret is kept.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::admins::AdminRecord;
use crate::schema::{admins, api_keys};
use crate::{DbConnection, StoreError};

/// An API key as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRecord {
    /// Primary key.
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// The admin who created it; the key never holds more than they do.
    pub created_by: String,
    /// What it is for, as its creator named it.
    pub name: String,
    /// The public, recognisable start of the key (`mspk_…`), unique.
    pub prefix: String,
    /// Hex SHA-256 of the whole key.
    pub secret_hash: String,
    /// Comma-separated scopes.
    pub scopes: String,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
    /// When last used, to the minute.
    pub last_used_at: Option<NaiveDateTime>,
    /// When it stops working, if ever.
    pub expires_at: Option<NaiveDateTime>,
    /// When revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// Stores a new key.
pub fn insert(conn: &mut DbConnection, record: &ApiKeyRecord) -> Result<(), StoreError> {
    diesel::insert_into(api_keys::table).values(record).execute(conn)?;
    Ok(())
}

/// A usable key with `prefix` and its creator: not revoked, not expired at
/// `now`. The caller compares the secret's hash.
pub fn find_usable(
    conn: &mut DbConnection,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<Option<(ApiKeyRecord, AdminRecord)>, StoreError> {
    api_keys::table
        .inner_join(admins::table)
        .filter(api_keys::prefix.eq(prefix))
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now.naive_utc())))
        .select((ApiKeyRecord::as_select(), AdminRecord::as_select()))
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Records that a key was used at `now`, at most once a minute per key, so
/// that busy integrations do not write on every request.
pub fn touch(conn: &mut DbConnection, msp_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let stale = (now - TimeDelta::minutes(1)).naive_utc();
    diesel::update(
        api_keys::table
            .filter(api_keys::msp_id.eq(msp_id))
            .filter(api_keys::id.eq(id))
            .filter(api_keys::last_used_at.is_null().or(api_keys::last_used_at.lt(stale))),
    )
    .set(api_keys::last_used_at.eq(now.naive_utc()))
    .execute(conn)?;
    Ok(())
}

/// Finds a key of `msp_id` that was not revoked (revoked keys stay stored for
/// the audit log, but are gone for the API).
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
    api_keys::table
        .filter(api_keys::msp_id.eq(msp_id))
        .filter(api_keys::id.eq(id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Up to `limit` unrevoked keys of `msp_id` in creation order, after id `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ApiKeyRecord>, StoreError> {
    let mut query = api_keys::table
        .filter(api_keys::msp_id.eq(msp_id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRecord::as_select())
        .order(api_keys::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_keys::id.gt(after.to_owned()));
    }
    query.load(conn).map_err(StoreError::from)
}

/// Revokes a key of `msp_id`; false when there is no such key or it was
/// already revoked.
pub fn revoke(conn: &mut DbConnection, msp_id: &str, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let revoked = diesel::update(
        api_keys::table
            .filter(api_keys::msp_id.eq(msp_id))
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now.naive_utc()))
    .execute(conn)?;
    Ok(revoked == 1)
}
