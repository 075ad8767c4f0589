//! An MSP and its limits, as a platform operator sees and sets them.

use chrono::{DateTime, NaiveDate, Utc};
use domain::msps::MspLimits;
use persistence::msps::MspRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::FieldErrors;

/// What an MSP may use.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most customer organisations.
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 250)]
    pub max_organizations: i64,
    /// Seats in the MSP's license pool.
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 5000)]
    pub seat_pool_total: i64,
    /// When the seat pool renews.
    pub seat_pool_renewal_date: Option<NaiveDate>,
    /// Most active accounts across all customers (global users).
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 5000)]
    pub max_global_users: i64,
    /// Most active accounts in the MSP's own organisation (local users).
    #[validate(range(min = 0, max = 100_000_000))]
    #[serde(deserialize_with = "crate::json::integer")]
    #[schema(minimum = 0, maximum = 100_000_000, example = 50)]
    pub max_local_users: i64,
}

impl Limits {
    /// The domain's limits; every out-of-range value is recorded in `errors`.
    pub fn check(self, errors: &mut FieldErrors) -> Option<MspLimits> {
        let mut check = |pointer: &str, value: i64| errors.check(pointer, MspLimits::check_value(value));
        let max_organizations = check("/limits/max_organizations", self.max_organizations);
        let seat_pool_total = check("/limits/seat_pool_total", self.seat_pool_total);
        let max_global_users = check("/limits/max_global_users", self.max_global_users);
        let max_local_users = check("/limits/max_local_users", self.max_local_users);
        Some(MspLimits {
            max_organizations: max_organizations?,
            seat_pool_total: seat_pool_total?,
            seat_pool_renewal_date: self.seat_pool_renewal_date,
            max_global_users: max_global_users?,
            max_local_users: max_local_users?,
        })
    }
}

impl From<MspLimits> for Limits {
    fn from(limits: MspLimits) -> Self {
        Self {
            max_organizations: limits.max_organizations,
            seat_pool_total: limits.seat_pool_total,
            seat_pool_renewal_date: limits.seat_pool_renewal_date,
            max_global_users: limits.max_global_users,
            max_local_users: limits.max_local_users,
        }
    }
}

/// An MSP, as the operator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Msp {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// Name, unique without regard to case.
    pub name: String,
    /// Its limits.
    pub limits: Limits,
    /// When created (UTC).
    pub created_at: DateTime<Utc>,
    /// When last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<MspRecord> for Msp {
    fn from(record: MspRecord) -> Self {
        Self {
            limits: record.limits().into(),
            id: record.id,
            name: record.name,
            created_at: record.created_at.and_utc(),
            updated_at: record.updated_at.and_utc(),
        }
    }
}
