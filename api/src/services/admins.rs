//! Inviting an admin: the record, the one-time set-password link and its mail.

use chrono::{DateTime, Utc};
use domain::access::ExtraPermissions;
use domain::admins::{AdminRole, AdminStanding, INVITATION_TTL, OwnerExtrasError, extras_after};
use domain::audit::AuditAction;
use domain::email::EmailAddress;
use persistence::admins::{AdminRecord, AdminUpdate, NewAdmin};
use persistence::password_tokens::TokenPurpose;
use persistence::{DbConnection, StoreError};

use crate::auth::{AuditEvent, Caller, audit_state};
use crate::error::ApiError;
use crate::mail;
use crate::problems::ProblemCode;
use crate::resources::admins::Admin;

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

pub(crate) fn standing(record: &AdminRecord) -> Result<AdminStanding, ApiError> {
    Ok(AdminStanding { role: record.role, active: record.disabled_at.is_none() })
}

pub(crate) fn last_owner(error: domain::admins::LastOwnerError) -> ApiError {
    ApiError::Conflict { code: ProblemCode::LastOwner, detail: error.to_string() }
}

/// Creates an admin of `msp_id` with no password yet and invites them: the
/// one-time set-password link (stored as `token_hash`) is mailed when
/// `notify`; the creation is audited.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_admin(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    email: &EmailAddress,
    role: AdminRole,
    extras: &ExtraPermissions,
    token_hash: &str,
    link: &str,
    notify: bool,
    at: DateTime<Utc>,
) -> Result<Admin, ApiError> {
    let Some(msp) = persistence::msps::find(tx, msp_id)? else { return Err(ApiError::NotFound) };
    if persistence::admins::email_taken(tx, email)? {
        return Err(email_taken());
    }
    let new = NewAdmin { email, role, permissions: extras, password_hash: "" };
    let record = persistence::admins::insert(tx, msp_id, &new, at).map_err(unique_as_email_taken)?;
    invite(tx, &record, &msp.name, token_hash, link, at, notify)?;
    let admin = Admin::try_from(record)?;
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::AdminCreated, &admin.id, at).after(&admin))?;
    Ok(admin)
}

/// Changes an admin's role, extras or standing, keeping an active owner; a
/// disabled admin's sessions end at once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn update_admin(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    role: Option<AdminRole>,
    requested_extras: Option<ExtraPermissions>,
    disabled: Option<bool>,
    at: DateTime<Utc>,
) -> Result<Admin, ApiError> {
    persistence::msps::lock(tx, msp_id)?;
    let Some(current) = persistence::admins::find(tx, msp_id, id)? else { return Err(ApiError::NotFound) };
    let before = standing(&current)?;
    let role = role.unwrap_or(before.role);
    let current_extras = ExtraPermissions::from_stored(&current.permissions).map_err(ApiError::internal)?;
    let extras = extras_after(role, requested_extras, current_extras).map_err(owner_extras)?;
    let disabled_at = match disabled {
        Some(true) => Some(current.disabled_at.map_or(at, |t| t.and_utc())),
        Some(false) => None,
        None => current.disabled_at.map(|t| t.and_utc()),
    };
    let after = AdminStanding { role, active: disabled_at.is_none() };
    let others = persistence::admins::count_other_active_owners(tx, msp_id, id)?;
    domain::admins::check_keeps_an_owner(before, Some(after), others).map_err(last_owner)?;
    let update = AdminUpdate { role, permissions: &extras, disabled_at };
    let Some(record) = persistence::admins::update(tx, msp_id, id, &update, at)? else {
        return Err(ApiError::NotFound);
    };
    if before.active && !after.active {
        persistence::sessions::revoke_all_for_admin(tx, msp_id, id, at)?;
    }
    let (before_json, after_json) = (audit_state(&Admin::try_from(current)?), Admin::try_from(record.clone())?);
    caller.record(
        tx,
        AuditEvent::new(msp_id, AuditAction::AdminUpdated, id, at).before(&before_json).after(&after_json),
    )?;
    Ok(after_json)
}

/// Deletes an admin, keeping an active owner.
pub(crate) fn delete_admin(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    persistence::msps::lock(tx, msp_id)?;
    let Some(current) = persistence::admins::find(tx, msp_id, id)? else { return Err(ApiError::NotFound) };
    let others = persistence::admins::count_other_active_owners(tx, msp_id, id)?;
    domain::admins::check_keeps_an_owner(standing(&current)?, None, others).map_err(last_owner)?;
    persistence::admins::delete(tx, msp_id, id)?;
    let before = audit_state(&Admin::try_from(current)?);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::AdminDeleted, id, at).before(&before))?;
    Ok(())
}

pub(crate) fn owner_extras(error: OwnerExtrasError) -> ApiError {
    ApiError::invalid("/permissions", error)
}
