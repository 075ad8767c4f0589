//! Use cases of accounts shared by the accounts API, the import and SCIM:
//! status changes under the activation limits, and what a refusal means.

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::accounts::{AccountEmail, AccountStatus, ActivationRefusal, NewAccount, ProfileChanges};
use domain::audit::AuditAction;
use persistence::accounts::{self, AccountRecord, Organization, StatusBatch};
use persistence::{DbConnection, StoreError, customers};

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::resources::accounts::Account;

/// The activation limit an account ran into, as a 409 naming it.
pub(crate) fn refused(refusal: ActivationRefusal) -> ApiError {
    ApiError::Conflict { code: refusal.into(), detail: format!("{refusal}.") }
}

/// Maps a write that hit the one unique key accounts have.
pub(crate) fn email_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::UniqueViolation(_) => ApiError::Conflict {
            code: ProblemCode::AccountEmailTaken,
            detail: "The customer already has an account with this e-mail address.".to_owned(),
        },
        other => other.into(),
    }
}

/// The customer's domains, or 404 when it is not the MSP's.
pub(crate) fn customer_domains(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(customers::find(conn, msp_id, customer_id)?.ok_or(ApiError::NotFound)?.domains)
}

/// Moves one account to `to` under the organisation's locks, checking the
/// activation limits; the account as it is afterwards.
pub(crate) fn set_status(
    tx: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    account_id: &str,
    to: AccountStatus,
    changed_by: &str,
    at: NaiveDateTime,
) -> Result<(AccountRecord, AccountRecord), ApiError> {
    let mut budget = accounts::lock_budget(tx, msp_id, organization, at)?.ok_or(ApiError::NotFound)?;
    let current = accounts::find(tx, msp_id, organization, account_id)?.ok_or(ApiError::NotFound)?;
    let mut batch = StatusBatch::new(msp_id, organization, changed_by);
    let month = domain::maa::Month::of(at.max(current.status_changed_at));
    budget.change(Some(current.account_status()), to, current.last_active(), month).map_err(refused)?;
    let changed = batch.change(tx, &current, to, at)?;
    batch.finish(tx)?;
    Ok((current, changed))
}

/// Creates an account of a customer under the activation limits (locked in
/// this transaction), records its first status and audits it.
pub(crate) fn create_account(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    new: &NewAccount,
    at: DateTime<Utc>,
) -> Result<Account, ApiError> {
    let organization = Organization::Customer(customer_id);
    let mut budget = accounts::lock_budget(tx, msp_id, organization, at.naive_utc())?.ok_or(ApiError::NotFound)?;
    budget.change(None, new.status, None, domain::maa::Month::of(at.naive_utc())).map_err(refused)?;
    let mut batch = StatusBatch::new(msp_id, organization, &caller.actor.label);
    let record = batch.create(new, at.naive_utc());
    accounts::insert_all(tx, std::slice::from_ref(&record), &caller.actor.label).map_err(email_taken)?;
    batch.finish(tx)?;
    let created = Account::from(record);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::AccountCreated, &created.id, at).after(&created))?;
    Ok(created)
}

/// Changes an account's address or descriptive fields; a change that
/// changes nothing writes nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) fn update_account(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    account_id: &str,
    email: Option<&AccountEmail>,
    changes: &ProfileChanges,
    at: DateTime<Utc>,
) -> Result<Account, ApiError> {
    let current =
        accounts::find(tx, msp_id, Organization::Customer(customer_id), account_id)?.ok_or(ApiError::NotFound)?;
    let Some(mut changed) = current.with_profile(email, changes) else {
        return Ok(Account::from(current));
    };
    changed.updated_at = at.naive_utc();
    accounts::write_profile(tx, &changed, at.naive_utc()).map_err(email_taken)?;
    let (before, after) = (Account::from(current), Account::from(changed));
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::AccountUpdated, &after.id, at).before(&before).after(&after),
    )?;
    Ok(after)
}

/// Deletes an account: deactivated first (its seat freed, its months still
/// counted), then gone from the API.
pub(crate) fn delete_account(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let organization = Organization::Customer(customer_id);
    let (before, after) =
        set_status(tx, msp_id, organization, account_id, AccountStatus::Inactive, &caller.actor.label, at.naive_utc())?;
    accounts::mark_deleted(tx, &after.id, at.naive_utc())?;
    let before = Account::from(before);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::AccountDeleted, &before.id, at).before(&before))?;
    Ok(())
}

/// Activates or deactivates account `account_id` of customer `customer_id`
/// (see [`set_status`]) and audits it when its status changed.
pub(crate) fn change_status(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    account_id: &str,
    to: AccountStatus,
    at: DateTime<Utc>,
) -> Result<Account, ApiError> {
    let organization = Organization::Customer(customer_id);
    let (before, after) = set_status(tx, msp_id, organization, account_id, to, &caller.actor.label, at.naive_utc())?;
    let (before, after) = (Account::from(before), Account::from(after));
    if before.status != after.status {
        let action = AuditAction::account_status_changed(to);
        caller.record(tx, AuditEvent::new(msp_id, action, &after.id, at).before(&before).after(&after))?;
    }
    Ok(after)
}
