//! The customer resource as the API shows and accepts it: customers of the caller's MSP. Everything here is scoped to the MSP of the
//! authenticated admin; a customer of another MSP is a 404, never a 403, so
//! that its existence is not confirmed.

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, NaiveDate, Utc};
use domain::customers::{
    BillingReference, CountryCode, CustomerChanges, CustomerDomains, CustomerDomainsError, CustomerName,
    CustomerStatus, Language, Location, MauThreshold, NewCustomer, Sector, Timezone,
};
use domain::email::DomainName;
use domain::seats::SeatCount;
use domain::tiers::Tier;
use persistence::customers::CustomerRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use validator::Validate;

use crate::error::{ApiError, FieldErrors, InvalidField};
use crate::field_schemas::{clearable_text_schema, text_schema};
use crate::versions::etag;

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
            tier: record.tier.as_str().to_owned(),
            seats: record.seats,
            max_mau: record.max_mau,
            license_expires_on: record.license_expires_on,
            status: record.status.as_str().to_owned(),
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

pub(crate) fn name_schema() -> ObjectBuilder {
    text_schema(
        "Display name: up to 200 characters, no control characters, not blank. Surrounding whitespace is trimmed \
         and inner runs of whitespace become one space.",
        CustomerName::MAX_CHARS,
        "Acme Dental",
    )
}

pub(crate) fn billing_reference_schema() -> ObjectBuilder {
    clearable_text_schema(
        "Your reference for this customer in your PSA or invoicing system, for reconciling invoices; `null` for \
         none.",
        BillingReference::MAX_CHARS,
        "PSA-10442",
    )
}

pub(crate) fn sector_schema() -> ObjectBuilder {
    clearable_text_schema("Industry, e.g. Healthcare; `null` for none.", Sector::MAX_CHARS, "Healthcare")
}

pub(crate) fn location_schema() -> ObjectBuilder {
    clearable_text_schema("Where the customer is, e.g. a city; `null` for none.", Location::MAX_CHARS, "Berlin")
}

pub(crate) fn timezone_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("IANA time zone name, as spelled in the tz database."))
        .min_length(Some(1))
        .max_length(Some(64))
        .pattern(Some("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"))
        .examples(["Europe/Berlin"])
}

pub(crate) fn language_schema() -> ObjectBuilder {
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

pub(crate) fn seats_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("Seats allocated from your MSP's pool."))
        .minimum(Some(0))
        .maximum(Some(SeatCount::MAX))
        .examples([25])
}

pub(crate) fn max_mau_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("Most monthly active accounts; 100000000 (the default) means no practical limit."))
        .minimum(Some(0))
        .maximum(Some(MauThreshold::MAX))
        .examples([500])
}

pub(crate) fn domains_schema() -> ArrayBuilder {
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
pub(crate) fn check_domains<S: AsRef<str>>(errors: &mut FieldErrors, raw: &[S]) -> Option<CustomerDomains> {
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
    pub(crate) fn into_domain(self) -> Result<NewCustomer, ApiError> {
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

impl Customer {
    /// `200 OK` with the customer and its `ETag`.
    pub(crate) fn ok(self) -> HttpResponse {
        HttpResponse::Ok().insert_header((header::ETAG, etag(self.version))).json(self)
    }
}
