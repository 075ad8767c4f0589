//! Accounts of a customer: its end users, active or inactive, with every
//! change of status kept, because MAA is counted from them
//! (see `domain::maa`).

pub mod erase;
pub mod import;
pub mod status;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::accounts::{
    AccountEmail, AccountProfile, AccountStatus, Department, DisplayName, ExternalId, NewAccount, ProfileChanges,
};
use persistence::accounts::{self, AccountFilter, Organization};
use persistence::transactions::write_transaction;
use serde::Deserialize;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::Conflict;
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::field_schemas::{clearable_text_schema, text_schema};
use crate::json::ValidJson;
use crate::pagination::{Page, cut_page_with, decode_cursor, encode_cursor, link_query, page_size, path_id};
use crate::resources::accounts::{Account, status_schema};
use crate::services::accounts::{self as accounts_service, customer_domains};
use crate::state::AppState;

/// A new account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// Address; its domain must be one of the customer's domains.
    #[schema(max_length = 254, example = "ann.lee@acme.example")]
    pub email: String,
    #[serde(default)]
    #[schema(schema_with = display_name_schema)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = department_schema)]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(schema_with = external_id_schema)]
    pub external_id: Option<String>,
    /// Status from creation on (default `active`, which is subject to the
    /// activation limits).
    #[serde(default)]
    #[schema(schema_with = status_schema)]
    pub status: Option<String>,
}

/// Changes to an account; absent fields stay, `null` clears.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    /// New address, in one of the customer's domains; it cannot be cleared.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<String>, nullable = false, max_length = 254, example = "ann.lee@acme.example")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = clearable_display_name_schema)]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = clearable_department_schema)]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = clearable_external_id_schema)]
    pub external_id: Option<Option<String>>,
}

pub(crate) const DISPLAY_NAME: &str =
    "How the person is called: up to 200 characters, no control characters, not blank.";

pub(crate) const DEPARTMENT: &str = "Their department: up to 100 characters, no control characters, not blank.";

pub(crate) const EXTERNAL_ID: &str =
    "Their id in the customer's directory: up to 200 characters, no control characters, not blank.";

pub(crate) fn display_name_schema() -> ObjectBuilder {
    text_schema(DISPLAY_NAME, DisplayName::MAX_CHARS, "Ann Lee")
}

pub(crate) fn department_schema() -> ObjectBuilder {
    text_schema(DEPARTMENT, Department::MAX_CHARS, "Finance")
}

pub(crate) fn external_id_schema() -> ObjectBuilder {
    text_schema(EXTERNAL_ID, ExternalId::MAX_CHARS, "00u1ab2cd3EF4gh5i6j7")
}

pub(crate) fn clearable_display_name_schema() -> ObjectBuilder {
    clearable_text_schema(DISPLAY_NAME, DisplayName::MAX_CHARS, "Ann Lee-Smith")
}

pub(crate) fn clearable_department_schema() -> ObjectBuilder {
    clearable_text_schema(DEPARTMENT, Department::MAX_CHARS, "Sales")
}

pub(crate) fn clearable_external_id_schema() -> ObjectBuilder {
    clearable_text_schema(EXTERNAL_ID, ExternalId::MAX_CHARS, "00u1ab2cd3EF4gh5i6j7")
}

/// Filters of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListParams {
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only accounts with this status.
    #[param(value_type = Option<String>, schema_with = status_schema)]
    pub status: Option<String>,
    /// Only accounts of this department (exact).
    #[param(min_length = 1, max_length = 100)]
    pub department: Option<String>,
    /// Only the account with this external id.
    #[param(min_length = 1, max_length = 200)]
    pub external_id: Option<String>,
    /// Only addresses starting with this (case-insensitive).
    #[param(min_length = 1, max_length = 254)]
    pub email_prefix: Option<String>,
}

pub(crate) fn collection_path(customer_id: &str) -> String {
    format!("/api/v1/customers/{customer_id}/accounts")
}

/// Lists a customer's accounts, in creation order.
///
/// Filter with `status`, `department` (exact), `external_id` and `email_prefix` (case-insensitive);
/// filters combine with AND, and an invalid one is a 400 `invalid_parameters`. Deleted accounts are
/// not listed. Pages hold 1-200 accounts (default 50); follow `next_cursor` or the `Link` header,
/// which keeps your filters.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/accounts", tag = "accounts", operation_id = "listAccounts",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), AccountListParams),
    responses(
        (status = 200, description = "A page of the customer's accounts (deleted ones are not listed).", body = Page<Account>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_accounts(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<AccountListParams>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadAccounts(&customer_id))?.to_owned();
    let params = params.into_inner();
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut invalid = Vec::new();
    let status = match params.status.as_deref().map(str::parse::<AccountStatus>).transpose() {
        Ok(status) => status,
        Err(e) => {
            invalid.push(InvalidField::parameter("status", e));
            None
        }
    };
    for (name, value, max) in [
        ("department", &params.department, 100),
        ("external_id", &params.external_id, 200),
        ("email_prefix", &params.email_prefix, 254),
    ] {
        if value.as_ref().is_some_and(|v| v.is_empty() || v.chars().count() > max) {
            invalid.push(InvalidField::parameter(name, format!("must be 1-{max} characters")));
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::InvalidParameters(invalid));
    }
    let filter = AccountFilter {
        status,
        department: params.department.clone(),
        external_id: params.external_id.clone(),
        email_prefix: params.email_prefix.as_deref().map(str::to_lowercase),
    };
    let id = customer_id.clone();
    let rows = db::run(&state.pool, move |conn| {
        customer_domains(conn, &msp_id, &id)?;
        Ok(accounts::list(conn, &msp_id, Organization::Customer(&id), &filter, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[
        ("status", params.status.as_deref()),
        ("department", params.department.as_deref()),
        ("external_id", params.external_id.as_deref()),
        ("email_prefix", params.email_prefix.as_deref()),
    ]);
    let mut page = cut_page_with(&collection_path(&customer_id), &query, size, rows, |a| encode_cursor(&a.id));
    let items = page.items.into_iter().map(Account::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Creates an account.
///
/// Created `active` (the default), it takes one of the customer's seats and counts in this month's
/// MAA, so the activation limits apply: 409 `account_seat_limit_reached`, `max_mau_reached` or
/// `global_user_limit_reached`. An address outside the customer's domains is a 422; one the
/// customer already has is a 409 `account_email_taken`. The creation is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts", tag = "accounts", operation_id = "createAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = CreateAccount, example = json!({
        "email": "ann.lee@acme.example", "display_name": "Ann Lee", "department": "Finance",
        "external_id": "00u1ab2cd3EF4gh5i6j7", "status": "active"
    })),
    responses(
        (status = 201, description = "Created.", body = Account,
            headers(("Location" = String, description = "URL of the new account."))),
        (status = 409, response = Conflict),
    )
)]
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<CreateAccount>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let body = body.0;
    let at = state.now();
    let created = db::run(&state.pool, move |conn| {
        let domains = customer_domains(conn, &msp_id, &customer_id)?;
        let mut errors = FieldErrors::default();
        let email = errors.check("/email", AccountEmail::parse(&body.email, &domains));
        let display_name = errors.clearable("/display_name", Some(body.display_name), DisplayName::parse);
        let department = errors.clearable("/department", Some(body.department), Department::parse);
        let external_id = errors.clearable("/external_id", Some(body.external_id), ExternalId::parse);
        let status = errors.clearable("/status", Some(body.status), str::parse::<AccountStatus>);
        let new = errors.finish((|| {
            Some(NewAccount {
                email: email?,
                profile: AccountProfile {
                    display_name: display_name?,
                    department: department?,
                    external_id: external_id?,
                },
                status: status?.unwrap_or(AccountStatus::Active),
            })
        })())?;
        write_transaction(conn, |tx| accounts_service::create_account(tx, &caller, &msp_id, &customer_id, &new, at))
    })
    .await?;
    let location = format!("{}/{}", collection_path(created.customer_id.as_deref().unwrap_or_default()), created.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(created))
}

/// Reads one account.
///
/// A deleted account, or one of another customer, is a 404. A customer session reaches only the
/// accounts of its own customer.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/accounts/{account_id}", tag = "accounts", operation_id = "getAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "The account.", body = Account),
    )
)]
pub async fn get_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadAccounts(&customer_id))?.to_owned();
    let found = db::run(&state.pool, move |conn| {
        Ok(accounts::find(conn, &msp_id, Organization::Customer(&customer_id), &account_id)?)
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(Account::from(found)))
}

/// Changes an account's address or descriptive fields.
///
/// Its status changes with `activate` and `deactivate`. Fields left out stay as they are; `null`
/// clears a descriptive field. A new address must be in one of the customer's domains (422) and not
/// used by another of its accounts (409 `account_email_taken`). A change is recorded in the audit
/// log; a request that changes nothing writes nothing.
#[utoipa::path(
    patch, path = "/api/v1/customers/{customer_id}/accounts/{account_id}", tag = "accounts", operation_id = "updateAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    request_body(content = UpdateAccount, example = json!({ "display_name": "Ann Lee-Smith", "department": "Sales" })),
    responses(
        (status = 200, description = "The account as changed.", body = Account),
        (status = 409, response = Conflict),
    )
)]
pub async fn update_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ValidJson<UpdateAccount>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let body = body.0;
    let at = state.now();
    let updated = db::run(&state.pool, move |conn| {
        let domains = customer_domains(conn, &msp_id, &customer_id)?;
        let mut errors = FieldErrors::default();
        let email = body.email.and_then(|raw| errors.check("/email", AccountEmail::parse(&raw, &domains)));
        let changes = ProfileChanges {
            display_name: errors.clearable("/display_name", body.display_name, DisplayName::parse),
            department: errors.clearable("/department", body.department, Department::parse),
            external_id: errors.clearable("/external_id", body.external_id, ExternalId::parse),
        };
        errors.finish(Some(()))?;
        write_transaction(conn, |tx| {
            accounts_service::update_account(
                tx,
                &caller,
                &msp_id,
                &customer_id,
                &account_id,
                email.as_ref(),
                &changes,
                at,
            )
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes an account.
///
/// It is deactivated first (freeing its seat) and is then gone from the API, but it still counts in
/// the MAA of the months it was active in, this one included. Its address can be used again. The
/// deletion is recorded in the audit log.
#[utoipa::path(
    delete, path = "/api/v1/customers/{customer_id}/accounts/{account_id}", tag = "accounts", operation_id = "deleteAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 204, description = "Deleted."),
    )
)]
pub async fn delete_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let at = state.now();
    db::write(&state.pool, move |tx| {
        accounts_service::delete_account(tx, &caller, &msp_id, &customer_id, &account_id, at)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_accounts, list_accounts);
    ops.add(__path_create_account, create_account);
    ops.add(import::__path_import_accounts, import::import_accounts);
    ops.add(__path_get_account, get_account);
    ops.add(__path_update_account, update_account);
    ops.add(__path_delete_account, delete_account);
    ops.add(status::__path_activate_account, status::activate_account);
    ops.add(status::__path_deactivate_account, status::deactivate_account);
    ops.add(status::__path_list_account_status_history, status::list_account_status_history);
    ops.add(erase::__path_erase_account, erase::erase_account);
}
