//! What each onboarding step accepts: its input's shape for the contract,
//! and the check of the types of what a step was sent.

use domain::onboarding::{EmailGateway, ProvisioningMethod, Step};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use validator::Validate;

use crate::error::ApiError;

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
pub struct StepBody(pub Value);

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

/// Checks the types of what a step was sent (unknown fields, wrong types
/// and unknown choices are a 422 and nothing is saved); content problems
/// are the step's, kept and shown.
pub fn check_input(step: Step, sent: &Map<String, Value>) -> Result<(), ApiError> {
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
