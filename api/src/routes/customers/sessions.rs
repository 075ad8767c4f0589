//! "Log in as": an admin starts a short-lived session limited to one customer.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::audit::AuditAction;
use domain::sessions::CUSTOMER_SESSION_TTL;
use persistence::customer_sessions::CustomerSessionRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuditEvent, Caller};
use crate::db;
use crate::error::ApiError;
use crate::pagination::path_id;
use crate::state::{AppState, now};

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
    let at = now();
    let expires_at = at + CUSTOMER_SESSION_TTL;
    let session = CustomerSessionRecord {
        id: persistence::new_id(),
        msp_id: msp_id.clone(),
        customer_id: id.clone(),
        admin_id: admin_id.clone(),
        created_at: at.naive_utc(),
        expires_at: expires_at.naive_utc(),
        ended_at: None,
    };
    let session_id = session.id.clone();
    let token_msp_id = msp_id.clone();
    db::write(&state.pool, move |tx| {
        if persistence::customers::find(tx, &msp_id, &id)?.is_none() {
            return Err(ApiError::NotFound);
        }
        persistence::customer_sessions::insert(tx, &session)?;
        let after =
            serde_json::json!({ "session_id": session.id, "admin_id": session.admin_id, "expires_at": expires_at });
        caller.record(tx, AuditEvent::new(&msp_id, AuditAction::CustomerSessionStarted, &id, at).after(&after))?;
        Ok(())
    })
    .await?;
    let customer = path.into_inner();
    let access_token = state
        .tokens
        .issue_customer_session(&admin_id, &token_msp_id, &customer, &session_id, at, expires_at)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(CustomerSessionToken {
        access_token,
        token_type: "Bearer",
        expires_in: CUSTOMER_SESSION_TTL.num_seconds(),
        expires_at,
        customer_id: customer,
        session_id,
    }))
}
