//! What a customer's onboarding saved: the steps' values, the logo, the
//! delivery tests; and the customers whose setup stalls.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::onboarding::{DeliveryTestStatus, Step};

use crate::schema::{accounts, customer_logos, customers, delivery_tests, onboarding_steps};
use crate::{DbConnection, StoreError};

/// A saved step.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = onboarding_steps)]
pub struct StepRecord {
    /// The customer.
    pub customer_id: String,
    /// Its MSP.
    pub msp_id: String,
    /// The step's spelling.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub step: Step,
    /// JSON object of what was saved and not applied elsewhere.
    pub saved_values: String,
    /// Skipped on purpose.
    pub skipped: bool,
    /// JSON `{code, detail}` of the conflict that last kept the values from
    /// applying.
    pub refusal: Option<String>,
    /// When last saved (UTC).
    pub saved_at: NaiveDateTime,
    /// Who saved it (the audit log's actor label).
    pub saved_by: String,
}

/// Every saved step of a customer.
pub fn steps(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<Vec<StepRecord>, StoreError> {
    onboarding_steps::table
        .filter(onboarding_steps::msp_id.eq(msp_id))
        .filter(onboarding_steps::customer_id.eq(customer_id))
        .select(StepRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// The saved steps of several customers of the MSP.
pub fn steps_of(conn: &mut DbConnection, msp_id: &str, customer_ids: &[String]) -> Result<Vec<StepRecord>, StoreError> {
    onboarding_steps::table
        .filter(onboarding_steps::msp_id.eq(msp_id))
        .filter(onboarding_steps::customer_id.eq_any(customer_ids))
        .select(StepRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// Writes a step, replacing what it had.
pub fn put_step(conn: &mut DbConnection, record: &StepRecord) -> Result<(), StoreError> {
    let updated = diesel::update(onboarding_steps::table.find((&record.customer_id, record.step.as_str())))
        .filter(onboarding_steps::msp_id.eq(&record.msp_id))
        .set((
            onboarding_steps::saved_values.eq(&record.saved_values),
            onboarding_steps::skipped.eq(record.skipped),
            onboarding_steps::refusal.eq(&record.refusal),
            onboarding_steps::saved_at.eq(record.saved_at),
            onboarding_steps::saved_by.eq(&record.saved_by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(onboarding_steps::table).values(record.clone()).execute(conn)?;
    }
    Ok(())
}

/// Marks a step as saved now, keeping its values (used when something
/// saved elsewhere — a logo — belongs to it). Creates it when missing.
pub fn touch_step(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    step: Step,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(onboarding_steps::table.find((customer_id, step.as_str())))
        .filter(onboarding_steps::msp_id.eq(msp_id))
        .set((
            onboarding_steps::skipped.eq(false),
            onboarding_steps::saved_at.eq(at),
            onboarding_steps::saved_by.eq(by),
        ))
        .execute(conn)?;
    if updated == 0 {
        let record = StepRecord {
            customer_id: customer_id.to_owned(),
            msp_id: msp_id.to_owned(),
            step,
            saved_values: "{}".to_owned(),
            skipped: false,
            refusal: None,
            saved_at: at,
            saved_by: by.to_owned(),
        };
        diesel::insert_into(onboarding_steps::table).values(record).execute(conn)?;
    }
    Ok(())
}

/// A customer's logo as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_logos)]
pub struct LogoRecord {
    /// The customer.
    pub customer_id: String,
    /// Its MSP.
    pub msp_id: String,
    /// `image/png` or `image/svg+xml`.
    pub content_type: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Hex SHA-256 of the content: its ETag.
    pub sha256: String,
    /// The file.
    pub content: Vec<u8>,
    /// When uploaded (UTC).
    pub uploaded_at: NaiveDateTime,
    /// Who uploaded it.
    pub uploaded_by: String,
}

/// What is known of a logo without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = customer_logos)]
pub struct LogoInfo {
    /// `image/png` or `image/svg+xml`.
    pub content_type: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// When uploaded (UTC).
    pub uploaded_at: NaiveDateTime,
}

/// Stores a customer's logo, replacing the one it had.
pub fn put_logo(conn: &mut DbConnection, record: &LogoRecord) -> Result<(), StoreError> {
    diesel::delete(
        customer_logos::table
            .filter(customer_logos::msp_id.eq(&record.msp_id))
            .filter(customer_logos::customer_id.eq(&record.customer_id)),
    )
    .execute(conn)?;
    diesel::insert_into(customer_logos::table).values(record).execute(conn)?;
    Ok(())
}

/// The customer's logo with its bytes.
pub fn logo(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<Option<LogoRecord>, StoreError> {
    customer_logos::table
        .filter(customer_logos::msp_id.eq(msp_id))
        .filter(customer_logos::customer_id.eq(customer_id))
        .select(LogoRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The customer's logo without its bytes.
pub fn logo_info(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<Option<LogoInfo>, StoreError> {
    customer_logos::table
        .filter(customer_logos::msp_id.eq(msp_id))
        .filter(customer_logos::customer_id.eq(customer_id))
        .select(LogoInfo::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// A delivery test as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_tests)]
pub struct DeliveryTestRecord {
    /// Primary key.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The customer.
    pub customer_id: String,
    /// Where it was sent.
    pub recipient: String,
    /// Hex SHA-256 of the confirmation link's token.
    pub token_hash: String,
    /// `sent`, `failed` or `confirmed`.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: DeliveryTestStatus,
    /// What the relay answered.
    pub relay_response: Option<String>,
    /// When made (UTC).
    pub created_at: NaiveDateTime,
    /// Who ran it.
    pub created_by: String,
    /// When its link was opened.
    pub confirmed_at: Option<NaiveDateTime>,
}

/// Stores a delivery test.
pub fn insert_delivery_test(conn: &mut DbConnection, record: &DeliveryTestRecord) -> Result<(), StoreError> {
    diesel::insert_into(delivery_tests::table).values(record.clone()).execute(conn)?;
    Ok(())
}

/// A customer's delivery tests, newest first, at most `limit`, after the
/// test `before` (an id) when given.
pub fn delivery_tests(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryTestRecord>, StoreError> {
    let mut query = delivery_tests::table
        .filter(delivery_tests::msp_id.eq(msp_id))
        .filter(delivery_tests::customer_id.eq(customer_id))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(delivery_tests::id.lt(before.to_owned()));
    }
    query
        .order(delivery_tests::id.desc())
        .limit(limit)
        .select(DeliveryTestRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// The statuses of all of a customer's delivery tests.
pub fn delivery_statuses(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<Vec<String>, StoreError> {
    delivery_tests::table
        .filter(delivery_tests::msp_id.eq(msp_id))
        .filter(delivery_tests::customer_id.eq(customer_id))
        .select(delivery_tests::status)
        .distinct()
        .load(conn)
        .map_err(StoreError::from)
}

/// Confirms the test whose link carries the token hashed as `token_hash`,
/// once: opening the link again changes nothing. The test as it now is.
pub fn confirm_delivery_test(
    conn: &mut DbConnection,
    token_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<DeliveryTestRecord>, StoreError> {
    diesel::update(delivery_tests::table)
        .filter(delivery_tests::token_hash.eq(token_hash))
        .filter(delivery_tests::confirmed_at.is_null())
        .set((delivery_tests::status.eq("confirmed"), delivery_tests::confirmed_at.eq(Some(at))))
        .execute(conn)?;
    delivery_tests::table
        .filter(delivery_tests::token_hash.eq(token_hash))
        .select(DeliveryTestRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The addresses of a customer's accounts (deleted ones left out).
pub fn account_emails(conn: &mut DbConnection, msp_id: &str, customer_id: &str) -> Result<Vec<String>, StoreError> {
    accounts::table
        .filter(accounts::msp_id.eq(msp_id))
        .filter(accounts::customer_id.eq(customer_id))
        .filter(accounts::deleted_at.is_null())
        .select(accounts::email)
        .load(conn)
        .map_err(StoreError::from)
}

/// A customer still in onboarding, for the attention list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledCustomer {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// When it was created, i.e. entered onboarding (UTC).
    pub created_at: DateTime<Utc>,
}

/// Customers of the MSP in onboarding since before `cutoff`, oldest first
/// (ids are time-ordered), after the customer `after` when given; at most
/// `limit`.
pub fn stalled(
    conn: &mut DbConnection,
    msp_id: &str,
    cutoff: DateTime<Utc>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<StalledCustomer>, StoreError> {
    let mut query = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .filter(customers::status.eq(domain::customers::CustomerStatus::Onboarding.as_str()))
        .filter(customers::created_at.lt(cutoff.naive_utc()))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(customers::id.gt(after.to_owned()));
    }
    let rows: Vec<(String, String, NaiveDateTime)> = query
        .order(customers::id.asc())
        .limit(limit)
        .select((customers::id, customers::name, customers::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at)| StalledCustomer { id, name, created_at: created_at.and_utc() })
        .collect())
}

/// One delivery test of the MSP's customer.
pub fn find_delivery_test(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    id: &str,
) -> Result<Option<DeliveryTestRecord>, StoreError> {
    delivery_tests::table
        .filter(delivery_tests::msp_id.eq(msp_id))
        .filter(delivery_tests::customer_id.eq(customer_id))
        .filter(delivery_tests::id.eq(id))
        .select(DeliveryTestRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}
