//! A campaign's results: the summary with rates and breakdowns (from
//! counters), its events (classified, reclassifiable), a report entered by
//! hand, and the report written at completion.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::campaigns::classify::{Classification, EventKind};
use persistence::campaign_events::EventFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::customer_path;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::error::responses::Conflict;
use crate::json::ValidJson;
use crate::pagination::{
    Page, cut_page_with, decode_cursor, encode_cursor, enum_param, id_param, link_query, page_size, path_id,
};
use crate::problems::ProblemCode;
use crate::resources::campaign_results::{
    CampaignEvent, CampaignReport, CampaignResults, classification_schema, event_kind_schema,
};
use crate::services::{campaign_reports, campaign_results as service};
use crate::state::AppState;

/// A campaign's results.
///
/// Recipients, sent, failed, opened, clicked, submitted and reported — each milestone by people
/// (`human`) and by anyone (`all`, scanners included) — the rates over the recipients delivered
/// (phish-prone percentage: recipients with a human click or submission ÷ delivered; report rate:
/// reporters ÷ delivered), the median time to report, and the same by department and by scenario.
/// Kept as counters updated with each event: it costs the same at any size.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/results", tag = "campaigns", operation_id = "getCampaignResults",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id.")),
    responses((status = 200, description = "The results now.", body = CampaignResults))
)]
pub async fn get_campaign_results(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let results =
        db::run(&state.pool, move |conn| Ok(campaign_reports::results(conn, &msp_id, &customer_id, &id)?)).await?;
    Ok(HttpResponse::Ok().json(results))
}

/// The report written when the campaign completed.
///
/// Its results at completion, by department and scenario, and a day-by-day timeline in the
/// customer's time zone; it names no person. 409 `campaign_report_not_ready` before completion.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/report", tag = "campaigns", operation_id = "getCampaignReport",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id.")),
    responses(
        (status = 200, description = "The report.", body = CampaignReport),
        (status = 409, response = Conflict),
    )
)]
pub async fn get_campaign_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let (campaign, report) =
        db::run(&state.pool, move |conn| Ok(campaign_reports::report(conn, &msp_id, &customer_id, &id)?)).await?;
    match report {
        Some(report) => Ok(HttpResponse::Ok().json(report)),
        None => Err(ApiError::Conflict {
            code: ProblemCode::CampaignReportNotReady,
            detail: format!(
                "The campaign is {}; its report is written when it completes. Its results so far are at …/results.",
                campaign.status
            ),
        }),
    }
}

/// Filters and paging of a campaign's events.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = event_kind_schema)]
    pub kind: Option<String>,
    #[param(schema_with = classification_schema)]
    pub classification: Option<String>,
    /// Only this recipient's.
    #[param(value_type = Option<uuid::Uuid>)]
    pub recipient_id: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists a campaign's tracking events in the order they came.
///
/// Each with its classification (`human` or `automated`) and the reasons, source address and user
/// agent, and for submissions the field names (never values). Filter by type, classification and
/// recipient; pages hold 1-200.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/events", tag = "campaigns", operation_id = "listCampaignEvents",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."), EventParams),
    responses(
        (status = 200, description = "A page of events.", body = Page<CampaignEvent>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_campaign_events(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let params = params.into_inner();
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = EventFilter {
        kind: enum_param::<EventKind>("type", params.kind.as_deref())?,
        classification: enum_param::<Classification>("classification", params.classification.as_deref())?,
        recipient_id: id_param("recipient_id", params.recipient_id.as_deref(), "a recipient")?,
    };
    let (customer, campaign_id) = (customer_id.clone(), id.clone());
    let rows = db::run(&state.pool, move |conn| {
        Ok(service::list_events(conn, &msp_id, &customer, &campaign_id, &filter, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[
        ("type", params.kind.as_deref()),
        ("classification", params.classification.as_deref()),
        ("recipient_id", params.recipient_id.as_deref()),
    ]);
    let path = format!("{}/{id}/events", customer_path(&customer_id));
    let mut page = cut_page_with(&path, &query, size, rows, |e| encode_cursor(&e.id));
    let items = page.items.drain(..).map(CampaignEvent::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// A classification set by hand.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventClassification {
    #[schema(schema_with = classification_schema)]
    pub classification: String,
}

/// Sets an event human or automated by hand.
///
/// For an event the rules got wrong (a person behind the office proxy, a scanner not yet known).
/// The recipient's milestones and the campaign's results are recounted; the reasons become
/// `reclassified`. Audited.
#[utoipa::path(
    put, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/events/{event_id}/classification", tag = "campaigns", operation_id = "reclassifyCampaignEvent",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("event_id" = uuid::Uuid, Path, description = "Event id.")),
    request_body(content = EventClassification, example = json!({"classification": "human"})),
    responses((status = 200, description = "The event as classified now.", body = CampaignEvent))
)]
pub async fn reclassify_campaign_event(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: ValidJson<EventClassification>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id, event_id) = (path_id(&path.0)?, path_id(&path.1)?, path_id(&path.2)?);
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let classification =
        body.0.classification.trim().parse::<Classification>().map_err(|e| {
            ApiError::Validation(vec![crate::error::InvalidField::at("/classification", e.to_string())])
        })?;
    let at = state.now();
    let event = db::write(&state.pool, move |tx| {
        Ok(service::reclassify_event(tx, &caller, &msp_id, &customer_id, &id, &event_id, classification, at)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// Enters a recipient's report by hand.
///
/// For a report that reached IT another way (a call, a forwarded message): records a `reported`
/// event (`reported_via` `admin`) as the add-in's button would. Audited.
#[utoipa::path(
    post, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/recipients/{recipient_id}/report", tag = "campaigns", operation_id = "enterRecipientReport",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."),
        ("recipient_id" = uuid::Uuid, Path, description = "Recipient id.")),
    responses((status = 200, description = "The report event.", body = CampaignEvent))
)]
pub async fn enter_recipient_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id, recipient_id) = (path_id(&path.0)?, path_id(&path.1)?, path_id(&path.2)?);
    let msp_id = caller.authorize(Action::ManageCampaigns(&customer_id))?.to_owned();
    let at = state.now();
    let event = db::write(&state.pool, move |tx| {
        Ok(service::enter_report(tx, &caller, &msp_id, &customer_id, &id, &recipient_id, at)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(event))
}
