//! Activating and deactivating an account, and its status history.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::accounts::AccountStatus;
use persistence::accounts::{self, Organization, StatusChangeRecord};
use serde::Serialize;
use utoipa::ToSchema;

use super::collection_path;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::pagination::{Page, PageParams, cut_page_with, encode_cursor, path_id};
use crate::resources::accounts::{Account, status_schema};
use crate::services::accounts as accounts_service;
use crate::state::AppState;

/// One kept change of an account's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChange {
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// When (UTC).
    pub changed_at: DateTime<Utc>,
    /// Who made it: an admin's e-mail, an API key, or the import.
    #[schema(example = "owner@msp.example")]
    pub changed_by: String,
}

impl From<StatusChangeRecord> for StatusChange {
    fn from(record: StatusChangeRecord) -> Self {
        Self {
            status: record.status.as_str().to_owned(),
            changed_at: record.changed_at.and_utc(),
            changed_by: record.changed_by,
        }
    }
}

pub(crate) async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    to: AccountStatus,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let at = state.now();
    let changed = db::write(&state.pool, move |tx| {
        accounts_service::change_status(tx, &caller, &msp_id, &customer_id, &account_id, to, at)
    })
    .await?;
    Ok(HttpResponse::Ok().json(changed))
}

/// Activates an account.
///
/// It takes one of the customer's seats and counts in this month's MAA. Refused with a 409 naming
/// the limit when the customer has no seat left (`account_seat_limit_reached`), when its MAA this
/// month has reached its max MAU threshold and the account has not counted this month yet
/// (`max_mau_reached`), or when the MSP has reached its max global users
/// (`global_user_limit_reached`). Activating an active account changes nothing; a change of status
/// is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/activate", tag = "accounts",
    operation_id = "activateAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "The account, active.", body = Account),
        (status = 409, response = Conflict),
    )
)]
pub async fn activate_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, AccountStatus::Active).await
}

/// Deactivates an account.
///
/// Its seat is free at once; it still counts in the MAA of this month, in which it was active.
/// Deactivating an inactive account changes nothing; a change of status is recorded in the audit
/// log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/deactivate", tag = "accounts",
    operation_id = "deactivateAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "The account, inactive.", body = Account),
    )
)]
pub async fn deactivate_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, AccountStatus::Inactive).await
}

/// The account's status changes, oldest first: the first is its creation.
///
/// Each change gives the new status, when it was made and who made it (an admin's e-mail, an API
/// key, or the import). Pages hold 1-200 changes (default 50); follow `next_cursor` or the `Link`
/// header. A deleted account is a 404.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/status-history", tag = "accounts",
    operation_id = "listAccountStatusHistory",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
        PageParams,
    ),
    responses(
        (status = 200, description = "A page of status changes.", body = Page<StatusChange>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_account_status_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadAccounts(&customer_id))?.to_owned();
    let (size, after) = params.read()?;
    let (customer, account) = (customer_id.clone(), account_id.clone());
    let rows = db::run(&state.pool, move |conn| {
        accounts::find(conn, &msp_id, Organization::Customer(&customer), &account)?.ok_or(ApiError::NotFound)?;
        Ok(accounts::history(conn, &account, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let path = format!("{}/{account_id}/status-history", collection_path(&customer_id));
    let mut page = cut_page_with(&path, "", size, rows, |change| encode_cursor(&change.id));
    let items = page.items.into_iter().map(StatusChange::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
