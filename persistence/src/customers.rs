//! Customer rows and their e-mail domains.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::customers::{CustomerChanges, CustomerDomains, NewCustomer};

use crate::error::Retryable;
use crate::schema::{customer_domains, customers};
use crate::{DbConnection, StoreError};

/// A customer as the rest of the product sees it: the row plus its domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    /// Primary key.
    pub id: String,
    /// The MSP that owns the customer.
    pub msp_id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// E-mail domains, in the order given.
    pub domains: Vec<String>,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = customers)]
struct CustomerRow {
    id: String,
    msp_id: String,
    name: String,
    country: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = customer_domains)]
struct DomainRow<'a> {
    msp_id: &'a str,
    domain: &'a str,
    customer_id: &'a str,
    position: i32,
}

impl CustomerRow {
    fn into_record(self, domains: Vec<String>) -> CustomerRecord {
        CustomerRecord {
            id: self.id,
            msp_id: self.msp_id,
            name: self.name,
            country: self.country,
            domains,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// Why a customer could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CustomerWriteError {
    /// Domains that another customer of the same MSP already has. Empty when
    /// a concurrent write took them between check and insert (the unique key
    /// caught it, without saying which).
    #[error("domains already used by another customer: {0:?}")]
    DomainsTaken(Vec<String>),
    /// Any other storage failure.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CustomerWriteError {
    fn from(error: StoreError) -> Self {
        match error {
            // The only unique key customer writes can hit is (msp_id, domain).
            StoreError::UniqueViolation(_) => Self::DomainsTaken(Vec::new()),
            other => Self::Store(other),
        }
    }
}

impl From<diesel::result::Error> for CustomerWriteError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

impl Retryable for CustomerWriteError {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_retryable())
    }
}

/// Inserts a customer of `msp_id` with its domains. Run it in a write
/// transaction: it is several statements.
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    new: &NewCustomer,
    now: DateTime<Utc>,
) -> Result<CustomerRecord, CustomerWriteError> {
    let row = CustomerRow {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        name: new.name.as_str().to_owned(),
        country: new.country.as_str().to_owned(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    ensure_domains_free(conn, msp_id, &row.id, &new.domains)?;
    diesel::insert_into(customers::table).values(&row).execute(conn)?;
    let domains = insert_domains(conn, msp_id, &row.id, &new.domains)?;
    Ok(row.into_record(domains))
}

/// Finds a customer of `msp_id`; a customer of another MSP is not found.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<CustomerRecord>, StoreError> {
    let row: Option<CustomerRow> = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .filter(customers::id.eq(id))
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let mut domains = load_domains(conn, msp_id, std::slice::from_ref(&row.id))?;
    let own = domains.remove(&row.id).unwrap_or_default();
    Ok(Some(row.into_record(own)))
}

/// Up to `limit` customers of `msp_id` in creation order, starting after id
/// `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CustomerRecord>, StoreError> {
    let mut query = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .select(CustomerRow::as_select())
        .order(customers::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(customers::id.gt(after.to_owned()));
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

/// Applies `changes` to a customer of `msp_id`; `None` when there is no such
/// customer. Run it in a write transaction.
pub fn update(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    changes: &CustomerChanges,
    now: DateTime<Utc>,
) -> Result<Option<CustomerRecord>, CustomerWriteError> {
    let target = customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id));
    let updated = diesel::update(target)
        .set((
            changes.name.as_ref().map(|n| customers::name.eq(n.as_str().to_owned())),
            changes.country.as_ref().map(|c| customers::country.eq(c.as_str().to_owned())),
            customers::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    if let Some(domains) = &changes.domains {
        ensure_domains_free(conn, msp_id, id, domains)?;
        diesel::delete(
            customer_domains::table
                .filter(customer_domains::msp_id.eq(msp_id))
                .filter(customer_domains::customer_id.eq(id)),
        )
        .execute(conn)?;
        insert_domains(conn, msp_id, id, domains)?;
    }
    Ok(find(conn, msp_id, id)?)
}

/// Deletes a customer of `msp_id` and its domains; false when there is no
/// such customer.
pub fn delete(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<bool, StoreError> {
    diesel::delete(
        customer_domains::table
            .filter(customer_domains::msp_id.eq(msp_id))
            .filter(customer_domains::customer_id.eq(id)),
    )
    .execute(conn)?;
    let deleted = diesel::delete(customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id)))
        .execute(conn)?;
    Ok(deleted == 1)
}

/// Refuses domains that another customer of the MSP already has, naming
/// them. The unique key (msp_id, domain) remains the guard against races;
/// this check only makes the refusal say which domains.
fn ensure_domains_free(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    domains: &CustomerDomains,
) -> Result<(), CustomerWriteError> {
    let wanted: Vec<&str> = domains.as_slice().iter().map(|d| d.as_str()).collect();
    let taken: Vec<String> = customer_domains::table
        .filter(customer_domains::msp_id.eq(msp_id))
        .filter(customer_domains::domain.eq_any(&wanted))
        .filter(customer_domains::customer_id.ne(customer_id))
        .select(customer_domains::domain)
        .order(customer_domains::domain.asc())
        .load(conn)?;
    if taken.is_empty() { Ok(()) } else { Err(CustomerWriteError::DomainsTaken(taken)) }
}

fn insert_domains(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    domains: &CustomerDomains,
) -> Result<Vec<String>, CustomerWriteError> {
    let mut stored = Vec::with_capacity(domains.as_slice().len());
    for (position, domain) in domains.as_slice().iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        diesel::insert_into(customer_domains::table)
            .values(DomainRow { msp_id, domain: domain.as_str(), customer_id, position })
            .execute(conn)?;
        stored.push(domain.as_str().to_owned());
    }
    Ok(stored)
}

fn load_domains(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = customer_domains::table
        .filter(customer_domains::msp_id.eq(msp_id))
        .filter(customer_domains::customer_id.eq_any(customer_ids))
        .order((customer_domains::customer_id.asc(), customer_domains::position.asc()))
        .select((customer_domains::customer_id, customer_domains::domain))
        .load(conn)?;
    let mut by_customer: HashMap<String, Vec<String>> = HashMap::new();
    for (customer_id, domain) in rows {
        by_customer.entry(customer_id).or_default().push(domain);
    }
    Ok(by_customer)
}
