//! A customer group as the API shows it.

use chrono::{DateTime, Utc};
use domain::customer_groups::GroupKind;
use persistence::customer_groups::GroupRecord;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// A group of customers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerGroup {
    /// Id (UUIDv7).
    #[schema(format = Uuid, example = "0193a6c4-1f2e-7d3c-9a10-5b2f0c4d7e82")]
    pub id: String,
    /// Name, unique in your MSP without regard to case.
    #[schema(example = "Dental practices")]
    pub name: String,
    /// Free text; may be empty.
    #[schema(example = "Customers in the dental sector")]
    pub description: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// Customers in the group.
    #[schema(example = 12)]
    pub member_count: i64,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<GroupRecord> for CustomerGroup {
    fn from(record: GroupRecord) -> Self {
        Self {
            id: record.id,
            name: record.name,
            description: record.description,
            kind: record.kind.as_str().to_owned(),
            member_count: record.member_count,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// The schema of a group's `kind`.
pub fn kind_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("What the group gathers customers by."))
        .enum_values(Some(GroupKind::spellings()))
        .examples(["sector"])
}
