//! "Log in as": an admin starts a short-lived session limited to one customer.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::sessions::CUSTOMER_SESSION_TTL;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::path_id;
use crate::services::customer_sessions;
use crate::state::AppState;

/// A token that reaches one customer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSessionToken {
    /// JWT to send as `Authorization: Bearer <access_token>`; reaches only this customer.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires (15 minutes; not renewable).
    #[schema(example = 900)]
    pub expires_in: i64,
    /// When it expires (UTC).
    pub expires_at: DateTime<Utc>,
    /// The customer it reaches.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// The session's id, as the audit log names it.
    #[schema(format = Uuid)]
    pub session_id: String,
}

/// Starts a session inside one customer ("log in as").
///
/// The token reaches that customer and nothing else of your MSP. The audit log
/// records who started it, and every change made with it names both the admin
/// and the customer (`actor_type` `impersonation`).
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/sessions", tag = "customers", operation_id = "startCustomerSession",
    security(("bearer_auth" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "A token for this customer only.", body = CustomerSessionToken),
    )
)]
pub async fn start_customer_session(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::StartCustomerSession(&id))?.to_owned();
    let admin_id = caller.person_id()?;
    let at = state.now();
    let session =
        db::write(&state.pool, move |tx| customer_sessions::start(tx, &caller, &msp_id, &admin_id, &id, at)).await?;
    let expires_at = session.expires_at.and_utc();
    let access_token = state
        .tokens
        .issue_customer_session(&session.admin_id, &session.msp_id, &session.customer_id, &session.id, at, expires_at)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(CustomerSessionToken {
        access_token,
        token_type: "Bearer",
        expires_in: CUSTOMER_SESSION_TTL.num_seconds(),
        expires_at,
        customer_id: session.customer_id,
        session_id: session.id,
    }))
}
