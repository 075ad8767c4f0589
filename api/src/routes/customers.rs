//! Customers of the caller's MSP. Everything here is scoped to the MSP of the
//! authenticated admin; a customer of another MSP is a 404, never a 403, so
//! that its existence is not confirmed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::customers::{
    BillingReference, CountryCode, CustomerChanges, CustomerDomains, CustomerDomainsError, CustomerName,
    CustomerStatus, Language, Location, MauThreshold, NewCustomer, Sector, Timezone,
};
use domain::email::DomainName;
use domain::seats::{SeatChange, SeatCount};
use domain::tiers::Tier;
use persistence::customers::{self, CustomerRecord, CustomerWriteError, Locked};
use persistence::seat_pool::{self, Refusal};
use persistence::transactions::write_transaction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use validator::Validate;

use crate::auth::{Caller, audit_state};
use crate::db;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, ServiceUnavailable, Unauthorized,
    UnprocessableEntity, UnsupportedMediaType,
};
use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::field_schemas::{clearable_text_schema, text_schema};
use crate::json::ValidJson;
use crate::pagination::path_id;
use crate::problems::ProblemCode;
use crate::routes::customer_list::{CustomerListParams, CustomerPage, list_page};
use crate::state::{AppState, now};
use crate::versions::{Precondition, etag, not_modified, stale};

pub(crate) const COLLECTION_PATH: &str = "/api/v1/customers";

/// A customer organisation of the MSP.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Customer {
    /// Id (UUIDv7).
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81")]
    pub id: String,
    /// Display name.
    #[schema(example = "Acme Dental")]
    pub name: String,
    /// The MSP's reference for this customer in its PSA or invoicing system.
    #[schema(example = "PSA-10442")]
    pub billing_reference: Option<String>,
    /// E-mail domains of the customer's people, lower-case, in the order given.
    #[schema(example = json!(["acme-dental.com"]))]
    pub domains: Vec<String>,
    #[schema(value_type = CountryCodeSchema)]
    pub country: String,
    /// IANA time zone; campaigns are scheduled in it.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// BCP 47 language tag of mails and training.
    #[schema(example = "de-DE")]
    pub language: String,
    /// Industry.
    #[schema(example = "Healthcare")]
    pub sector: Option<String>,
    /// Where the customer is.
    #[schema(example = "Berlin")]
    pub location: Option<String>,
    /// Product tier (see `GET /api/v1/tiers`).
    #[schema(schema_with = tier_schema)]
    pub tier: String,
    /// Seats allocated from your MSP's pool.
    #[schema(example = 25)]
    pub seats: i64,
    /// Most monthly active accounts; 100000000 means no practical limit.
    #[schema(example = 100_000_000)]
    pub max_mau: i64,
    /// When the customer's license ends.
    #[schema(format = Date, example = "2027-06-30")]
    pub license_expires_on: Option<NaiveDate>,
    /// Lifecycle: `onboarding` → `live` ⇄ `suspended` → `archived`.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// Version, bumped by every change; the `ETag` is this number in quotes.
    #[schema(example = 3)]
    pub version: i64,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When it first went live (UTC); `null` while it never has.
    pub went_live_at: Option<DateTime<Utc>>,
}

impl From<CustomerRecord> for Customer {
    fn from(record: CustomerRecord) -> Self {
        Self {
            id: record.id,
            name: record.name,
            billing_reference: record.billing_reference,
            domains: record.domains,
            country: record.country,
            timezone: record.timezone,
            language: record.language,
            sector: record.sector,
            location: record.location,
            tier: record.tier,
            seats: record.seats,
            max_mau: record.max_mau,
            license_expires_on: record.license_expires_on,
            status: record.status,
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
            went_live_at: record.went_live_at,
        }
    }
}

/// A new customer. It starts in `onboarding`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[schema(schema_with = name_schema)]
    pub name: String,
    #[schema(schema_with = domains_schema)]
    pub domains: Vec<String>,
    #[schema(value_type = CountryCodeSchema)]
    pub country: String,
    #[serde(default)]
    #[schema(schema_with = billing_reference_schema)]
    pub billing_reference: Option<String>,
    /// IANA time zone (default `UTC`).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = timezone_schema)]
    pub timezone: Option<String>,
    /// BCP 47 language tag (default `en`).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = language_schema)]
    pub language: Option<String>,
    #[serde(default)]
    #[schema(schema_with = sector_schema)]
    pub sector: Option<String>,
    #[serde(default)]
    #[schema(schema_with = location_schema)]
    pub location: Option<String>,
    /// Product tier (default `starter`).
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = tier_schema)]
    pub tier: Option<String>,
    /// Seats to allocate from your pool (default 0).
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(schema_with = seats_schema)]
    pub seats: Option<i64>,
    /// Most monthly active accounts (default: no practical limit).
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(schema_with = max_mau_schema)]
    pub max_mau: Option<i64>,
    /// When the license ends (`YYYY-MM-DD`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "2027-06-30")]
    pub license_expires_on: Option<String>,
}

/// Changes to a customer: absent fields stay as they are, `null` clears the
/// optional ones (`billing_reference`, `sector`, `location`,
/// `license_expires_on`), `domains` replaces the whole list. Changing `seats`
/// draws from or returns to your pool; `status` must follow the lifecycle.
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
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = billing_reference_schema)]
    pub billing_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = timezone_schema)]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = language_schema)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = sector_schema)]
    pub sector: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(schema_with = location_schema)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = tier_schema)]
    pub tier: Option<String>,
    /// New seat count; the difference is drawn from or returned to your pool.
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(schema_with = seats_schema)]
    pub seats: Option<i64>,
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(schema_with = max_mau_schema)]
    pub max_mau: Option<i64>,
    /// When the license ends (`YYYY-MM-DD`), or `null` for no end.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(value_type = Option<String>, format = Date, example = "2027-06-30")]
    pub license_expires_on: Option<Option<String>>,
    /// New lifecycle status.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = status_schema)]
    pub status: Option<String>,
}

// The contract states the domain's rules from the domain's own constants, so
// that what the schema allows is exactly what the server accepts.

fn name_schema() -> ObjectBuilder {
    text_schema(
        "Display name: up to 200 characters, no control characters, not blank. Surrounding whitespace is trimmed \
         and inner runs of whitespace become one space.",
        CustomerName::MAX_CHARS,
        "Acme Dental",
    )
}

fn billing_reference_schema() -> ObjectBuilder {
    clearable_text_schema(
        "Your reference for this customer in your PSA or invoicing system, for reconciling invoices; `null` for \
         none.",
        BillingReference::MAX_CHARS,
        "PSA-10442",
    )
}

fn sector_schema() -> ObjectBuilder {
    clearable_text_schema("Industry, e.g. Healthcare; `null` for none.", Sector::MAX_CHARS, "Healthcare")
}

fn location_schema() -> ObjectBuilder {
    clearable_text_schema("Where the customer is, e.g. a city; `null` for none.", Location::MAX_CHARS, "Berlin")
}

fn timezone_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("IANA time zone name, as spelled in the tz database."))
        .min_length(Some(1))
        .max_length(Some(64))
        .pattern(Some("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"))
        .examples(["Europe/Berlin"])
}

fn language_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("BCP 47 language tag, well-formed and registered; stored in canonical case."))
        .min_length(Some(2))
        .pattern(Some("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"))
        .max_length(Some(Language::MAX_LEN))
        .examples(["de-DE"])
}

pub(crate) fn tier_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Product tier; `GET /api/v1/tiers` lists the features of each."))
        .enum_values(Some(Tier::spellings()))
        .examples(["professional"])
}

pub(crate) fn status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Lifecycle status. Allowed changes: onboarding → live or archived; live → suspended or archived; \
             suspended → live or archived; archived is final.",
        ))
        .enum_values(Some(CustomerStatus::spellings()))
        .examples(["live"])
}

fn seats_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("Seats allocated from your MSP's pool."))
        .minimum(Some(0))
        .maximum(Some(SeatCount::MAX))
        .examples([25])
}

fn max_mau_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("Most monthly active accounts; 100000000 (the default) means no practical limit."))
        .minimum(Some(0))
        .maximum(Some(MauThreshold::MAX))
        .examples([500])
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

/// Parses a calendar date as sent (`YYYY-MM-DD`).
pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| "must be a date like 2027-06-30")
}

impl CreateCustomer {
    fn into_domain(self) -> Result<NewCustomer, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.check("/name", CustomerName::parse(&self.name));
        let domains = check_domains(&mut errors, &self.domains);
        let country = errors.check("/country", CountryCode::parse(&self.country));
        let billing_reference =
            errors.clearable("/billing_reference", Some(self.billing_reference), BillingReference::parse);
        let timezone =
            errors.check("/timezone", Timezone::parse(self.timezone.as_deref().unwrap_or(Timezone::DEFAULT)));
        let language =
            errors.check("/language", Language::parse(self.language.as_deref().unwrap_or(Language::DEFAULT)));
        let sector = errors.clearable("/sector", Some(self.sector), Sector::parse);
        let location = errors.clearable("/location", Some(self.location), Location::parse);
        let tier = errors.check("/tier", self.tier.as_deref().map_or(Ok(Tier::Starter), str::parse));
        let seats = errors.check("/seats", SeatCount::new(self.seats.unwrap_or(0)));
        let max_mau = errors.check("/max_mau", self.max_mau.map_or(Ok(MauThreshold::default()), MauThreshold::new));
        let license_expires_on = errors.clearable("/license_expires_on", Some(self.license_expires_on), parse_date);
        let customer = (|| {
            Some(NewCustomer {
                name: name?,
                domains: domains?,
                country: country?,
                billing_reference: billing_reference?,
                timezone: timezone?,
                language: language?,
                sector: sector?,
                location: location?,
                tier: tier?,
                seats: seats?,
                max_mau: max_mau?,
                license_expires_on: license_expires_on?,
            })
        })();
        errors.finish(customer)
    }
}

impl UpdateCustomer {
    pub(crate) fn into_domain(self) -> Result<CustomerChanges, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = CustomerChanges {
            name: self.name.and_then(|n| errors.check("/name", CustomerName::parse(&n))),
            domains: self.domains.and_then(|d| check_domains(&mut errors, &d)),
            country: self.country.and_then(|c| errors.check("/country", CountryCode::parse(&c))),
            billing_reference: errors.clearable("/billing_reference", self.billing_reference, BillingReference::parse),
            timezone: self.timezone.and_then(|t| errors.check("/timezone", Timezone::parse(&t))),
            language: self.language.and_then(|l| errors.check("/language", Language::parse(&l))),
            sector: errors.clearable("/sector", self.sector, Sector::parse),
            location: errors.clearable("/location", self.location, Location::parse),
            tier: self.tier.and_then(|t| errors.check("/tier", t.parse::<Tier>())),
            seats: self.seats.and_then(|s| errors.check("/seats", SeatCount::new(s))),
            max_mau: self.max_mau.and_then(|m| errors.check("/max_mau", MauThreshold::new(m))),
            license_expires_on: errors.clearable("/license_expires_on", self.license_expires_on, parse_date),
            status: self.status.and_then(|s| errors.check("/status", s.parse::<CustomerStatus>())),
        };
        errors.finish(Some(changes))
    }
}

fn write_error(error: CustomerWriteError) -> ApiError {
    match error {
        CustomerWriteError::DomainsTaken(domains) if domains.is_empty() => ApiError::Conflict {
            code: ProblemCode::DomainTaken,
            detail: "One of the domains already belongs to another customer of your MSP.".to_owned(),
        },
        CustomerWriteError::DomainsTaken(domains) => ApiError::Conflict {
            code: ProblemCode::DomainTaken,
            detail: format!("Already used by another customer of your MSP: {}.", domains.join(", ")),
        },
        CustomerWriteError::Store(store) => store.into(),
    }
}

/// The 409 for a limit that refused seats or a new customer.
fn refused(refusal: Refusal, asked: i64) -> ApiError {
    match refusal {
        Refusal::OrganizationLimit { max_organizations } => ApiError::Conflict {
            code: ProblemCode::OrganizationLimitReached,
            detail: format!(
                "Your MSP has reached its limit of {max_organizations} customer organizations; ask the platform \
                 operator to raise it, or delete a customer you no longer serve."
            ),
        },
        Refusal::SeatsUnavailable { available } => ApiError::Conflict {
            code: ProblemCode::SeatsUnavailable,
            detail: format!(
                "Your seat pool has {available} seats available; this change needs {asked}. Lower another \
                 customer's seats or request a pool expansion."
            ),
        },
    }
}

impl Customer {
    /// `200 OK` with the customer and its `ETag`.
    fn ok(self) -> HttpResponse {
        HttpResponse::Ok().insert_header((header::ETAG, etag(self.version))).json(self)
    }
}

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
    params: web::Query<CustomerListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let query = params.into_inner().read()?;
    let page = list_page(&state, msp_id, query, COLLECTION_PATH).await?;
    let items = page.items.into_iter().map(Customer::from).collect();
    let mut response = page.response;
    Ok(response.json(CustomerPage { items, next_cursor: page.next_cursor }))
}

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
            let created =
                Customer::from(customers::insert(tx, &msp_id, &new, &caller.actor.label, at).map_err(write_error)?);
            caller.record(
                tx,
                &msp_id,
                "customer.created",
                "customer",
                &created.id,
                None,
                Some(&audit_state(&created)),
                at,
            )?;
            // Last, so that the MSP's row — which every creation and seat
            // change of the MSP waits for — stays locked only until commit.
            let seats = new.seats.get();
            seat_pool::claim_customer_slot(tx, &msp_id, seats)?.map_err(|refusal| refused(refusal, seats))?;
            Ok(created)
        })
    })
    .await?;
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
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
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
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
    let at = now();
    let updated = db::run(&state.pool, move |conn| {
        if changes.is_empty() {
            // `{}` changes nothing and bumps no version.
            return customers::find(conn, &msp_id, &id)?.map(Customer::from).ok_or(ApiError::NotFound);
        }
        write_transaction(conn, |tx| change_customer(tx, &caller, &msp_id, &id, precondition.versions(), &changes, at))
    })
    .await?;
    Ok(updated.ok())
}

/// Changes a customer in the caller's transaction: locks it (checking
/// `versions` from `If-Match`), checks the lifecycle, the readiness of going
/// live and the seats, applies, audits, and draws the seats from the pool.
pub(crate) fn change_customer(
    tx: &mut persistence::DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    versions: Option<&[i64]>,
    changes: &CustomerChanges,
    at: DateTime<Utc>,
) -> Result<Customer, ApiError> {
    let current = match customers::lock(tx, msp_id, id, versions, at)? {
        Locked::Customer(current) => current,
        Locked::Stale { current_version } => return Err(stale(current_version)),
        Locked::NotFound => return Err(ApiError::NotFound),
    };
    let before = Customer::from(current.clone());
    check_status_change(&current, changes)?;
    if changes.status == Some(CustomerStatus::Live) && current.status != CustomerStatus::Live.as_str() {
        crate::routes::onboarding::ensure_ready(tx, &current)?;
    }
    let seat_change = changes.seats.map(|to| check_seat_change(tx, msp_id, &current, to)).transpose()?;
    let after =
        Customer::from(customers::apply(tx, msp_id, &current, changes, &caller.actor.label, at).map_err(write_error)?);
    caller.record(
        tx,
        msp_id,
        "customer.updated",
        "customer",
        id,
        Some(&audit_state(&before)),
        Some(&audit_state(&after)),
        at,
    )?;
    // Last, so that the MSP's row stays locked only until commit.
    if let Some(change) = seat_change.filter(|c| c.drawn() != 0) {
        seat_pool::draw(tx, msp_id, change.drawn())?.map_err(|refusal| refused(refusal, change.drawn()))?;
    }
    Ok(after)
}

fn check_status_change(current: &CustomerRecord, changes: &CustomerChanges) -> Result<(), ApiError> {
    let Some(to) = changes.status else { return Ok(()) };
    let from: CustomerStatus = current.status.parse().map_err(ApiError::internal)?;
    from.change_to(to).map(|_| ()).map_err(|refusal| ApiError::Conflict {
        code: ProblemCode::InvalidStatusTransition,
        detail: format!("{refusal}."),
    })
}

/// Checks a change of a locked customer's seats to `to` against its active
/// users; the pool is asked afterwards, in one conditional statement.
fn check_seat_change(
    tx: &mut persistence::DbConnection,
    msp_id: &str,
    current: &CustomerRecord,
    to: SeatCount,
) -> Result<SeatChange, ApiError> {
    let from = SeatCount::new(current.seats).map_err(ApiError::internal)?;
    let active = seat_pool::active_users(tx, msp_id, std::slice::from_ref(&current.id))?;
    let active_users = active.get(&current.id).copied().unwrap_or(0);
    SeatChange::check(from, to, active_users).map_err(|refusal| ApiError::Conflict {
        code: ProblemCode::SeatsBelowActiveUsers,
        detail: format!("{refusal}."),
    })
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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 503, response = ServiceUnavailable),
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
    let at = now();
    db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let current = match customers::lock(tx, &msp_id, &id, precondition.versions(), at)? {
                Locked::Customer(current) => current,
                Locked::Stale { current_version } => return Err(stale(current_version)),
                Locked::NotFound => return Err(ApiError::NotFound),
            };
            persistence::accounts::retire_customer(tx, &msp_id, &id, at.naive_utc())?;
            customers::delete(tx, &msp_id, &id)?;
            seat_pool::release_customer_slot(tx, &msp_id, current.seats)?;
            let before = Customer::from(current);
            caller.record(tx, &msp_id, "customer.deleted", "customer", &id, Some(&audit_state(&before)), None, at)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
