//! Erasing an end user's personal data (GDPR Article 17).

use actix_web::{HttpResponse, web};
use domain::access::Action;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::pagination::path_id;
use crate::services::erasure::{self, ErasedAccount};
use crate::state::AppState;

/// Erases an end user's personal data.
///
/// For an inactive (or deleted) account — an active one is a 409 `account_still_active`: deactivate
/// it first. Its address becomes a stable, undeliverable pseudonym; its name, external id and SCIM
/// attributes are removed; so are its address and name in every campaign result, the source
/// addresses and user agents of its tracking events, its address and name in the audit log's
/// documents, and answers kept for retried requests that hold them. Counts, rates, campaign totals
/// and MAA stay as they were. Erasing again changes nothing more. Audited, without the data erased.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/erase", tag = "accounts",
    operation_id = "eraseAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "What is left of the account.", body = ErasedAccount),
        (status = 409, response = Conflict),
    )
)]
pub async fn erase_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let at = state.now();
    let erased =
        db::write(&state.pool, move |tx| erasure::erase(tx, &caller, &msp_id, &customer_id, &account_id, at)).await?;
    Ok(HttpResponse::Ok().json(erased))
}
