//! The customer list: filtered, sorted, paged.

use actix_web::{HttpResponse, web};
use domain::access::Action;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::pagination::Page;
use crate::resources::customer_lists::CustomerListParams;
use crate::resources::customer_lists::list_page;
use crate::resources::customers::{COLLECTION_PATH, Customer};
use crate::state::AppState;

/// Lists the MSP's customers, filtered and sorted.
///
/// Filters combine with AND. Sort with `sort` (`name`, `created`, `seats`,
/// `license_expiry`; a leading `-` sorts descending; ties go by id). Pages
/// hold 1-200 customers (default 50); follow `next_cursor` or the `Link`
/// header, which keeps your filters and sort.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers", operation_id = "listCustomers",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(CustomerListParams),
    responses(
        (status = 200, description = "A page of customers. `Link: <…>; rel=\"next\"` points at the next page.", body = Page<Customer>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<CustomerListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let query = params.into_inner().read()?;
    let page = list_page(&state, msp_id, query, COLLECTION_PATH).await?;
    let items = page.items.into_iter().map(Customer::from).collect();
    let mut response = page.response;
    Ok(response.json(Page { items, next_cursor: page.next_cursor }))
}
