//! Exporting every customer of the MSP as CSV or JSON, streamed page by page
//! so that an MSP with tens of thousands of customers never has its whole
//! book in the server's memory.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::access::Action;
use domain::customers::CustomerOrder;
use futures_util::stream;
use persistence::customers::{self, CustomerCursor, CustomerFilter, CustomerRecord};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::resources::customers::Customer;
use crate::state::AppState;

/// Customers read per round trip while streaming.
pub(crate) const BATCH: i64 = 500;

/// `?format=` of the export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (RFC 4180, header row, formula-safe) or `json` (an array of customers; the default).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// The export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180 CSV.
    Csv,
    /// A JSON array.
    Json,
}

pub(crate) const CSV_HEADER: [&str; 16] = [
    "id",
    "name",
    "billing_reference",
    "domains",
    "country",
    "timezone",
    "language",
    "sector",
    "location",
    "tier",
    "seats",
    "max_mau",
    "license_expires_on",
    "status",
    "created_at",
    "updated_at",
];

pub(crate) fn csv_row(customer: &CustomerRecord) -> Result<Vec<u8>, csv::Error> {
    let time = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let cells = [
        customer.id.clone(),
        customer.name.clone(),
        customer.billing_reference.clone().unwrap_or_default(),
        customer.domains.join(" "),
        customer.country.clone(),
        customer.timezone.clone(),
        customer.language.clone(),
        customer.sector.clone().unwrap_or_default(),
        customer.location.clone().unwrap_or_default(),
        customer.tier.as_str().to_owned(),
        customer.seats.to_string(),
        customer.max_mau.to_string(),
        customer.license_expires_on.map(|d| d.to_string()).unwrap_or_default(),
        customer.status.as_str().to_owned(),
        time(customer.created_at),
        time(customer.updated_at),
    ];
    crate::spreadsheet::record(cells.iter().map(String::as_str))
}

/// Where the stream is.
pub(crate) enum Progress {
    /// Nothing sent yet.
    Start,
    /// Sent up to this customer (`None`: none yet, the header is out).
    After(Option<CustomerCursor>),
    /// Everything is out.
    Done,
}

/// Exports every customer of your MSP with all its fields.
///
/// The body is streamed: customers are read in batches while it is sent. CSV
/// has a header row; `domains` are separated by spaces; cells that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`) are
/// prefixed with `'`.
#[utoipa::path(
    get, path = "/api/v1/customers/export", tag = "customers", operation_id = "exportCustomers",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(ExportParams),
    responses(
        (status = 200, description = "Every customer, oldest first.",
            content(
                (Vec<Customer> = "application/json"),
                (String = "text/csv", example = "id,name,billing_reference,domains,country,timezone,language,sector,location,tier,seats,max_mau,license_expires_on,status,created_at,updated_at\r\n0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e81,Acme Dental,PSA-10442,acme-dental.com,DE,Europe/Berlin,de-DE,Healthcare,Berlin,professional,25,100000000,2027-06-30,live,2026-11-24T09:00:00Z,2026-11-24T09:00:00Z\r\n"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"customers.csv\"` (or `.json`)."))),
    )
)]
pub async fn export_customers(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ListCustomers)?.to_owned();
    let format = params.format.unwrap_or(ExportFormat::Json);
    // Fail before the 200 is sent when the database is unreachable.
    let first = next_batch(&state, &msp_id, None).await?;
    let body = stream::unfold((Progress::Start, Some(first)), move |(progress, prefetched)| {
        let (state, msp_id) = (state.clone(), msp_id.clone());
        async move {
            let after = match progress {
                Progress::Done => return None,
                Progress::Start => {
                    let head = match format {
                        ExportFormat::Csv => crate::spreadsheet::record(CSV_HEADER).map_err(ApiError::internal),
                        ExportFormat::Json => Ok(b"[".to_vec()),
                    };
                    return Some((head.map(web::Bytes::from), (Progress::After(None), prefetched)));
                }
                Progress::After(after) => after,
            };
            let batch = match prefetched {
                Some(batch) => Ok(batch),
                None => next_batch(&state, &msp_id, after.clone()).await,
            };
            let rows = match batch {
                Ok(rows) => rows,
                Err(error) => {
                    log::error!("customer export failed mid-stream: {}", crate::error::cause_chain(&error));
                    return Some((Err(error), (Progress::Done, None)));
                }
            };
            let last = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
            let first_rows = after.is_none();
            let next = rows.last().map(|r| r.cursor(CustomerOrder::default()));
            let chunk = encode(format, &rows, first_rows, last);
            let progress = if last { Progress::Done } else { Progress::After(next) };
            Some((chunk.map(web::Bytes::from), (progress, None)))
        }
    });
    let (content_type, file) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "customers.csv"),
        ExportFormat::Json => ("application/json", "customers.json"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .streaming(body))
}

pub(crate) async fn next_batch(
    state: &web::Data<AppState>,
    msp_id: &str,
    after: Option<CustomerCursor>,
) -> Result<Vec<CustomerRecord>, ApiError> {
    let msp_id = msp_id.to_owned();
    db::run(&state.pool, move |conn| {
        Ok(customers::list(conn, &msp_id, &CustomerFilter::default(), CustomerOrder::default(), after.as_ref(), BATCH)?)
    })
    .await
}

/// One chunk of the body: `rows` in `format`; `first` when no customer was
/// sent before (no leading comma in JSON), `last` closes the JSON array.
pub(crate) fn encode(
    format: ExportFormat,
    rows: &[CustomerRecord],
    first: bool,
    last: bool,
) -> Result<Vec<u8>, ApiError> {
    let mut chunk = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match format {
            ExportFormat::Csv => chunk.extend(csv_row(row).map_err(ApiError::internal)?),
            ExportFormat::Json => {
                if !(first && index == 0) {
                    chunk.push(b',');
                }
                serde_json::to_writer(&mut chunk, &Customer::from(row.clone())).map_err(ApiError::internal)?;
            }
        }
    }
    if last && format == ExportFormat::Json {
        chunk.push(b']');
    }
    Ok(chunk)
}
