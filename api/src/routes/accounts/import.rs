//! Bulk import of a customer's accounts from CSV: every row is checked on its
//! own and either applied whole or rejected with its reason; the file is
//! applied in one transaction, and sending it again changes nothing.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{PayloadTooLarge, UnprocessableEntity, UnsupportedMediaType};
use crate::pagination::path_id;
use crate::problems::ProblemCode;
use crate::resources::account_import::ImportReport;
use crate::services::account_import::{self, MAX_BYTES};
use crate::state::AppState;

/// Imports accounts from a CSV file (`text/csv`, UTF-8, RFC 4180, at most
/// 10 MiB and 50,000 rows).
///
/// The header row names the columns: `email` (required), `display_name`,
/// `department`, `external_id`, `status` (`active` or `inactive`), in any
/// order. A row whose address the customer has updates that account; any
/// other row creates one (`active` unless its `status` says otherwise). A
/// column left out of the file leaves that field alone; an empty cell clears
/// it (an empty `status` leaves the status alone).
///
/// Each row is checked on its own: a row that is invalid, repeats an address
/// of an earlier row, or would pass an activation limit (seats, max MAU
/// threshold, max global users) is rejected with its reason and changes
/// nothing; every other row is applied whole. Sending the same file again
/// reports every row `unchanged`. A header that cannot be used is a 422 and
/// nothing is applied.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/import", tag = "accounts", operation_id = "importAccounts",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = String, content_type = "text/csv",
        example = "email,display_name,department,status\r\nann.lee@acme.example,Ann Lee,Finance,active\r\nbo.chen@acme.example,Bo Chen,Sales,inactive\r\n"),
    responses(
        (status = 200, description = "What happened to each row.", body = ImportReport),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
    )
)]
pub async fn import_accounts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    if crate::json::content_type(&req).as_deref() != Some("text/csv") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = crate::json::read_body(&mut payload, MAX_BYTES, |e| ApiError::BadRequest {
        code: ProblemCode::UnreadableBody,
        detail: format!("the body could not be read ({e})"),
    })
    .await?;
    let at = state.now();
    let report =
        db::run(&state.pool, move |conn| account_import::import(conn, &caller, &msp_id, &customer_id, &body, at))
            .await?;
    Ok(HttpResponse::Ok().json(report))
}
