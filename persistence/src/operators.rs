//! Platform operators: the vendor's people.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::email::EmailAddress;

use crate::schema::platform_operators;
use crate::{DbConnection, StoreError};

/// An operator as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = platform_operators)]
pub struct OperatorRecord {
    /// Primary key.
    pub id: String,
    /// Lower-cased sign-in address, unique among operators.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// When disabled, if ever.
    pub disabled_at: Option<NaiveDateTime>,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
}

/// Inserts an operator; an e-mail in use gives [`StoreError::UniqueViolation`].
pub fn insert(
    conn: &mut DbConnection,
    email: &EmailAddress,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<OperatorRecord, StoreError> {
    let record = OperatorRecord {
        id: crate::new_id(),
        email: email.as_str().to_owned(),
        password_hash: password_hash.to_owned(),
        disabled_at: None,
        created_at: now.naive_utc(),
    };
    diesel::insert_into(platform_operators::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Finds the operator who signs in with `email`.
pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<OperatorRecord>, StoreError> {
    platform_operators::table
        .filter(platform_operators::email.eq(email.as_str()))
        .select(OperatorRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Finds an operator by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<OperatorRecord>, StoreError> {
    platform_operators::table
        .find(id)
        .select(OperatorRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}
