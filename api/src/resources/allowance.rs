//! An MAA allowance order as the API shows it.

use chrono::{DateTime, Utc};
use persistence::maa::OrderRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// An allowance order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowanceOrder {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// The SKU ordered.
    #[schema(example = "maa-1k-12m")]
    pub sku: String,
    /// Its name when ordered.
    #[schema(example = "1K MAA Allowance")]
    pub sku_name: String,
    /// Units.
    #[schema(example = 2)]
    pub quantity: i64,
    /// What the order adds to the allowance of each month in force:
    /// quantity × the SKU's MAA per unit.
    #[schema(example = 2000)]
    pub monthly_allowance: i64,
    /// First month in force (the month of the order), `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub first_month: String,
    /// Last month in force, `YYYY-MM`.
    #[schema(example = "2027-10")]
    pub last_month: String,
    /// When ordered (UTC).
    pub ordered_at: DateTime<Utc>,
    /// Who ordered.
    #[schema(example = "owner@msp.example")]
    pub ordered_by: String,
}

impl From<OrderRecord> for AllowanceOrder {
    fn from(record: OrderRecord) -> Self {
        let order = record.allowance_order();
        Self {
            monthly_allowance: order.monthly_allowance(),
            first_month: order.starts.to_string(),
            last_month: order.ends_before().plus(-1).to_string(),
            id: record.id,
            sku: record.sku,
            sku_name: record.sku_name,
            quantity: record.quantity,
            ordered_at: record.ordered_at.and_utc(),
            ordered_by: record.ordered_by,
        }
    }
}
