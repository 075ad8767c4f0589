//! Admin rows.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::admins::AdminRole;
use domain::email::EmailAddress;

use crate::schema::admins;
use crate::{DbConnection, StoreError};

/// An admin as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = admins)]
pub struct AdminRecord {
    /// Primary key.
    pub id: String,
    /// The MSP the admin belongs to.
    pub msp_id: String,
    /// Lower-cased e-mail address, unique platform-wide.
    pub email: String,
    /// `owner` or `standard`.
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// When the admin was disabled, if ever.
    pub disabled_at: Option<NaiveDateTime>,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Inserts an admin. An e-mail already in use gives
/// [`StoreError::UniqueViolation`].
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    email: &EmailAddress,
    role: AdminRole,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<AdminRecord, StoreError> {
    let record = AdminRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        password_hash: password_hash.to_owned(),
        disabled_at: None,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    diesel::insert_into(admins::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Finds the admin who signs in with `email`.
pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<AdminRecord>, StoreError> {
    admins::table
        .filter(admins::email.eq(email.as_str()))
        .select(AdminRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Finds an admin of one MSP.
pub fn find(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<Option<AdminRecord>, StoreError> {
    admins::table
        .filter(admins::msp_id.eq(msp_id))
        .filter(admins::id.eq(id))
        .select(AdminRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// True when some admin signs in with `email`.
pub fn email_taken(conn: &mut DbConnection, email: &EmailAddress) -> Result<bool, StoreError> {
    diesel::select(diesel::dsl::exists(admins::table.filter(admins::email.eq(email.as_str()))))
        .get_result(conn)
        .map_err(StoreError::from)
}
