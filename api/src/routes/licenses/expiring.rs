//! Customer licenses about to expire.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use domain::access::Action;
use domain::customers::{CustomerOrder, CustomerSortKey};
use domain::license_expiry::{ExpiryWindow, WindowError, days_left};
use persistence::customers::CustomerRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{Page, link_query, page_size};
use crate::resources::customer_lists::CustomerQuery;
use crate::resources::customer_lists::decode_cursor;
use crate::resources::customer_lists::list_page;
use crate::state::AppState;

/// `?within_days=&limit=&cursor=` of the expiring-license list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringParams {
    /// How many days ahead to look, 0-3650 (default 60); 0 is today only.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 3650, example = 60)]
    pub within_days: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer whose license ends soon.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLicense {
    /// Customer id.
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Customer name.
    #[schema(example = "Acme Dental")]
    pub customer_name: String,
    /// The last day of the license.
    #[schema(format = Date, example = "2027-01-15")]
    pub license_expires_on: NaiveDate,
    /// Days from today (UTC) to the expiry; 0 is today.
    #[schema(example = 12)]
    pub days_left: i64,
    /// The customer's first domain.
    #[schema(example = "acme-dental.com")]
    pub domain: Option<String>,
    /// Every domain of the customer.
    pub domains: Vec<String>,
}

/// Lists the customers whose license ends within the next `within_days`
/// days (from today, UTC), soonest first.
///
/// `within_days` is 0-3650 (default 60; 0 is today only); customers without a license end date are
/// not listed. Pages hold 1-200 customers (default 50); follow `next_cursor` or the `Link` header,
/// which keeps `within_days`.
#[utoipa::path(
    get, path = "/api/v1/licenses/expiring", tag = "licenses", operation_id = "listExpiringLicenses",
    security(("bearer_auth" = []), ("api_key" = [])),
    params(ExpiringParams),
    responses(
        (status = 200, description = "A page of expiring licenses.", body = Page<ExpiringLicense>,
            headers(("Link" = String, description = "RFC 8288 link to the next page, when there is one."))),
    )
)]
pub async fn list_expiring_licenses(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ExpiringParams>,
) -> Result<HttpResponse, ApiError> {
    let msp_id = caller.authorize(Action::ReadLicenses)?.to_owned();
    let today = state.now().date_naive();
    let invalid = |e| ApiError::InvalidParameters(vec![InvalidField::parameter("within_days", e)]);
    let days = match params.within_days.as_deref().map(str::trim) {
        None => ExpiryWindow::DEFAULT_DAYS,
        Some(text) => text.parse::<i64>().map_err(|_| invalid(WindowError))?,
    };
    let window = ExpiryWindow::within(today, days).map_err(invalid)?;
    let order = CustomerOrder { key: CustomerSortKey::LicenseExpiry, descending: false };
    let query = CustomerQuery {
        filter: persistence::customers::CustomerFilter {
            license_expires_from: Some(window.from),
            license_expires_before: Some(window.before),
            ..Default::default()
        },
        order,
        size: page_size(params.limit.as_deref())?,
        after: params.cursor.as_deref().map(|c| decode_cursor(c, order)).transpose()?,
        link_query: link_query(&[("within_days", params.within_days.as_deref())]),
    };
    let page = list_page(&state, msp_id, query, "/api/v1/licenses/expiring").await?;
    let items = page.items.into_iter().filter_map(|c| expiring(c, today)).collect();
    let mut response = page.response;
    Ok(response.json(Page { items, next_cursor: page.next_cursor }))
}

pub(crate) fn expiring(customer: CustomerRecord, today: NaiveDate) -> Option<ExpiringLicense> {
    let expires = customer.license_expires_on?;
    Some(ExpiringLicense {
        customer_id: customer.id,
        customer_name: customer.name,
        license_expires_on: expires,
        days_left: days_left(expires, today),
        domain: customer.domains.first().cloned(),
        domains: customer.domains,
    })
}
