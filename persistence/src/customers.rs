//! Customer rows and their e-mail domains. Listing them is
//! `crate::customer_lists`, re-exported here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::customers::{CustomerChanges, CustomerDomains, CustomerStatus, NewCustomer};

use domain::tiers::Tier;

pub use crate::customer_lists::{CustomerCursor, CustomerFilter, CustomerKey, list};
use crate::error::Retryable;
use crate::schema::{customer_domains, customer_group_members, customers};
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
    /// The key lists sort by name with, as stored.
    pub sort_name: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// E-mail domains, in the order given.
    pub domains: Vec<String>,
    /// Reference in the MSP's PSA.
    pub billing_reference: Option<String>,
    /// IANA time zone.
    pub timezone: String,
    /// BCP 47 language tag.
    pub language: String,
    /// Industry.
    pub sector: Option<String>,
    /// Where it is.
    pub location: Option<String>,
    /// Product tier.
    pub tier: Tier,
    /// Seats drawn from the MSP's pool.
    pub seats: i64,
    /// Most monthly active accounts.
    pub max_mau: i64,
    /// When the license ends.
    pub license_expires_on: Option<NaiveDate>,
    /// Lifecycle status.
    pub status: CustomerStatus,
    /// Bumped by every change: the ETag.
    pub version: i64,
    /// When the seats last changed.
    pub seats_changed_at: Option<DateTime<Utc>>,
    /// Who last changed the seats (the audit log's actor label).
    pub seats_changed_by: Option<String>,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When it first went live (UTC).
    pub went_live_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customers)]
pub(crate) struct CustomerRow {
    pub(crate) id: String,
    msp_id: String,
    name: String,
    country: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    billing_reference: Option<String>,
    timezone: String,
    language: String,
    sector: Option<String>,
    location: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    tier: Tier,
    seats: i64,
    max_mau: i64,
    license_expires_on: Option<NaiveDate>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    status: CustomerStatus,
    version: i64,
    sort_name: String,
    seats_changed_at: Option<NaiveDateTime>,
    seats_changed_by: Option<String>,
    went_live_at: Option<NaiveDateTime>,
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
    pub(crate) fn into_record(self, domains: Vec<String>) -> CustomerRecord {
        CustomerRecord {
            id: self.id,
            msp_id: self.msp_id,
            name: self.name,
            sort_name: self.sort_name,
            country: self.country,
            domains,
            billing_reference: self.billing_reference,
            timezone: self.timezone,
            language: self.language,
            sector: self.sector,
            location: self.location,
            tier: self.tier,
            seats: self.seats,
            max_mau: self.max_mau,
            license_expires_on: self.license_expires_on,
            status: self.status,
            version: self.version,
            seats_changed_at: self.seats_changed_at.map(|t| t.and_utc()),
            seats_changed_by: self.seats_changed_by,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            went_live_at: self.went_live_at.map(|t| t.and_utc()),
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

/// Inserts a customer of `msp_id` with its domains, in `onboarding`. The
/// caller has claimed the organisation slot and the seats
/// ([`crate::seat_pool::claim_customer_slot`]) in the same transaction.
/// `changed_by` is recorded as who set the seats.
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    new: &NewCustomer,
    changed_by: &str,
    now: DateTime<Utc>,
) -> Result<CustomerRecord, CustomerWriteError> {
    let row = CustomerRow {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        name: new.name.as_str().to_owned(),
        country: new.country.as_str().to_owned(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        billing_reference: new.billing_reference.as_ref().map(|b| b.as_str().to_owned()),
        timezone: new.timezone.as_str().to_owned(),
        language: new.language.as_str().to_owned(),
        sector: new.sector.as_ref().map(|s| s.as_str().to_owned()),
        location: new.location.as_ref().map(|l| l.as_str().to_owned()),
        tier: new.tier,
        seats: new.seats.get(),
        max_mau: new.max_mau.get(),
        license_expires_on: new.license_expires_on,
        status: CustomerStatus::Onboarding,
        version: 1,
        sort_name: new.name.sort_key(),
        seats_changed_at: Some(now.naive_utc()),
        seats_changed_by: Some(changed_by.to_owned()),
        went_live_at: None,
    };
    ensure_domains_free(conn, msp_id, &row.id, &new.domains)?;
    diesel::insert_into(customers::table).values(row.clone()).execute(conn)?;
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

/// What [`lock`] found.
#[derive(Debug)]
pub enum Locked {
    /// The customer, as it is now; its row stays locked until the
    /// transaction ends, and its version has been bumped.
    Customer(CustomerRecord),
    /// The customer exists but its version is none of those expected.
    Stale {
        /// Its current version.
        current_version: i64,
    },
    /// No such customer in this MSP.
    NotFound,
}

/// Starts a change of a customer: bumps its version — only if it is one of
/// `expected_versions`, when given (`If-Match`) — which takes the row's lock
/// until the transaction ends, then reads it. Every later decision of the
/// transaction (seats drawn, status transition) is made on a row nobody else
/// can change meanwhile.
pub fn lock(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    expected_versions: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<Locked, StoreError> {
    let mut target =
        diesel::update(customers::table).filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id)).into_boxed();
    if let Some(versions) = expected_versions {
        target = target.filter(customers::version.eq_any(versions.to_vec()));
    }
    let bumped = target
        .set((customers::version.eq(customers::version + 1), customers::updated_at.eq(now.naive_utc())))
        .execute(conn)?;
    match (bumped, find(conn, msp_id, id)?) {
        (1, Some(record)) => Ok(Locked::Customer(record)),
        (_, Some(record)) => Ok(Locked::Stale { current_version: record.version }),
        (_, None) => Ok(Locked::NotFound),
    }
}

/// Applies `changes` to a customer locked by [`lock`] in this transaction.
/// Seat and status changes must have been checked, and the seats drawn from
/// or returned to the pool, by the caller. `changed_by` is recorded when the
/// seats change.
pub fn apply(
    conn: &mut DbConnection,
    msp_id: &str,
    current: &CustomerRecord,
    changes: &CustomerChanges,
    changed_by: &str,
    now: DateTime<Utc>,
) -> Result<CustomerRecord, CustomerWriteError> {
    let id = current.id.as_str();
    let seats_change = changes.seats.filter(|s| s.get() != current.seats);
    let target = customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id));
    diesel::update(target)
        .set((
            changes.name.as_ref().map(|n| customers::name.eq(n.as_str().to_owned())),
            changes.name.as_ref().map(|n| customers::sort_name.eq(n.sort_key())),
            changes.country.as_ref().map(|c| customers::country.eq(c.as_str().to_owned())),
            changes
                .billing_reference
                .as_ref()
                .map(|b| customers::billing_reference.eq(b.as_ref().map(|b| b.as_str().to_owned()))),
            changes.timezone.as_ref().map(|t| customers::timezone.eq(t.as_str().to_owned())),
            changes.language.as_ref().map(|l| customers::language.eq(l.as_str().to_owned())),
            changes.sector.as_ref().map(|s| customers::sector.eq(s.as_ref().map(|s| s.as_str().to_owned()))),
            changes.location.as_ref().map(|l| customers::location.eq(l.as_ref().map(|l| l.as_str().to_owned()))),
            changes.tier.map(|t| customers::tier.eq(t.as_str().to_owned())),
            (
                seats_change.map(|s| customers::seats.eq(s.get())),
                seats_change.map(|_| customers::seats_changed_at.eq(Some(now.naive_utc()))),
                seats_change.map(|_| customers::seats_changed_by.eq(Some(changed_by.to_owned()))),
            ),
            changes.max_mau.map(|m| customers::max_mau.eq(m.get())),
            changes.license_expires_on.map(|d| customers::license_expires_on.eq(d)),
            changes.status.map(|s| customers::status.eq(s.as_str().to_owned())),
            // The first time only: going live again after a suspension keeps
            // the original date.
            (changes.status == Some(CustomerStatus::Live) && current.went_live_at.is_none())
                .then(|| customers::went_live_at.eq(Some(now.naive_utc()))),
            customers::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
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
    find(conn, msp_id, id)?.ok_or(CustomerWriteError::Store(StoreError::Database(diesel::result::Error::NotFound)))
}

/// Deletes a customer of `msp_id` with its domains and memberships; false
/// when there is no such customer. The caller returns its seats and slot to
/// the MSP ([`crate::seat_pool::release_customer_slot`]).
pub fn delete(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<bool, StoreError> {
    diesel::delete(
        customer_domains::table
            .filter(customer_domains::msp_id.eq(msp_id))
            .filter(customer_domains::customer_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(
        customer_group_members::table
            .filter(customer_group_members::msp_id.eq(msp_id))
            .filter(customer_group_members::customer_id.eq(id)),
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
    let rows: Vec<DomainRow<'_>> = domains
        .as_slice()
        .iter()
        .enumerate()
        .map(|(position, domain)| DomainRow {
            msp_id,
            domain: domain.as_str(),
            customer_id,
            position: i32::try_from(position).unwrap_or(i32::MAX),
        })
        .collect();
    for row in &rows {
        diesel::insert_into(customer_domains::table).values(row).execute(conn)?;
    }
    Ok(rows.iter().map(|r| r.domain.to_owned()).collect())
}

pub(crate) fn load_domains(
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
