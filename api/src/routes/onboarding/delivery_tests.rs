//! Delivery tests: a real mail through the SMTP relay, confirmed when its
//! link is opened.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use persistence::onboarding as store;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::editable_customer;
use crate::auth::Caller;
use crate::auth::refresh_tokens::storage_hash;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{Conflict, NotFound};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::onboarding::{DeliveryTest, onboarding_path};
use crate::services::delivery_tests;
use crate::services::onboarding::find_customer;
use crate::state::AppState;

/// A delivery test to run.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeliveryTest {
    /// An address in one of the customer's domains.
    #[schema(example = "it@acme-dental.com", min_length = 3, max_length = 254)]
    pub recipient: String,
}

/// Sends a real test simulation mail through the configured SMTP relay.
///
/// It goes to an address in one of the customer's domains (any other is a 422), with a unique
/// confirmation link. The test is `sent` when the relay accepted it, `failed` with the relay's
/// answer when it did not (or when no relay is configured), and `confirmed` once the link is
/// opened. Campaigns never launch for a customer without a confirmed test. An archived customer is
/// a 409 `customer_archived`; each test is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests", tag = "onboarding",
    operation_id = "createDeliveryTest",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = NewDeliveryTest, example = json!({"recipient": "it@acme-dental.com"})),
    responses(
        (status = 201, description = "Run; `status` says what the relay answered.", body = DeliveryTest,
            headers(("Location" = String, description = "URL of the test."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_delivery_test(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<NewDeliveryTest>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let customer = editable_customer(&state, &msp_id, &id).await?;
    let recipient = domain::accounts::AccountEmail::parse(&body.0.recipient, &customer.domains)
        .map_err(|e| ApiError::invalid("/recipient", e))?;
    let confirm_url = format!("{}/api/v1/delivery-tests/confirm", crate::client_address::origin_of(&req));
    let test = delivery_tests::run(&state, &caller, &customer, &recipient, &confirm_url).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{}/delivery-tests/{}", onboarding_path(&customer.id), test.id)))
        .json(test))
}

/// The customer's delivery tests, newest first, in pages.
///
/// Each test has its recipient, its status (`sent`, `failed` or `confirmed`) and the relay's
/// answer. Pages hold 1-200 tests (default 50); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests", tag = "onboarding",
    operation_id = "listDeliveryTests",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), PageParams),
    responses(
        (status = 200, description = "A page of tests.", body = Page<DeliveryTest>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_delivery_tests(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let (size, after) = params.read()?;
    let list_path = format!("{}/delivery-tests", onboarding_path(&id));
    let rows = db::run(&state.pool, move |conn| {
        find_customer(conn, &msp_id, &id)?;
        Ok(store::delivery_tests(conn, &msp_id, &id, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let page = cut_page(&list_path, size, rows, |r| r.id.as_str());
    let mut response = page.response;
    Ok(response
        .json(Page { items: page.items.into_iter().map(DeliveryTest::from).collect(), next_cursor: page.next_cursor }))
}

/// One delivery test.
///
/// Its `status` is `sent`, `failed` (see `relay_response`) or `confirmed` once the link in the mail
/// was opened. A test of another customer is a 404.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests/{test_id}", tag = "onboarding",
    operation_id = "getDeliveryTest",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("test_id" = uuid::Uuid, Path, description = "Delivery test id."),
    ),
    responses(
        (status = 200, description = "The test.", body = DeliveryTest),
    )
)]
pub async fn get_delivery_test(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, raw_test) = path.into_inner();
    let (id, test_id) = (path_id(&raw_id)?, path_id(&raw_test)?);
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let test = db::run(&state.pool, move |conn| {
        store::find_delivery_test(conn, &msp_id, &id, &test_id)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DeliveryTest::from(test)))
}

/// `?token=` of a confirmation link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfirmParams {
    /// The token from the test mail's link.
    pub token: Option<String>,
}

/// The link in a delivery-test mail: opening it confirms the test (again: no change).
///
/// Needs no credentials — the token is the proof — and answers a small HTML page for the person who
/// opened it. An unknown or missing token is a 404.
#[utoipa::path(
    get, path = "/api/v1/delivery-tests/confirm", tag = "onboarding", operation_id = "confirmDeliveryTest",
    params(ConfirmParams),
    responses(
        (status = 200, description = "Confirmed.", content_type = "text/html", body = String),
        (status = 404, response = NotFound),
    )
)]
pub async fn confirm_delivery_test(
    state: web::Data<AppState>,
    params: web::Query<ConfirmParams>,
) -> Result<HttpResponse, ApiError> {
    let token = params.into_inner().token.ok_or(ApiError::NotFound)?;
    let hash = storage_hash(token.trim());
    let at = state.now();
    let confirmed =
        db::run(&state.pool, move |conn| Ok(store::confirm_delivery_test(conn, &hash, at.naive_utc())?)).await?;
    if confirmed.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Delivery confirmed</title></head>\
             <body><h1>Delivery confirmed</h1><p>Simulation mail reaches this mailbox. You can close this page.</p>\
             </body></html>",
        ))
}
