//! Requests for more seats: the MSP asks, the platform operator decides.

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::seat_expansion::{Decision, ExpansionStatus};
use persistence::DbConnection;
use persistence::seat_expansion::{self};
use persistence::seat_pool::{self};

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::seat_expansion::SeatExpansionRequest;

/// Decides a pending request in the caller's transaction: a decision is
/// final (deciding again the same way changes nothing, the other way is a 409
/// `already_decided`); an approval grows the MSP's pool by the seats asked for.
pub(crate) fn decide(
    tx: &mut DbConnection,
    caller: &Caller,
    id: &str,
    note: Option<String>,
    decision: ExpansionStatus,
    at: DateTime<Utc>,
) -> Result<SeatExpansionRequest, ApiError> {
    let current = seat_expansion::find(tx, None, id)?.ok_or(ApiError::NotFound)?;
    let status = current.status;
    let decided = match decision {
        ExpansionStatus::Approved => AuditAction::SeatExpansionApproved,
        _ => AuditAction::SeatExpansionRejected,
    };
    let before = SeatExpansionRequest::from(current.clone());
    match status.decide(decision) {
        Err(refusal) => {
            return Err(ApiError::Conflict { code: ProblemCode::AlreadyDecided, detail: format!("{refusal}.") });
        }
        Ok(Decision::AlreadyMade) => return Ok(before),
        Ok(Decision::Apply(_)) => {}
    }
    // Conditional on `pending`: of two concurrent decisions one wins.
    if !seat_expansion::decide(tx, id, decision, &caller.actor.label, note.as_deref(), at)? {
        return Err(ApiError::Conflict {
            code: ProblemCode::AlreadyDecided,
            detail: "The request was decided by someone else meanwhile.".to_owned(),
        });
    }
    seat_pool::grow(tx, &current.msp_id, decision.seats_added(current.seats))?;
    let after = SeatExpansionRequest::from(seat_expansion::find(tx, None, id)?.ok_or(ApiError::NotFound)?);
    caller.record(tx, AuditEvent::new(&current.msp_id, decided, id, at).before(&before).after(&after))?;
    Ok(after)
}

/// Records the MSP's request for `seats` more seats, `pending` until the
/// operator decides, and audits it.
pub fn request(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    seats: i64,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<SeatExpansionRequest, ApiError> {
    let created =
        SeatExpansionRequest::from(seat_expansion::insert(tx, msp_id, seats, reason, &caller.actor.label, at)?);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::SeatExpansionRequested, &created.id, at).after(&created))?;
    Ok(created)
}
