//! Requests for more seats in an MSP's pool.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::seat_expansion::ExpansionStatus;

use crate::schema::seat_expansion_requests as requests;
use crate::{DbConnection, StoreError};

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
pub struct ExpansionRecord {
    /// Primary key.
    pub id: String,
    /// The MSP asking.
    pub msp_id: String,
    /// Seats asked for.
    pub seats: i64,
    /// Why, in the MSP's words.
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ExpansionStatus,
    /// Who asked (the audit log's actor label).
    pub requested_by: String,
    /// When.
    pub requested_at: NaiveDateTime,
    /// The operator who decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<NaiveDateTime>,
    /// The operator's note.
    pub decision_note: Option<String>,
}

/// Inserts a pending request.
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    seats: i64,
    reason: &str,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<ExpansionRecord, StoreError> {
    let record = ExpansionRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        seats,
        reason: reason.to_owned(),
        status: ExpansionStatus::Pending,
        requested_by: requested_by.to_owned(),
        requested_at: now.naive_utc(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    diesel::insert_into(requests::table).values(record.clone()).execute(conn)?;
    Ok(record)
}

/// Finds a request; of `msp_id` only when given (operators see all).
pub fn find(conn: &mut DbConnection, msp_id: Option<&str>, id: &str) -> Result<Option<ExpansionRecord>, StoreError> {
    let mut query = requests::table.filter(requests::id.eq(id)).select(ExpansionRecord::as_select()).into_boxed();
    if let Some(msp_id) = msp_id {
        query = query.filter(requests::msp_id.eq(msp_id.to_owned()));
    }
    query.first(conn).optional().map_err(StoreError::from)
}

/// Up to `limit` requests after id `after`, oldest first; of `msp_id` and
/// in `status` when given.
pub fn list(
    conn: &mut DbConnection,
    msp_id: Option<&str>,
    status: Option<ExpansionStatus>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ExpansionRecord>, StoreError> {
    let mut query =
        requests::table.select(ExpansionRecord::as_select()).order(requests::id.asc()).limit(limit).into_boxed();
    if let Some(msp_id) = msp_id {
        query = query.filter(requests::msp_id.eq(msp_id.to_owned()));
    }
    if let Some(status) = status {
        query = query.filter(requests::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(requests::id.gt(after.to_owned()));
    }
    query.load(conn).map_err(StoreError::from)
}

/// Records a decision on a request that is still pending, in one
/// conditional statement: false when it was decided meanwhile.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    decision: ExpansionStatus,
    decided_by: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let decided = diesel::update(requests::table.find(id))
        .filter(requests::status.eq(ExpansionStatus::Pending.as_str()))
        .set((
            requests::status.eq(decision.as_str()),
            requests::decided_by.eq(Some(decided_by)),
            requests::decided_at.eq(Some(now.naive_utc())),
            requests::decision_note.eq(note),
        ))
        .execute(conn)?;
    Ok(decided == 1)
}
