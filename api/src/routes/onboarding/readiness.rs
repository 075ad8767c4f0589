//! Readiness to go live (blockers and warnings) and going live.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use serde::Serialize;
use utoipa::ToSchema;

use super::step_status_schema;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::pagination::path_id;
use crate::resources::customers::Customer;
use crate::resources::onboarding::{Finding, step_schema};
use crate::services::onboarding::{assess, find_customer, snapshot, take_live};
use crate::state::AppState;

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
        (status = 409, response = Conflict),
    )
)]
pub async fn go_live(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path)?;
    let msp_id = caller.authorize(Action::UpdateCustomer(&id))?.to_owned();
    let at = state.now();
    let (customer, warnings) = db::write(&state.pool, move |tx| take_live(tx, &caller, &msp_id, &id, at)).await?;
    let went_live = WentLive { customer, warnings: warnings.iter().map(Finding::from).collect() };
    Ok(HttpResponse::Ok().json(went_live))
}
