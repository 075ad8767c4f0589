//! Guided onboarding of a customer under `/api/v1/customers/{customer_id}/onboarding`:
//! six steps saved as they go (partial saves are kept), a delivery test
//! through the SMTP relay, the logo, readiness and go-live; and the
//! attention list of customers whose setup stalls. The rules — statuses,
//! problems, readiness — are `domain::onboarding`; `services::onboarding`
//! gathers the facts they are judged on; this feature speaks HTTP.

pub mod attention;
pub mod delivery_tests;
pub mod logo;
pub mod readiness;
pub mod steps;

use chrono::{DateTime, Utc};
use domain::onboarding::{self as rules, Problem, Step, StepStatus};
use persistence::customers::CustomerRecord;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::db;
use crate::error::ApiError;
use crate::resources::onboarding::step_schema;
use crate::resources::provisioning::ScimToken;
use crate::services::onboarding::{Snapshot, assess, editable, find_customer};
use crate::state::AppState;

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
    /// gateway_allowlist, confirmed_delivery_test, latest_delivery_tests, allowlisting_kit (the path of
    /// the customer's allowlisting kit).
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
    #[schema(schema_with = crate::resources::customers::status_schema)]
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

pub(crate) fn step_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Where a step stands."))
        .enum_values(Some(StepStatus::spellings()))
        .examples(["in_progress"])
}

pub(crate) fn render(snapshot: &Snapshot, base_url: &str) -> Onboarding {
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
        customer_status: snapshot.customer.status.as_str().to_owned(),
        current_step: rules::current_step(&statuses).as_str().to_owned(),
        steps,
        new_scim_token: None,
    }
}

/// The MSP's customer, when its onboarding may still change.
pub(crate) async fn editable_customer(state: &AppState, msp_id: &str, id: &str) -> Result<CustomerRecord, ApiError> {
    let (msp_id, id) = (msp_id.to_owned(), id.to_owned());
    let customer = db::run(&state.pool, move |conn| find_customer(conn, &msp_id, &id)).await?;
    editable(&customer)?;
    Ok(customer)
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(steps::__path_get_onboarding, steps::get_onboarding);
    ops.add(steps::__path_save_step, steps::save_step);
    ops.add(readiness::__path_get_readiness, readiness::get_readiness);
    ops.add(readiness::__path_go_live, readiness::go_live);
    ops.add(delivery_tests::__path_list_delivery_tests, delivery_tests::list_delivery_tests);
    ops.add(delivery_tests::__path_create_delivery_test, delivery_tests::create_delivery_test);
    ops.add(delivery_tests::__path_get_delivery_test, delivery_tests::get_delivery_test);
    ops.add(logo::__path_get_logo, logo::get_logo);
    ops.add(logo::__path_put_logo, logo::put_logo);
    ops.add(delivery_tests::__path_confirm_delivery_test, delivery_tests::confirm_delivery_test);
    ops.add(attention::__path_list_setup_incomplete, attention::list_setup_incomplete);
}
