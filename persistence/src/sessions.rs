//! Refresh tokens, grouped in families (one family per sign-in).
//! Only a SHA-256 hash of each token is stored.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::sessions::RefreshTokenState;

use crate::admins::AdminRecord;
use crate::schema::{admins, refresh_tokens};
use crate::{DbConnection, StoreError};

/// A refresh token as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRecord {
    /// Primary key.
    pub id: String,
    /// Tenant key.
    pub msp_id: String,
    /// Whose session this is.
    pub admin_id: String,
    /// The sign-in this token descends from.
    pub family_id: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// When issued (UTC).
    pub created_at: NaiveDateTime,
    /// When it stops being accepted (UTC).
    pub expires_at: NaiveDateTime,
    /// When it was exchanged for a newer token.
    pub rotated_at: Option<NaiveDateTime>,
    /// When its family was revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

impl RefreshTokenRecord {
    /// What the rotation rule needs to know about this token.
    pub fn state(&self) -> RefreshTokenState {
        RefreshTokenState {
            rotated: self.rotated_at.is_some(),
            revoked: self.revoked_at.is_some(),
            expires_at: self.expires_at.and_utc(),
        }
    }
}

/// Stores a new token of `family_id` (a new family when it is a new id).
pub fn insert(
    conn: &mut DbConnection,
    msp_id: &str,
    admin_id: &str,
    family_id: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<RefreshTokenRecord, StoreError> {
    let record = RefreshTokenRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        admin_id: admin_id.to_owned(),
        family_id: family_id.to_owned(),
        token_hash: token_hash.to_owned(),
        created_at: now.naive_utc(),
        expires_at: expires_at.naive_utc(),
        rotated_at: None,
        revoked_at: None,
    };
    diesel::insert_into(refresh_tokens::table).values(&record).execute(conn)?;
    Ok(record)
}

/// Finds a token by the hash of its value.
pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Marks a token exchanged, if nobody did so first. Returns false when a
/// concurrent request already rotated or revoked it: that request won, and
/// this one is a reuse.
pub fn mark_rotated(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now.naive_utc()))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every token of a family (logout, or reuse detected).
pub fn revoke_family(
    conn: &mut DbConnection,
    msp_id: &str,
    family_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::msp_id.eq(msp_id))
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now.naive_utc()))
    .execute(conn)
    .map_err(StoreError::from)
}

/// The admin behind an access token, if both still stand: the admin exists in
/// that MSP and the token's session (family) has not been revoked. One query,
/// run on every authenticated request, so that logout and reuse detection
/// take effect at once.
pub fn find_session_admin(
    conn: &mut DbConnection,
    msp_id: &str,
    admin_id: &str,
    family_id: &str,
) -> Result<Option<AdminRecord>, StoreError> {
    let session_active = diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::msp_id.eq(msp_id))
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    );
    admins::table
        .filter(admins::msp_id.eq(msp_id))
        .filter(admins::id.eq(admin_id))
        .filter(session_active)
        .select(AdminRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// Revokes every sign-in session of an admin (disabled, or password reset).
pub fn revoke_all_for_admin(
    conn: &mut DbConnection,
    msp_id: &str,
    admin_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::msp_id.eq(msp_id))
            .filter(refresh_tokens::admin_id.eq(admin_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now.naive_utc()))
    .execute(conn)
    .map_err(StoreError::from)
}
