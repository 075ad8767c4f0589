//! A campaign's recipients with their milestones, as a streamed CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use domain::access::Action;
use domain::campaigns::results::Outcome;
use futures_util::stream;
use persistence::campaign_recipients::{self as stored, ListedRecipient, RecipientFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{enum_param, path_id};
use crate::resources::campaign_results::outcome_schema;
use crate::services::campaigns::campaign;
use crate::state::AppState;

/// Recipients read per round while the body streams.
const BATCH: i64 = 1000;

/// The columns, in order.
const HEADER: [&str; 22] = [
    "recipient_id",
    "account_id",
    "email",
    "display_name",
    "department",
    "scenario_id",
    "delivery",
    "relay_answer",
    "sent_at",
    "sent_at_local",
    "opened_at",
    "opened_at_local",
    "clicked_at",
    "clicked_at_local",
    "submitted_at",
    "submitted_at_local",
    "reported_at",
    "reported_at_local",
    "opened_any_at",
    "clicked_any_at",
    "submitted_any_at",
    "phish_prone",
];

/// Which recipients the export holds.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    #[param(schema_with = outcome_schema)]
    pub outcome: Option<String>,
}

fn row(recipient: &ListedRecipient, zone: chrono_tz::Tz) -> Result<Vec<u8>, csv::Error> {
    let (r, p, _) = recipient;
    let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339()).unwrap_or_default();
    let local = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc().with_timezone(&zone).to_rfc3339()).unwrap_or_default();
    let prone = p.clicked_at.is_some() || p.submitted_at.is_some();
    let cells = [
        r.id.clone(),
        r.account_id.clone(),
        r.email.clone(),
        r.display_name.clone().unwrap_or_default(),
        r.department.clone().unwrap_or_default(),
        r.scenario_id.clone(),
        p.delivery.as_str().to_owned(),
        p.relay_answer.clone().unwrap_or_default(),
        utc(p.sent_at),
        local(p.sent_at),
        utc(p.opened_at),
        local(p.opened_at),
        utc(p.clicked_at),
        local(p.clicked_at),
        utc(p.submitted_at),
        local(p.submitted_at),
        utc(p.reported_at),
        local(p.reported_at),
        utc(p.opened_any_at),
        utc(p.clicked_any_at),
        utc(p.submitted_any_at),
        prone.to_string(),
    ];
    crate::spreadsheet::record(cells.iter().map(String::as_str))
}

async fn batch(
    state: &web::Data<AppState>,
    msp_id: &str,
    campaign_id: &str,
    filter: &RecipientFilter,
    after: Option<String>,
) -> Result<Vec<ListedRecipient>, ApiError> {
    let (msp_id, campaign_id, filter) = (msp_id.to_owned(), campaign_id.to_owned(), filter.clone());
    db::run(&state.pool, move |conn| Ok(stored::list(conn, &msp_id, &campaign_id, &filter, after.as_deref(), BATCH)?))
        .await
}

/// Exports a campaign's recipients and their milestones as CSV.
///
/// One row per recipient in sending order: delivery and the relay's answer, and the first human
/// open, click, submission and report, each in UTC and in the customer's time zone, with the first
/// times by anyone (scanners included). Streamed; cells a spreadsheet would run as a formula are
/// prefixed with `'`. Filter by outcome.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/recipients/export", tag = "campaigns", operation_id = "exportCampaignRecipients",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."), ExportParams),
    responses(
        (status = 200, description = "Every recipient.",
            content((String = "text/csv", example = "recipient_id,account_id,email,display_name,department,scenario_id,delivery,relay_answer,sent_at,sent_at_local,opened_at,opened_at_local,clicked_at,clicked_at_local,submitted_at,submitted_at_local,reported_at,reported_at_local,opened_any_at,clicked_any_at,submitted_any_at,phish_prone\r\n")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"campaign-<id>-recipients.csv\"`."))),
    )
)]
pub async fn export_campaign_recipients(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let filter =
        RecipientFilter { outcome: enum_param::<Outcome>("outcome", params.outcome.as_deref())?, ..Default::default() };
    let (msp, customer, campaign_id) = (msp_id.clone(), customer_id.clone(), id.clone());
    let timezone = db::run(&state.pool, move |conn| {
        campaign(conn, &msp, &customer, &campaign_id)?;
        Ok(persistence::customers::find(conn, &msp, &customer)?.map(|c| c.timezone))
    })
    .await?;
    let zone = timezone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()).unwrap_or(chrono_tz::UTC);
    // Fail before the 200 when the database is unreachable.
    let first = batch(&state, &msp_id, &id, &filter, None).await?;
    let head = crate::spreadsheet::record(HEADER).map_err(ApiError::internal)?;
    let file = format!("campaign-{id}-recipients.csv");
    let body = stream::unfold((Some(head), Some(first), false), move |(head, prefetched, done)| {
        let (state, msp_id, id, filter) = (state.clone(), msp_id.clone(), id.clone(), filter.clone());
        async move {
            if let Some(head) = head {
                return Some((Ok(web::Bytes::from(head)), (None, prefetched, false)));
            }
            if done {
                return None;
            }
            let rows = match prefetched {
                Some(rows) => rows,
                None => return None,
            };
            let last = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
            let mut chunk = Vec::new();
            for recipient in &rows {
                match row(recipient, zone) {
                    Ok(bytes) => chunk.extend(bytes),
                    Err(error) => return Some((Err(ApiError::internal(error)), (None, None, true))),
                }
            }
            let next = if last {
                None
            } else {
                match batch(&state, &msp_id, &id, &filter, rows.last().map(|(r, _, _)| r.id.clone())).await {
                    Ok(next) => Some(next),
                    Err(error) => {
                        log::error!("recipient export failed mid-stream: {}", crate::error::cause_chain(&error));
                        return Some((Err(error), (None, None, true)));
                    }
                }
            };
            Some((Ok(web::Bytes::from(chunk)), (None, next, last)))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .streaming(body))
}
