//! Requests for more seats, from the platform operator's side: every MSP's,
//! approved or rejected.

use actix_web::{HttpResponse, web};
use domain::seat_expansion::ExpansionStatus;
use persistence::seat_expansion::{self};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::Conflict;
use crate::error::{ApiError, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, link_query, path_id};
use crate::resources::seat_expansion::SeatExpansionRequest;
use crate::state::AppState;

/// `?status=&limit=&cursor=` of the operator's list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperatorExpansionParams {
    /// Only requests in this status (`pending`, `approved`, `rejected`).
    #[param(example = "pending")]
    pub status: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists every MSP's requests for more seats, oldest first (operators).
///
/// Platform operators only. Filter with `status` (`pending`, `approved` or `rejected`); any other
/// value is a 400. Pages hold 1-200 requests (default 50); follow `next_cursor` or the `Link`
/// header, which keeps the filter.
#[utoipa::path(
    get, path = "/api/v1/platform/seat-expansion-requests", tag = "platform",
    operation_id = "listAllSeatExpansionRequests",
    security(("bearer_auth" = [])),
    params(OperatorExpansionParams),
    responses(
        (status = 200, description = "A page of requests.", body = Page<SeatExpansionRequest>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_all_seat_expansion_requests(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<OperatorExpansionParams>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let status = params
        .status
        .as_deref()
        .map(|s| {
            s.trim()
                .parse::<ExpansionStatus>()
                .map_err(|e| ApiError::InvalidParameters(vec![InvalidField::parameter("status", e)]))
        })
        .transpose()?;
    let (size, after) = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(seat_expansion::list(conn, None, status, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[("status", status.map(ExpansionStatus::as_str))]);
    let mut page =
        crate::pagination::cut_page_with("/api/v1/platform/seat-expansion-requests", &query, size, rows, |r| {
            crate::pagination::encode_cursor(&r.id)
        });
    let items = page.items.into_iter().map(SeatExpansionRequest::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// An operator's decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideSeatExpansion {
    /// A note for the MSP (up to 1000 characters; `null` for none).
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000, example = "Approved for the Q1 rollout")]
    pub note: Option<String>,
}

/// Approves a request: the MSP's pool total grows by the seats asked for.
///
/// Approving an approved request again changes nothing; deciding a decided one otherwise is a 409
/// `already_decided`, as is losing a race with another decision. Platform operators only; the
/// decision is recorded in the MSP's audit log.
#[utoipa::path(
    post, path = "/api/v1/platform/seat-expansion-requests/{request_id}/approve", tag = "platform",
    operation_id = "approveSeatExpansionRequest",
    security(("bearer_auth" = [])),
    params(("request_id" = uuid::Uuid, Path, description = "Request id.")),
    request_body(content = DecideSeatExpansion, example = json!({"note": "Approved for the Q1 rollout"})),
    responses(
        (status = 200, description = "The decided request.", body = SeatExpansionRequest),
        (status = 409, response = Conflict),
    )
)]
pub async fn approve_seat_expansion_request(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<DecideSeatExpansion>,
) -> Result<HttpResponse, ApiError> {
    decide(state, caller, path, body.0, ExpansionStatus::Approved).await
}

/// Rejects a request; the pool stays as it is.
///
/// Platform operators only. Rejecting a rejected request again changes nothing; rejecting an
/// approved one is a 409 `already_decided`. The decision, with its optional `note`, is recorded in
/// the MSP's audit log.
#[utoipa::path(
    post, path = "/api/v1/platform/seat-expansion-requests/{request_id}/reject", tag = "platform",
    operation_id = "rejectSeatExpansionRequest",
    security(("bearer_auth" = [])),
    params(("request_id" = uuid::Uuid, Path, description = "Request id.")),
    request_body(content = DecideSeatExpansion, example = json!({"note": "Please buy a larger plan"})),
    responses(
        (status = 200, description = "The decided request.", body = SeatExpansionRequest),
        (status = 409, response = Conflict),
    )
)]
pub async fn reject_seat_expansion_request(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<DecideSeatExpansion>,
) -> Result<HttpResponse, ApiError> {
    decide(state, caller, path, body.0, ExpansionStatus::Rejected).await
}

/// Decides the request at `path` as `decision`, with the operator's note.
async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: DecideSeatExpansion,
    decision: ExpansionStatus,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let id = path_id(&path)?;
    let note = body.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let at = state.now();
    let decided = db::write(&state.pool, move |tx| {
        crate::services::seat_expansion::decide(tx, &caller, &id, note.clone(), decision, at)
    })
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}
