//! Background jobs, for the operator: what failed for good, and why.

use actix_web::{HttpResponse, web};
use domain::jobs::JobStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{Page, PageParams, cut_page_with, encode_cursor};
use crate::resources::jobs::Job;
use crate::state::AppState;

/// `?status=` of the job list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    /// Only jobs of this status: `queued`, `running`, `succeeded` or `failed`.
    #[param(example = "failed")]
    pub status: Option<String>,
}

/// Lists background jobs, newest first; `?status=failed` gives the ones given up, with their error.
///
/// Platform operators only. Jobs are retried with exponential back-off before they fail for good;
/// a failed job keeps its last error. Pages hold 1-200 jobs (default 50); follow `next_cursor` or
/// the `Link` header.
#[utoipa::path(
    get, path = "/api/v1/platform/jobs", tag = "platform", operation_id = "listJobs",
    security(("bearer_auth" = [])),
    params(JobFilter, PageParams),
    responses(
        (status = 200, description = "A page of jobs.", body = Page<Job>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_jobs(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<JobFilter>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    caller.authorize_platform()?;
    let status = filter
        .status
        .as_deref()
        .map(|s| {
            s.parse::<JobStatus>().map_err(|_| {
                let message = format!("must be one of: {}", JobStatus::spellings().join(", "));
                ApiError::InvalidParameters(vec![InvalidField::parameter("status", message)])
            })
        })
        .transpose()?;
    let (size, before) = params.read()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(persistence::jobs::list(conn, status, before.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let query = status.map(|s| format!("&status={}", s.as_str())).unwrap_or_default();
    let mut page = cut_page_with("/api/v1/platform/jobs", &query, size, rows, |r| encode_cursor(&r.id));
    let items = page.items.into_iter().map(Job::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}
