//! Customer groups: named sets of the MSP's customers, by sector, location
//! or anything else. Deleting a group never deletes a customer.

pub mod members;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::customer_groups::{GroupDescription, GroupKind, GroupName};
use persistence::customer_groups;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::Conflict;
use crate::error::{ApiError, FieldErrors};
use crate::json::ValidJson;
use crate::pagination::{Page, PageParams, cut_page, path_id};
use crate::resources::customer_groups::CustomerGroup;
use crate::resources::customer_groups::kind_schema;
use crate::services::customer_groups::{self as groups, GroupChanges, NewGroup};
use crate::state::AppState;

pub(crate) const COLLECTION_PATH: &str = "/api/v1/customer-groups";

/// A new group.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerGroup {
    #[schema(schema_with = group_name_schema)]
    pub name: String,
    /// Free text, up to 1000 characters (default, or `null`: empty).
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
        example = "Customers in the dental sector"
    )]
    pub description: Option<String>,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
}

/// Changes to a group; absent fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerGroup {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = group_name_schema)]
    pub name: Option<String>,
    /// Free text, up to 1000 characters; `null` empties it.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(value_type = Option<String>, max_length = 1000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = kind_schema)]
    pub kind: Option<String>,
}

pub(crate) fn group_name_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Name, unique in your MSP without regard to case: 1-100 characters, not blank."))
        .min_length(Some(1))
        .max_length(Some(GroupName::MAX_CHARS))
        .pattern(Some(domain::text::NAME_PATTERN))
        .examples(["Dental practices"])
}

/// Lists your MSP's customer groups, oldest first.
///
/// Each group has its name, description, kind and number of members. Pages hold 1-200 groups
/// (default 50); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/customer-groups", tag = "customer-groups", operation_id = "listCustomerGroups",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of groups.", body = Page<CustomerGroup>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_customer_groups(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadCustomerGroups)?.to_owned();
    let (size, after) = params.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(customer_groups::list(conn, &msp_id, None, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page(COLLECTION_PATH, size, rows, |g| &g.id);
    let items = page.items.into_iter().map(CustomerGroup::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Creates a customer group (409 `group_name_taken` when the name is used).
///
/// Names are unique in your MSP without regard to case. Needs `manage_customers` (an API key with
/// only the `read` scope is refused); the creation is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customer-groups", tag = "customer-groups", operation_id = "createCustomerGroup",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body(content = CreateCustomerGroup, example = json!({
        "name": "Dental practices", "description": "Customers in the dental sector", "kind": "sector"
    })),
    responses(
        (status = 201, description = "Created.", body = CustomerGroup,
            headers(("Location" = String, description = "URL of the new group."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_customer_group(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCustomerGroup>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ManageCustomerGroups)?.to_owned();
    let body = body.0;
    let mut errors = FieldErrors::default();
    let name = errors.check("/name", GroupName::parse(&body.name));
    let description =
        errors.check("/description", GroupDescription::parse(body.description.as_deref().unwrap_or_default()));
    let kind = errors.check("/kind", body.kind.parse::<GroupKind>());
    let new = errors.finish((|| Some(NewGroup { name: name?, description: description?, kind: kind? }))())?;
    let at = state.now();
    let created = db::write(&state.pool, move |tx| Ok(groups::create(tx, &caller, &msp_id, &new, at)?)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", created.id)))
        .json(created))
}

/// Reads one customer group.
///
/// It gives the number of customers in the group; list them with
/// `GET /api/v1/customer-groups/{group_id}/customers`.
#[utoipa::path(
    get, path = "/api/v1/customer-groups/{group_id}", tag = "customer-groups", operation_id = "getCustomerGroup",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("group_id" = uuid::Uuid, Path, description = "Group id.")),
    responses(
        (status = 200, description = "The group.", body = CustomerGroup),
    )
)]
pub async fn get_customer_group(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomerGroups)?.to_owned();
    let found = db::run(&state.pool, move |conn| Ok(customer_groups::find(conn, &msp_id, &id)?)).await?;
    Ok(HttpResponse::Ok().json(CustomerGroup::from(found.ok_or(ApiError::NotFound)?)))
}

/// Changes a customer group.
///
/// Fields left out stay as they are; `null` empties the description. A name another group of your
/// MSP has, without regard to case, is a 409 `group_name_taken`. The change is recorded in the
/// audit log.
#[utoipa::path(
    patch, path = "/api/v1/customer-groups/{group_id}", tag = "customer-groups", operation_id = "updateCustomerGroup",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("group_id" = uuid::Uuid, Path, description = "Group id.")),
    request_body(content = UpdateCustomerGroup, example = json!({"description": "Dentists and orthodontists"})),
    responses(
        (status = 200, description = "The changed group.", body = CustomerGroup),
        (status = 409, response = Conflict),
    )
)]
pub async fn update_customer_group(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<UpdateCustomerGroup>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageCustomerGroups)?.to_owned();
    let body = body.0;
    let mut errors = FieldErrors::default();
    let name = body.name.and_then(|n| errors.check("/name", GroupName::parse(&n)));
    let description = body
        .description
        .and_then(|d| errors.check("/description", GroupDescription::parse(d.as_deref().unwrap_or_default())));
    let kind = body.kind.and_then(|k| errors.check("/kind", k.parse::<GroupKind>()));
    let changes = errors.finish(Some(GroupChanges { name, description, kind }))?;
    let at = state.now();
    let updated =
        db::write(&state.pool, move |tx| Ok(groups::change(tx, &caller, &msp_id, &id, &changes, at)?)).await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a customer group; its customers stay, only the grouping goes.
///
/// Needs `manage_customers` (an API key with only the `read` scope is refused). The deletion is
/// recorded in the audit log.
#[utoipa::path(
    delete, path = "/api/v1/customer-groups/{group_id}", tag = "customer-groups", operation_id = "deleteCustomerGroup",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("group_id" = uuid::Uuid, Path, description = "Group id.")),
    responses(
        (status = 204, description = "Deleted."),
    )
)]
pub async fn delete_customer_group(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageCustomerGroups)?.to_owned();
    let at = state.now();
    db::write(&state.pool, move |tx| Ok(groups::delete(tx, &caller, &msp_id, &id, at)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(members::__path_list_groups_of_customer, members::list_groups_of_customer);
    ops.add(__path_list_customer_groups, list_customer_groups);
    ops.add(__path_create_customer_group, create_customer_group);
    ops.add(__path_get_customer_group, get_customer_group);
    ops.add(__path_update_customer_group, update_customer_group);
    ops.add(__path_delete_customer_group, delete_customer_group);
    ops.add(members::__path_list_group_customers, members::list_group_customers);
    ops.add(members::__path_add_group_customer, members::add_group_customer);
    ops.add(members::__path_remove_group_customer, members::remove_group_customer);
}
