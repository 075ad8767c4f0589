//! The MSP's seat pool.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::seats::WarningThreshold;
use persistence::seat_pool;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::resources::seat_pool::SeatPoolSummary;
use crate::state::AppState;
use crate::{db, services};

/// Settings of the seat pool that your MSP chooses.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSeatPool {
    /// Utilisation (percent, 1-100) at which the pool warns; 90 by default.
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 1, maximum = 100, example = 85)]
    pub warning_threshold_percent: i64,
}

/// Reads your MSP's seat pool: total, allocated, available, renewal date,
/// utilisation and warning level.
///
/// `warning_level` is `warning` once utilisation reaches your threshold and `exhausted` when no
/// seat is left. The total and renewal date are set by the platform operator; the answer also gives
/// your number of customers against `max_organizations`.
#[utoipa::path(
    get, path = "/api/v1/license/pool", tag = "licenses", operation_id = "getSeatPool",
    security(("bearer_auth" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The pool.", body = SeatPoolSummary),
    )
)]
pub async fn get_seat_pool(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadLicenses)?.to_owned();
    let pool = db::run(&state.pool, move |conn| seat_pool::read(conn, &msp_id)?.ok_or(ApiError::NotFound)).await?;
    Ok(HttpResponse::Ok().json(SeatPoolSummary::of(&pool)))
}

/// Sets the utilisation at which your pool warns (owners and admins with
/// `purchase_licenses`).
///
/// Only `warning_threshold_percent` (1-100) changes here; the total is the platform operator's. The
/// answer is the whole pool, and the change is recorded in the audit log.
#[utoipa::path(
    patch, path = "/api/v1/license/pool", tag = "licenses", operation_id = "updateSeatPool",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = UpdateSeatPool, example = json!({"warning_threshold_percent": 85})),
    responses(
        (status = 200, description = "The pool.", body = SeatPoolSummary),
    )
)]
pub async fn update_seat_pool(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<UpdateSeatPool>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageLicenses)?.to_owned();
    let threshold = WarningThreshold::new(body.0.warning_threshold_percent)
        .map_err(|e| ApiError::invalid("/warning_threshold_percent", e))?;
    let at = state.now();
    let summary = db::write(&state.pool, move |tx| {
        services::seat_pool::set_warning_threshold(tx, &caller, &msp_id, threshold, at)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
