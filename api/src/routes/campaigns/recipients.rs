//! A launched campaign's recipients: who, with which scenario, and when.

use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::campaigns::results::{DeliveryStatus, Outcome};
use persistence::campaign_recipients::{self as stored, RecipientFilter, Standing};
use serde::Deserialize;
use utoipa::IntoParams;

use super::customer_path;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{
    Page, cut_page_with, decode_cursor, encode_cursor, enum_param, id_param, link_query, page_size, path_id,
};
use crate::resources::campaign_results::{delivery_schema, outcome_schema};
use crate::resources::campaigns::{CampaignRecipient, RecipientMilestones};
use crate::services::campaigns::campaign;
use crate::state::AppState;

/// Filters and paging of a campaign's recipients.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientParams {
    /// `planned` (its account is active) or `skipped` (deactivated or deleted after launch).
    pub status: Option<String>,
    /// Only this department (as at launch).
    pub department: Option<String>,
    #[param(schema_with = outcome_schema)]
    pub outcome: Option<String>,
    #[param(schema_with = delivery_schema)]
    pub delivery: Option<String>,
    /// Only recipients of this scenario.
    #[param(value_type = Option<uuid::Uuid>)]
    pub scenario_id: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists a campaign's recipients in sending order.
///
/// Each with the scenario it got and its planned send time (UTC and in the campaign's zone); empty
/// before launch. Filter by status (`planned`, `skipped`), department and scenario; pages hold 1-200.
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/{campaign_id}/recipients", tag = "campaigns", operation_id = "listCampaignRecipients",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id."), ("campaign_id" = uuid::Uuid, Path, description = "Campaign id."), RecipientParams),
    responses(
        (status = 200, description = "A page of recipients.", body = Page<CampaignRecipient>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_campaign_recipients(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<RecipientParams>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = (path_id(&path.0)?, path_id(&path.1)?);
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let params = params.into_inner();
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let standing = match params.status.as_deref() {
        None => None,
        Some("planned") => Some(Standing::Planned),
        Some("skipped") => Some(Standing::Skipped),
        Some(_) => {
            return Err(ApiError::InvalidParameters(vec![InvalidField::parameter(
                "status",
                "must be one of: planned, skipped",
            )]));
        }
    };
    let scenario_id = id_param("scenario_id", params.scenario_id.as_deref(), "a scenario")?;
    let outcome = enum_param::<Outcome>("outcome", params.outcome.as_deref())?;
    let delivery = enum_param::<DeliveryStatus>("delivery", params.delivery.as_deref())?;
    let filter = RecipientFilter { department: params.department.clone(), scenario_id, standing, outcome, delivery };
    let (msp, customer, campaign_id) = (msp_id.clone(), customer_id.clone(), id.clone());
    let (zone, rows) = db::run(&state.pool, move |conn| {
        let found = campaign(conn, &msp, &customer, &campaign_id)?;
        let zone =
            found.schedule.timezone.as_deref().and_then(|z| z.parse::<chrono_tz::Tz>().ok()).unwrap_or(chrono_tz::UTC);
        Ok((zone, stored::list(conn, &msp, &campaign_id, &filter, after.as_deref(), size.fetch_limit())?))
    })
    .await?;
    let query = link_query(&[
        ("status", params.status.as_deref()),
        ("department", params.department.as_deref()),
        ("scenario_id", params.scenario_id.as_deref()),
        ("outcome", params.outcome.as_deref()),
        ("delivery", params.delivery.as_deref()),
    ]);
    let path = format!("{}/{id}/recipients", customer_path(&customer_id));
    let mut page = cut_page_with(&path, &query, size, rows, |(r, _, _)| encode_cursor(&r.id));
    let items = page
        .items
        .drain(..)
        .map(|(r, p, standing)| {
            let planned_at = r.planned_at.and_utc();
            let utc = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc());
            CampaignRecipient {
                id: r.id,
                account_id: r.account_id,
                email: r.email,
                display_name: r.display_name,
                department: r.department,
                scenario_id: r.scenario_id,
                planned_at,
                planned_at_local: planned_at.with_timezone(&zone).to_rfc3339(),
                status: match standing {
                    Standing::Planned => "planned",
                    Standing::Skipped => "skipped",
                }
                .to_owned(),
                delivery: p.delivery.as_str().to_owned(),
                attempts: p.attempts,
                sent_at: utc(p.sent_at),
                failed_at: utc(p.failed_at),
                relay_answer: p.relay_answer,
                milestones: RecipientMilestones {
                    opened_at: utc(p.opened_at),
                    opened_any_at: utc(p.opened_any_at),
                    clicked_at: utc(p.clicked_at),
                    clicked_any_at: utc(p.clicked_any_at),
                    submitted_at: utc(p.submitted_at),
                    submitted_any_at: utc(p.submitted_any_at),
                    reported_at: utc(p.reported_at),
                },
                event_counts: serde_json::from_str(&p.event_counts).unwrap_or_else(|_| serde_json::json!({})),
                erased_at: utc(p.erased_at),
            }
        })
        .collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
