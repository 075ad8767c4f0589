//! A customer's campaigns: create, list, read, change and delete (drafts).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::access::Action;
use domain::campaigns::CampaignKind;
use persistence::campaigns::CampaignFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{customer_path, ids_of, kind_param, statuses_param};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::{Conflict, PreconditionFailed};
use crate::json::ValidJson;
use crate::pagination::{Page, cut_page_with, decode_cursor, encode_cursor, link_query, page_size, path_id};
use crate::resources::campaigns::{Campaign, CampaignSchedule, CampaignTargets};
use crate::services::campaigns::{self as service, CampaignInput};
use crate::state::AppState;
use crate::versions::{Precondition, etag, not_modified};

/// A new campaign (a draft): nothing is planned or sent until it is launched.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    /// `phishing` (the default). Training campaigns come in a later version.
    #[serde(default)]
    #[schema(example = "phishing")]
    pub kind: Option<String>,
    /// Name, 1-200 characters.
    #[schema(example = "Q1 baseline", min_length = 1, max_length = 200)]
    pub name: String,
    /// 1-20 scenarios (built-in or your MSP's), each with content in the campaign's language; each
    /// recipient gets one at random.
    #[schema(min_items = 1, max_items = 20)]
    pub scenario_ids: Vec<uuid::Uuid>,
    /// BCP 47 language of the messages; default the customer's.
    #[serde(default)]
    #[schema(example = "fi", max_length = 35)]
    pub language: Option<String>,
    /// Whom it targets; default every active account.
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub targets: Option<CampaignTargets>,
    /// When and how fast it sends; `starts_at` is required.
    #[serde(deserialize_with = "crate::json::object")]
    pub schedule: CampaignSchedule,
}

/// Changes to a campaign; absent fields stay. `targets` is replaced whole; `schedule` changes the
/// fields it names. A draft takes anything; a scheduled campaign its schedule and targets (it is
/// planned again); once sending, only a longer `tracking_days`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, min_items = 1, max_items = 20)]
    pub scenario_ids: Option<Vec<uuid::Uuid>>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(nullable = false, max_length = 35)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present_object")]
    #[schema(nullable = false)]
    pub targets: Option<CampaignTargets>,
    #[serde(default, deserialize_with = "crate::json::present_object")]
    #[schema(nullable = false)]
    pub schedule: Option<CampaignSchedule>,
}

/// Filters and paging of a customer's campaigns.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerCampaignParams {
    /// Only campaigns in these states, comma-separated (e.g. `sending,paused`).
    pub status: Option<String>,
    /// Only this kind: `phishing` or `training`.
    pub kind: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Creates a draft campaign for a customer (201; `Location` and `ETag`).
///
/// Checked now: the scenarios exist in the campaign's language, the account groups are the
/// customer's, and the schedule can hold the accounts targeted today (else 422
/// `schedule_infeasible`, saying how many fit). Audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns", tag = "campaigns", operation_id = "createCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    request_body(content = CreateCampaign, example = json!({
        "name": "Q1 baseline",
        "scenario_ids": ["00000000-0000-7000-8000-000000000001", "00000000-0000-7000-8000-000000000003"],
        "targets": {"departments": ["Finance"]},
        "schedule": {"timezone": "Europe/Helsinki", "starts_at": "2027-01-15T09:00",
            "spread_over": {"amount": 2, "unit": "business_days"},
            "window": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "16:00"},
            "randomize_order": true, "max_per_minute": 20, "tracking_days": 7}
    })),
    responses(
        (status = 201, description = "The draft.", body = Campaign,
            headers(("Location" = String, description = "URL of the campaign."), ("ETag" = String, description = "Its version."))),
    )
)]
pub async fn create_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<CreateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let body = body.0;
    let kind = match body.kind.as_deref().map(str::parse::<CampaignKind>).transpose() {
        Ok(kind) => kind.unwrap_or(CampaignKind::Phishing),
        Err(e) => return Err(ApiError::invalid("/kind", e)),
    };
    let input = CampaignInput {
        name: Some(body.name),
        language: body.language,
        scenario_ids: Some(ids_of(&body.scenario_ids)),
        targets: body.targets.as_ref().map(Into::into),
        schedule: Some(body.schedule.to_spec()),
    };
    let at = state.now();
    let created =
        db::write(&state.pool, move |tx| Ok(service::create(tx, &caller, &msp_id, &customer_id, kind, &input, at)?))
            .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{}/{}", customer_path(&created.customer_id), created.id)))
        .insert_header((header::ETAG, etag(created.version)))
        .json(created))
}

/// Lists a customer's campaigns, newest first.
///
/// Filter by states (comma-separated) and kind. Pages hold 1-200 campaigns (default 50); follow
/// `next_cursor` or the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns", tag = "campaigns", operation_id = "listCustomerCampaigns",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), CustomerCampaignParams),
    responses(
        (status = 200, description = "A page of campaigns.", body = Page<Campaign>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_customer_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<CustomerCampaignParams>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let params = params.into_inner();
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = CampaignFilter {
        customer_id: Some(customer_id.clone()),
        statuses: statuses_param(params.status.as_deref())?,
        kind: kind_param(params.kind.as_deref())?,
        ..CampaignFilter::default()
    };
    let (msp, customer) = (msp_id.clone(), customer_id.clone());
    let rows = db::run(&state.pool, move |conn| {
        service::customer(conn, &msp, &customer)?;
        Ok(persistence::campaigns::list(conn, &msp, &filter, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[("status", params.status.as_deref()), ("kind", params.kind.as_deref())]);
    let mut page = cut_page_with(&customer_path(&customer_id), &query, size, rows, |c| encode_cursor(&c.id));
    let items = page.items.iter().map(Campaign::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Reads a campaign.
///
/// It carries its state, what that state allows next, its targets and schedule, and once launched
/// its plan (recipients, first and last send, planned end). The `ETag` is its version;
/// `If-None-Match` with it gives a 304.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}", tag = "campaigns", operation_id = "getCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id.")),
    responses(
        (status = 200, description = "The campaign.", body = Campaign, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Unchanged since the `If-None-Match` version."),
    )
)]
pub async fn get_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let found = db::run(&state.pool, move |conn| Ok(service::campaign(conn, &msp_id, &customer_id, &id)?)).await?;
    if not_modified(&req, found.version) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag(found.version))).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(found.version))).json(Campaign::from(&found)))
}

/// Changes a campaign as far as its state allows (else 409 `campaign_not_editable`).
///
/// Send the `ETag` as `If-Match` (412 when stale). A scheduled campaign whose schedule or targets
/// change is planned again. Audited.
#[utoipa::path(
    patch, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}", tag = "campaigns", operation_id = "updateCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    request_body(content = UpdateCampaign, example = json!({"schedule": {"tracking_days": 14}})),
    responses(
        (status = 200, description = "The changed campaign.", body = Campaign, headers(("ETag" = String, description = "Its new version."))),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn update_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ValidJson<UpdateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let precondition = Precondition::from_request(&req);
    let body = body.0;
    let input = CampaignInput {
        name: body.name,
        language: body.language,
        scenario_ids: body.scenario_ids.as_deref().map(ids_of),
        targets: body.targets.as_ref().map(Into::into),
        schedule: body.schedule.as_ref().map(CampaignSchedule::to_spec),
    };
    let at = state.now();
    let changed = db::write(&state.pool, move |tx| {
        Ok(service::change(tx, &caller, &msp_id, &customer_id, &id, &input, precondition.versions(), at)?)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(changed.version))).json(changed))
}

/// Deletes a draft campaign.
///
/// Anything but a draft is a 409 `campaign_not_editable`: cancel it instead, so its history stays.
/// `If-Match` is honoured; the deletion is audited.
#[utoipa::path(
    delete, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}", tag = "campaigns", operation_id = "deleteCampaign",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` you read.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn delete_campaign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let precondition = Precondition::from_request(&req);
    let at = state.now();
    db::write(&state.pool, move |tx| {
        Ok(service::delete(tx, &caller, &msp_id, &customer_id, &id, precondition.versions(), at)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
