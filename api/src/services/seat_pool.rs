//! The MSP's own setting of its seat pool: the utilisation at which it warns.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::seats::WarningThreshold;
use persistence::DbConnection;
use persistence::seat_pool;

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::resources::seat_pool::SeatPoolSummary;

/// Sets the pool's warning threshold and audits the change; the answer is
/// the whole pool.
pub fn set_warning_threshold(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    threshold: WarningThreshold,
    at: DateTime<Utc>,
) -> Result<SeatPoolSummary, ApiError> {
    let summary = |tx: &mut DbConnection| -> Result<SeatPoolSummary, ApiError> {
        seat_pool::read(tx, msp_id)?.map(|p| SeatPoolSummary::of(&p)).ok_or(ApiError::NotFound)
    };
    let before = summary(tx)?;
    seat_pool::set_warning_percent(tx, msp_id, threshold.percent())?;
    let after = summary(tx)?;
    caller
        .record(tx, AuditEvent::new(msp_id, AuditAction::SeatPoolUpdated, msp_id, at).before(&before).after(&after))?;
    Ok(after)
}
