//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Probe answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeStatus {
    /// `ok` or `ready`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is alive.
///
/// A liveness probe that needs no credentials: it answers 200 with `status` `ok` without touching
/// the database.
#[utoipa::path(
    get, path = "/healthz", tag = "health", operation_id = "healthz",
    responses((status = 200, description = "The process is alive.", body = ProbeStatus))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(ProbeStatus { status: "ok" })
}

/// The database answers and every migration is applied.
///
/// A readiness probe that needs no credentials: 200 with `status` `ready`, or 503
/// `service_unavailable` (with `Retry-After`) when the database can't be reached or migrations are
/// pending.
#[utoipa::path(
    get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready to serve.", body = ProbeStatus),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pending = db::run(&state.pool, |conn| {
        persistence::database::ping(conn)?;
        Ok(persistence::migrations::has_pending(conn)?)
    })
    .await
    .map_err(|e| match e {
        ApiError::Unavailable(cause) | ApiError::Internal(cause) => ApiError::Unavailable(cause),
        other => other,
    })?;
    if pending {
        return Err(ApiError::Unavailable("database migrations are pending".into()));
    }
    Ok(HttpResponse::Ok().json(ProbeStatus { status: "ready" }))
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_healthz, healthz);
    ops.add(__path_readyz, readyz);
}
