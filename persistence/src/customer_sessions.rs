//! Customer sessions: an admin acting inside one customer ("log in as").

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::admins::AdminRecord;
use crate::schema::{admins, customer_sessions};
use crate::{DbConnection, StoreError};

/// A customer session as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_sessions)]
pub struct CustomerSessionRecord {
    /// Primary key; the `sid` of its tokens.
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// The only customer reachable with it.
    pub customer_id: String,
    /// The admin who started it.
    pub admin_id: String,
    /// When started (UTC).
    pub created_at: NaiveDateTime,
    /// When it ends by itself (UTC).
    pub expires_at: NaiveDateTime,
    /// When ended early (sign-out).
    pub ended_at: Option<NaiveDateTime>,
}

/// Stores a new session.
pub fn insert(conn: &mut DbConnection, record: &CustomerSessionRecord) -> Result<(), StoreError> {
    diesel::insert_into(customer_sessions::table).values(record).execute(conn)?;
    Ok(())
}

/// The session and the admin behind it, if the session is still running at
/// `now`.
pub fn find_active(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(CustomerSessionRecord, AdminRecord)>, StoreError> {
    customer_sessions::table
        .inner_join(admins::table)
        .filter(customer_sessions::msp_id.eq(msp_id))
        .filter(customer_sessions::id.eq(id))
        .filter(customer_sessions::ended_at.is_null())
        .filter(customer_sessions::expires_at.gt(now.naive_utc()))
        .select((CustomerSessionRecord::as_select(), AdminRecord::as_select()))
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Ends a session early.
pub fn end(conn: &mut DbConnection, msp_id: &str, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let ended = diesel::update(
        customer_sessions::table
            .filter(customer_sessions::msp_id.eq(msp_id))
            .filter(customer_sessions::id.eq(id))
            .filter(customer_sessions::ended_at.is_null()),
    )
    .set(customer_sessions::ended_at.eq(now.naive_utc()))
    .execute(conn)?;
    Ok(ended == 1)
}
