//! Customers of the caller's MSP. Everything here is scoped to the MSP of the
//! authenticated admin; a customer of another MSP is a 404, never a 403, so
//! that its existence is not confirmed.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::customers::{
    CountryCode, CustomerChanges, CustomerDomains, CustomerDomainsError, CustomerName, NewCustomer,
};
use domain::email::DomainName;
use persistence::customers::{self, CustomerRecord, CustomerWriteError};
use persistence::transactions::write_transaction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use validator::Validate;

use crate::auth::Caller;
use crate::db;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{PageParams, cut_page, path_id};
use crate::state::{AppState, now};

const COLLECTION_PATH: &str = "/api/v1/customers";

/// A customer organisation of the MSP.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Customer {
    /// Id (UUIDv7).
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81")]
    pub id: String,
    /// Display name.
    #[schema(example = "Acme Dental")]
    pub name: String,
    /// E-mail domains of the customer's people, lower-case, in the order given.
    #[schema(example = json!(["acme-dental.com"]))]
    pub domains: Vec<String>,
    #[schema(value_type = CountryCodeSchema)]
    pub country: String,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<CustomerRecord> for Customer {
    fn from(record: CustomerRecord) -> Self {
        Self {
            id: record.id,
            name: record.name,
            domains: record.domains,
            country: record.country,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// One page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    /// Customers in creation order.
    pub items: Vec<Customer>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new customer.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[schema(schema_with = name_schema)]
    pub name: String,
    #[schema(schema_with = domains_schema)]
    pub domains: Vec<String>,
    #[schema(value_type = CountryCodeSchema)]
    pub country: String,
}

/// Changes to a customer: absent fields stay as they are (`{}` changes
/// nothing), `domains` replaces the whole list; `null` is not a value.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = name_schema)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = domains_schema)]
    pub domains: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<CountryCodeSchema>, nullable = false)]
    pub country: Option<String>,
}

// The contract states the domain's rules from the domain's own constants, so
// that what the schema allows is exactly what the server accepts (property
// tests in `domain` hold the patterns and the parsers to each other).

fn name_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Display name: up to 200 characters, no control characters, not blank. Surrounding whitespace is \
             trimmed and inner runs of whitespace become one space.",
        ))
        .min_length(Some(1))
        .max_length(Some(CustomerName::MAX_CHARS))
        .pattern(Some(domain::text::NAME_PATTERN))
        .examples(["Acme Dental"])
}

fn domains_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .description(Some(
            "E-mail domains of the customer's people: 1-50 host names, each used by no other customer of your \
             MSP. Stored lower-case, without a trailing dot; a repeated domain is kept once.",
        ))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(DomainName::MAX_LEN))
                .pattern(Some(DomainName::PATTERN)),
        )
        .min_items(Some(1))
        .max_items(Some(CustomerDomains::MAX))
        .examples([serde_json::json!(["acme-dental.com"])])
}

/// The `CountryCode` component of the contract: every assigned ISO 3166-1
/// alpha-2 code.
pub struct CountryCodeSchema;

impl utoipa::PartialSchema for CountryCodeSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("ISO 3166-1 alpha-2 country code, upper case."))
            .enum_values(Some(CountryCode::all()))
            .examples(["DE"])
            .into()
    }
}

impl ToSchema for CountryCodeSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "CountryCode".into()
    }
}

/// Every problem of a customer's domains, each at its own pointer.
fn check_domains<S: AsRef<str>>(errors: &mut FieldErrors, raw: &[S]) -> Option<CustomerDomains> {
    CustomerDomains::parse(raw)
        .map_err(|problems| {
            for problem in problems {
                let pointer = match &problem {
                    CustomerDomainsError::Invalid { index, .. } => format!("/domains/{index}"),
                    CustomerDomainsError::Empty | CustomerDomainsError::TooMany { .. } => "/domains".to_owned(),
                };
                errors.push(InvalidField::at(pointer, problem));
            }
        })
        .ok()
}

impl CreateCustomer {
    fn into_domain(self) -> Result<NewCustomer, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check("/name", CustomerName::parse(&self.name));
        let domains = check_domains(&mut errors, &self.domains);
        let country = errors.check("/country", CountryCode::parse(&self.country));
        let customer = match (name, domains, country) {
            (Some(name), Some(domains), Some(country)) => Some(NewCustomer { name, domains, country }),
            _ => None,
        };
        errors.finish(customer)
    }
}

impl UpdateCustomer {
    fn into_domain(self) -> Result<CustomerChanges, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = CustomerChanges {
            name: self.name.and_then(|n| errors.check("/name", CustomerName::parse(&n))),
            domains: self.domains.and_then(|d| check_domains(&mut errors, &d)),
            country: self.country.and_then(|c| errors.check("/country", CountryCode::parse(&c))),
        };
        errors.finish(Some(changes))
    }
}

fn write_error(error: CustomerWriteError) -> ApiError {
    match error {
        CustomerWriteError::DomainsTaken(domains) if domains.is_empty() => ApiError::Conflict {
            code: "domain_taken",
            detail: "One of the domains already belongs to another customer of your MSP.".to_owned(),
        },
        CustomerWriteError::DomainsTaken(domains) => ApiError::Conflict {
            code: "domain_taken",
            detail: format!("Already used by another customer of your MSP: {}.", domains.join(", ")),
        },
        CustomerWriteError::Store(store) => store.into(),
    }
}

impl Customer {
    /// The JSON the audit log keeps of a customer.
    fn audit_state(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Lists the MSP's customers, oldest first.
#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers", operation_id = "listCustomers",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of customers. `Link: <…>; rel=\"next\"` points at the next page.", body = CustomerPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_customers(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let (size, after) = params.read()?;
    let rows =
        db::run(&state.pool, move |conn| Ok(customers::list(conn, &msp_id, after.as_deref(), size.fetch_limit())?))
            .await?;
    let mut page = cut_page(COLLECTION_PATH, size, rows, |c| &c.id);
    let items = page.items.into_iter().map(Customer::from).collect();
    Ok(page.response.json(CustomerPage { items, next_cursor: page.next_cursor }))
}

/// Creates a customer.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers", operation_id = "createCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Created.", body = Customer,
            headers(("Location" = String, description = "URL of the new customer."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn create_customer(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::CreateCustomer)?.to_owned();
    let new = body.0.into_domain()?;
    let at = now();
    let created = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let created = Customer::from(customers::insert(tx, &msp_id, &new, at)?);
            let event = caller.audit_event(
                &msp_id,
                "customer.created",
                "customer",
                &created.id,
                None,
                Some(&created.audit_state()),
                at,
            );
            persistence::audit::insert(tx, &event)?;
            Ok(created)
        })
        .map_err(write_error)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{COLLECTION_PATH}/{}", created.id)))
        .json(created))
}

/// Reads one customer.
#[utoipa::path(
    get, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "getCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The customer.", body = Customer),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let found = db::run(&state.pool, move |conn| Ok(customers::find(conn, &msp_id, &id)?)).await?;
    found.map(|c| HttpResponse::Ok().json(Customer::from(c))).ok_or(ApiError::NotFound)
}

/// Changes a customer.
#[utoipa::path(
    patch, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "updateCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body = UpdateCustomer,
    responses(
        (status = 200, description = "The changed customer.", body = Customer),
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
pub async fn update_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<UpdateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let changes = body.0.into_domain()?;
    let at = now();
    let updated = db::run(&state.pool, move |conn| {
        if changes.is_empty() {
            return Ok(customers::find(conn, &msp_id, &id)?.map(Customer::from));
        }
        write_transaction(conn, |tx| {
            let Some(before) = customers::find(tx, &msp_id, &id)?.map(Customer::from) else { return Ok(None) };
            let Some(after) = customers::update(tx, &msp_id, &id, &changes, at)?.map(Customer::from) else {
                return Ok(None);
            };
            let event = caller.audit_event(
                &msp_id,
                "customer.updated",
                "customer",
                &id,
                Some(&before.audit_state()),
                Some(&after.audit_state()),
                at,
            );
            persistence::audit::insert(tx, &event)?;
            Ok(Some(after))
        })
        .map_err(write_error)
    })
    .await?;
    updated.map(|c| HttpResponse::Ok().json(c)).ok_or(ApiError::NotFound)
}

/// Deletes a customer.
#[utoipa::path(
    delete, path = "/api/v1/customers/{id}", tag = "customers", operation_id = "deleteCustomer",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn delete_customer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::DeleteCustomer(&id))?.to_owned();
    let at = now();
    let deleted = db::run(&state.pool, move |conn| {
        Ok(write_transaction(conn, |tx| {
            let Some(before) = customers::find(tx, &msp_id, &id)?.map(Customer::from) else { return Ok(false) };
            customers::delete(tx, &msp_id, &id)?;
            let event =
                caller.audit_event(&msp_id, "customer.deleted", "customer", &id, Some(&before.audit_state()), None, at);
            persistence::audit::insert(tx, &event)?;
            Ok::<_, persistence::StoreError>(true)
        })?)
    })
    .await?;
    if deleted { Ok(HttpResponse::NoContent().finish()) } else { Err(ApiError::NotFound) }
}
