//! The members of a customer group, and the groups of a customer.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use persistence::customer_groups;

use super::COLLECTION_PATH;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::customer_groups::CustomerGroup;
use crate::resources::customer_lists::CustomerQuery;
use crate::resources::customer_lists::list_page;
use crate::resources::customers::Customer;
use crate::services::customer_groups as groups;
use crate::state::AppState;

/// Lists the customers of a group, oldest first.
///
/// Each item is a whole customer, as `GET /api/v1/customers` lists it. Pages hold 1-200 customers
/// (default 50); follow `next_cursor` or the `Link` header. An unknown group is a 404.
#[utoipa::path(
    get, path = "/api/v1/customer-groups/{group_id}/customers", tag = "customer-groups", operation_id = "listGroupCustomers",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("group_id" = uuid::Uuid, Path, description = "Group id."), PageParams),
    responses(
        (status = 200, description = "A page of the group's customers.", body = Page<Customer>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_group_customers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomerGroups)?.to_owned();
    let query = crate::resources::customer_lists::CustomerListParams {
        group_id: Some(id.clone()),
        limit: params.limit.clone(),
        cursor: params.cursor.clone(),
        ..Default::default()
    }
    .read()?;
    let query = CustomerQuery { link_query: String::new(), ..query };
    let (msp, group) = (msp_id.clone(), id.clone());
    let exists = db::run(&state.pool, move |conn| Ok(customer_groups::find(conn, &msp, &group)?.is_some())).await?;
    if !exists {
        return Err(ApiError::NotFound);
    }
    let page = list_page(&state, msp_id, query, &format!("{COLLECTION_PATH}/{id}/customers")).await?;
    let items = page.items.into_iter().map(Customer::from).collect();
    let mut response = page.response;
    Ok(response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Adds a customer to a group.
///
/// Adding a member twice changes nothing. An unknown group or customer is a 404. Adding a member is
/// recorded in the audit log.
#[utoipa::path(
    put, path = "/api/v1/customer-groups/{group_id}/customers/{customer_id}", tag = "customer-groups",
    operation_id = "addGroupCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("group_id" = uuid::Uuid, Path, description = "Group id."),
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
    ),
    responses(
        (status = 204, description = "The customer is in the group."),
    )
)]
pub async fn add_group_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, customer_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageCustomerGroups)?.to_owned();
    let at = state.now();
    db::write(&state.pool, move |tx| Ok(groups::add_member(tx, &caller, &msp_id, &id, &customer_id, at)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a customer from a group; the customer itself stays.
///
/// A customer that is not in the group is a 404. Removing a member is recorded in the audit log.
#[utoipa::path(
    delete, path = "/api/v1/customer-groups/{group_id}/customers/{customer_id}", tag = "customer-groups",
    operation_id = "removeGroupCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("group_id" = uuid::Uuid, Path, description = "Group id."),
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
    ),
    responses(
        (status = 204, description = "Removed."),
    )
)]
pub async fn remove_group_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, customer_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageCustomerGroups)?.to_owned();
    let at = state.now();
    db::write(&state.pool, move |tx| Ok(groups::remove_member(tx, &caller, &msp_id, &id, &customer_id, at)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists the groups a customer is in, oldest first.
///
/// Pages hold 1-200 groups (default 50); follow `next_cursor` or the `Link` header. An unknown
/// customer is a 404.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/groups", tag = "customer-groups", operation_id = "listCustomerGroupsOfCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), PageParams),
    responses(
        (status = 200, description = "A page of the customer's groups.", body = Page<CustomerGroup>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_groups_of_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let (size, after) = params.read()?;
    let customer = id.clone();
    let rows = db::run(&state.pool, move |conn| {
        if persistence::customers::find(conn, &msp_id, &customer)?.is_none() {
            return Err(ApiError::NotFound);
        }
        Ok(customer_groups::list(conn, &msp_id, Some(&customer), after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page(&format!("/api/v1/customers/{id}/groups"), size, rows, |g| &g.id);
    let items = page.items.into_iter().map(CustomerGroup::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
