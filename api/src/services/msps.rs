//! Use cases of the platform's MSPs: creating one with its first owner
//! (invited by e-mail) and changing its limits, each audited in the new or
//! changed MSP's log.

use chrono::{DateTime, Utc};
use domain::access::ExtraPermissions;
use domain::admins::AdminRole;
use domain::audit::AuditAction;
use domain::email::EmailAddress;
use domain::msps::{MspLimits, MspName};
use persistence::admins::NewAdmin;
use persistence::msps::LimitsUpdate;
use persistence::{DbConnection, StoreError};

use crate::auth::{AuditEvent, Caller, audit_state, refresh_tokens};
use crate::error::ApiError;
use crate::mail;
use crate::problems::ProblemCode;
use crate::resources::msps::Msp;
use crate::services::admins::{email_taken, invite};

/// A new MSP, parsed.
#[derive(Debug, Clone)]
pub struct NewMsp {
    /// Its name, unique without regard to case.
    pub name: MspName,
    /// Its first owner, who is invited.
    pub owner_email: EmailAddress,
    /// What it may use.
    pub limits: MspLimits,
    /// Where the invitation's link points.
    pub public_url: String,
}

/// The 409 for a name another MSP has.
pub fn msp_exists() -> ApiError {
    ApiError::Conflict { code: ProblemCode::MspNameTaken, detail: "An MSP with this name already exists.".to_owned() }
}

/// Creates an MSP and its owner, and invites the owner to set a password.
pub fn create(tx: &mut DbConnection, caller: &Caller, new: &NewMsp, at: DateTime<Utc>) -> Result<Msp, ApiError> {
    if persistence::msps::name_taken(tx, &new.name)? {
        return Err(msp_exists());
    }
    if persistence::admins::email_taken(tx, &new.owner_email)? {
        return Err(email_taken());
    }
    let record = persistence::msps::insert(tx, &new.name, &new.limits, at).map_err(|e| match e {
        StoreError::UniqueViolation(_) => msp_exists(),
        other => other.into(),
    })?;
    let extras = ExtraPermissions::none();
    let admin = NewAdmin { email: &new.owner_email, role: AdminRole::Owner, permissions: &extras, password_hash: "" };
    let owner = persistence::admins::insert(tx, &record.id, &admin, at)?;
    let token = refresh_tokens::random_token();
    let link = mail::set_password_link(&new.public_url, &token);
    invite(tx, &owner, &record.name, &refresh_tokens::storage_hash(&token), &link, at, true)?;
    let msp = Msp::from(record);
    let mut after = audit_state(&msp);
    after["owner_email"] = serde_json::Value::String(owner.email.clone());
    caller.record(tx, AuditEvent::new(&msp.id, AuditAction::MspCreated, &msp.id, at).after(&after))?;
    Ok(msp)
}

/// Replaces the limits of MSP `id`; the seat pool may not go below the
/// seats its customers hold.
pub fn change_limits(
    tx: &mut DbConnection,
    caller: &Caller,
    id: &str,
    limits: &MspLimits,
    at: DateTime<Utc>,
) -> Result<Msp, ApiError> {
    let before = persistence::msps::find(tx, id)?.map(Msp::from).ok_or(ApiError::NotFound)?;
    let after = match persistence::msps::update_limits(tx, id, limits, at)? {
        LimitsUpdate::Updated(record) => Msp::from(record),
        LimitsUpdate::NotFound => return Err(ApiError::NotFound),
        LimitsUpdate::BelowAllocated { allocated } => {
            return Err(ApiError::Conflict {
                code: ProblemCode::SeatPoolBelowAllocated,
                detail: format!(
                    "The MSP has {allocated} seats allocated to customers; the seat pool total cannot be lower. \
                     Lower customers' seats first."
                ),
            });
        }
    };
    caller.record(tx, AuditEvent::new(id, AuditAction::MspLimitsChanged, id, at).before(&before).after(&after))?;
    Ok(after)
}
