//! MAA allowance: what an MSP has bought of monthly active accounts.
//!
//! - An **order** is a quantity of one SKU of the catalogue ([`SKUS`]). It is
//!   in force for the SKU's term, starting with the month of the order:
//!   2 × "1K MAA Allowance" (1,000 MAA, 12 months) ordered in March adds 2,000
//!   to the allowance of March and of each of the 11 months after it.
//! - The **allowance of a month** is the sum over the orders in force in it.
//! - MAA beyond the allowance is overage ([`crate::maa::overage`]).

use crate::maa::Month;

/// An item of the catalogue that can be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sku {
    /// Stable identifier, used in orders.
    pub id: &'static str,
    /// What it is called on quotes and invoices.
    pub name: &'static str,
    /// MAA added to the allowance of each month in force, per unit.
    pub maa_per_unit: i64,
    /// Months in force, starting with the month of the order.
    pub term_months: u32,
}

/// The catalogue of allowance SKUs.
pub const SKUS: [Sku; 3] = [
    Sku { id: "maa-1k-12m", name: "1K MAA Allowance", maa_per_unit: 1_000, term_months: 12 },
    Sku { id: "maa-10k-12m", name: "10K MAA Allowance", maa_per_unit: 10_000, term_months: 12 },
    Sku { id: "maa-100k-12m", name: "100K MAA Allowance", maa_per_unit: 100_000, term_months: 12 },
];

/// The SKU with `id`, if the catalogue has it.
pub fn sku(id: &str) -> Option<&'static Sku> {
    SKUS.iter().find(|sku| sku.id == id)
}

/// How many units of a SKU one order buys: 1 to [`OrderQuantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderQuantity(i64);

/// A quantity outside 1 to [`OrderQuantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {max}", max = OrderQuantity::MAX)]
pub struct OrderQuantityError;

impl OrderQuantity {
    /// Most units in one order.
    pub const MAX: i64 = 1_000;

    /// Checks a quantity.
    pub fn new(units: i64) -> Result<Self, OrderQuantityError> {
        if (1..=Self::MAX).contains(&units) { Ok(Self(units)) } else { Err(OrderQuantityError) }
    }

    /// The units.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// An order as far as the allowance cares. The SKU's size and term are
/// copied onto the order when it is placed, so that a later change of the
/// catalogue never rewrites what was bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowanceOrder {
    /// The month of the order: the first month in force.
    pub starts: Month,
    /// Units bought.
    pub quantity: i64,
    /// MAA per unit.
    pub maa_per_unit: i64,
    /// Months in force.
    pub term_months: u32,
}

impl AllowanceOrder {
    /// The first month no longer in force.
    pub fn ends_before(&self) -> Month {
        self.starts.plus(i32::try_from(self.term_months).unwrap_or(i32::MAX))
    }

    /// Whether the order is in force in `month`.
    pub fn in_force(&self, month: Month) -> bool {
        self.starts <= month && month < self.ends_before()
    }

    /// What it adds to the allowance of each month in force.
    pub fn monthly_allowance(&self) -> i64 {
        self.quantity.saturating_mul(self.maa_per_unit)
    }
}

/// The allowance of `month`: the sum over the orders in force in it.
pub fn allowance_of(orders: &[AllowanceOrder], month: Month) -> i64 {
    orders.iter().filter(|order| order.in_force(month)).map(AllowanceOrder::monthly_allowance).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(year: i32, number: u32) -> Month {
        Month::new(year, number).unwrap_or_else(|| Month::of_day(chrono::NaiveDate::MIN))
    }

    #[test]
    fn two_1k_orders_add_2000_to_twelve_months_starting_with_the_order() {
        let one_k = sku("maa-1k-12m").copied().unwrap_or(SKUS[1]);
        assert_eq!((one_k.name, one_k.maa_per_unit, one_k.term_months), ("1K MAA Allowance", 1_000, 12));
        let order = AllowanceOrder {
            starts: month(2026, 3),
            quantity: 2,
            maa_per_unit: one_k.maa_per_unit,
            term_months: one_k.term_months,
        };
        assert_eq!(allowance_of(&[order], month(2026, 2)), 0);
        assert_eq!(allowance_of(&[order], month(2026, 3)), 2_000);
        assert_eq!(allowance_of(&[order], month(2027, 2)), 2_000);
        assert_eq!(allowance_of(&[order], month(2027, 3)), 0);
        let ten_k = AllowanceOrder { starts: month(2026, 6), quantity: 1, maa_per_unit: 10_000, term_months: 12 };
        assert_eq!(allowance_of(&[order, ten_k], month(2026, 6)), 12_000);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(OrderQuantity::new(0).is_err());
        assert_eq!(OrderQuantity::new(1).map(OrderQuantity::get), Ok(1));
        assert!(OrderQuantity::new(OrderQuantity::MAX + 1).is_err());
    }
}
