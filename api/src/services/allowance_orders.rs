//! Ordering MAA allowance: an order is in force from the month it is placed
//! for the SKU's term.

use chrono::{DateTime, Utc};
use domain::allowance::{OrderQuantity, Sku};
use domain::audit::AuditAction;
use domain::maa::Month;
use persistence::DbConnection;
use persistence::maa::OrderRecord;

use crate::auth::{AuditEvent, Caller};
use crate::error::ApiError;
use crate::resources::allowance::AllowanceOrder;

/// Places an order of `quantity` units of `sku`, in force from the month
/// of `at`, and audits it.
pub fn place(
    tx: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    sku: &Sku,
    quantity: OrderQuantity,
    at: DateTime<Utc>,
) -> Result<AllowanceOrder, ApiError> {
    let record = OrderRecord {
        id: persistence::new_id(),
        msp_id: msp_id.to_owned(),
        sku: sku.id.to_owned(),
        sku_name: sku.name.to_owned(),
        quantity: quantity.get(),
        maa_per_unit: sku.maa_per_unit,
        term_months: i64::from(sku.term_months),
        starts_month: Month::of(at.naive_utc()).first_day(),
        ordered_at: at.naive_utc(),
        ordered_by: caller.actor.label.clone(),
    };
    persistence::maa::insert_order(tx, &record)?;
    let created = AllowanceOrder::from(record);
    caller.record(tx, AuditEvent::new(msp_id, AuditAction::MaaOrderCreated, &created.id, at).after(&created))?;
    Ok(created)
}
