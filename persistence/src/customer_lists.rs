//! Listing customers: filtered, sorted and paged by key (keyset pagination
//! on the sort value and id, so a page never shifts under concurrent writes).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression_methods::EscapeExpressionMethods;
use diesel::prelude::*;
use domain::customers::{CustomerOrder, CustomerSortKey};

use crate::customers::{CustomerRecord, CustomerRow, load_domains};
use crate::schema::{customer_domains, customer_group_members, customers};
use crate::{DbConnection, StoreError};

/// Which customers a list shows. Every field narrows the list; `None`
/// leaves it alone.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Lifecycle status.
    pub status: Option<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Members of this group.
    pub group_id: Option<String>,
    /// Sector, without regard to case.
    pub sector: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// License ends on or after this day.
    pub license_expires_from: Option<NaiveDate>,
    /// License ends before this day.
    pub license_expires_before: Option<NaiveDate>,
    /// Text in the name or in one of the domains, without regard to case.
    pub search: Option<String>,
}

/// The position of a customer in a sorted list: its sort value and id. A
/// page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerKey {
    /// Lower-cased name.
    Name(String),
    /// Creation time.
    Created(NaiveDateTime),
    /// Seats.
    Seats(i64),
    /// License expiry; `None` sorts as the last day there is.
    LicenseExpiry(Option<NaiveDate>),
}

/// Where a page starts: after this customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCursor {
    /// Sort value of the last customer seen.
    pub key: CustomerKey,
    /// Id of the last customer seen.
    pub id: String,
}

impl CustomerRecord {
    /// The cursor of the page that follows this customer in `order`.
    pub fn cursor(&self, order: CustomerOrder) -> CustomerCursor {
        let key = match order.key {
            CustomerSortKey::Name => CustomerKey::Name(self.sort_name.clone()),
            CustomerSortKey::Created => CustomerKey::Created(self.created_at.naive_utc()),
            CustomerSortKey::Seats => CustomerKey::Seats(self.seats),
            CustomerSortKey::LicenseExpiry => CustomerKey::LicenseExpiry(self.license_expires_on),
        };
        CustomerCursor { key, id: self.id.clone() }
    }
}

/// Customers sort without an expiry as if it were this day: last.
fn no_expiry() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

diesel::define_sql_function!(fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Date>, y: diesel::sql_types::Date) -> diesel::sql_types::Date);
diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` taken
/// literally (escaped with `\`).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Up to `limit` customers of `msp_id` that pass `filter`, in `order`,
/// starting after `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    filter: &CustomerFilter,
    order: CustomerOrder,
    after: Option<&CustomerCursor>,
    limit: i64,
) -> Result<Vec<CustomerRecord>, StoreError> {
    let mut query = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .select(CustomerRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(customers::status.eq(status.clone()));
    }
    if let Some(tier) = &filter.tier {
        query = query.filter(customers::tier.eq(tier.clone()));
    }
    if let Some(sector) = &filter.sector {
        query = query.filter(lower(customers::sector).eq(sector.to_lowercase()));
    }
    if let Some(country) = &filter.country {
        query = query.filter(customers::country.eq(country.clone()));
    }
    if let Some(from) = filter.license_expires_from {
        query = query.filter(customers::license_expires_on.ge(from));
    }
    if let Some(before) = filter.license_expires_before {
        query = query.filter(customers::license_expires_on.lt(before));
    }
    if let Some(group_id) = &filter.group_id {
        query = query.filter(
            customers::id.eq_any(
                customer_group_members::table
                    .filter(customer_group_members::msp_id.eq(msp_id.to_owned()))
                    .filter(customer_group_members::group_id.eq(group_id.clone()))
                    .select(customer_group_members::customer_id),
            ),
        );
    }
    if let Some(search) = &filter.search {
        let pattern = contains_pattern(&search.to_lowercase());
        query = query.filter(
            customers::sort_name.like(pattern.clone()).escape('\\').or(customers::id.eq_any(
                customer_domains::table
                    .filter(customer_domains::msp_id.eq(msp_id.to_owned()))
                    .filter(customer_domains::domain.like(pattern).escape('\\'))
                    .select(customer_domains::customer_id),
            )),
        );
    }
    // Keyset: rows strictly after (value, id) in the chosen direction.
    macro_rules! keyset {
        ($column:expr, $value:expr) => {{
            if let Some(cursor) = after {
                let id = cursor.id.clone();
                query = if order.descending {
                    query.filter($column.lt($value).or($column.eq($value).and(customers::id.lt(id))))
                } else {
                    query.filter($column.gt($value).or($column.eq($value).and(customers::id.gt(id))))
                };
            }
            query = if order.descending {
                query.order(($column.desc(), customers::id.desc()))
            } else {
                query.order(($column.asc(), customers::id.asc()))
            };
        }};
    }
    let mismatch = || StoreError::Config("cursor does not match the sort order".to_owned());
    match order.key {
        CustomerSortKey::Name => {
            let value = match after.map(|c| &c.key) {
                Some(CustomerKey::Name(v)) => v.clone(),
                Some(_) => return Err(mismatch()),
                None => String::new(),
            };
            keyset!(customers::sort_name, value.clone());
        }
        CustomerSortKey::Created => {
            let value = match after.map(|c| &c.key) {
                Some(CustomerKey::Created(v)) => *v,
                Some(_) => return Err(mismatch()),
                None => NaiveDateTime::MIN,
            };
            keyset!(customers::created_at, value);
        }
        CustomerSortKey::Seats => {
            let value = match after.map(|c| &c.key) {
                Some(CustomerKey::Seats(v)) => *v,
                Some(_) => return Err(mismatch()),
                None => 0,
            };
            keyset!(customers::seats, value);
        }
        CustomerSortKey::LicenseExpiry => {
            let value = match after.map(|c| &c.key) {
                Some(CustomerKey::LicenseExpiry(v)) => v.unwrap_or_else(no_expiry),
                Some(_) => return Err(mismatch()),
                None => no_expiry(),
            };
            keyset!(coalesce(customers::license_expires_on, no_expiry()), value);
        }
    }
    let rows: Vec<CustomerRow> = query.load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut domains = load_domains(conn, msp_id, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = domains.remove(&row.id).unwrap_or_default();
            row.into_record(own)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
