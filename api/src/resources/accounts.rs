//! The account resource as several features show it (the accounts API,
//! imports, SCIM).

use chrono::{DateTime, Utc};
use domain::accounts::AccountStatus;
use persistence::accounts::AccountRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// An end user of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    /// Id (UUIDv7).
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e90")]
    pub id: String,
    /// The customer.
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub customer_id: Option<String>,
    /// Address in one of the customer's domains, lower-cased; unique within
    /// the customer.
    #[schema(example = "ann.lee@acme.example")]
    pub email: String,
    /// How the person is called.
    #[schema(example = "Ann Lee")]
    pub display_name: Option<String>,
    /// Their department.
    #[schema(example = "Finance")]
    pub department: Option<String>,
    /// Their id in the customer's directory.
    #[schema(example = "00u1ab2cd3EF4gh5i6j7")]
    pub external_id: Option<String>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// When the status last changed (UTC).
    pub status_changed_at: DateTime<Utc>,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<AccountRecord> for Account {
    fn from(record: AccountRecord) -> Self {
        Self {
            id: record.id,
            customer_id: record.customer_id,
            email: record.email,
            display_name: record.display_name,
            department: record.department,
            external_id: record.external_id,
            status: record.status.as_str().to_owned(),
            status_changed_at: record.status_changed_at.and_utc(),
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
        }
    }
}

pub(crate) fn status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(AccountStatus::spellings()))
        .description(Some(
            "`active`: holds one of the customer's seats and counts in the MAA of every month it is active in. \
             `inactive`: holds no seat and no longer counts from the next month on (it still counts in the months \
             it was active in).",
        ))
        .examples([serde_json::json!("active")])
}
