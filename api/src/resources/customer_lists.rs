//! Listing customers: the filters and sort orders that the customer list,
//! the seat allocations and the expiring-license list share, and their
//! opaque keyset cursors.

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, NaiveDateTime};
use domain::customers::{CountryCode, CustomerOrder, CustomerSortKey, CustomerStatus};
use domain::pagination::PageSize;
use domain::tiers::Tier;
use persistence::customers::{self, CustomerCursor, CustomerFilter, CustomerKey, CustomerRecord};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::db;
use crate::error::{ApiError, InvalidField};
use crate::pagination::{PageCut, cut_page_with, link_query, page_size};
use crate::resources::customers::parse_date;
use crate::resources::customers::status_schema;
use crate::resources::customers::tier_schema;
use crate::state::AppState;

/// Filters, sort and page of a customer list. Filters combine with AND.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListParams {
    /// Only customers in this lifecycle status.
    #[param(schema_with = status_schema)]
    pub status: Option<String>,
    /// Only customers on this tier.
    #[param(schema_with = tier_schema)]
    pub tier: Option<String>,
    /// Only members of this customer group.
    #[param(value_type = Option<uuid::Uuid>)]
    pub group_id: Option<String>,
    /// Only customers of this sector (without regard to case).
    #[param(example = "Healthcare")]
    pub sector: Option<String>,
    /// Only customers in this country (ISO 3166-1 alpha-2).
    #[param(example = "DE")]
    pub country: Option<String>,
    /// Only customers whose license ends before this day (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2027-01-01")]
    pub license_expires_before: Option<String>,
    /// Text found in the name or in one of the domains, without regard to case.
    #[param(example = "dental")]
    pub q: Option<String>,
    /// `name`, `created` (default), `seats` or `license_expiry` (customers
    /// without an expiry last); prefix `-` for descending.
    #[param(schema_with = sort_schema)]
    pub sort: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (of the same filters and sort).
    pub cursor: Option<String>,
}

pub(crate) fn sort_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(CustomerOrder::spellings())).examples(["-seats"])
}

/// A customer list request, parsed.
#[derive(Debug, Clone)]
pub struct CustomerQuery {
    /// Which customers.
    pub filter: CustomerFilter,
    /// In which order.
    pub order: CustomerOrder,
    /// How many.
    pub size: PageSize,
    /// After which.
    pub after: Option<CustomerCursor>,
    /// The filters and sort as `&name=value…`, for the `Link`.
    pub link_query: String,
}

pub(crate) fn invalid(name: &str, message: impl ToString) -> ApiError {
    ApiError::InvalidParameters(vec![InvalidField::parameter(name, message)])
}

pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl CustomerListParams {
    /// Checks every parameter; the first invalid one is a 400.
    pub fn read(self) -> Result<CustomerQuery, ApiError> {
        let status = self
            .status
            .as_deref()
            .map(str::trim)
            .map(|s| s.parse::<CustomerStatus>().map(|s| s.as_str().to_owned()).map_err(|e| invalid("status", e)))
            .transpose()?;
        let tier = self
            .tier
            .as_deref()
            .map(str::trim)
            .map(|t| t.parse::<Tier>().map(|t| t.as_str().to_owned()).map_err(|e| invalid("tier", e)))
            .transpose()?;
        let group_id = self
            .group_id
            .as_deref()
            .map(str::trim)
            .map(|g| {
                uuid::Uuid::parse_str(g).map(|_| g.to_owned()).map_err(|_| invalid("group_id", "must be a group id"))
            })
            .transpose()?;
        let country = self
            .country
            .as_deref()
            .map(str::trim)
            .map(|c| CountryCode::parse(c).map(|c| c.as_str().to_owned()).map_err(|e| invalid("country", e)))
            .transpose()?;
        // A date is never empty: `?license_expires_before=` is a mistake, not "no filter".
        let license_expires_before = self
            .license_expires_before
            .clone()
            .map(|d| parse_date(&d).map_err(|e| invalid("license_expires_before", e)))
            .transpose()?;
        let order = parse_order(self.sort.as_deref())?;
        let size = page_size(self.limit.as_deref())?;
        let after = self.cursor.as_deref().map(|c| decode_cursor(c, order)).transpose()?;
        let filter = CustomerFilter {
            status,
            tier,
            group_id,
            sector: non_empty(self.sector.clone()),
            country,
            license_expires_from: None,
            license_expires_before,
            search: non_empty(self.q.clone()),
        };
        let link_query = link_query(&[
            ("status", self.status.as_deref()),
            ("tier", self.tier.as_deref()),
            ("group_id", self.group_id.as_deref()),
            ("sector", self.sector.as_deref()),
            ("country", self.country.as_deref()),
            ("license_expires_before", self.license_expires_before.as_deref()),
            ("q", self.q.as_deref()),
            ("sort", self.sort.as_deref()),
        ]);
        Ok(CustomerQuery { filter, order, size, after, link_query })
    }
}

/// Fetches one page of `query` and cuts it, with the `Link` to `path`.
pub async fn list_page(
    state: &web::Data<AppState>,
    msp_id: String,
    query: CustomerQuery,
    path: &str,
) -> Result<PageCut<CustomerRecord>, ApiError> {
    let CustomerQuery { filter, order, size, after, link_query } = query;
    let rows = db::run(&state.pool, move |conn| {
        Ok(customers::list(conn, &msp_id, &filter, order, after.as_ref(), size.fetch_limit())?)
    })
    .await?;
    Ok(cut_page_with(path, &link_query, size, rows, |row| encode_cursor(&row.cursor(order), order)))
}

/// Accepts only the orders the domain knows, for the list parameters.
pub(crate) fn parse_order(raw: Option<&str>) -> Result<CustomerOrder, ApiError> {
    raw.map_or(Ok(CustomerOrder::default()), |text| {
        CustomerOrder::parse(text.trim()).map_err(|_| {
            ApiError::InvalidParameters(vec![InvalidField::parameter(
                "sort",
                format!("must be one of: {}", CustomerOrder::spellings().join(", ")),
            )])
        })
    })
}

pub(crate) const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// The opaque cursor after `cursor` in `order`: URL-safe base64 of a small
/// JSON document naming the order, so that a cursor of another order is
/// refused instead of silently skipping customers.
pub fn encode_cursor(cursor: &CustomerCursor, order: CustomerOrder) -> String {
    let value = match &cursor.key {
        CustomerKey::Name(name) => json!(name),
        CustomerKey::Created(at) => json!(at.format(TIME_FORMAT).to_string()),
        CustomerKey::Seats(seats) => json!(seats),
        CustomerKey::LicenseExpiry(date) => json!(date.map(|d| d.to_string())),
    };
    let document = json!({ "s": order_spelling(order), "v": value, "id": cursor.id });
    URL_SAFE_NO_PAD.encode(document.to_string())
}

pub(crate) fn order_spelling(order: CustomerOrder) -> String {
    format!("{}{}", if order.descending { "-" } else { "" }, order.key)
}

/// Reads a cursor issued by [`encode_cursor`] for the same order.
pub fn decode_cursor(raw: &str, order: CustomerOrder) -> Result<CustomerCursor, ApiError> {
    let refused = || invalid("cursor", "is not a cursor this API issued for this sort order");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| refused())?;
    let document: Value = serde_json::from_slice(&bytes).map_err(|_| refused())?;
    if document["s"].as_str() != Some(order_spelling(order).as_str()) {
        return Err(refused());
    }
    let id = document["id"].as_str().filter(|id| uuid::Uuid::parse_str(id).is_ok()).ok_or_else(refused)?;
    let value = &document["v"];
    let key = match order.key {
        CustomerSortKey::Name => CustomerKey::Name(value.as_str().ok_or_else(refused)?.to_owned()),
        CustomerSortKey::Created => CustomerKey::Created(
            value
                .as_str()
                .and_then(|text| NaiveDateTime::parse_from_str(text, TIME_FORMAT).ok())
                .ok_or_else(refused)?,
        ),
        CustomerSortKey::Seats => CustomerKey::Seats(value.as_i64().ok_or_else(refused)?),
        CustomerSortKey::LicenseExpiry => CustomerKey::LicenseExpiry(match value {
            Value::Null => None,
            Value::String(text) => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| refused())?),
            _ => return Err(refused()),
        }),
    };
    Ok(CustomerCursor { key, id: id.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_order() {
        let id = "0192f0e4-7b1c-7c3a-8f00-000000000001".to_owned();
        let by_seats = CustomerOrder { key: CustomerSortKey::Seats, descending: true };
        let cursor = CustomerCursor { key: CustomerKey::Seats(12), id: id.clone() };
        let encoded = encode_cursor(&cursor, by_seats);
        assert_eq!(decode_cursor(&encoded, by_seats).ok(), Some(cursor));
        assert!(decode_cursor(&encoded, CustomerOrder { descending: false, ..by_seats }).is_err());
        let by_expiry = CustomerOrder { key: CustomerSortKey::LicenseExpiry, descending: false };
        let none = CustomerCursor { key: CustomerKey::LicenseExpiry(None), id };
        assert_eq!(decode_cursor(&encode_cursor(&none, by_expiry), by_expiry).ok(), Some(none));
        assert!(decode_cursor("garbage", by_expiry).is_err());
    }
}
