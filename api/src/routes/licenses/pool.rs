//! The MSP's seat pool.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use domain::access::Action;
use domain::audit::AuditAction;
use domain::seats::{SeatPool, WarningThreshold};
use persistence::seat_pool::{self, PoolRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{AuditEvent, Caller};
use crate::db;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::{AppState, now};

/// The seat pool of your MSP.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatPoolSummary {
    /// Seats bought (set by the platform operator).
    #[schema(example = 500)]
    pub total_seats: i64,
    /// Seats allocated to customers.
    #[schema(example = 455)]
    pub allocated_seats: i64,
    /// Seats left to allocate.
    #[schema(example = 45)]
    pub available_seats: i64,
    /// When the pool renews, if known.
    #[schema(format = Date, example = "2027-01-01")]
    pub renewal_date: Option<NaiveDate>,
    /// Allocated seats as a percentage of the total, rounded down to one decimal.
    #[schema(example = 91.0)]
    pub utilisation_percent: f64,
    /// Utilisation at which `warning_level` becomes `warning`.
    #[schema(example = 90)]
    pub warning_threshold_percent: i64,
    /// `none`, `warning` (utilisation at or above the threshold) or `exhausted` (no seat left).
    #[schema(example = "warning")]
    pub warning_level: &'static str,
    /// Customers of your MSP.
    #[schema(example = 42)]
    pub customer_count: i64,
    /// Most customers your MSP may have.
    #[schema(example = 100)]
    pub max_organizations: i64,
}

impl SeatPoolSummary {
    fn of(record: &PoolRecord) -> Self {
        let pool = SeatPool { total: record.seat_pool_total, allocated: record.seat_pool_allocated };
        let threshold = WarningThreshold::from_stored(record.seat_pool_warning_percent);
        Self {
            total_seats: pool.total,
            allocated_seats: pool.allocated,
            available_seats: pool.available(),
            renewal_date: record.seat_pool_renewal_date,
            utilisation_percent: pool.utilisation_percent(),
            warning_threshold_percent: threshold.percent(),
            warning_level: pool.warning(threshold).as_str(),
            customer_count: record.customer_count,
            max_organizations: record.max_organizations,
        }
    }
}

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
    let at = now();
    let summary = db::write(&state.pool, move |tx| {
        let before = seat_pool::read(tx, &msp_id)?.map(|p| SeatPoolSummary::of(&p)).ok_or(ApiError::NotFound)?;
        seat_pool::set_warning_percent(tx, &msp_id, threshold.percent())?;
        let after = seat_pool::read(tx, &msp_id)?.map(|p| SeatPoolSummary::of(&p)).ok_or(ApiError::NotFound)?;
        caller.record(
            tx,
            AuditEvent::new(&msp_id, AuditAction::SeatPoolUpdated, &msp_id, at).before(&before).after(&after),
        )?;
        Ok(after)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
