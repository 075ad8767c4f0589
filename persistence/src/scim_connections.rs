//! Each customer's SCIM credential and what its provisioning status shows.
//! Only a SHA-256 of the token is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::scim_connections;
use crate::{DbConnection, StoreError};

/// A customer's SCIM connection as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scim_connections)]
pub struct ScimConnectionRecord {
    /// The customer (primary key).
    pub customer_id: String,
    /// The MSP.
    pub msp_id: String,
    /// The token's public start, to tell tokens apart.
    pub token_prefix: String,
    /// Hex SHA-256 of the whole token.
    pub token_hash: String,
    /// When the token was made (UTC).
    pub token_created_at: NaiveDateTime,
    /// Who made it (the audit log's actor label).
    pub token_created_by: String,
    /// When a SCIM request last succeeded.
    pub last_success_at: Option<NaiveDateTime>,
    /// When a SCIM request last failed.
    pub last_failure_at: Option<NaiveDateTime>,
    /// Its HTTP status.
    pub last_failure_status: Option<i32>,
    /// Its error, as the identity provider was told.
    pub last_failure_detail: Option<String>,
    /// Accounts SCIM created.
    pub accounts_created: i64,
    /// Accounts SCIM changed (other than deactivations).
    pub accounts_updated: i64,
    /// Accounts SCIM deactivated.
    pub accounts_deactivated: i64,
    /// Accounts SCIM deleted.
    pub accounts_deleted: i64,
}

/// The connection of the MSP's customer, if it has one.
pub fn find(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
) -> Result<Option<ScimConnectionRecord>, StoreError> {
    scim_connections::table
        .filter(scim_connections::msp_id.eq(msp_id))
        .filter(scim_connections::customer_id.eq(customer_id))
        .select(ScimConnectionRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The connection of a customer, whichever MSP's, for authenticating a SCIM
/// request to that customer's base URL.
pub fn of_customer(conn: &mut DbConnection, customer_id: &str) -> Result<Option<ScimConnectionRecord>, StoreError> {
    scim_connections::table
        .find(customer_id)
        .select(ScimConnectionRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Stores a new token for the customer, replacing the one it had (which stops
/// working at once); the status and counts stay.
pub fn put_token(conn: &mut DbConnection, record: &ScimConnectionRecord) -> Result<(), StoreError> {
    let updated = diesel::update(scim_connections::table.find(&record.customer_id))
        .set((
            scim_connections::token_prefix.eq(&record.token_prefix),
            scim_connections::token_hash.eq(&record.token_hash),
            scim_connections::token_created_at.eq(record.token_created_at),
            scim_connections::token_created_by.eq(&record.token_created_by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(scim_connections::table).values(record).execute(conn)?;
    }
    Ok(())
}

/// What one SCIM request did to accounts, for the counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountCounts {
    /// Accounts created.
    pub created: i64,
    /// Accounts changed other than by deactivation.
    pub updated: i64,
    /// Accounts deactivated.
    pub deactivated: i64,
    /// Accounts deleted.
    pub deleted: i64,
}

/// Adds to the customer's counts, in the transaction of the change.
pub fn count(conn: &mut DbConnection, customer_id: &str, counts: AccountCounts) -> Result<(), StoreError> {
    if counts == AccountCounts::default() {
        return Ok(());
    }
    diesel::update(scim_connections::table.find(customer_id))
        .set((
            scim_connections::accounts_created.eq(scim_connections::accounts_created + counts.created),
            scim_connections::accounts_updated.eq(scim_connections::accounts_updated + counts.updated),
            scim_connections::accounts_deactivated.eq(scim_connections::accounts_deactivated + counts.deactivated),
            scim_connections::accounts_deleted.eq(scim_connections::accounts_deleted + counts.deleted),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that an authenticated SCIM request succeeded at `at`.
pub fn record_success(conn: &mut DbConnection, customer_id: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(scim_connections::table.find(customer_id))
        .set(scim_connections::last_success_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Records that an authenticated SCIM request failed at `at`, with the
/// status and error the identity provider was sent.
pub fn record_failure(
    conn: &mut DbConnection,
    customer_id: &str,
    at: NaiveDateTime,
    status: i32,
    detail: &str,
) -> Result<(), StoreError> {
    diesel::update(scim_connections::table.find(customer_id))
        .set((
            scim_connections::last_failure_at.eq(at),
            scim_connections::last_failure_status.eq(status),
            scim_connections::last_failure_detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}
