//! Accounts of a customer: its end users, active or inactive, with every
//! change of status kept, because MAA is counted from them
//! (see `domain::maa`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::access::Action;
use domain::accounts::{
    AccountEmail, AccountProfile, AccountStatus, ActivationRefusal, Department, DisplayName, ExternalId, NewAccount,
    ProfileChanges,
};
use persistence::accounts::{self, AccountFilter, AccountRecord, Organization, StatusBatch, StatusChangeRecord};
use persistence::transactions::write_transaction;
use persistence::{DbConnection, StoreError, customers};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Caller, audit_state};
use crate::db;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::field_schemas::{clearable_text_schema, text_schema};
use crate::json::ValidJson;
use crate::pagination::{PageParams, cut_page_with, decode_cursor, encode_cursor, link_query, page_size, path_id};
use crate::problems::ProblemCode;
use crate::state::{AppState, now};

/// An end user of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    /// Id (UUIDv7).
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e90")]
    pub id: String,
    /// The customer.
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub customer_id: Option<String>,
    /// Address in one of the customer's domains, lower-cased; unique within
    /// the customer.
    #[schema(example = "ann.lee@acme.example")]
    pub email: String,
    /// How the person is called.
    #[schema(example = "Ann Lee")]
    pub display_name: Option<String>,
    /// Their department.
    #[schema(example = "Finance")]
    pub department: Option<String>,
    /// Their id in the customer's directory.
    #[schema(example = "00u1ab2cd3EF4gh5i6j7")]
    pub external_id: Option<String>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// When the status last changed (UTC).
    pub status_changed_at: DateTime<Utc>,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<AccountRecord> for Account {
    fn from(record: AccountRecord) -> Self {
        Self {
            id: record.id,
            customer_id: record.customer_id,
            email: record.email,
            display_name: record.display_name,
            department: record.department,
            external_id: record.external_id,
            status: record.status,
            status_changed_at: record.status_changed_at.and_utc(),
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
        }
    }
}

fn status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(AccountStatus::spellings()))
        .description(Some(
            "`active`: holds one of the customer's seats and counts in the MAA of every month it is active in. \
             `inactive`: holds no seat and no longer counts from the next month on (it still counts in the months \
             it was active in).",
        ))
        .examples([serde_json::json!("active")])
}

/// One page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    /// Accounts in creation order.
    pub items: Vec<Account>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One kept change of an account's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChange {
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// When (UTC).
    pub changed_at: DateTime<Utc>,
    /// Who made it: an admin's e-mail, an API key, or the import.
    #[schema(example = "owner@msp.example")]
    pub changed_by: String,
}

impl From<StatusChangeRecord> for StatusChange {
    fn from(record: StatusChangeRecord) -> Self {
        Self { status: record.status, changed_at: record.changed_at.and_utc(), changed_by: record.changed_by }
    }
}

/// One page of an account's status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangePage {
    /// Changes, oldest first; the first is the account's creation.
    pub items: Vec<StatusChange>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

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

const DISPLAY_NAME: &str = "How the person is called: up to 200 characters, no control characters, not blank.";
const DEPARTMENT: &str = "Their department: up to 100 characters, no control characters, not blank.";
const EXTERNAL_ID: &str =
    "Their id in the customer's directory: up to 200 characters, no control characters, not blank.";

fn display_name_schema() -> ObjectBuilder {
    text_schema(DISPLAY_NAME, DisplayName::MAX_CHARS, "Ann Lee")
}

fn department_schema() -> ObjectBuilder {
    text_schema(DEPARTMENT, Department::MAX_CHARS, "Finance")
}

fn external_id_schema() -> ObjectBuilder {
    text_schema(EXTERNAL_ID, ExternalId::MAX_CHARS, "00u1ab2cd3EF4gh5i6j7")
}

fn clearable_display_name_schema() -> ObjectBuilder {
    clearable_text_schema(DISPLAY_NAME, DisplayName::MAX_CHARS, "Ann Lee-Smith")
}

fn clearable_department_schema() -> ObjectBuilder {
    clearable_text_schema(DEPARTMENT, Department::MAX_CHARS, "Sales")
}

fn clearable_external_id_schema() -> ObjectBuilder {
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

fn collection_path(customer_id: &str) -> String {
    format!("/api/v1/customers/{customer_id}/accounts")
}

/// The activation limit an account ran into, as a 409 naming it.
pub(crate) fn refused(refusal: ActivationRefusal) -> ApiError {
    ApiError::Conflict { code: refusal.into(), detail: format!("{refusal}.") }
}

/// Maps a write that hit the one unique key accounts have.
pub(crate) fn email_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::UniqueViolation(_) => ApiError::Conflict {
            code: ProblemCode::AccountEmailTaken,
            detail: "The customer already has an account with this e-mail address.".to_owned(),
        },
        other => other.into(),
    }
}

/// The customer's domains, or 404 when it is not the MSP's.
pub(crate) fn customer_domains(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(customers::find(conn, msp_id, customer_id)?.ok_or(ApiError::NotFound)?.domains)
}

/// Moves one account to `to` under the organisation's locks, checking the
/// activation limits; the account as it is afterwards.
pub(crate) fn set_status(
    tx: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    account_id: &str,
    to: AccountStatus,
    changed_by: &str,
    at: NaiveDateTime,
) -> Result<(AccountRecord, AccountRecord), ApiError> {
    let mut budget = accounts::lock_budget(tx, msp_id, organization, at)?.ok_or(ApiError::NotFound)?;
    let current = accounts::find(tx, msp_id, organization, account_id)?.ok_or(ApiError::NotFound)?;
    let mut batch = StatusBatch::new(msp_id, organization, changed_by);
    let month = domain::maa::Month::of(at.max(current.status_changed_at));
    budget.change(Some(current.account_status()), to, current.last_active(), month).map_err(refused)?;
    let changed = batch.change(tx, &current, to, at)?;
    batch.finish(tx)?;
    Ok((current, changed))
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
        (status = 200, description = "A page of the customer's accounts (deleted ones are not listed).", body = AccountPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
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
    Ok(page.response.json(AccountPage { items, next_cursor: page.next_cursor }))
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
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<CreateAccount>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let body = body.0;
    let at = now();
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
        write_transaction(conn, |tx| {
            let organization = Organization::Customer(&customer_id);
            let mut budget =
                accounts::lock_budget(tx, &msp_id, organization, at.naive_utc())?.ok_or(ApiError::NotFound)?;
            budget.change(None, new.status, None, domain::maa::Month::of(at.naive_utc())).map_err(refused)?;
            let mut batch = StatusBatch::new(&msp_id, organization, &caller.actor.label);
            let record = batch.create(&new, at.naive_utc());
            accounts::insert_all(tx, std::slice::from_ref(&record), &caller.actor.label).map_err(email_taken)?;
            batch.finish(tx)?;
            let created = Account::from(record);
            caller.record(
                tx,
                &msp_id,
                "account.created",
                "account",
                &created.id,
                None,
                Some(&audit_state(&created)),
                at,
            )?;
            Ok(created)
        })
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
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
pub async fn update_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ValidJson<UpdateAccount>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let body = body.0;
    let at = now();
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
            let current = accounts::find(tx, &msp_id, Organization::Customer(&customer_id), &account_id)?
                .ok_or(ApiError::NotFound)?;
            let Some(mut changed) = current.with_profile(email.as_ref(), &changes) else {
                return Ok(Account::from(current));
            };
            changed.updated_at = at.naive_utc();
            accounts::write_profile(tx, &changed, at.naive_utc()).map_err(email_taken)?;
            let (before, after) = (Account::from(current), Account::from(changed));
            caller.record(
                tx,
                &msp_id,
                "account.updated",
                "account",
                &after.id,
                Some(&audit_state(&before)),
                Some(&audit_state(&after)),
                at,
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    to: AccountStatus,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let at = now();
    let changed = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let organization = Organization::Customer(&customer_id);
            let (before, after) =
                set_status(tx, &msp_id, organization, &account_id, to, &caller.actor.label, at.naive_utc())?;
            let (before, after) = (Account::from(before), Account::from(after));
            if before.status != after.status {
                let action = match to {
                    AccountStatus::Active => "account.activated",
                    AccountStatus::Inactive => "account.deactivated",
                };
                caller.record(
                    tx,
                    &msp_id,
                    action,
                    "account",
                    &after.id,
                    Some(&audit_state(&before)),
                    Some(&audit_state(&after)),
                    at,
                )?;
            }
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(changed))
}

/// Activates an account.
///
/// It takes one of the customer's seats and counts in this month's MAA. Refused with a 409 naming
/// the limit when the customer has no seat left (`account_seat_limit_reached`), when its MAA this
/// month has reached its max MAU threshold and the account has not counted this month yet
/// (`max_mau_reached`), or when the MSP has reached its max global users
/// (`global_user_limit_reached`). Activating an active account changes nothing; a change of status
/// is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/activate", tag = "accounts",
    operation_id = "activateAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "The account, active.", body = Account),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn activate_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, AccountStatus::Active).await
}

/// Deactivates an account.
///
/// Its seat is free at once; it still counts in the MAA of this month, in which it was active.
/// Deactivating an inactive account changes nothing; a change of status is recorded in the audit
/// log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/deactivate", tag = "accounts",
    operation_id = "deactivateAccount",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
    ),
    responses(
        (status = 200, description = "The account, inactive.", body = Account),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn deactivate_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, AccountStatus::Inactive).await
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn delete_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageAccounts(&customer_id))?.to_owned();
    let at = now();
    db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let organization = Organization::Customer(&customer_id);
            let (before, after) = set_status(
                tx,
                &msp_id,
                organization,
                &account_id,
                AccountStatus::Inactive,
                &caller.actor.label,
                at.naive_utc(),
            )?;
            accounts::mark_deleted(tx, &after.id, at.naive_utc())?;
            let before = Account::from(before);
            caller.record(
                tx,
                &msp_id,
                "account.deleted",
                "account",
                &before.id,
                Some(&audit_state(&before)),
                None,
                at,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The account's status changes, oldest first: the first is its creation.
///
/// Each change gives the new status, when it was made and who made it (an admin's e-mail, an API
/// key, or the import). Pages hold 1-200 changes (default 50); follow `next_cursor` or the `Link`
/// header. A deleted account is a 404.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/accounts/{account_id}/status-history", tag = "accounts",
    operation_id = "listAccountStatusHistory",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("account_id" = uuid::Uuid, Path, description = "Account id."),
        PageParams,
    ),
    responses(
        (status = 200, description = "A page of status changes.", body = StatusChangePage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_account_status_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, account_id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadAccounts(&customer_id))?.to_owned();
    let (size, after) = params.read()?;
    let (customer, account) = (customer_id.clone(), account_id.clone());
    let rows = db::run(&state.pool, move |conn| {
        accounts::find(conn, &msp_id, Organization::Customer(&customer), &account)?.ok_or(ApiError::NotFound)?;
        Ok(accounts::history(conn, &account, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let path = format!("{}/{account_id}/status-history", collection_path(&customer_id));
    let mut page = cut_page_with(&path, "", size, rows, |change| encode_cursor(&change.id));
    let items = page.items.into_iter().map(StatusChange::from).collect();
    Ok(page.response.json(StatusChangePage { items, next_cursor: page.next_cursor }))
}
