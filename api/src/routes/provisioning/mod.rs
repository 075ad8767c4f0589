//! A customer's SCIM provisioning, from the MSP's side: its token (made or
//! rotated by an admin, shown once, stored hashed) and its status — the base
//! URL to give the identity provider, the last success and failure, and what
//! SCIM did to accounts. The SCIM service itself is `crate::scim`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use persistence::scim_connections::{self, ScimConnectionRecord};
use persistence::transactions::write_transaction;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::path_id;
use crate::resources::provisioning::ScimToken;
use crate::scim::wire::base_url;
use crate::services::accounts::customer_domains;
use crate::services::provisioning::issue_token;
use crate::state::AppState;

/// The token a customer's SCIM connection uses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScimTokenInfo {
    /// Its first characters.
    pub prefix: String,
    /// When made (UTC).
    pub created_at: DateTime<Utc>,
    /// Who made it.
    #[schema(example = "owner@msp.example")]
    pub created_by: String,
}

/// A SCIM request that failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScimFailure {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The HTTP status the identity provider got.
    #[schema(example = 409)]
    pub status: i32,
    /// The error it was sent, as its provisioning log shows it.
    #[schema(
        example = "The customer has no seat left: all 50 seats are held by active accounts. (account_seat_limit_reached)"
    )]
    pub detail: String,
}

/// A customer's SCIM provisioning status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provisioning {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// The customer's SCIM base URL.
    pub base_url: String,
    /// The token in use; `null` until an admin makes one.
    pub token: Option<ScimTokenInfo>,
    /// When an authenticated SCIM request last succeeded (UTC).
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last authenticated SCIM request that failed.
    pub last_failure: Option<ScimFailure>,
    /// Accounts SCIM created.
    pub accounts_created: i64,
    /// Accounts SCIM changed (profile changes and reactivations).
    pub accounts_updated: i64,
    /// Accounts SCIM deactivated (`active: false`).
    pub accounts_deactivated: i64,
    /// Accounts SCIM deleted.
    pub accounts_deleted: i64,
}

pub(crate) fn provisioning(
    customer_id: String,
    base_url: String,
    connection: Option<ScimConnectionRecord>,
) -> Provisioning {
    let Some(c) = connection else {
        return Provisioning {
            customer_id,
            base_url,
            token: None,
            last_success_at: None,
            last_failure: None,
            accounts_created: 0,
            accounts_updated: 0,
            accounts_deactivated: 0,
            accounts_deleted: 0,
        };
    };
    Provisioning {
        customer_id,
        base_url,
        token: Some(ScimTokenInfo {
            prefix: c.token_prefix,
            created_at: c.token_created_at.and_utc(),
            created_by: c.token_created_by,
        }),
        last_success_at: c.last_success_at.map(|at| at.and_utc()),
        last_failure: c.last_failure_at.map(|at| ScimFailure {
            at: at.and_utc(),
            status: c.last_failure_status.unwrap_or_default(),
            detail: c.last_failure_detail.unwrap_or_default(),
        }),
        accounts_created: c.accounts_created,
        accounts_updated: c.accounts_updated,
        accounts_deactivated: c.accounts_deactivated,
        accounts_deleted: c.accounts_deleted,
    }
}

/// Makes the customer's SCIM token, or rotates it.
///
/// The token is shown in this response only, and any earlier token of the customer stops working at
/// once. It works only on this customer's SCIM base URL, given in `base_url`. Needs
/// `manage_customers`; making or rotating a token is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/scim-token", tag = "provisioning", operation_id = "createScimToken",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 201, description = "The new token, shown once.", body = ScimToken,
            headers(("Location" = String, description = "The customer's provisioning status."))),
    )
)]
pub async fn create_scim_token(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&customer_id))?.to_owned();
    let at = state.now();
    let id = customer_id.clone();
    let (token, prefix) = db::run(&state.pool, move |conn| {
        customer_domains(conn, &msp_id, &id)?;
        write_transaction(conn, |tx| issue_token(tx, &caller, &msp_id, &id, at))
    })
    .await?;
    let body = ScimToken {
        base_url: base_url(&req, &customer_id),
        customer_id: customer_id.clone(),
        token,
        token_prefix: prefix,
        created_at: at,
    };
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/customers/{customer_id}/provisioning")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// The customer's SCIM provisioning status: the base URL, the token in use
/// (its prefix), when a SCIM request last succeeded and last failed (with
/// the error the identity provider got), and the accounts SCIM created,
/// updated, deactivated and deleted.
///
/// The token itself is never shown again. Before a token was made, `token` is `null` and every
/// count is 0.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/provisioning", tag = "provisioning", operation_id = "getProvisioning",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The status.", body = Provisioning),
    )
)]
pub async fn get_provisioning(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&customer_id))?.to_owned();
    let id = customer_id.clone();
    let connection = db::run(&state.pool, move |conn| {
        customer_domains(conn, &msp_id, &id)?;
        Ok(scim_connections::find(conn, &msp_id, &id)?)
    })
    .await?;
    let base_url = base_url(&req, &customer_id);
    Ok(HttpResponse::Ok().json(provisioning(customer_id, base_url, connection)))
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_create_scim_token, create_scim_token);
    ops.add(__path_get_provisioning, get_provisioning);
}
