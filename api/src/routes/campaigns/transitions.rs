//! Moving a campaign: the launch check, launch, pause, resume, cancel and
//! complete. Each honours `If-Match` (412 when stale) and `Idempotency-Key`;
//! a move its state does not allow is a 409 listing the allowed ones.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use domain::campaigns::lifecycle::Command;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{Conflict, PreconditionFailed};
use crate::pagination::path_id;
use crate::resources::campaigns::{Campaign, LaunchCheck};
use crate::services::campaign_runs as runs;
use crate::state::AppState;
use crate::versions::{Precondition, etag};

/// Checks every launch gate without launching.
///
/// The customer is live, has a confirmed delivery test and an unexpired license, its tier includes
/// the campaign's kind, at least one active account is targeted, and the schedule holds them. The
/// answer lists the same blockers a launch would.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/launch-check", tag = "campaigns", operation_id = "checkCampaignLaunch",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id.")),
    responses((status = 200, description = "The answer a launch would get now.", body = LaunchCheck))
)]
pub async fn check_campaign_launch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let now = state.now();
    let check =
        db::run(&state.pool, move |conn| Ok(runs::launch_check(conn, &msp_id, &customer_id, &id, now)?)).await?;
    Ok(HttpResponse::Ok().json(check))
}

async fn run_command(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    command: Command,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let precondition = Precondition::from_request(&req);
    let at = state.now();
    let moved = db::write(&state.pool, move |tx| {
        let expected = precondition.versions();
        Ok(match command {
            Command::Launch => runs::launch(tx, &caller, &msp_id, &customer_id, &id, expected, at)?,
            other => runs::command(tx, &caller, &msp_id, &customer_id, &id, other, expected, at)?,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(moved.version))).json(moved))
}

/// Launches a draft: every gate must pass (else 409 `launch_blocked`).
///
/// Every failed gate is listed in `blockers` with its code. The targeted accounts are snapshotted as
/// recipients and each gets a scenario and a planned send time. The campaign is `sending` when its
/// first send is due, else `scheduled`, and the job runner starts it when it is.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/launch", tag = "campaigns", operation_id = "launchCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 200, description = "The campaign in its new state.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn launch_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    run_command(state, caller, req, path, Command::Launch).await
}

/// Pauses a sending campaign.
///
/// Nothing more goes out until it is resumed. `If-Match` and `Idempotency-Key` are honoured; audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/pause", tag = "campaigns", operation_id = "pauseCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 200, description = "The campaign in its new state.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn pause_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    run_command(state, caller, req, path, Command::Pause).await
}

/// Resumes a paused campaign.
///
/// Sending continues where it stopped. `If-Match` and `Idempotency-Key` are honoured; audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/resume", tag = "campaigns", operation_id = "resumeCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 200, description = "The campaign in its new state.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn resume_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    run_command(state, caller, req, path, Command::Resume).await
}

/// Cancels a campaign for good.
///
/// A draft, scheduled, sending or paused campaign can be cancelled; nothing pending is sent.
/// `If-Match` and `Idempotency-Key` are honoured; audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/cancel", tag = "campaigns", operation_id = "cancelCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 200, description = "The campaign in its new state.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn cancel_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    run_command(state, caller, req, path, Command::Cancel).await
}

/// Completes a campaign now.
///
/// A sending, paused or tracking campaign can be completed: nothing more is sent and its results
/// become final. `If-Match` and `Idempotency-Key` are honoured; audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/complete", tag = "campaigns", operation_id = "completeCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 200, description = "The campaign in its new state.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn complete_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    run_command(state, caller, req, path, Command::Complete).await
}
