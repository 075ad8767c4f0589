//! Use cases of API keys: issuing one (its secret generated and shown once,
//! stored hashed) and revoking one, each audited in the caller's
//! transaction.

use chrono::{DateTime, Utc};
use domain::access::Scopes;
use domain::api_keys::ApiKeyName;
use domain::audit::AuditAction;
use persistence::api_keys::ApiKeyRecord;
use persistence::{DbConnection, StoreError};

use crate::auth::{AuditEvent, Caller, api_key_secrets};
use crate::error::ApiError;
use crate::resources::api_keys::{ApiKey, CreatedApiKey};

/// Why an API key use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    /// No such key in the MSP (or it is already revoked).
    #[error("no such API key")]
    NotFound,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ApiKeyError> for ApiError {
    fn from(error: ApiKeyError) -> Self {
        match error {
            ApiKeyError::NotFound => Self::NotFound,
            ApiKeyError::Store(store) => store.into(),
        }
    }
}

/// A key to issue, parsed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The admin creating it; the key never does more than they may.
    pub created_by: String,
    /// What it is for.
    pub name: ApiKeyName,
    /// What it may do.
    pub scopes: Scopes,
    /// When it stops working, if ever (checked to be in the future).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Issues a key of `msp_id`: generates its secret, stores its hash and
/// audits the creation (without the secret).
pub fn issue(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    new: &NewApiKey,
    at: DateTime<Utc>,
) -> Result<CreatedApiKey, ApiKeyError> {
    let generated = api_key_secrets::generate();
    let record = ApiKeyRecord {
        id: persistence::new_id(),
        msp_id: msp_id.to_owned(),
        created_by: new.created_by.clone(),
        name: new.name.as_str().to_owned(),
        prefix: generated.prefix,
        secret_hash: generated.hash,
        scopes: new.scopes.to_stored(),
        created_at: at.naive_utc(),
        last_used_at: None,
        expires_at: new.expires_at.map(|t| t.naive_utc()),
        revoked_at: None,
    };
    persistence::api_keys::insert(tx, &record)?;
    let key = ApiKey::from(record);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::ApiKeyCreated, &key.id, at).after(&key))?;
    Ok(CreatedApiKey { key, secret: generated.secret })
}

/// Revokes key `id` of `msp_id`: it stops working at once.
pub fn revoke(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), ApiKeyError> {
    let before = persistence::api_keys::find(tx, msp_id, id)?.map(ApiKey::from).ok_or(ApiKeyError::NotFound)?;
    if !persistence::api_keys::revoke(tx, msp_id, id, at)? {
        return Err(ApiKeyError::NotFound);
    }
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::ApiKeyRevoked, id, at).before(&before))?;
    Ok(())
}
