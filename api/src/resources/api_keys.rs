//! An API key as the API shows it (never with its secret, but once).

use chrono::{DateTime, Utc};
use domain::access::{Scope, Scopes};
use persistence::api_keys::ApiKeyRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeName {
    /// Read your MSP's data.
    Read,
    /// Read and change customers and licenses (within what the key's creator may do).
    Write,
}

impl From<ScopeName> for Scope {
    fn from(name: ScopeName) -> Self {
        match name {
            ScopeName::Read => Self::Read,
            ScopeName::Write => Self::Write,
        }
    }
}

impl From<Scope> for ScopeName {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Read => Self::Read,
            Scope::Write => Self::Write,
        }
    }
}

/// An API key, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKey {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// What it is for.
    #[schema(example = "HaloPSA billing sync")]
    pub name: String,
    /// The first characters of the key, to recognise it.
    #[schema(example = "mspk_3hx9q2mlw0ab")]
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<ScopeName>,
    /// The admin who created it; the key never does more than they may.
    #[schema(format = Uuid)]
    pub created_by: String,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last used (to the minute), if ever.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKey {
    fn from(record: ApiKeyRecord) -> Self {
        Self {
            id: record.id,
            name: record.name,
            prefix: record.prefix,
            // Stored scopes were parsed on the way in; an unreadable list shows as none.
            scopes: Scopes::from_stored(&record.scopes)
                .map(|scopes| scopes.iter().map(ScopeName::from).collect())
                .unwrap_or_default(),
            created_by: record.created_by,
            created_at: record.created_at.and_utc(),
            last_used_at: record.last_used_at.map(|t| t.and_utc()),
            expires_at: record.expires_at.map(|t| t.and_utc()),
        }
    }
}

/// A new key and its secret, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The key.
    #[serde(flatten)]
    pub key: ApiKey,
    /// The whole key, to send as `Authorization: Bearer <secret>`. Shown only now; store it safely.
    #[schema(example = "mspk_3hx9q2mlw0ab_Hq0dP0R7Yh9yLq3uX2q7c1Qm2C4o6uBvX3jz9kTn0eE")]
    pub secret: String,
}
