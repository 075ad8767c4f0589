//! Use cases of customers, each in the caller's transaction: creating one
//! (an organization slot and its seats from the pool), changing one
//! (lifecycle, readiness of going live, seats) and deleting one (its
//! accounts retired, its seats returned).

use chrono::{DateTime, Utc};
use domain::audit::AuditAction;
use domain::customers::{CustomerChanges, CustomerStatus};
use domain::seats::{SeatChange, SeatCount};
use persistence::customers::{self, CustomerRecord, CustomerWriteError, Locked};
use persistence::seat_pool::{self, Refusal};
use persistence::transactions::write_transaction;

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::customers::Customer;
use crate::versions::stale;

pub(crate) fn write_error(error: CustomerWriteError) -> ApiError {
    match error {
        CustomerWriteError::DomainsTaken(domains) if domains.is_empty() => ApiError::Conflict {
            code: ProblemCode::DomainTaken,
            detail: "One of the domains already belongs to another customer of your MSP.".to_owned(),
        },
        CustomerWriteError::DomainsTaken(domains) => ApiError::Conflict {
            code: ProblemCode::DomainTaken,
            detail: format!("Already used by another customer of your MSP: {}.", domains.join(", ")),
        },
        CustomerWriteError::Store(store) => store.into(),
    }
}

/// The 409 for a limit that refused seats or a new customer.
pub(crate) fn refused(refusal: Refusal, asked: i64) -> ApiError {
    match refusal {
        Refusal::OrganizationLimit { max_organizations } => ApiError::Conflict {
            code: ProblemCode::OrganizationLimitReached,
            detail: format!(
                "Your MSP has reached its limit of {max_organizations} customer organizations; ask the platform \
                 operator to raise it, or delete a customer you no longer serve."
            ),
        },
        Refusal::SeatsUnavailable { available } => ApiError::Conflict {
            code: ProblemCode::SeatsUnavailable,
            detail: format!(
                "Your seat pool has {available} seats available; this change needs {asked}. Lower another \
                 customer's seats or request a pool expansion."
            ),
        },
    }
}

/// Changes a customer (see [`change_customer`]) in a transaction of its
/// own; no change at all (`{}`) reads the customer and bumps no version.
pub(crate) fn update_customer(
    conn: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    versions: Option<&[i64]>,
    changes: &CustomerChanges,
    at: DateTime<Utc>,
) -> Result<Customer, ApiError> {
    if changes.is_empty() {
        return customers::find(conn, msp_id, id)?.map(Customer::from).ok_or(ApiError::NotFound);
    }
    write_transaction(conn, |tx| change_customer(tx, caller, msp_id, id, versions, changes, at))
}

/// Changes a customer in the caller's transaction: locks it (checking
/// `versions` from `If-Match`), checks the lifecycle, the readiness of going
/// live and the seats, applies, audits, and draws the seats from the pool.
pub(crate) fn change_customer(
    tx: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    versions: Option<&[i64]>,
    changes: &CustomerChanges,
    at: DateTime<Utc>,
) -> Result<Customer, ApiError> {
    let current = match customers::lock(tx, msp_id, id, versions, at)? {
        Locked::Customer(current) => current,
        Locked::Stale { current_version } => return Err(stale(current_version)),
        Locked::NotFound => return Err(ApiError::NotFound),
    };
    let before = Customer::from(current.clone());
    check_status_change(&current, changes)?;
    if changes.status == Some(CustomerStatus::Live) && current.status != CustomerStatus::Live {
        crate::services::onboarding::ensure_ready(tx, &current)?;
    }
    let seat_change = changes.seats.map(|to| check_seat_change(tx, msp_id, &current, to)).transpose()?;
    let after =
        Customer::from(customers::apply(tx, msp_id, &current, changes, &caller.actor.label, at).map_err(write_error)?);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerUpdated, id, at).before(&before).after(&after))?;
    // Last, so that the MSP's row stays locked only until commit.
    if let Some(change) = seat_change.filter(|c| c.drawn() != 0) {
        seat_pool::draw(tx, msp_id, change.drawn())?.map_err(|refusal| refused(refusal, change.drawn()))?;
    }
    Ok(after)
}

pub(crate) fn check_status_change(current: &CustomerRecord, changes: &CustomerChanges) -> Result<(), ApiError> {
    let Some(to) = changes.status else { return Ok(()) };
    let from = current.status;
    from.change_to(to).map(|_| ()).map_err(|refusal| ApiError::Conflict {
        code: ProblemCode::InvalidStatusTransition,
        detail: format!("{refusal}."),
    })
}

/// Checks a change of a locked customer's seats to `to` against its active
/// users; the pool is asked afterwards, in one conditional statement.
pub(crate) fn check_seat_change(
    tx: &mut persistence::DbConnection,
    msp_id: &str,
    current: &CustomerRecord,
    to: SeatCount,
) -> Result<SeatChange, ApiError> {
    let from = SeatCount::new(current.seats).map_err(ApiError::internal)?;
    let active = seat_pool::active_users(tx, msp_id, std::slice::from_ref(&current.id))?;
    let active_users = active.get(&current.id).copied().unwrap_or(0);
    SeatChange::check(from, to, active_users).map_err(|refusal| ApiError::Conflict {
        code: ProblemCode::SeatsBelowActiveUsers,
        detail: format!("{refusal}."),
    })
}

/// Creates a customer of `msp_id` in `onboarding`, audits it, and claims an
/// organization slot and its seats from the pool.
pub(crate) fn create_customer(
    tx: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    new: &domain::customers::NewCustomer,
    at: DateTime<Utc>,
) -> Result<Customer, ApiError> {
    let created = Customer::from(customers::insert(tx, msp_id, new, &caller.actor.label, at).map_err(write_error)?);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerCreated, &created.id, at).after(&created))?;
    // Last, so that the MSP's row — which every creation and seat
    // change of the MSP waits for — stays locked only until commit.
    let seats = new.seats.get();
    seat_pool::claim_customer_slot(tx, msp_id, seats)?.map_err(|refusal| refused(refusal, seats))?;
    Ok(created)
}

/// Deletes a customer (checking `versions` from `If-Match`): its accounts are
/// retired (their months stay counted), its seats return to the pool.
pub(crate) fn delete_customer(
    tx: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    versions: Option<&[i64]>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let current = match customers::lock(tx, msp_id, id, versions, at)? {
        Locked::Customer(current) => current,
        Locked::Stale { current_version } => return Err(stale(current_version)),
        Locked::NotFound => return Err(ApiError::NotFound),
    };
    persistence::accounts::retire_customer(tx, msp_id, id, at.naive_utc())?;
    customers::delete(tx, msp_id, id)?;
    seat_pool::release_customer_slot(tx, msp_id, current.seats)?;
    let before = Customer::from(current);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::CustomerDeleted, id, at).before(&before))?;
    Ok(())
}
