//! The audit log. Events are only ever inserted: no function here changes or
//! deletes one (they go only with their MSP).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::audit_events;
use crate::{DbConnection, StoreError};

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRecord {
    /// Primary key (UUIDv7: sorts by time).
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// When the change happened (UTC).
    pub occurred_at: NaiveDateTime,
    /// `admin`, `api_key`, `operator`, `impersonation` or `system`.
    pub actor_type: String,
    /// Id of the admin, key or operator (for impersonation: the admin).
    pub actor_id: String,
    /// E-mail of the person, or prefix and name of the key.
    pub actor_label: String,
    /// For impersonation: the customer acted in.
    pub impersonated_customer_id: Option<String>,
    /// What was done, e.g. `customer.created`.
    pub action: String,
    /// Kind of thing changed, e.g. `customer`.
    pub target_type: String,
    /// Its id.
    pub target_id: String,
    /// JSON of the thing before the change.
    pub before_state: Option<String>,
    /// JSON of the thing after the change.
    pub after_state: Option<String>,
    /// `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// Address of the client.
    pub client_addr: Option<String>,
}

/// Appends an event. Call it in the transaction of the change it records.
pub fn insert(conn: &mut DbConnection, event: &AuditEventRecord) -> Result<(), StoreError> {
    diesel::insert_into(audit_events::table).values(event).execute(conn)?;
    Ok(())
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor type.
    pub actor_type: Option<String>,
    /// Only this actor.
    pub actor_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this target type.
    pub target_type: Option<String>,
    /// Only this target.
    pub target_id: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// Up to `limit` events of `msp_id` matching `filter`, newest first,
/// starting before id `before`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    filter: &AuditFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEventRecord>, StoreError> {
    let mut query = audit_events::table
        .filter(audit_events::msp_id.eq(msp_id))
        .select(AuditEventRecord::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before.to_owned()));
    }
    if let Some(value) = &filter.actor_type {
        query = query.filter(audit_events::actor_type.eq(value.clone()));
    }
    if let Some(value) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(value.clone()));
    }
    if let Some(value) = &filter.action {
        query = query.filter(audit_events::action.eq(value.clone()));
    }
    if let Some(value) = &filter.target_type {
        query = query.filter(audit_events::target_type.eq(value.clone()));
    }
    if let Some(value) = &filter.target_id {
        query = query.filter(audit_events::target_id.eq(value.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from.naive_utc()));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to.naive_utc()));
    }
    query.load(conn).map_err(StoreError::from)
}
