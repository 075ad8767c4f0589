//! Licenses: the MSP's seat pool, the seats each customer holds, licenses
//! about to expire, and requests to the platform operator for more seats.

pub mod allocations;
pub mod expansion_requests;
pub mod expiring;
pub mod pool;

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(pool::__path_get_seat_pool, pool::get_seat_pool);
    ops.add(pool::__path_update_seat_pool, pool::update_seat_pool);
    ops.add(expansion_requests::__path_list_seat_expansion_requests, expansion_requests::list_seat_expansion_requests);
    ops.add(
        expansion_requests::__path_create_seat_expansion_request,
        expansion_requests::create_seat_expansion_request,
    );
    ops.add(allocations::__path_list_seat_allocations, allocations::list_seat_allocations);
    ops.add(expiring::__path_list_expiring_licenses, expiring::list_expiring_licenses);
}
