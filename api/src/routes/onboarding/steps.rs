//! The six steps: reading them all, and saving one (auto-save).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use domain::audit::AuditAction;
use domain::onboarding::{EmailGateway, ProvisioningMethod, Step};
use persistence::onboarding::{self as store, StepRecord};
use persistence::scim_connections::{self};
use persistence::transactions::write_transaction;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use validator::Validate;

use super::{Onboarding, render};
use crate::auth::{AuditEvent, Caller};
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::json::ValidJson;
use crate::pagination::path_id;
use crate::problems::ProblemCode;
use crate::resources::provisioning::ScimToken;
use crate::scim::wire::base_url;
use crate::services::customers::change_customer;
use crate::services::onboarding::{draft_changes, editable, field_problems, find_customer, saved_values, snapshot};
use crate::services::provisioning::issue_token;
use crate::state::{AppState, now};

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
    #[schema(schema_with = crate::resources::customers::tier_schema)]
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

pub(crate) fn method_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where accounts come from."))
        .enum_values(Some(ProvisioningMethod::spellings()))
        .examples(["azure_ad"])
}

pub(crate) fn gateway_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Mail gateway in front of Microsoft 365."))
        .enum_values(Some(EmailGateway::spellings()))
        .examples(["mimecast"])
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
        (status = 409, response = Conflict),
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
        let current = store::steps(conn, &msp_id, &id)?.into_iter().find(|r| r.step == step);
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
            step,
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
                AuditEvent::new(&msp_id, AuditAction::OnboardingStepSaved, &id, at)
                    .after(&json!({ "step": step.as_str(), "values": values, "skipped": record.skipped })),
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
pub(crate) fn check_input(step: Step, sent: &Map<String, Value>) -> Result<(), ApiError> {
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
