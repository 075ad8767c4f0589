//! Requests to the platform operator for more seats, from the MSP's side.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::seat_expansion::check_requested_seats;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page};
use crate::resources::seat_expansion::SeatExpansionRequest;
use crate::services::seat_expansion;
use crate::state::AppState;

/// A new request for more seats.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSeatExpansionRequest {
    /// Seats to add to the pool, 1-1000000.
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 1, maximum = 1_000_000, example = 100)]
    pub seats: i64,
    /// Why, for the operator (up to 1000 characters; `null` for none).
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000, example = "Three new customers signing next month")]
    pub reason: Option<String>,
}

/// Asks the platform operator for more seats (owners and admins with `purchase_licenses`).
///
/// Approval raises the pool's total. The request is `pending` until the operator approves or
/// rejects it; asking is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/license/pool/expansion-requests", tag = "licenses",
    operation_id = "createSeatExpansionRequest",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = CreateSeatExpansionRequest, example = json!({"seats": 100, "reason": "Three new customers"})),
    responses(
        (status = 201, description = "Requested; pending.", body = SeatExpansionRequest),
    )
)]
pub async fn create_seat_expansion_request(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateSeatExpansionRequest>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageLicenses)?.to_owned();
    let mut errors = FieldErrors::default();
    let seats = errors.check("/seats", check_requested_seats(body.0.seats));
    let reason = body.0.reason.unwrap_or_default().trim().to_owned();
    let seats = errors.finish(seats)?;
    let at = state.now();
    let created =
        db::write(&state.pool, move |tx| seat_expansion::request(tx, &caller, &msp_id, seats, &reason, at)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, "/api/v1/license/pool/expansion-requests".to_owned()))
        .json(created))
}

/// Lists your MSP's requests for more seats, oldest first.
///
/// Each request has its status (`pending`, `approved` or `rejected`) and, once decided, who decided
/// and their note. Pages hold 1-200 requests (default 50); follow `next_cursor` or the `Link`
/// header.
#[utoipa::path(
    get, path = "/api/v1/license/pool/expansion-requests", tag = "licenses",
    operation_id = "listSeatExpansionRequests",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of requests.", body = Page<SeatExpansionRequest>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_seat_expansion_requests(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadLicenses)?.to_owned();
    let (size, after) = params.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(persistence::seat_expansion::list(conn, Some(&msp_id), None, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page("/api/v1/license/pool/expansion-requests", size, rows, |r| &r.id);
    let items = page.items.into_iter().map(SeatExpansionRequest::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
