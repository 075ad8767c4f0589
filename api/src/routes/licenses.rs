//! The MSP's seat pool, the seats each customer holds, licenses about to
//! expire, and requests to the platform operator for more seats.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::customers::{CustomerOrder, CustomerSortKey};
use domain::license_expiry::{ExpiryWindow, WindowError, days_left};
use domain::seat_expansion::{Decision, ExpansionStatus, check_requested_seats};
use domain::seats::{SeatPool, WarningThreshold, percent_of};
use persistence::customers::CustomerRecord;
use persistence::seat_expansion::{self, ExpansionRecord};
use persistence::seat_pool::{self, PoolRecord};
use persistence::transactions::write_transaction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Caller, audit_state};
use crate::db;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{PageParams, cut_page, link_query, page_size, path_id};
use crate::problems::ProblemCode;
use crate::routes::customer_list::{CustomerListParams, CustomerQuery, decode_cursor, list_page};
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
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
    let summary = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let before = seat_pool::read(tx, &msp_id)?.map(|p| SeatPoolSummary::of(&p)).ok_or(ApiError::NotFound)?;
            seat_pool::set_warning_percent(tx, &msp_id, threshold.percent())?;
            let after = seat_pool::read(tx, &msp_id)?.map(|p| SeatPoolSummary::of(&p)).ok_or(ApiError::NotFound)?;
            caller.record(
                tx,
                &msp_id,
                "seat_pool.updated",
                "seat_pool",
                &msp_id,
                Some(&audit_state(&before)),
                Some(&audit_state(&after)),
                at,
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// The seats of one customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatAllocation {
    /// Customer id.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Customer name.
    #[schema(example = "Acme Dental")]
    pub customer_name: String,
    /// The customer's tier.
    #[schema(example = "professional")]
    pub tier: String,
    /// The customer's lifecycle status.
    #[schema(example = "live")]
    pub status: String,
    /// Seats allocated to the customer.
    #[schema(example = 25)]
    pub allocated_seats: i64,
    /// Active accounts of the customer.
    #[schema(example = 21)]
    pub active_users: i64,
    /// Active users as a percentage of allocated seats, rounded down to one decimal.
    #[schema(example = 84.0)]
    pub utilisation_percent: f64,
    /// When the seats last changed.
    pub last_changed_at: Option<DateTime<Utc>>,
    /// Who last changed the seats (e-mail of the admin, or the API key).
    #[schema(example = "owner@northwind.example")]
    pub last_changed_by: Option<String>,
}

/// One page of seat allocations.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatAllocationPage {
    /// Allocations in the order asked for.
    pub items: Vec<SeatAllocation>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists the seats of each customer with its active users and utilisation.
///
/// Takes the filters and sort orders of `GET /api/v1/customers` (sort by
/// `seats`, `name`, `created` or `license_expiry`, `-` for descending).
#[utoipa::path(
    get, path = "/api/v1/license/allocations", tag = "licenses", operation_id = "listSeatAllocations",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(CustomerListParams),
    responses(
        (status = 200, description = "A page of allocations.", body = SeatAllocationPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_seat_allocations(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<CustomerListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadLicenses)?.to_owned();
    let query = params.into_inner().read()?;
    let page = list_page(&state, msp_id.clone(), query, "/api/v1/license/allocations").await?;
    let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
    let active = db::run(&state.pool, move |conn| Ok(seat_pool::active_users(conn, &msp_id, &ids)?)).await?;
    let items = page
        .items
        .into_iter()
        .map(|customer| {
            let active_users = active.get(&customer.id).copied().unwrap_or(0);
            SeatAllocation {
                utilisation_percent: percent_of(active_users, customer.seats),
                active_users,
                allocated_seats: customer.seats,
                customer_id: customer.id,
                customer_name: customer.name,
                tier: customer.tier,
                status: customer.status,
                last_changed_at: customer.seats_changed_at,
                last_changed_by: customer.seats_changed_by,
            }
        })
        .collect();
    let mut response = page.response;
    Ok(response.json(SeatAllocationPage { items, next_cursor: page.next_cursor }))
}

/// `?within_days=&limit=&cursor=` of the expiring-license list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringParams {
    /// How many days ahead to look, 0-3650 (default 60); 0 is today only.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 3650, example = 60)]
    pub within_days: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer whose license ends soon.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLicense {
    /// Customer id.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Customer name.
    #[schema(example = "Acme Dental")]
    pub customer_name: String,
    /// The last day of the license.
    #[schema(format = Date, example = "2027-01-15")]
    pub license_expires_on: NaiveDate,
    /// Days from today (UTC) to the expiry; 0 is today.
    #[schema(example = 12)]
    pub days_left: i64,
    /// The customer's first domain.
    #[schema(example = "acme-dental.com")]
    pub domain: Option<String>,
    /// Every domain of the customer.
    pub domains: Vec<String>,
}

/// One page of expiring licenses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLicensePage {
    /// Soonest first.
    pub items: Vec<ExpiringLicense>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists the customers whose license ends within the next `within_days`
/// days (from today, UTC), soonest first.
///
/// `within_days` is 0-3650 (default 60; 0 is today only); customers without a license end date are
/// not listed. Pages hold 1-200 customers (default 50); follow `next_cursor` or the `Link` header,
/// which keeps `within_days`.
#[utoipa::path(
    get, path = "/api/v1/licenses/expiring", tag = "licenses", operation_id = "listExpiringLicenses",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(ExpiringParams),
    responses(
        (status = 200, description = "A page of expiring licenses.", body = ExpiringLicensePage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_expiring_licenses(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ExpiringParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadLicenses)?.to_owned();
    let today = now().date_naive();
    let invalid = |e| ApiError::InvalidParameters(vec![InvalidField::parameter("within_days", e)]);
    let days = match params.within_days.as_deref().map(str::trim) {
        None => ExpiryWindow::DEFAULT_DAYS,
        Some(text) => text.parse::<i64>().map_err(|_| invalid(WindowError))?,
    };
    let window = ExpiryWindow::within(today, days).map_err(invalid)?;
    let order = CustomerOrder { key: CustomerSortKey::LicenseExpiry, descending: false };
    let query = CustomerQuery {
        filter: persistence::customers::CustomerFilter {
            license_expires_from: Some(window.from),
            license_expires_before: Some(window.before),
            ..Default::default()
        },
        order,
        size: page_size(params.limit.as_deref())?,
        after: params.cursor.as_deref().map(|c| decode_cursor(c, order)).transpose()?,
        link_query: link_query(&[("within_days", params.within_days.as_deref())]),
    };
    let page = list_page(&state, msp_id, query, "/api/v1/licenses/expiring").await?;
    let items = page.items.into_iter().filter_map(|c| expiring(c, today)).collect();
    let mut response = page.response;
    Ok(response.json(ExpiringLicensePage { items, next_cursor: page.next_cursor }))
}

fn expiring(customer: CustomerRecord, today: NaiveDate) -> Option<ExpiringLicense> {
    let expires = customer.license_expires_on?;
    Some(ExpiringLicense {
        customer_id: customer.id,
        customer_name: customer.name,
        license_expires_on: expires,
        days_left: days_left(expires, today),
        domain: customer.domains.first().cloned(),
        domains: customer.domains,
    })
}

/// A request for more seats.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatExpansionRequest {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// The MSP asking.
    #[schema(format = Uuid)]
    pub msp_id: String,
    /// Seats asked for.
    #[schema(example = 100)]
    pub seats: i64,
    /// Why, in the MSP's words.
    #[schema(example = "Three new customers signing next month")]
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    #[schema(example = "pending")]
    pub status: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// The operator who decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The operator's note.
    pub decision_note: Option<String>,
}

impl From<ExpansionRecord> for SeatExpansionRequest {
    fn from(record: ExpansionRecord) -> Self {
        Self {
            id: record.id,
            msp_id: record.msp_id,
            seats: record.seats,
            reason: record.reason,
            status: record.status,
            requested_by: record.requested_by,
            requested_at: record.requested_at.and_utc(),
            decided_by: record.decided_by,
            decided_at: record.decided_at.map(|t| t.and_utc()),
            decision_note: record.decision_note,
        }
    }
}

/// One page of expansion requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatExpansionRequestPage {
    /// Oldest first.
    pub items: Vec<SeatExpansionRequest>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
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
    let at = now();
    let created = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let created = SeatExpansionRequest::from(seat_expansion::insert(
                tx,
                &msp_id,
                seats,
                &reason,
                &caller.actor.label,
                at,
            )?);
            caller.record(
                tx,
                &msp_id,
                "seat_expansion.requested",
                "seat_expansion_request",
                &created.id,
                None,
                Some(&audit_state(&created)),
                at,
            )?;
            Ok(created)
        })
    })
    .await?;
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
        (status = 200, description = "A page of requests.", body = SeatExpansionRequestPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
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
        Ok(seat_expansion::list(conn, Some(&msp_id), None, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page("/api/v1/license/pool/expansion-requests", size, rows, |r| &r.id);
    let items = page.items.into_iter().map(SeatExpansionRequest::from).collect();
    Ok(page.response.json(SeatExpansionRequestPage { items, next_cursor: page.next_cursor }))
}

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
        (status = 200, description = "A page of requests.", body = SeatExpansionRequestPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
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
    Ok(page.response.json(SeatExpansionRequestPage { items, next_cursor: page.next_cursor }))
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
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
    let at = now();
    let decided = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let current = seat_expansion::find(tx, None, &id)?.ok_or(ApiError::NotFound)?;
            let status: ExpansionStatus = current.status.parse().map_err(ApiError::internal)?;
            let before = SeatExpansionRequest::from(current.clone());
            match status.decide(decision) {
                Err(refusal) => {
                    return Err(ApiError::Conflict {
                        code: ProblemCode::AlreadyDecided,
                        detail: format!("{refusal}."),
                    });
                }
                Ok(Decision::AlreadyMade) => return Ok(before),
                Ok(Decision::Apply(_)) => {}
            }
            // Conditional on `pending`: of two concurrent decisions one wins.
            if !seat_expansion::decide(tx, &id, decision, &caller.actor.label, note.as_deref(), at)? {
                return Err(ApiError::Conflict {
                    code: ProblemCode::AlreadyDecided,
                    detail: "The request was decided by someone else meanwhile.".to_owned(),
                });
            }
            seat_pool::grow(tx, &current.msp_id, decision.seats_added(current.seats))?;
            let after = SeatExpansionRequest::from(seat_expansion::find(tx, None, &id)?.ok_or(ApiError::NotFound)?);
            caller.record(
                tx,
                &current.msp_id,
                &format!("seat_expansion.{decision}"),
                "seat_expansion_request",
                &id,
                Some(&audit_state(&before)),
                Some(&audit_state(&after)),
                at,
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}
