//! The admin resource: roles, extra permissions and status as the API spells
//! them, and the admin as the admin list and `/me` show it.

use chrono::{DateTime, Utc};
use domain::access::{ExtraPermission, ExtraPermissions};
use domain::admins::AdminRole;
use persistence::admins::AdminRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// An admin's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Every permission, including managing admins.
    Owner,
    /// Every permission except managing admins, plus granted extras.
    Standard,
}

impl From<Role> for AdminRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Standard => Self::Standard,
        }
    }
}

impl From<AdminRole> for Role {
    fn from(role: AdminRole) -> Self {
        match role {
            AdminRole::Owner => Self::Owner,
            AdminRole::Standard => Self::Standard,
        }
    }
}

/// An extra permission of a standard admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtraPermissionName {
    /// May create customer organisations.
    CreateOrganizations,
    /// May buy licenses and allowances.
    PurchaseLicenses,
}

impl From<ExtraPermissionName> for ExtraPermission {
    fn from(name: ExtraPermissionName) -> Self {
        match name {
            ExtraPermissionName::CreateOrganizations => Self::CreateOrganizations,
            ExtraPermissionName::PurchaseLicenses => Self::PurchaseLicenses,
        }
    }
}

impl From<ExtraPermission> for ExtraPermissionName {
    fn from(extra: ExtraPermission) -> Self {
        match extra {
            ExtraPermission::CreateOrganizations => Self::CreateOrganizations,
            ExtraPermission::PurchaseLicenses => Self::PurchaseLicenses,
        }
    }
}

/// Where an admin stands (see `domain::admins::AdminStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdminStatus {
    /// Invited; has not set a password yet.
    Invited,
    /// Can sign in.
    Active,
    /// Disabled: can't sign in, and their tokens and API keys stopped working.
    Disabled,
}

impl From<domain::admins::AdminStatus> for AdminStatus {
    fn from(status: domain::admins::AdminStatus) -> Self {
        match status {
            domain::admins::AdminStatus::Invited => Self::Invited,
            domain::admins::AdminStatus::Active => Self::Active,
            domain::admins::AdminStatus::Disabled => Self::Disabled,
        }
    }
}

/// An admin of your MSP.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Admin {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// Sign-in e-mail, lower-case.
    #[schema(example = "jane@northwind.example")]
    pub email: String,
    /// Owner or standard.
    pub role: Role,
    /// Extra permissions of a standard admin (always empty for owners, who hold every permission).
    pub permissions: Vec<ExtraPermissionName>,
    /// Invited, active or disabled.
    pub status: AdminStatus,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// When disabled, if disabled.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl TryFrom<AdminRecord> for Admin {
    type Error = ApiError;

    fn try_from(record: AdminRecord) -> Result<Self, ApiError> {
        let role = record.role;
        let extras = ExtraPermissions::from_stored(&record.permissions).map_err(ApiError::internal)?;
        let permissions = extras.iter().map(ExtraPermissionName::from).collect();
        let status = domain::admins::AdminStatus::of(record.disabled_at.is_some(), record.has_password()).into();
        Ok(Self {
            id: record.id,
            email: record.email,
            role: role.into(),
            permissions,
            status,
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
            disabled_at: record.disabled_at.map(|t| t.and_utc()),
        })
    }
}
