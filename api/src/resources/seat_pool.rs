//! The MSP's seat pool as the API shows it.

use chrono::NaiveDate;
use domain::seats::{SeatPool, WarningThreshold};
use persistence::seat_pool::PoolRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// The seat pool of your MSP.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatPoolSummary {
    /// Seats bought (set by the platform operator).
    #[schema(example = 500)]
    pub total_seats: i64,
    /// Seats allocated to customers.
    #[schema(example = 455)]
    pub allocated_seats: i64,
    /// Seats left to allocate.
    #[schema(example = 45)]
    pub available_seats: i64,
    /// When the pool renews, if known.
    #[schema(format = Date, example = "2027-01-01")]
    pub renewal_date: Option<NaiveDate>,
    /// Allocated seats as a percentage of the total, rounded down to one decimal.
    #[schema(example = 91.0)]
    pub utilisation_percent: f64,
    /// Utilisation at which `warning_level` becomes `warning`.
    #[schema(example = 90)]
    pub warning_threshold_percent: i64,
    /// `none`, `warning` (utilisation at or above the threshold) or `exhausted` (no seat left).
    #[schema(example = "warning")]
    pub warning_level: &'static str,
    /// Customers of your MSP.
    #[schema(example = 42)]
    pub customer_count: i64,
    /// Most customers your MSP may have.
    #[schema(example = 100)]
    pub max_organizations: i64,
}

impl SeatPoolSummary {
    /// The summary of a stored pool.
    pub fn of(record: &PoolRecord) -> Self {
        let pool = SeatPool { total: record.seat_pool_total, allocated: record.seat_pool_allocated };
        let threshold = WarningThreshold::from_stored(record.seat_pool_warning_percent);
        Self {
            total_seats: pool.total,
            allocated_seats: pool.allocated,
            available_seats: pool.available(),
            renewal_date: record.seat_pool_renewal_date,
            utilisation_percent: pool.utilisation_percent(),
            warning_threshold_percent: threshold.percent(),
            warning_level: pool.warning(threshold).as_str(),
            customer_count: record.customer_count,
            max_organizations: record.max_organizations,
        }
    }
}
