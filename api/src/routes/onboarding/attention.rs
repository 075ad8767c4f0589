//! The attention list: customers whose setup stalls in onboarding.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::onboarding::{self as rules, Step, StepStatus};
use persistence::onboarding::{self as store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::readiness::StepState;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{Page, cut_page_with, decode_cursor, link_query, page_size};
use crate::resources::onboarding::step_schema;
use crate::services::onboarding::{assess, find_customer, snapshot};
use crate::state::AppState;

// ---------------------------------------------------------------------------
// Attention list.

/// `?older_than_days=&limit=&cursor=` of the attention list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SetupIncompleteParams {
    /// Days in onboarding (default: the server's `ONBOARDING_ATTENTION_DAYS`, 7 unless set), 0–3650.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 3650)]
    pub older_than_days: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer whose setup stalls.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupIncomplete {
    /// The customer.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Its name.
    pub name: String,
    /// When it entered onboarding (UTC).
    pub onboarding_since: DateTime<Utc>,
    /// Whole days since.
    pub days_in_onboarding: i64,
    /// The step to show next.
    #[schema(schema_with = step_schema)]
    pub current_step: String,
    /// Steps still `not_started` or `in_progress`.
    pub open_steps: Vec<StepState>,
}

/// The dashboard's attention list: customers in `onboarding` for more than
/// `older_than_days` days, longest first, with the steps still open.
///
/// `older_than_days` is 0-3650 and defaults to the server's `ONBOARDING_ATTENTION_DAYS` (7 unless
/// set). Pages hold 1-200 customers (default 50); follow `next_cursor` or the `Link` header, which
/// keeps `older_than_days`.
#[utoipa::path(
    get, path = "/api/v1/onboarding/setup-incomplete", tag = "onboarding", operation_id = "listSetupIncomplete",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(SetupIncompleteParams),
    responses(
        (status = 200, description = "A page of customers.", body = Page<SetupIncomplete>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_setup_incomplete(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<SetupIncompleteParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let params = params.into_inner();
    let days = match params.older_than_days.as_deref() {
        None => state.attention_days,
        Some(raw) => {
            raw.trim().parse::<i64>().ok().filter(|d| (0..=rules::MAX_ATTENTION_DAYS).contains(d)).ok_or_else(|| {
                ApiError::InvalidParameters(vec![InvalidField::parameter(
                    "older_than_days",
                    format!("must be a whole number of days from 0 to {}", rules::MAX_ATTENTION_DAYS),
                )])
            })?
        }
    };
    let size = page_size(params.limit.as_deref())?;
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let at = state.now();
    let rows = db::run(&state.pool, move |conn| {
        let stalled =
            store::stalled(conn, &msp_id, rules::attention_cutoff(at, days), after.as_deref(), size.fetch_limit())?;
        let mut rows = Vec::with_capacity(stalled.len());
        for customer in stalled {
            let record = find_customer(conn, &msp_id, &customer.id)?;
            let snapshot = snapshot(conn, record)?;
            let (steps, _) = assess(&snapshot, "");
            let statuses: Vec<(Step, StepStatus)> = steps.iter().map(|e| (e.step, e.status)).collect();
            rows.push(SetupIncomplete {
                customer_id: customer.id,
                name: customer.name,
                onboarding_since: customer.created_at,
                days_in_onboarding: rules::days_between(customer.created_at, at),
                current_step: rules::current_step(&statuses).as_str().to_owned(),
                open_steps: steps
                    .iter()
                    .filter(|e| e.status.is_open())
                    .map(|e| StepState { step: e.step.as_str().to_owned(), status: e.status.as_str().to_owned() })
                    .collect(),
            });
        }
        Ok(rows)
    })
    .await?;
    let query = link_query(&[("older_than_days", params.older_than_days.as_deref())]);
    let page = cut_page_with("/api/v1/onboarding/setup-incomplete", &query, size, rows, |r| {
        crate::pagination::encode_cursor(&r.customer_id)
    });
    let mut response = page.response;
    Ok(response.json(Page { items: page.items, next_cursor: page.next_cursor }))
}
