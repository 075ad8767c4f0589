//! Inviting an admin: the record, the one-time set-password link and its mail.

use chrono::{DateTime, Utc};
use domain::admins::INVITATION_TTL;
use persistence::admins::AdminRecord;
use persistence::password_tokens::TokenPurpose;
use persistence::{DbConnection, StoreError};

use crate::error::ApiError;
use crate::mail;
use crate::problems::ProblemCode;

/// Stores an invitation link for `admin` and, with `notify`, queues the
/// welcome e-mail carrying it.
pub fn invite(
    tx: &mut DbConnection,
    admin: &AdminRecord,
    msp_name: &str,
    token_hash: &str,
    link: &str,
    at: DateTime<Utc>,
    notify: bool,
) -> Result<(), StoreError> {
    let expires_at = at + INVITATION_TTL;
    persistence::password_tokens::insert(
        tx,
        &admin.msp_id,
        &admin.id,
        TokenPurpose::Invitation,
        token_hash,
        at,
        expires_at,
    )?;
    if notify {
        let (subject, body) = mail::invitation(msp_name, link, expires_at);
        persistence::outbox::enqueue(tx, &admin.msp_id, &admin.email, &subject, &body, at)?;
    }
    Ok(())
}

/// The 409 for an e-mail address some admin already signs in with.
pub fn email_taken() -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::EmailTaken,
        detail: "An admin with this e-mail address already exists.".to_owned(),
    }
}

pub(crate) fn unique_as_email_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::UniqueViolation(_) => email_taken(),
        other => other.into(),
    }
}
