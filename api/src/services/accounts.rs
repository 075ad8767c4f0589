//! Use cases of accounts shared by the accounts API, the import and SCIM:
//! status changes under the activation limits, and what a refusal means.

use chrono::NaiveDateTime;
use domain::accounts::{AccountStatus, ActivationRefusal};
use persistence::accounts::{self, AccountRecord, Organization, StatusBatch};
use persistence::{DbConnection, StoreError, customers};

use crate::error::ApiError;
use crate::problems::ProblemCode;

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
