//! The audit log, read-only: filter, page, export as CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::audit::ActorType;
use domain::pagination::{Page as RowPage, PageSize};
use persistence::audit::{AuditEventRecord, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{Page, PageParams, cut_page_with, encode_cursor, link_query};
use crate::state::AppState;

pub(crate) const COLLECTION_PATH: &str = "/api/v1/audit-events";

/// Most rows one CSV export holds; narrow the filter for more.
pub(crate) const CSV_MAX_ROWS: usize = 100_000;

/// One change, as the audit log keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    /// Id (UUIDv7; sorts by time).
    #[schema(format = Uuid)]
    pub id: String,
    /// When it happened (UTC).
    pub occurred_at: DateTime<Utc>,
    /// `admin`, `api_key`, `operator`, `impersonation` (an admin in a customer session) or `system`.
    #[schema(example = "admin")]
    pub actor_type: String,
    /// Id of the admin, API key or operator (for `impersonation`: the admin).
    pub actor_id: String,
    /// E-mail of the person, or prefix and name of the key.
    #[schema(example = "owner@northwind.example")]
    pub actor_label: String,
    /// For `impersonation`: the customer the admin acted in.
    pub impersonated_customer_id: Option<String>,
    /// What was done, e.g. `customer.created`, `admin.updated`, `api_key.revoked`.
    #[schema(example = "customer.created")]
    pub action: String,
    /// Kind of thing changed: `customer`, `admin`, `api_key`, `msp`.
    #[schema(example = "customer")]
    pub target_type: String,
    /// Its id.
    pub target_id: String,
    /// The thing before the change (absent for creations).
    pub before: Option<serde_json::Value>,
    /// The thing after the change (absent for deletions).
    pub after: Option<serde_json::Value>,
    /// `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
}

impl From<AuditEventRecord> for AuditEvent {
    fn from(record: AuditEventRecord) -> Self {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            id: record.id,
            occurred_at: record.occurred_at.and_utc(),
            actor_type: record.actor_type,
            actor_id: record.actor_id,
            actor_label: record.actor_label,
            impersonated_customer_id: record.impersonated_customer_id,
            action: record.action,
            target_type: record.target_type,
            target_id: record.target_id,
            before: parse(record.before_state),
            after: parse(record.after_state),
            request_id: record.request_id,
            client_addr: record.client_addr,
        }
    }
}

/// The kind of caller behind a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorTypeName {
    /// An admin, signed in.
    Admin,
    /// An API key.
    ApiKey,
    /// A platform operator.
    Operator,
    /// An admin in a customer session.
    Impersonation,
    /// The command line or a background job.
    System,
    /// A customer's identity provider, through SCIM.
    Scim,
}

impl From<ActorTypeName> for ActorType {
    fn from(name: ActorTypeName) -> Self {
        match name {
            ActorTypeName::Admin => Self::Admin,
            ActorTypeName::ApiKey => Self::ApiKey,
            ActorTypeName::Operator => Self::Operator,
            ActorTypeName::Impersonation => Self::Impersonation,
            ActorTypeName::System => Self::System,
            ActorTypeName::Scim => Self::Scim,
        }
    }
}

/// How to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditFormat {
    /// A page of JSON (default).
    Json,
    /// Every matching event as CSV (up to 100,000 rows; `limit` and `cursor` are ignored).
    Csv,
}

/// Filters and paging of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEventsParams {
    /// Only events of this kind of actor.
    #[param(inline)]
    pub actor_type: Option<ActorTypeName>,
    /// Only events of this actor (admin, API key or operator id).
    pub actor_id: Option<String>,
    /// Only this action, e.g. `customer.updated`.
    pub action: Option<String>,
    /// Only changes to this kind of thing, e.g. `customer`.
    pub target_type: Option<String>,
    /// Only changes to this thing.
    pub target_id: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Only events before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<AuditFormat>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub(crate) fn time_param(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|text| {
        DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            ApiError::InvalidParameters(vec![InvalidField::parameter(
                name,
                "must be an RFC 3339 time, like 2026-11-01T00:00:00Z",
            )])
        })
    })
    .transpose()
}

impl ListAuditEventsParams {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        Ok(AuditFilter {
            actor_type: self.actor_type.map(|a| ActorType::from(a).as_str().to_owned()),
            actor_id: self.actor_id.clone(),
            action: self.action.clone(),
            target_type: self.target_type.clone(),
            target_id: self.target_id.clone(),
            from: time_param("from", self.from.as_deref())?,
            to: time_param("to", self.to.as_deref())?,
        })
    }

    /// The query string of this filter, for the `Link` of the next page.
    fn filter_query(&self) -> String {
        let actor_type = self.actor_type.map(|a| ActorType::from(a).as_str().to_owned());
        link_query(&[
            ("actor_type", actor_type.as_deref()),
            ("actor_id", self.actor_id.as_deref()),
            ("action", self.action.as_deref()),
            ("target_type", self.target_type.as_deref()),
            ("target_id", self.target_id.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
        ])
    }
}

/// Lists the audit log of your MSP, newest first, or exports it as CSV.
///
/// Filters (`actor_type`, `actor_id`, `action`, `target_type`, `target_id`, and the time range from
/// `from` up to, but not including, `to`) combine with AND. Pages hold 1-200 events (default 50);
/// follow `next_cursor` or the `Link` header to older events; the `Link` keeps your filters. With
/// `format=csv` the answer is every matching event as a CSV attachment (at most 100,000 rows;
/// `limit` and `cursor` are ignored).
#[utoipa::path(
    get, path = "/api/v1/audit-events", tag = "audit", operation_id = "listAuditEvents",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(ListAuditEventsParams),
    responses(
        (status = 200, description = "A page of events (JSON), or every matching event (`format=csv`).",
            content(
                (Page<AuditEvent> = "application/json"),
                (String = "text/csv", example = "id,occurred_at,actor_type,actor_id,actor_label,impersonated_customer_id,action,target_type,target_id,before,after,request_id,client_addr\r\n0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e90,2026-11-24T09:00:00.000000Z,admin,0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e11,owner@northwind.example,,customer.created,customer,0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81,,\"{\"\"name\"\":\"\"Acme Dental\"\"}\",5b0c…,127.0.0.1\r\n"),
            ),
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one (JSON only)."))),
    )
)]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListAuditEventsParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadAuditLog)?.to_owned();
    let filter = params.filter()?;
    let (size, before) = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.read()?;
    if params.format == Some(AuditFormat::Csv) {
        let rows = db::run(&state.pool, move |conn| export(conn, &msp_id, &filter)).await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"audit-events.csv\""))
            .body(rows));
    }
    let rows = db::run(&state.pool, move |conn| {
        Ok(persistence::audit::list(conn, &msp_id, &filter, before.as_deref(), size.fetch_limit())?)
    })
    .await?;
    let mut page = cut_page_with(COLLECTION_PATH, &params.filter_query(), size, rows, |last| encode_cursor(&last.id));
    let items = page.items.into_iter().map(AuditEvent::from).collect();
    Ok(page.response.json(Page { items, next_cursor: page.next_cursor }))
}

pub(crate) const CSV_HEADER: [&str; 13] = [
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "impersonated_customer_id",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "request_id",
    "client_addr",
];

pub(crate) fn export(
    conn: &mut persistence::DbConnection,
    msp_id: &str,
    filter: &AuditFilter,
) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER).map_err(ApiError::internal)?;
    let batch = PageSize::parse(Some(i64::from(PageSize::MAX))).map_err(ApiError::internal)?;
    let mut before: Option<String> = None;
    let mut written = 0;
    loop {
        let rows = persistence::audit::list(conn, msp_id, filter, before.as_deref(), batch.fetch_limit())?;
        let page = RowPage::from_overfetch(rows, batch);
        for event in &page.items {
            let at = event.occurred_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let fields = [
                event.id.as_str(),
                at.as_str(),
                &event.actor_type,
                &event.actor_id,
                &event.actor_label,
                event.impersonated_customer_id.as_deref().unwrap_or_default(),
                &event.action,
                &event.target_type,
                &event.target_id,
                event.before_state.as_deref().unwrap_or_default(),
                event.after_state.as_deref().unwrap_or_default(),
                event.request_id.as_deref().unwrap_or_default(),
                event.client_addr.as_deref().unwrap_or_default(),
            ];
            writer
                .write_record(fields.iter().map(|f| crate::spreadsheet::safe_cell(f).into_owned()))
                .map_err(ApiError::internal)?;
            written += 1;
        }
        match page.continues_after() {
            Some(last) if written < CSV_MAX_ROWS => before = Some(last.id.clone()),
            _ => break,
        }
    }
    writer.into_inner().map_err(ApiError::internal)
}

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(__path_list_audit_events, list_audit_events);
}
