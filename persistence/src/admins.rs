//! Admin rows.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::access::ExtraPermissions;
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
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: AdminRole,
    /// Argon2id PHC string; empty while an invited admin has set no password.
    pub password_hash: String,
    /// When the admin was disabled, if ever.
    pub disabled_at: Option<NaiveDateTime>,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// Extra permissions, comma-separated.
    pub permissions: String,
}

impl AdminRecord {
    /// Whether the admin has set a password yet.
    pub fn has_password(&self) -> bool {
        !self.password_hash.is_empty()
    }
}

/// A new admin.
#[derive(Debug, Clone)]
pub struct NewAdmin<'a> {
    /// Sign-in address.
    pub email: &'a EmailAddress,
    /// Owner or standard.
    pub role: AdminRole,
    /// Extras of a standard admin.
    pub permissions: &'a ExtraPermissions,
    /// Argon2id hash, or empty for an invited admin without a password.
    pub password_hash: &'a str,
}

/// Inserts an admin. An e-mail already in use gives
/// [`StoreError::UniqueViolation`].
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    new: &NewAdmin<'_>,
    now: DateTime<Utc>,
) -> Result<AdminRecord, StoreError> {
    let record = AdminRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        email: new.email.as_str().to_owned(),
        role: new.role,
        password_hash: new.password_hash.to_owned(),
        disabled_at: None,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        permissions: new.permissions.to_stored(),
    };
    diesel::insert_into(admins::table).values(record.clone()).execute(conn)?;
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

/// Up to `limit` admins of `msp_id` in creation order, after id `after`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AdminRecord>, StoreError> {
    let mut query = admins::table
        .filter(admins::msp_id.eq(msp_id))
        .select(AdminRecord::as_select())
        .order(admins::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(admins::id.gt(after.to_owned()));
    }
    query.load(conn).map_err(StoreError::from)
}

/// How many active owners `msp_id` has besides admin `except_id`.
pub fn count_other_active_owners(conn: &mut DbConnection, msp_id: &str, except_id: &str) -> Result<u64, StoreError> {
    let count: i64 = admins::table
        .filter(admins::msp_id.eq(msp_id))
        .filter(admins::id.ne(except_id))
        .filter(admins::role.eq(AdminRole::Owner.as_str()))
        .filter(admins::disabled_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The new state of an admin after a change.
#[derive(Debug, Clone)]
pub struct AdminUpdate<'a> {
    /// Owner or standard.
    pub role: AdminRole,
    /// Extras.
    pub permissions: &'a ExtraPermissions,
    /// When disabled, or `None` for active.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Writes `update` to an admin of `msp_id`; `None` when there is no such admin.
pub fn update(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    update: &AdminUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<Option<AdminRecord>, StoreError> {
    let updated = diesel::update(admins::table.filter(admins::msp_id.eq(msp_id)).filter(admins::id.eq(id)))
        .set((
            admins::role.eq(update.role.as_str()),
            admins::permissions.eq(update.permissions.to_stored()),
            admins::disabled_at.eq(update.disabled_at.map(|t| t.naive_utc())),
            admins::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if updated == 0 { Ok(None) } else { find(conn, msp_id, id) }
}

/// Sets an admin's password hash.
pub fn set_password(
    conn: &mut DbConnection,
    msp_id: &str,
    id: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(admins::table.filter(admins::msp_id.eq(msp_id)).filter(admins::id.eq(id)))
        .set((admins::password_hash.eq(password_hash), admins::updated_at.eq(now.naive_utc())))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes an admin of `msp_id` (their sessions, keys and links go with them);
/// false when there is no such admin.
pub fn delete(conn: &mut DbConnection, msp_id: &str, id: &str) -> Result<bool, StoreError> {
    let deleted =
        diesel::delete(admins::table.filter(admins::msp_id.eq(msp_id)).filter(admins::id.eq(id))).execute(conn)?;
    Ok(deleted == 1)
}

/// True when some admin signs in with `email`.
pub fn email_taken(conn: &mut DbConnection, email: &EmailAddress) -> Result<bool, StoreError> {
    diesel::select(diesel::dsl::exists(admins::table.filter(admins::email.eq(email.as_str()))))
        .get_result(conn)
        .map_err(StoreError::from)
}
