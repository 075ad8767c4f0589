//! Customers of the caller's MSP. Everything here is scoped to the MSP of the
//! authenticated admin; a customer of another MSP is a 404, never a 403, so
//! that its existence is not confirmed.

pub mod export;
pub mod list;
pub mod sessions;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use persistence::customers::{self};

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{Conflict, PreconditionFailed};
use crate::json::ValidJson;
use crate::pagination::path_id;
use crate::resources::customers::{COLLECTION_PATH, CreateCustomer, Customer, UpdateCustomer};
use crate::services::customers as customers_service;
use crate::state::AppState;
use crate::versions::{Precondition, etag, not_modified};

/// Creates a customer, in `onboarding`.
///
/// Refused with 409 when your MSP has its maximum number of customer
/// organizations (`organization_limit_reached`), when the seats asked for
/// exceed what your pool has left (`seats_unavailable`), or when a domain
/// belongs to another customer (`domain_taken`).
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers", operation_id = "createCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = CreateCustomer, example = json!({
        "name": "Acme Dental", "domains": ["acme-dental.com"], "country": "DE", "timezone": "Europe/Berlin",
        "language": "de-DE", "tier": "professional", "seats": 25, "billing_reference": "PSA-10442",
        "sector": "Healthcare", "location": "Berlin", "license_expires_on": "2027-06-30"
    })),
    responses(
        (status = 201, description = "Created.", body = Customer,
            headers(("Location" = String, description = "URL of the new customer."),
                    ("ETag" = String, description = "Version of the new customer."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_customer(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::CreateCustomer)?.to_owned();
    let new = body.0.into_domain()?;
    let at = state.now();
    let created =
        db::write(&state.pool, move |tx| customers_service::create_customer(tx, &caller, &msp_id, &new, at)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", created.id)))
        .insert_header((header::ETAG, etag(created.version)))
        .json(created))
}

/// Reads one customer.
///
/// The `ETag` header carries its version: send it back in `If-Match` when
/// you change the customer, or in `If-None-Match` to get a 304 when nothing
/// changed.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}", tag = "customers", operation_id = "getCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` you hold; 304 when it is current."),
    ),
    responses(
        (status = 200, description = "The customer.", body = Customer,
            headers(("ETag" = String, description = "The customer's version."))),
        (status = 304, description = "Not modified: the `ETag` you sent is current.",
            headers(("ETag" = String, description = "The customer's version."))),
    )
)]
pub async fn get_customer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let found = db::run(&state.pool, move |conn| Ok(customers::find(conn, &msp_id, &id)?)).await?;
    let customer = Customer::from(found.ok_or(ApiError::NotFound)?);
    if not_modified(&req, customer.version) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag(customer.version))).finish());
    }
    Ok(customer.ok())
}

/// Changes a customer.
///
/// Send `If-Match` with the `ETag` you read to make sure you change what you
/// saw: a stale one is a 412 and nothing changes. Changing `seats` draws the
/// difference from your pool in one atomic step: more than the pool has
/// left is a 409 `seats_unavailable` that says how many are available; fewer
/// seats than the customer's active users is a 409
/// `seats_below_active_users`. A `status` the lifecycle does not allow is a
/// 409 `invalid_status_transition`. Going live checks readiness as
/// `POST …/onboarding/go-live` does: with blockers left it is a 409
/// `not_ready` listing them.
#[utoipa::path(
    patch, path = "/api/v1/customers/{customer_id}", tag = "customers", operation_id = "updateCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; 412 when the customer changed since."),
    ),
    request_body(content = UpdateCustomer, example = json!({"seats": 30, "status": "live"})),
    responses(
        (status = 200, description = "The changed customer.", body = Customer,
            headers(("ETag" = String, description = "The customer's new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn update_customer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<UpdateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let changes = body.0.into_domain()?;
    let precondition = Precondition::from_request(&req);
    let at = state.now();
    let updated = db::run(&state.pool, move |conn| {
        customers_service::update_customer(conn, &caller, &msp_id, &id, precondition.versions(), &changes, at)
    })
    .await?;
    Ok(updated.ok())
}

/// Deletes a customer; its seats return to your pool.
///
/// `If-Match` is honoured as on `PATCH`.
#[utoipa::path(
    delete, path = "/api/v1/customers/{customer_id}", tag = "customers", operation_id = "deleteCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read; 412 when the customer changed since."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn delete_customer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::DeleteCustomer(&id))?.to_owned();
    let precondition = Precondition::from_request(&req);
    let at = state.now();
    db::write(&state.pool, move |tx| {
        customers_service::delete_customer(tx, &caller, &msp_id, &id, precondition.versions(), at)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(list::__path_list_customers, list::list_customers);
    ops.add(__path_create_customer, create_customer);
    ops.add(export::__path_export_customers, export::export_customers);
    ops.add(__path_get_customer, get_customer);
    ops.add(__path_update_customer, update_customer);
    ops.add(__path_delete_customer, delete_customer);
    ops.add(sessions::__path_start_customer_session, sessions::start_customer_session);
}
