//! Guided onboarding of a customer under `/api/v1/customers/{customer_id}/onboarding`:
//! six steps saved as they go (partial saves are kept), a delivery test
//! through the SMTP relay, the logo, readiness and go-live; and the
//! attention list of customers whose setup stalls. The rules — statuses,
//! problems, readiness — are `domain::onboarding`; this module gathers the
//! facts and speaks HTTP.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::customers::CustomerStatus;
use domain::onboarding::{
    self as rules, DeliveryTestStatus, EmailChecklist, EmailGateway, Problem, ProvisioningFacts, ProvisioningMethod,
    ReadinessFacts, Step, StepStatus,
};
use persistence::customers::{self, CustomerRecord};
use persistence::onboarding::{self as store, DeliveryTestRecord, LogoInfo, StepRecord};
use persistence::scim_connections::{self, ScimConnectionRecord};
use persistence::seat_pool;
use persistence::transactions::write_transaction;
use persistence::{DbConnection, onboarding};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Caller;
use crate::auth::refresh_tokens::{random_token, sha256_hex, storage_hash};
use crate::db;
use crate::error::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use crate::error::{ApiError, InvalidField};
use crate::json::ValidJson;
use crate::pagination::{PageParams, cut_page, cut_page_with, decode_cursor, link_query, page_size, path_id};
use crate::problems::ProblemCode;
use crate::routes::customers::{Customer, UpdateCustomer, change_customer};
use crate::routes::provisioning::{ScimToken, issue_token};
use crate::scim::wire::base_url;
use crate::state::{AppState, now};

/// Addresses outside the domains listed by name; the rest are counted.
const OUTSIDE_EXAMPLES: usize = 20;
/// Delivery tests shown in the email step.
const LATEST_TESTS: i64 = 5;

/// One problem of a step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepProblem {
    /// Stable machine code.
    #[schema(example = "scim_not_connected")]
    pub code: String,
    /// JSON Pointer into the step's values, when one value is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/seats")]
    pub pointer: Option<String>,
    /// What to do.
    pub message: String,
}

impl From<&Problem> for StepProblem {
    fn from(problem: &Problem) -> Self {
        Self { code: problem.code.to_owned(), pointer: problem.pointer.clone(), message: problem.message.clone() }
    }
}

/// One step of the onboarding.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingStep {
    /// The step.
    #[schema(schema_with = step_schema)]
    pub step: String,
    /// `not_started` (nothing saved), `in_progress` (saved, problems left),
    /// `complete`, or `skipped` (branding only).
    #[schema(schema_with = step_status_schema)]
    pub status: String,
    /// Whether the step may be skipped.
    pub skippable: bool,
    /// What the step holds, as a form shows it: saved values not applied yet
    /// (with their problems) over what is in force. `tenant_details`: name,
    /// billing_reference, domains, country, timezone, language.
    /// `product_and_licenses`: tier, seats, pool (pool_total,
    /// allocated_to_others, this_customer, remaining_after, max_available).
    /// `user_provisioning`: method, scim (base_url, token_prefix,
    /// connection_tested, last_success_at, last_failure), instructions,
    /// accounts, users_to_sync, accounts_outside_domains (count, examples).
    /// `email_config`: m365_transport_rule, defender_allowlist, gateway,
    /// gateway_allowlist, confirmed_delivery_test, latest_delivery_tests.
    /// `branding`: primary_color, welcome_message, logo. `review`: status,
    /// went_live_at, ready, blockers, warnings.
    #[schema(value_type = Object)]
    pub values: Value,
    /// What keeps the step from being complete.
    pub problems: Vec<StepProblem>,
    /// When last saved (UTC).
    pub saved_at: Option<DateTime<Utc>>,
    /// Who saved it.
    pub saved_by: Option<String>,
}

/// A customer's onboarding: every step, and the one to show next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Onboarding {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Its lifecycle status.
    #[schema(schema_with = crate::routes::customers::status_schema)]
    pub customer_status: String,
    /// The first step still open, or `review`.
    #[schema(schema_with = step_schema)]
    pub current_step: String,
    /// The six steps, in order.
    pub steps: Vec<OnboardingStep>,
    /// The SCIM token made by this save, shown this once (only in the
    /// answer to the first save of `user_provisioning` with an identity
    /// provider, when the customer had no token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_scim_token: Option<ScimToken>,
}

/// A blocker or warning of going live.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finding {
    /// Stable machine code.
    #[schema(example = "no_seats")]
    pub code: String,
    /// The step where it is fixed.
    #[schema(schema_with = step_schema)]
    pub step: String,
    /// What it means.
    pub message: String,
}

impl From<&rules::Finding> for Finding {
    fn from(finding: &rules::Finding) -> Self {
        Self { code: finding.code.to_owned(), step: finding.step.as_str().to_owned(), message: finding.message.clone() }
    }
}

/// The status of one step, for the review.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepState {
    /// The step.
    #[schema(schema_with = step_schema)]
    pub step: String,
    /// Its status.
    #[schema(schema_with = step_status_schema)]
    pub status: String,
}

/// Whether the customer can go live.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// No blocker left.
    pub ready: bool,
    /// Going live is refused while any is left.
    pub blockers: Vec<Finding>,
    /// Worth a look; going live is allowed.
    pub warnings: Vec<Finding>,
    /// Every step's status.
    pub steps: Vec<StepState>,
    /// Active accounts: who campaigns will reach.
    pub users_to_sync: i64,
}

/// The customer after going live.
#[derive(Debug, Serialize, ToSchema)]
pub struct WentLive {
    /// The customer, `live`, with `went_live_at`.
    pub customer: Customer,
    /// What readiness still warns about.
    pub warnings: Vec<Finding>,
}

pub(crate) fn step_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An onboarding step."))
        .enum_values(Some(Step::spellings()))
        .examples(["user_provisioning"])
}

fn step_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where a step stands."))
        .enum_values(Some(StepStatus::spellings()))
        .examples(["in_progress"])
}

// ---------------------------------------------------------------------------
// What each step accepts.

/// `tenant_details`: the customer's own fields, checked as on `PATCH
/// /api/v1/customers/{customer_id}`. Fields left out keep their saved value; values
/// that are not valid are kept as the step's problems and nothing is applied
/// to the customer until all saved values are valid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDetailsInput {
    /// Display name.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub name: Option<String>,
    /// PSA reference; `null` clears it.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    pub billing_reference: Option<Option<String>>,
    /// E-mail domains (replaces the list).
    #[serde(default, deserialize_with = "crate::json::present")]
    pub domains: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 code.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub country: Option<String>,
    /// IANA time zone.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub timezone: Option<String>,
    /// BCP 47 language tag.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub language: Option<String>,
}

/// `product_and_licenses`: tier and seats; the seats are reserved from your
/// pool when the step is saved valid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Product tier.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = crate::routes::customers::tier_schema)]
    pub tier: Option<String>,
    /// Seats from your pool.
    #[serde(default, deserialize_with = "crate::json::present_integer")]
    #[schema(example = 25)]
    pub seats: Option<i64>,
}

/// `user_provisioning`: where accounts come from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisioningInput {
    /// `azure_ad`, `google_workspace`, `okta` (SCIM) or `csv`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = method_schema)]
    pub method: Option<String>,
}

/// `email_config`: the mail-flow checklist, each item confirmed by you once
/// done in the customer's mail system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfigInput {
    /// The Microsoft 365 transport rule for simulation mail is in place.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub m365_transport_rule: Option<bool>,
    /// Microsoft Defender's phishing-simulation (advanced delivery) allowlist is set.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub defender_allowlist: Option<bool>,
    /// The gateway in front of Microsoft 365: `mimecast`, `proofpoint`, `other` or `none`.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(schema_with = gateway_schema)]
    pub gateway: Option<String>,
    /// The gateway's allowlist is set (not needed with `none`).
    #[serde(default, deserialize_with = "crate::json::present")]
    pub gateway_allowlist: Option<bool>,
}

/// `branding`: colour and welcome message (the logo has its own route);
/// `skip: true` skips the step and the defaults apply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingInput {
    /// `#RRGGBB`; `null` clears it.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(example = "#1A73E8")]
    pub primary_color: Option<Option<String>>,
    /// Shown to the customer's people; `null` clears it.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    #[schema(example = "Welcome to your security awareness training.")]
    pub welcome_message: Option<Option<String>>,
    /// Skip the step (defaults apply); saving anything else un-skips it.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub skip: Option<bool>,
}

/// The body of a step's save, read as JSON and checked against the step's
/// own type once the step is known.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct StepBody(Value);

impl Validate for StepBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// What a step accepts; which one depends on `{step}`. In the contract it is
/// `anyOf` the steps' inputs, not tagged: the body is the input itself.
pub struct StepInput;

impl utoipa::PartialSchema for StepInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        utoipa::openapi::schema::AnyOfBuilder::new()
            .description(Some(
                "The step's input, by `{step}`: `tenant_details` TenantDetailsInput, `product_and_licenses` \
                 ProductInput, `user_provisioning` ProvisioningInput, `email_config` EmailConfigInput, `branding` \
                 BrandingInput.",
            ))
            .item(Ref::from_schema_name(TenantDetailsInput::name()))
            .item(Ref::from_schema_name(ProductInput::name()))
            .item(Ref::from_schema_name(ProvisioningInput::name()))
            .item(Ref::from_schema_name(EmailConfigInput::name()))
            .item(Ref::from_schema_name(BrandingInput::name()))
            .into()
    }
}

impl ToSchema for StepInput {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        fn add<T: ToSchema>(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
            schemas.push((T::name().into_owned(), T::schema()));
            T::schemas(schemas);
        }
        add::<TenantDetailsInput>(schemas);
        add::<ProductInput>(schemas);
        add::<ProvisioningInput>(schemas);
        add::<EmailConfigInput>(schemas);
        add::<BrandingInput>(schemas);
    }
}

fn method_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where accounts come from."))
        .enum_values(Some(ProvisioningMethod::spellings()))
        .examples(["azure_ad"])
}

fn gateway_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Mail gateway in front of Microsoft 365."))
        .enum_values(Some(EmailGateway::spellings()))
        .examples(["mimecast"])
}

// ---------------------------------------------------------------------------
// The facts a customer's onboarding is judged on.

/// Everything the steps are computed from, read in one connection.
pub(crate) struct Snapshot {
    customer: CustomerRecord,
    steps: HashMap<Step, StepRecord>,
    scim: Option<ScimConnectionRecord>,
    logo: Option<LogoInfo>,
    delivery: Vec<DeliveryTestStatus>,
    latest_tests: Vec<DeliveryTestRecord>,
    outside: Vec<String>,
    accounts: i64,
    active: i64,
    pool_total: i64,
    pool_allocated: i64,
}

fn snapshot(conn: &mut DbConnection, customer: CustomerRecord) -> Result<Snapshot, ApiError> {
    let (msp_id, id) = (customer.msp_id.clone(), customer.id.clone());
    let steps = store::steps(conn, &msp_id, &id)?
        .into_iter()
        .filter_map(|record| record.step.parse::<Step>().ok().map(|step| (step, record)))
        .collect();
    let emails = store::account_emails(conn, &msp_id, &id)?;
    let outside = rules::outside_domains(emails.iter().map(String::as_str), &customer.domains)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let pool = seat_pool::read(conn, &msp_id)?.ok_or(ApiError::NotFound)?;
    let active = seat_pool::active_users(conn, &msp_id, std::slice::from_ref(&id))?.get(&id).copied().unwrap_or(0);
    Ok(Snapshot {
        scim: scim_connections::find(conn, &msp_id, &id)?,
        logo: store::logo_info(conn, &msp_id, &id)?,
        delivery: store::delivery_statuses(conn, &msp_id, &id)?.iter().filter_map(|s| s.parse().ok()).collect(),
        latest_tests: store::delivery_tests(conn, &msp_id, &id, None, LATEST_TESTS)?,
        accounts: i64::try_from(emails.len()).unwrap_or(i64::MAX),
        active,
        outside,
        steps,
        pool_total: pool.seat_pool_total,
        pool_allocated: pool.seat_pool_allocated,
        customer,
    })
}

/// A step with its status, values and problems.
struct Evaluated {
    step: Step,
    status: StepStatus,
    values: Value,
    problems: Vec<Problem>,
}

fn saved_values(record: Option<&StepRecord>) -> Map<String, Value> {
    record.and_then(|r| serde_json::from_str::<Map<String, Value>>(&r.saved_values).ok()).unwrap_or_default()
}

fn refusal_problem(record: Option<&StepRecord>) -> Option<Problem> {
    let refusal: Value = serde_json::from_str(record?.refusal.as_deref()?).ok()?;
    Some(Problem::new("not_applied", refusal["detail"].as_str().unwrap_or("The saved values could not be applied.")))
}

/// Saved customer fields as the change they make, parsed and checked exactly
/// as `PATCH /api/v1/customers/{customer_id}` does.
fn draft_changes(draft: &Map<String, Value>) -> Result<domain::customers::CustomerChanges, ApiError> {
    serde_json::from_value::<UpdateCustomer>(Value::Object(draft.clone()))
        .map_err(|e| ApiError::invalid("", e))
        .and_then(UpdateCustomer::into_domain)
}

/// Problems of saved customer fields not applied yet, checked exactly as
/// `PATCH /api/v1/customers/{customer_id}` checks them.
fn field_problems(draft: &Map<String, Value>) -> Vec<Problem> {
    if draft.is_empty() {
        return Vec::new();
    }
    match draft_changes(draft) {
        Ok(_) => Vec::new(),
        Err(ApiError::Validation(fields)) => {
            fields.into_iter().map(|f| Problem::at("invalid_value", f.pointer.unwrap_or_default(), f.message)).collect()
        }
        Err(other) => vec![Problem::new("invalid_value", other.to_string())],
    }
}

fn customer_step(
    snapshot: &Snapshot,
    step: Step,
    mut values: Map<String, Value>,
    extra: Vec<Problem>,
) -> (Map<String, Value>, Vec<Problem>, bool) {
    let record = snapshot.steps.get(&step);
    let draft = saved_values(record);
    let mut problems = field_problems(&draft);
    problems.extend(refusal_problem(record));
    if !draft.is_empty() && problems.is_empty() {
        problems.push(Problem::new("not_applied", "Saved values are not applied yet: save the step again."));
    }
    problems.extend(extra);
    values.extend(draft);
    (values, problems, record.is_some())
}

fn evaluate(snapshot: &Snapshot, base_url: &str) -> Vec<Evaluated> {
    let c = &snapshot.customer;
    let mut evaluated = Vec::with_capacity(Step::ALL.len());
    let mut push = |step: Step, saved: bool, skipped: bool, values: Map<String, Value>, problems: Vec<Problem>| {
        let status = rules::status_of(saved, skipped, &problems);
        evaluated.push(Evaluated { step, status, values: Value::Object(values), problems });
    };

    let tenant = json!({
        "name": c.name, "billing_reference": c.billing_reference, "domains": c.domains,
        "country": c.country, "timezone": c.timezone, "language": c.language,
    });
    let (values, problems, saved) =
        customer_step(snapshot, Step::TenantDetails, tenant.as_object().cloned().unwrap_or_default(), Vec::new());
    push(Step::TenantDetails, saved, false, values, problems);

    let (mut values, problems, saved) = customer_step(
        snapshot,
        Step::ProductAndLicenses,
        json!({ "tier": c.tier, "seats": c.seats }).as_object().cloned().unwrap_or_default(),
        rules::product_problems(c.seats),
    );
    let wanted = values.get("seats").and_then(Value::as_i64).unwrap_or(c.seats);
    let impact = rules::pool_impact(snapshot.pool_total, snapshot.pool_allocated, c.seats, wanted);
    values.insert(
        "pool".to_owned(),
        json!({
            "pool_total": impact.pool_total, "allocated_to_others": impact.allocated_to_others,
            "this_customer": impact.this_customer, "remaining_after": impact.remaining_after,
            "max_available": impact.max_available,
        }),
    );
    push(Step::ProductAndLicenses, saved, false, values, problems);

    let record = snapshot.steps.get(&Step::UserProvisioning);
    let saved_provisioning = saved_values(record);
    let method = saved_provisioning.get("method").and_then(Value::as_str).and_then(|m| m.parse().ok());
    let facts = ProvisioningFacts {
        method,
        has_token: snapshot.scim.is_some(),
        connected: snapshot.scim.as_ref().is_some_and(|s| s.last_success_at.is_some()),
        accounts: snapshot.accounts,
        accounts_outside_domains: i64::try_from(snapshot.outside.len()).unwrap_or(i64::MAX),
    };
    let scim = method.filter(|m: &ProvisioningMethod| m.uses_scim()).map(|_| {
        json!({
            "base_url": base_url,
            "token_prefix": snapshot.scim.as_ref().map(|s| s.token_prefix.clone()),
            "connection_tested": facts.connected,
            "last_success_at": snapshot.scim.as_ref().and_then(|s| s.last_success_at).map(|t| t.and_utc()),
            "last_failure": snapshot.scim.as_ref().and_then(|s| s.last_failure_at.map(|at| json!({
                "at": at.and_utc(), "status": s.last_failure_status, "detail": s.last_failure_detail,
            }))),
        })
    });
    let instructions: Vec<Value> = method
        .map(|m| m.instructions(base_url))
        .unwrap_or_default()
        .into_iter()
        .map(|i| json!({ "text": i.text, "field": i.field, "value": i.value }))
        .collect();
    let values = json!({
        "method": method.map(|m| m.as_str()),
        "scim": scim,
        "instructions": instructions,
        "accounts": snapshot.accounts,
        "users_to_sync": snapshot.active,
        "accounts_outside_domains": {
            "count": snapshot.outside.len(),
            "examples": snapshot.outside.iter().take(OUTSIDE_EXAMPLES).collect::<Vec<_>>(),
        },
    });
    push(
        Step::UserProvisioning,
        record.is_some(),
        false,
        values.as_object().cloned().unwrap_or_default(),
        rules::provisioning_problems(&facts),
    );

    let record = snapshot.steps.get(&Step::EmailConfig);
    let checklist = checklist_of(&saved_values(record));
    let latest: Vec<DeliveryTest> = snapshot.latest_tests.iter().cloned().map(DeliveryTest::from).collect();
    let values = json!({
        "m365_transport_rule": checklist.m365_transport_rule,
        "defender_allowlist": checklist.defender_allowlist,
        "gateway": checklist.gateway.map(|g| g.as_str()),
        "gateway_allowlist": checklist.gateway_allowlist,
        "confirmed_delivery_test": rules::campaign_may_launch(&snapshot.delivery).is_ok(),
        "latest_delivery_tests": latest,
    });
    push(
        Step::EmailConfig,
        record.is_some(),
        false,
        values.as_object().cloned().unwrap_or_default(),
        rules::email_problems(&checklist, &snapshot.delivery),
    );

    let record = snapshot.steps.get(&Step::Branding);
    let branding = saved_values(record);
    let mut problems = Vec::new();
    let colour = branding.get("primary_color").and_then(Value::as_str);
    let colour_ok = match colour.map(domain::branding::BrandColour::parse) {
        Some(Err(e)) => {
            problems.push(Problem::at("invalid_value", "/primary_color", e.to_string()));
            false
        }
        Some(Ok(_)) => true,
        None => false,
    };
    if let Some(Err(e)) =
        branding.get("welcome_message").and_then(Value::as_str).map(domain::branding::WelcomeMessage::parse)
    {
        problems.push(Problem::at("invalid_value", "/welcome_message", e.to_string()));
    }
    problems.extend(rules::branding_problems(snapshot.logo.is_some(), colour_ok || colour.is_some()));
    let logo = snapshot.logo.as_ref().map(|l| {
        json!({
            "content_type": l.content_type, "width": l.width, "height": l.height,
            "uploaded_at": l.uploaded_at.and_utc(), "url": format!("{}/branding/logo", onboarding_path(&c.id)),
        })
    });
    let values = json!({
        "primary_color": colour,
        "welcome_message": branding.get("welcome_message").and_then(Value::as_str),
        "logo": logo,
    });
    push(
        Step::Branding,
        record.is_some(),
        record.is_some_and(|r| r.skipped),
        values.as_object().cloned().unwrap_or_default(),
        problems,
    );
    evaluated
}

fn checklist_of(saved: &Map<String, Value>) -> EmailChecklist {
    let flag = |name: &str| saved.get(name).and_then(Value::as_bool).unwrap_or(false);
    EmailChecklist {
        m365_transport_rule: flag("m365_transport_rule"),
        defender_allowlist: flag("defender_allowlist"),
        gateway: saved.get("gateway").and_then(Value::as_str).and_then(|g| g.parse().ok()),
        gateway_allowlist: flag("gateway_allowlist"),
    }
}

fn readiness_of(snapshot: &Snapshot, steps: &[Evaluated]) -> rules::Readiness {
    rules::readiness(&ReadinessFacts {
        seats: snapshot.customer.seats,
        domains: snapshot.customer.domains.len(),
        steps: steps.iter().map(|e| (e.step, e.status, e.problems.clone())).collect(),
        users_to_sync: snapshot.active,
        accounts_outside_domains: i64::try_from(snapshot.outside.len()).unwrap_or(i64::MAX),
        checklist: checklist_of(&saved_values(snapshot.steps.get(&Step::EmailConfig))),
        delivery_tests: snapshot.delivery.clone(),
    })
}

/// Every step, `review` included, and the readiness.
fn assess(snapshot: &Snapshot, base_url: &str) -> (Vec<Evaluated>, rules::Readiness) {
    let mut steps = evaluate(snapshot, base_url);
    let readiness = readiness_of(snapshot, &steps);
    let c = &snapshot.customer;
    let went_live = c.went_live_at.is_some() || c.status == CustomerStatus::Live.as_str();
    let problems: Vec<Problem> = readiness.blockers.iter().map(|b| Problem::new(b.code, b.message.clone())).collect();
    let status = rules::review_status(went_live);
    steps.push(Evaluated {
        step: Step::Review,
        status,
        values: json!({
            "status": c.status, "went_live_at": c.went_live_at, "ready": readiness.is_ready(),
            "blockers": readiness.blockers.len(), "warnings": readiness.warnings.len(),
        }),
        problems,
    });
    (steps, readiness)
}

/// Refuses going live while blockers are left: the same rule for
/// `POST …/onboarding/go-live` and `PATCH` of the status.
pub(crate) fn ensure_ready(tx: &mut DbConnection, customer: &CustomerRecord) -> Result<(), ApiError> {
    let snapshot = snapshot(tx, customer.clone())?;
    let (_, readiness) = assess(&snapshot, "");
    if readiness.is_ready() {
        return Ok(());
    }
    Err(ApiError::NotReady { blockers: readiness.blockers.iter().map(Finding::from).collect() })
}

fn render(snapshot: &Snapshot, base_url: &str) -> Onboarding {
    let (steps, _) = assess(snapshot, base_url);
    let statuses: Vec<(Step, StepStatus)> = steps.iter().map(|e| (e.step, e.status)).collect();
    let steps = steps
        .into_iter()
        .map(|e| {
            let record = snapshot.steps.get(&e.step);
            OnboardingStep {
                step: e.step.as_str().to_owned(),
                status: e.status.as_str().to_owned(),
                skippable: e.step.skippable(),
                values: e.values,
                problems: e.problems.iter().map(StepProblem::from).collect(),
                saved_at: record.map(|r| r.saved_at.and_utc()),
                saved_by: record.map(|r| r.saved_by.clone()),
            }
        })
        .collect();
    Onboarding {
        customer_id: snapshot.customer.id.clone(),
        customer_status: snapshot.customer.status.clone(),
        current_step: rules::current_step(&statuses).as_str().to_owned(),
        steps,
        new_scim_token: None,
    }
}

fn onboarding_path(customer_id: &str) -> String {
    format!("/api/v1/customers/{customer_id}/onboarding")
}

fn find_customer(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<CustomerRecord, ApiError> {
    customers::find(conn, msp_id, id)?.ok_or(ApiError::NotFound)
}

fn editable(customer: &CustomerRecord) -> Result<(), ApiError> {
    let status: CustomerStatus = customer.status.parse().map_err(ApiError::internal)?;
    rules::may_change(status).map_err(|closed| ApiError::Conflict {
        code: ProblemCode::CustomerArchived,
        detail: format!("{}.", capitalised(&closed.to_string())),
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The MSP's customer, when its onboarding may still change.
async fn editable_customer(state: &AppState, msp_id: &str, id: &str) -> Result<CustomerRecord, ApiError> {
    let (msp_id, id) = (msp_id.to_owned(), id.to_owned());
    let customer = db::run(&state.pool, move |conn| find_customer(conn, &msp_id, &id)).await?;
    editable(&customer)?;
    Ok(customer)
}

// ---------------------------------------------------------------------------
// Handlers.

/// A customer's onboarding.
///
/// It gives every step with its status (`not_started`, `in_progress`, `complete`, `skipped`), saved
/// values and problems, and the step to show next. Any admin of your MSP can resume where another
/// left off.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding", tag = "onboarding", operation_id = "getOnboarding",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The onboarding.", body = Onboarding),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_onboarding(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let base = base_url(&req, &id);
    let onboarding = db::run(&state.pool, move |conn| {
        let customer = find_customer(conn, &msp_id, &id)?;
        Ok(render(&snapshot(conn, customer)?, &base))
    })
    .await?;
    Ok(HttpResponse::Ok().json(onboarding))
}

/// Saves a step (auto-save): the fields sent are merged into what the step holds; fields left out
/// keep their value.
///
/// The step becomes `complete` only when valid; until then the answer lists its problems and the
/// values are kept. Valid `tenant_details` and `product_and_licenses` apply to the customer at once
/// (seats are reserved from your pool then); when your pool or another customer refuses them (409
/// `seats_unavailable`, `domain_taken`…), the values stay saved and the refusal becomes the step's
/// problem. Saving `user_provisioning` with an identity provider makes the customer's SCIM token if
/// it has none, shown once in `new_scim_token`. `review` has nothing to save (400): read
/// `…/readiness` and `POST …/go-live`.
///
/// An unknown step is a 404; unknown fields or wrong types are a 422 and nothing is saved; an
/// archived customer is a 409 `customer_archived`. Every save is recorded in the audit log.
#[utoipa::path(
    put, path = "/api/v1/customers/{customer_id}/onboarding/steps/{step}", tag = "onboarding",
    operation_id = "saveOnboardingStep",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("step" = String, Path, description = "The step: tenant_details, product_and_licenses, user_provisioning, email_config, branding."),
    ),
    request_body(content = StepInput, example = json!({"method": "okta"})),
    responses(
        (status = 200, description = "Saved; the whole onboarding as it now is.", body = Onboarding),
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
pub async fn save_step(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ValidJson<StepBody>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, raw_step) = path.into_inner();
    let id = path_id(&raw_id)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let step: Step = raw_step.parse().map_err(|_| ApiError::NotFound)?;
    if step == Step::Review {
        return Err(ApiError::BadRequest {
            code: ProblemCode::StepNotSaveable,
            detail: "The review step has nothing to save: read GET …/onboarding/readiness, then POST \
                     …/onboarding/go-live."
                .to_owned(),
        });
    }
    let base = base_url(&req, &id);
    let at = now();
    let onboarding = db::run(&state.pool, move |conn| {
        // The customer first: one of another MSP is a 404 whatever was sent.
        let customer = find_customer(conn, &msp_id, &id)?;
        let Value::Object(sent) = body.0.0 else {
            return Err(ApiError::invalid("", "must be a JSON object"));
        };
        check_input(step, &sent)?;
        editable(&customer)?;
        let current = store::steps(conn, &msp_id, &id)?.into_iter().find(|r| r.step == step.as_str());
        let mut values = saved_values(current.as_ref());
        let skip = sent.get("skip").and_then(Value::as_bool);
        for (key, value) in sent {
            if key != "skip" {
                values.insert(key, value);
            }
        }
        let record = StepRecord {
            customer_id: id.clone(),
            msp_id: msp_id.clone(),
            step: step.as_str().to_owned(),
            saved_values: Value::Object(values.clone()).to_string(),
            skipped: skip.unwrap_or(false),
            refusal: None,
            saved_at: at.naive_utc(),
            saved_by: caller.actor.label.clone(),
        };
        // Saved in its own transaction first: whatever happens next, what
        // the admin typed is kept.
        write_transaction(conn, |tx| {
            store::put_step(tx, &record)?;
            caller.record(
                tx,
                &msp_id,
                "onboarding.step_saved",
                "customer",
                &id,
                None,
                Some(&json!({ "step": step.as_str(), "values": values, "skipped": record.skipped })),
                at,
            )?;
            Ok::<(), ApiError>(())
        })?;
        let mut new_token = None;
        match step {
            // `{}` changes nothing: no version bump, no audit of a non-change.
            Step::TenantDetails | Step::ProductAndLicenses
                if !values.is_empty() && field_problems(&values).is_empty() =>
            {
                let applied = draft_changes(&values).and_then(|changes| {
                    write_transaction(conn, |tx| {
                        change_customer(tx, &caller, &msp_id, &id, None, &changes, at)?;
                        store::put_step(tx, &StepRecord { saved_values: "{}".to_owned(), ..record.clone() })?;
                        Ok(())
                    })
                });
                if let Err(ApiError::Conflict { code, detail }) = applied {
                    let refusal = json!({ "code": code.as_str(), "detail": detail }).to_string();
                    store::put_step(conn, &StepRecord { refusal: Some(refusal), ..record })?;
                    return Err(ApiError::Conflict { code, detail });
                }
                applied?;
            }
            Step::UserProvisioning => {
                let method = values.get("method").and_then(Value::as_str).and_then(|m| m.parse().ok());
                if method.is_some_and(ProvisioningMethod::uses_scim)
                    && scim_connections::find(conn, &msp_id, &id)?.is_none()
                {
                    let (token, prefix) = write_transaction(conn, |tx| issue_token(tx, &caller, &msp_id, &id, at))?;
                    new_token = Some(ScimToken {
                        customer_id: id.clone(),
                        token,
                        token_prefix: prefix,
                        base_url: base.clone(),
                        created_at: at,
                    });
                }
            }
            _ => {}
        }
        let customer = find_customer(conn, &msp_id, &id)?;
        let mut onboarding = render(&snapshot(conn, customer)?, &base);
        onboarding.new_scim_token = new_token;
        Ok(onboarding)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if onboarding.new_scim_token.is_some() {
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    Ok(response.json(onboarding))
}

/// Checks the types of what a step was sent (unknown fields, wrong types
/// and unknown choices are a 422 and nothing is saved); content problems
/// are the step's, kept and shown.
fn check_input(step: Step, sent: &Map<String, Value>) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(sent).map_err(ApiError::internal)?;
    let choice = |pointer: &str, raw: Option<&str>, spellings: Vec<&'static str>| match raw {
        Some(raw) if !spellings.contains(&raw) => {
            Err(ApiError::invalid(pointer, format!("must be one of: {}", spellings.join(", "))))
        }
        _ => Ok(()),
    };
    match step {
        Step::TenantDetails => crate::json::parse::<TenantDetailsInput>(&bytes).map(|_| ()),
        Step::ProductAndLicenses => crate::json::parse::<ProductInput>(&bytes).map(|_| ()),
        Step::UserProvisioning => {
            let input = crate::json::parse::<ProvisioningInput>(&bytes)?;
            choice("/method", input.method.as_deref(), ProvisioningMethod::spellings())
        }
        Step::EmailConfig => {
            let input = crate::json::parse::<EmailConfigInput>(&bytes)?;
            choice("/gateway", input.gateway.as_deref(), EmailGateway::spellings())
        }
        Step::Branding => crate::json::parse::<BrandingInput>(&bytes).map(|_| ()),
        Step::Review => Ok(()),
    }
}

/// Readiness to go live: blockers (e.g. no seats, no domain, accounts
/// outside the customer's domains), warnings (e.g. email config partial,
/// branding skipped, no confirmed delivery test), each step's status, and
/// the number of users to sync.
///
/// `ready` is `true` when no blocker is left; warnings do not stop `POST …/go-live`. Reading it
/// changes nothing.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/readiness", tag = "onboarding",
    operation_id = "getOnboardingReadiness",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The readiness.", body = Readiness),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_readiness(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let readiness = db::run(&state.pool, move |conn| {
        let customer = find_customer(conn, &msp_id, &id)?;
        let snapshot = snapshot(conn, customer)?;
        let (steps, readiness) = assess(&snapshot, "");
        Ok(Readiness {
            customer_id: id,
            ready: readiness.is_ready(),
            blockers: readiness.blockers.iter().map(Finding::from).collect(),
            warnings: readiness.warnings.iter().map(Finding::from).collect(),
            steps: steps
                .iter()
                .map(|e| StepState { step: e.step.as_str().to_owned(), status: e.status.as_str().to_owned() })
                .collect(),
            users_to_sync: snapshot.active,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(readiness))
}

/// Moves the customer to `live` and records when.
///
/// With blockers left it is a 409 `not_ready` whose `blockers` list them; warnings do not stop it,
/// and the answer lists those left. Going live again is not an error: the answer is the same, with
/// the first `went_live_at`. An archived customer is a 409 `invalid_status_transition`. Going live
/// is recorded in the audit log as a change of the customer.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/onboarding/go-live", tag = "onboarding",
    operation_id = "goLive",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "Live.", body = WentLive),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn go_live(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let at = now();
    let went_live = db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            let mut customer = Customer::from(find_customer(tx, &msp_id, &id)?);
            if customer.status != CustomerStatus::Live.as_str() {
                let changes =
                    domain::customers::CustomerChanges { status: Some(CustomerStatus::Live), ..Default::default() };
                customer = change_customer(tx, &caller, &msp_id, &id, None, &changes, at)?;
            }
            let record = find_customer(tx, &msp_id, &id)?;
            let snapshot = snapshot(tx, record)?;
            let (_, readiness) = assess(&snapshot, "");
            Ok(WentLive { customer, warnings: readiness.warnings.iter().map(Finding::from).collect() })
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(went_live))
}

// ---------------------------------------------------------------------------
// Delivery tests.

/// A test mail through the SMTP relay.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryTest {
    /// Id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Where it was sent.
    #[schema(example = "it@acme-dental.com")]
    pub recipient: String,
    /// `sent` (the relay accepted it), `failed` (it did not; see
    /// `relay_response`) or `confirmed` (its link was opened).
    #[schema(schema_with = delivery_status_schema)]
    pub status: String,
    /// The relay's answer.
    #[schema(example = "250 OK")]
    pub relay_response: Option<String>,
    /// When it was run (UTC).
    pub created_at: DateTime<Utc>,
    /// Who ran it.
    pub created_by: String,
    /// When its link was opened (UTC).
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl From<DeliveryTestRecord> for DeliveryTest {
    fn from(r: DeliveryTestRecord) -> Self {
        Self {
            id: r.id,
            recipient: r.recipient,
            status: r.status,
            relay_response: r.relay_response,
            created_at: r.created_at.and_utc(),
            created_by: r.created_by,
            confirmed_at: r.confirmed_at.map(|t| t.and_utc()),
        }
    }
}

fn delivery_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where a delivery test stands."))
        .enum_values(Some(DeliveryTestStatus::spellings()))
        .examples(["confirmed"])
}

/// A delivery test to run.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeliveryTest {
    /// An address in one of the customer's domains.
    #[schema(example = "it@acme-dental.com", min_length = 3, max_length = 254)]
    pub recipient: String,
}

/// A page of delivery tests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryTestPage {
    /// The tests.
    pub items: Vec<DeliveryTest>,
    /// Cursor of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Sends a real test simulation mail through the configured SMTP relay.
///
/// It goes to an address in one of the customer's domains (any other is a 422), with a unique
/// confirmation link. The test is `sent` when the relay accepted it, `failed` with the relay's
/// answer when it did not (or when no relay is configured), and `confirmed` once the link is
/// opened. Campaigns never launch for a customer without a confirmed test. An archived customer is
/// a 409 `customer_archived`; each test is recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests", tag = "onboarding",
    operation_id = "createDeliveryTest",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = NewDeliveryTest, example = json!({"recipient": "it@acme-dental.com"})),
    responses(
        (status = 201, description = "Run; `status` says what the relay answered.", body = DeliveryTest,
            headers(("Location" = String, description = "URL of the test."))),
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
pub async fn create_delivery_test(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<NewDeliveryTest>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let customer = editable_customer(&state, &msp_id, &id).await?;
    let recipient = domain::accounts::AccountEmail::parse(&body.0.recipient, &customer.domains)
        .map_err(|e| ApiError::invalid("/recipient", e))?;
    let token = random_token();
    let info = req.connection_info().clone();
    let link = format!("{}://{}/api/v1/delivery-tests/confirm?token={token}", info.scheme(), info.host());
    let subject = format!("Delivery test: phishing simulation mail for {}", customer.name);
    let text = format!(
        "This is a delivery test of security-awareness simulation mail for {}.\n\n\
         It proves that simulation mail reaches this mailbox past the filters. Open this link to confirm that it \
         arrived:\n\n{link}\n\nNo action beyond opening the link is needed.\n",
        customer.name
    );
    let sent = state.delivery.send(recipient.as_str(), &subject, &text).await;
    let (status, relay_response) = match sent {
        Ok(_) if !state.delivery.has_relay() => (DeliveryTestStatus::Failed, crate::mail::NOT_SENT.to_owned()),
        Ok(answer) => (DeliveryTestStatus::Sent, answer),
        Err(refusal) => (DeliveryTestStatus::Failed, refusal),
    };
    let at = now();
    let record = DeliveryTestRecord {
        id: persistence::new_id(),
        msp_id: msp_id.clone(),
        customer_id: id.clone(),
        recipient: recipient.as_str().to_owned(),
        token_hash: storage_hash(&token),
        status: status.as_str().to_owned(),
        relay_response: Some(relay_response),
        created_at: at.naive_utc(),
        created_by: caller.actor.label.clone(),
        confirmed_at: None,
    };
    let test = DeliveryTest::from(record.clone());
    db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            store::insert_delivery_test(tx, &record)?;
            caller.record(
                tx,
                &msp_id,
                "onboarding.delivery_test",
                "customer",
                &id,
                None,
                Some(&json!({ "recipient": record.recipient, "status": record.status })),
                at,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{}/delivery-tests/{}", onboarding_path(&customer.id), test.id)))
        .json(test))
}

/// The customer's delivery tests, newest first, in pages.
///
/// Each test has its recipient, its status (`sent`, `failed` or `confirmed`) and the relay's
/// answer. Pages hold 1-200 tests (default 50); follow `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests", tag = "onboarding",
    operation_id = "listDeliveryTests",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), PageParams),
    responses(
        (status = 200, description = "A page of tests.", body = DeliveryTestPage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_delivery_tests(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let (size, after) = params.read()?;
    let list_path = format!("{}/delivery-tests", onboarding_path(&id));
    let rows = db::run(&state.pool, move |conn| {
        find_customer(conn, &msp_id, &id)?;
        Ok(store::delivery_tests(conn, &msp_id, &id, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let page = cut_page(&list_path, size, rows, |r| r.id.as_str());
    let mut response = page.response;
    Ok(response.json(DeliveryTestPage {
        items: page.items.into_iter().map(DeliveryTest::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One delivery test.
///
/// Its `status` is `sent`, `failed` (see `relay_response`) or `confirmed` once the link in the mail
/// was opened. A test of another customer is a 404.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/delivery-tests/{test_id}", tag = "onboarding",
    operation_id = "getDeliveryTest",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(
        ("customer_id" = uuid::Uuid, Path, description = "Customer id."),
        ("test_id" = uuid::Uuid, Path, description = "Delivery test id."),
    ),
    responses(
        (status = 200, description = "The test.", body = DeliveryTest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_delivery_test(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, raw_test) = path.into_inner();
    let (id, test_id) = (path_id(&raw_id)?, path_id(&raw_test)?);
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let test = db::run(&state.pool, move |conn| {
        store::find_delivery_test(conn, &msp_id, &id, &test_id)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DeliveryTest::from(test)))
}

/// `?token=` of a confirmation link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfirmParams {
    /// The token from the test mail's link.
    pub token: Option<String>,
}

/// The link in a delivery-test mail: opening it confirms the test (again: no change).
///
/// Needs no credentials — the token is the proof — and answers a small HTML page for the person who
/// opened it. An unknown or missing token is a 404.
#[utoipa::path(
    get, path = "/api/v1/delivery-tests/confirm", tag = "onboarding", operation_id = "confirmDeliveryTest",
    params(ConfirmParams),
    responses(
        (status = 200, description = "Confirmed.", content_type = "text/html", body = String),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn confirm_delivery_test(
    state: web::Data<AppState>,
    params: web::Query<ConfirmParams>,
) -> Result<HttpResponse, ApiError> {
    let token = params.into_inner().token.ok_or(ApiError::NotFound)?;
    let hash = storage_hash(token.trim());
    let at = now();
    let confirmed =
        db::run(&state.pool, move |conn| Ok(store::confirm_delivery_test(conn, &hash, at.naive_utc())?)).await?;
    if confirmed.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Delivery confirmed</title></head>\
             <body><h1>Delivery confirmed</h1><p>Simulation mail reaches this mailbox. You can close this page.</p>\
             </body></html>",
        ))
}

// ---------------------------------------------------------------------------
// Logo.

/// A logo as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoUploaded {
    /// `image/png` or `image/svg+xml`, from the content.
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Width in pixels.
    #[schema(example = 512)]
    pub width: i64,
    /// Height in pixels.
    #[schema(example = 512)]
    pub height: i64,
    /// Size in bytes.
    pub size_bytes: i64,
    /// When uploaded (UTC).
    pub uploaded_at: DateTime<Utc>,
    /// Where it is served.
    pub url: String,
}

/// Uploads the customer's logo (the body is the file): PNG or SVG, at most 2 MiB, at least
/// 200 × 200 pixels.
///
/// The content is decoded to check it — the file name and `Content-Type` are not trusted — and an
/// SVG with scripts, event handlers or references outside itself is refused. Refusals are 422 with
/// codes `logo_empty`, `logo_format_unsupported`, `logo_invalid`, `logo_too_small`,
/// `logo_svg_unsafe`, `logo_svg_no_size`; a larger body is a 413. Replaces the logo the customer
/// had.
///
/// An archived customer is a 409 `customer_archived`. The upload is recorded in the audit log.
#[utoipa::path(
    put, path = "/api/v1/customers/{customer_id}/onboarding/branding/logo", tag = "onboarding",
    operation_id = "putLogo",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The PNG or SVG file."),
    responses(
        (status = 200, description = "Stored.", body = LogoUploaded),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = UnprocessableEntity),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn put_logo(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    editable_customer(&state, &msp_id, &id).await?;
    let body = crate::json::read_body(&mut payload, domain::branding::Logo::MAX_BYTES, |e| ApiError::BadRequest {
        code: ProblemCode::UnreadableBody,
        detail: format!("The request body could not be read: {e}."),
    })
    .await?;
    let logo = domain::branding::Logo::parse(body.to_vec())
        .map_err(|e| ApiError::Unprocessable { code: (&e).into(), detail: format!("{e}.") })?;
    let at = now();
    let record = onboarding::LogoRecord {
        customer_id: id.clone(),
        msp_id: msp_id.clone(),
        content_type: logo.format().content_type().to_owned(),
        width: i64::from(logo.width()),
        height: i64::from(logo.height()),
        sha256: sha256_hex(logo.bytes()),
        content: logo.bytes().to_vec(),
        uploaded_at: at.naive_utc(),
        uploaded_by: caller.actor.label.clone(),
    };
    let uploaded = LogoUploaded {
        content_type: record.content_type.clone(),
        width: record.width,
        height: record.height,
        size_bytes: i64::try_from(record.content.len()).unwrap_or(i64::MAX),
        uploaded_at: at,
        url: format!("{}/branding/logo", onboarding_path(&id)),
    };
    db::run(&state.pool, move |conn| {
        write_transaction(conn, |tx| {
            find_customer(tx, &msp_id, &id)?;
            store::put_logo(tx, &record)?;
            store::touch_step(tx, &msp_id, &id, Step::Branding.as_str(), &caller.actor.label, at.naive_utc())?;
            let after = json!({ "content_type": record.content_type, "width": record.width, "height": record.height,
                "sha256": record.sha256 });
            caller.record(tx, &msp_id, "customer.logo_uploaded", "customer", &id, None, Some(&after), at)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(uploaded))
}

/// The customer's logo, with its content type (`image/png` or
/// `image/svg+xml`) and an `ETag`; 404 when none was uploaded.
///
/// Send the `ETag` back in `If-None-Match` to get a 304 when the logo is unchanged.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/onboarding/branding/logo", tag = "onboarding",
    operation_id = "getLogo",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses(
        (status = 200, description = "The logo.", content(
            (Vec<u8> = "image/png"),
            (String = "image/svg+xml"),
        ), headers(("ETag" = String, description = "Hash of the content."))),
        (status = 304, description = "Not modified."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn get_logo(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCustomer(&id))?.to_owned();
    let logo = db::run(&state.pool, move |conn| store::logo(conn, &msp_id, &id)?.ok_or(ApiError::NotFound)).await?;
    let etag = format!("\"{}\"", logo.sha256);
    let unchanged = crate::versions::tag_not_modified(&req, &etag);
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // An SVG opened directly must not run anything, even if a check
        // were ever missed.
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.content_type(logo.content_type).body(logo.content))
}

// ---------------------------------------------------------------------------
// Attention list.

/// `?older_than_days=&limit=&cursor=` of the attention list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SetupIncompleteParams {
    /// Days in onboarding (default: the server's `ONBOARDING_ATTENTION_DAYS`, 7 unless set), 0–3650.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 3650)]
    pub older_than_days: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer whose setup stalls.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupIncomplete {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Its name.
    pub name: String,
    /// When it entered onboarding (UTC).
    pub onboarding_since: DateTime<Utc>,
    /// Whole days since.
    pub days_in_onboarding: i64,
    /// The step to show next.
    #[schema(schema_with = step_schema)]
    pub current_step: String,
    /// Steps still `not_started` or `in_progress`.
    pub open_steps: Vec<StepState>,
}

/// A page of the attention list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupIncompletePage {
    /// The customers, longest in onboarding first.
    pub items: Vec<SetupIncomplete>,
    /// Cursor of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// The dashboard's attention list: customers in `onboarding` for more than
/// `older_than_days` days, longest first, with the steps still open.
///
/// `older_than_days` is 0-3650 and defaults to the server's `ONBOARDING_ATTENTION_DAYS` (7 unless
/// set). Pages hold 1-200 customers (default 50); follow `next_cursor` or the `Link` header, which
/// keeps `older_than_days`.
#[utoipa::path(
    get, path = "/api/v1/onboarding/setup-incomplete", tag = "onboarding", operation_id = "listSetupIncomplete",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(SetupIncompleteParams),
    responses(
        (status = 200, description = "A page of customers.", body = SetupIncompletePage,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    )
)]
pub async fn list_setup_incomplete(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<SetupIncompleteParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let params = params.into_inner();
    let days = match params.older_than_days.as_deref() {
        None => state.attention_days,
        Some(raw) => {
            raw.trim().parse::<i64>().ok().filter(|d| (0..=rules::MAX_ATTENTION_DAYS).contains(d)).ok_or_else(|| {
                ApiError::InvalidParameters(vec![InvalidField::parameter(
                    "older_than_days",
                    format!("must be a whole number of days from 0 to {}", rules::MAX_ATTENTION_DAYS),
                )])
            })?
        }
    };
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let at = now();
    let rows = db::run(&state.pool, move |conn| {
        let stalled =
            store::stalled(conn, &msp_id, rules::attention_cutoff(at, days), after.as_deref(), size.fetch_limit())?;
        let mut rows = Vec::with_capacity(stalled.len());
        for customer in stalled {
            let record = find_customer(conn, &msp_id, &customer.id)?;
            let snapshot = snapshot(conn, record)?;
            let (steps, _) = assess(&snapshot, "");
            let statuses: Vec<(Step, StepStatus)> = steps.iter().map(|e| (e.step, e.status)).collect();
            rows.push(SetupIncomplete {
                customer_id: customer.id,
                name: customer.name,
                onboarding_since: customer.created_at,
                days_in_onboarding: rules::days_between(customer.created_at, at),
                current_step: rules::current_step(&statuses).as_str().to_owned(),
                open_steps: steps
                    .iter()
                    .filter(|e| e.status.is_open())
                    .map(|e| StepState { step: e.step.as_str().to_owned(), status: e.status.as_str().to_owned() })
                    .collect(),
            });
        }
        Ok(rows)
    })
    .await?;
    let query = link_query(&[("older_than_days", params.older_than_days.as_deref())]);
    let page = cut_page_with("/api/v1/onboarding/setup-incomplete", &query, size, rows, |r| {
        crate::pagination::encode_cursor(&r.customer_id)
    });
    let mut response = page.response;
    Ok(response.json(SetupIncompletePage { items: page.items, next_cursor: page.next_cursor }))
}
