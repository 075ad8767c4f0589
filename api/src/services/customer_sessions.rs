//! "Log in as": an admin's short-lived session limited to one customer.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::sessions::CUSTOMER_SESSION_TTL;
use persistence::DbConnection;
use persistence::customer_sessions::CustomerSessionRecord;

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;

/// Starts admin `admin_id`'s session in customer `customer_id` of `msp_id`,
/// ending `CUSTOMER_SESSION_TTL` after `at`, and audits it.
pub fn start(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    admin_id: &str,
    customer_id: &str,
    at: DateTime<Utc>,
) -> Result<CustomerSessionRecord, ApiError> {
    if persistence::customers::find(tx, msp_id, customer_id)?.is_none() {
        return Err(ApiError::NotFound);
    }
    let expires_at = at + CUSTOMER_SESSION_TTL;
    let session = CustomerSessionRecord {
        id: persistence::new_id(),
        msp_id: msp_id.to_owned(),
        customer_id: customer_id.to_owned(),
        admin_id: admin_id.to_owned(),
        created_at: at.naive_utc(),
        expires_at: expires_at.naive_utc(),
        ended_at: None,
    };
    persistence::customer_sessions::insert(tx, &session)?;
    let after = serde_json::json!({ "session_id": session.id, "admin_id": session.admin_id, "expires_at": expires_at });
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerSessionStarted, customer_id, at).after(&after))?;
    Ok(session)
}
