//! The six steps: reading them all, and saving one (auto-save).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use domain::onboarding::Step;

use super::{Onboarding, render};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::json::ValidJson;
use crate::pagination::path_id;
use crate::problems::ProblemCode;
use crate::resources::onboarding_steps::{StepBody, StepInput};
use crate::scim::wire::base_url;
use crate::services::onboarding::{find_customer, snapshot};
use crate::services::onboarding_steps;
use crate::state::AppState;

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
    let at = state.now();
    let sent = body.0.0;
    let scim_base = base.clone();
    let (snapshot, new_scim_token) = db::run(&state.pool, move |conn| {
        onboarding_steps::save(conn, &caller, &msp_id, &id, step, sent, &scim_base, at)
    })
    .await?;
    let mut onboarding = render(&snapshot, &base);
    onboarding.new_scim_token = new_scim_token;
    let mut response = HttpResponse::Ok();
    if onboarding.new_scim_token.is_some() {
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    Ok(response.json(onboarding))
}
