//! The seats each customer holds.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::seats::percent_of;
use persistence::seat_pool::{self};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::Page;
use crate::resources::customer_lists::CustomerListParams;
use crate::resources::customer_lists::list_page;
use crate::state::AppState;

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

/// Lists the seats of each customer with its active users and utilisation.
///
/// Takes the filters and sort orders of `GET /api/v1/customers` (sort by
/// `seats`, `name`, `created` or `license_expiry`, `-` for descending).
#[utoipa::path(
    get, path = "/api/v1/license/allocations", tag = "licenses", operation_id = "listSeatAllocations",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(CustomerListParams),
    responses(
        (status = 200, description = "A page of allocations.", body = Page<SeatAllocation>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
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
                tier: customer.tier.as_str().to_owned(),
                status: customer.status.as_str().to_owned(),
                last_changed_at: customer.seats_changed_at,
                last_changed_by: customer.seats_changed_by,
            }
        })
        .collect();
    let mut response = page.response;
    Ok(response.json(Page { items, next_cursor: page.next_cursor }))
}
