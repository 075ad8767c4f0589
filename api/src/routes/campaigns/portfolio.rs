//! Campaigns across all the MSP's customers: the list and the counts the
//! console's first screen shows ("Active campaigns: 11 · 2 paused · 1 not
//! started"; customers with no campaign in 31 days).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use domain::access::Action;
use domain::campaigns::CampaignKind;
use domain::campaigns::lifecycle::{CampaignStatus, Phase};
use persistence::campaigns::{self as stored, CampaignFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{instant_param, kind_param, statuses_param};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{
    Page, cut_page_with, decode_cursor, encode_cursor, id_param, int_param, link_query, page_size, path_id,
};
use crate::resources::campaigns::Campaign;
use crate::services::campaigns::customer;
use crate::state::AppState;

const COLLECTION_PATH: &str = "/api/v1/campaigns";

/// Default of "no phishing campaign in N days".
const RECENT_DAYS: i64 = 31;

/// Filters and paging of the campaigns of every customer.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignListParams {
    /// Only this customer's.
    #[param(value_type = Option<uuid::Uuid>)]
    pub customer_id: Option<String>,
    /// Only campaigns in these states, comma-separated (e.g. `sending,tracking`).
    pub status: Option<String>,
    /// Only this kind: `phishing` or `training`.
    pub kind: Option<String>,
    /// Starting at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub starts_from: Option<String>,
    /// Starting before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub starts_before: Option<String>,
    /// Planned to end at or after (RFC 3339; launched campaigns).
    #[param(value_type = Option<String>, format = DateTime)]
    pub ends_from: Option<String>,
    /// Planned to end before (RFC 3339; launched campaigns).
    #[param(value_type = Option<String>, format = DateTime)]
    pub ends_before: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists the campaigns of all your customers, newest first.
///
/// Filters combine with AND: customer, states (comma-separated), kind, and the start and planned end
/// between two times. Pages hold 1-200 campaigns (default 50); follow `next_cursor` or the `Link`
/// header, which keeps your filters.
#[utoipa::path(
    get, path = "/api/v1/campaigns", tag = "campaigns", operation_id = "listCampaigns",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(CampaignListParams),
    responses(
        (status = 200, description = "A page of campaigns.", body = Page<Campaign>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<CampaignListParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCampaigns)?.to_owned();
    let p = params.into_inner();
    let size = page_size(p.limit.as_deref())?;
    let after = p.cursor.as_deref().map(decode_cursor).transpose()?;
    let customer_id = id_param("customer_id", p.customer_id.as_deref(), "a customer")?;
    let filter = CampaignFilter {
        customer_id,
        statuses: statuses_param(p.status.as_deref())?,
        kind: kind_param(p.kind.as_deref())?,
        starts_from: instant_param("starts_from", p.starts_from.as_deref())?,
        starts_before: instant_param("starts_before", p.starts_before.as_deref())?,
        ends_from: instant_param("ends_from", p.ends_from.as_deref())?,
        ends_before: instant_param("ends_before", p.ends_before.as_deref())?,
    };
    let rows = db::run(&state.pool, move |conn| {
        Ok(stored::list(conn, &msp_id, &filter, after.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = link_query(&[
        ("customer_id", p.customer_id.as_deref()),
        ("status", p.status.as_deref()),
        ("kind", p.kind.as_deref()),
        ("starts_from", p.starts_from.as_deref()),
        ("starts_before", p.starts_before.as_deref()),
        ("ends_from", p.ends_from.as_deref()),
        ("ends_before", p.ends_before.as_deref()),
    ]);
    let mut page = cut_page_with(COLLECTION_PATH, &query, size, rows, |c| encode_cursor(&c.id));
    let items = page.items.iter().map(Campaign::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

/// Campaigns of one kind by where they stand.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct KindCounts {
    /// Under way: sending or tracking.
    pub active: i64,
    /// Paused.
    pub paused: i64,
    /// Not started: draft or scheduled.
    pub not_started: i64,
    /// Ended: completed or cancelled.
    pub ended: i64,
}

impl KindCounts {
    fn add(&mut self, phase: Phase, n: i64) {
        match phase {
            Phase::Active => self.active += n,
            Phase::Paused => self.paused += n,
            Phase::NotStarted => self.not_started += n,
            Phase::Ended => self.ended += n,
        }
    }
}

/// Campaigns by state and kind.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CampaignCounts {
    /// Under way (sending or tracking), every kind.
    #[schema(example = 11)]
    pub active: i64,
    /// Paused, every kind.
    #[schema(example = 2)]
    pub paused: i64,
    /// Not started (draft or scheduled), every kind.
    #[schema(example = 1)]
    pub not_started: i64,
    /// Phishing campaigns.
    pub phishing: KindCounts,
    /// Training campaigns.
    pub training: KindCounts,
    /// Every state, every kind: `draft`, `scheduled`, `sending`, `paused`, `tracking`, `completed`, `cancelled`.
    #[schema(example = json!({"draft": 1, "scheduled": 0, "sending": 4, "paused": 2, "tracking": 7, "completed": 30, "cancelled": 1}))]
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// MSP-wide only: live customers with no phishing campaign launched in the last `days` days.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 1)]
    pub customers_without_recent_campaign: Option<i64>,
    /// MSP-wide only: the `days` used for that.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 31)]
    pub recent_days: Option<i64>,
    /// Per customer only: when its last campaign launched (UTC); `null` if none has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_launched_at: Option<Option<DateTime<Utc>>>,
}

fn tally(rows: Vec<(CampaignStatus, CampaignKind, i64)>) -> CampaignCounts {
    let mut counts = CampaignCounts::default();
    for status in CampaignStatus::ALL {
        counts.by_status.insert(status.as_str().to_owned(), 0);
    }
    for (status, kind, n) in rows {
        *counts.by_status.entry(status.as_str().to_owned()).or_default() += n;
        match kind {
            CampaignKind::Phishing => counts.phishing.add(status.phase(), n),
            CampaignKind::Training => counts.training.add(status.phase(), n),
        }
    }
    counts.active = counts.phishing.active + counts.training.active;
    counts.paused = counts.phishing.paused + counts.training.paused;
    counts.not_started = counts.phishing.not_started + counts.training.not_started;
    counts
}

/// `?days=` of the MSP-wide counts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// "No phishing campaign in N days": N, 1-366 (default 31).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 366)]
    pub days: Option<String>,
}

/// Counts the campaigns of all your customers.
///
/// Active (sending + tracking), paused, not started (draft + scheduled), per kind and per state; and
/// the live customers with no phishing campaign launched in the last 31 (or `days`) days.
#[utoipa::path(
    get, path = "/api/v1/campaigns/counts", tag = "campaigns", operation_id = "countCampaigns",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(CountParams),
    responses((status = 200, description = "The counts.", body = CampaignCounts))
)]
pub async fn count_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<CountParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCampaigns)?.to_owned();
    let days = int_param("days", params.days.as_deref(), 1..=366)?.unwrap_or(RECENT_DAYS);
    let since = state.now() - TimeDelta::days(days);
    let (rows, quiet) = db::run(&state.pool, move |conn| {
        Ok((stored::counts(conn, &msp_id, None)?, stored::live_customers_without_campaign_since(conn, &msp_id, since)?))
    })
    .await?;
    let mut counts = tally(rows);
    counts.customers_without_recent_campaign = Some(quiet);
    counts.recent_days = Some(days);
    Ok(HttpResponse::Ok().json(counts))
}

/// Counts one customer's campaigns.
///
/// The same counts as across all customers, with when its last campaign launched (for "no
/// campaign in 31 days").
#[utoipa::path(
    get, path = "/api/v1/customers/{customer_id}/campaigns/counts", tag = "campaigns", operation_id = "countCustomerCampaigns",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(("customer_id" = uuid::Uuid, Path, description = "Customer id.")),
    responses((status = 200, description = "The counts.", body = CampaignCounts))
)]
pub async fn count_customer_campaigns(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = path_id(&path)?;
    let msp_id = caller.authorize(Action::ReadCampaigns(&customer_id))?.to_owned();
    let (rows, last) = db::run(&state.pool, move |conn| {
        customer(conn, &msp_id, &customer_id)?;
        Ok((stored::counts(conn, &msp_id, Some(&customer_id))?, stored::last_launched(conn, &msp_id, &customer_id)?))
    })
    .await?;
    let mut counts = tally(rows);
    counts.last_launched_at = Some(last);
    Ok(HttpResponse::Ok().json(counts))
}
