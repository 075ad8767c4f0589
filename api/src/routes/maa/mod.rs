//! Monthly active accounts (MAA), allowance, overage, allowance orders and
//! the SKU catalogue. The definitions are in `domain::maa` and
//! `domain::allowance`; they are repeated in the schema descriptions, for
//! integrators reading the contract.

pub mod allowance;
pub mod usage;

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(allowance::__path_list_skus, allowance::list_skus);
    ops.add(usage::__path_get_maa_summary, usage::get_maa_summary);
    ops.add(usage::__path_get_maa_history, usage::get_maa_history);
    ops.add(usage::__path_list_customer_maa, usage::list_customer_maa);
    ops.add(allowance::__path_get_maa_allowance, allowance::get_maa_allowance);
    ops.add(allowance::__path_list_allowance_orders, allowance::list_allowance_orders);
    ops.add(allowance::__path_create_allowance_order, allowance::create_allowance_order);
}
