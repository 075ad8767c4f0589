//! One-time links to set a password: invitations and resets. Only a hash of
//! each token is stored.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::admins::AdminRecord;
use crate::schema::{admins, password_tokens};
use crate::{DbConnection, StoreError};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// A new admin sets their first password.
    Invitation,
    /// An admin who forgot their password sets a new one.
    Reset,
}

impl TokenPurpose {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Reset => "reset",
        }
    }
}

/// A link as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_tokens)]
pub struct PasswordTokenRecord {
    /// Primary key.
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// Whose password it sets.
    pub admin_id: String,
    /// `invitation` or `reset`.
    pub purpose: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// When made (UTC).
    pub created_at: NaiveDateTime,
    /// When it stops working (UTC).
    pub expires_at: NaiveDateTime,
    /// When it was used.
    pub used_at: Option<NaiveDateTime>,
}

/// Stores a new link.
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    admin_id: &str,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<PasswordTokenRecord, StoreError> {
    let record = PasswordTokenRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        admin_id: admin_id.to_owned(),
        purpose: purpose.as_str().to_owned(),
        token_hash: token_hash.to_owned(),
        created_at: now.naive_utc(),
        expires_at: expires_at.naive_utc(),
        used_at: None,
    };
    diesel::insert_into(password_tokens::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Spends the link with `token_hash` if it is unused and unexpired at `now`,
/// and returns it; `None` otherwise. One statement decides, so a link works
/// once even when two requests race with it.
pub fn redeem(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<PasswordTokenRecord>, StoreError> {
    let spent = diesel::update(
        password_tokens::table
            .filter(password_tokens::token_hash.eq(token_hash))
            .filter(password_tokens::used_at.is_null())
            .filter(password_tokens::expires_at.gt(now.naive_utc())),
    )
    .set(password_tokens::used_at.eq(now.naive_utc()))
    .execute(conn)?;
    if spent == 0 {
        return Ok(None);
    }
    password_tokens::table
        .filter(password_tokens::token_hash.eq(token_hash))
        .select(PasswordTokenRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Voids every unused link of an admin (after a password was set, so that an
/// older link in a mailbox no longer works).
pub fn void_for_admin(
    conn: &mut DbConnection,
    msp_id: &str,
    admin_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    diesel::update(
        password_tokens::table
            .filter(password_tokens::msp_id.eq(msp_id))
            .filter(password_tokens::admin_id.eq(admin_id))
            .filter(password_tokens::used_at.is_null()),
    )
    .set(password_tokens::used_at.eq(now.naive_utc()))
    .execute(conn)
    .map_err(StoreError::from)
}

/// The unused, unexpired link with `token_hash` and its admin, without
/// spending it (to check the new password against the admin before
/// [`redeem`]).
pub fn find_valid(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(PasswordTokenRecord, AdminRecord)>, StoreError> {
    password_tokens::table
        .inner_join(admins::table)
        .filter(password_tokens::token_hash.eq(token_hash))
        .filter(password_tokens::used_at.is_null())
        .filter(password_tokens::expires_at.gt(now.naive_utc()))
        .select((PasswordTokenRecord::as_select(), AdminRecord::as_select()))
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}
