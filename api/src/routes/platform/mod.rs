//! The platform operator's console: MSPs and their limits, the MSPs'
//! requests for more seats, and the background jobs. MSP admins, API keys and customer sessions can't
//! reach these routes.

pub mod expansion_requests;
pub mod jobs;
pub mod msps;
pub mod operators;

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(
        expansion_requests::__path_list_all_seat_expansion_requests,
        expansion_requests::list_all_seat_expansion_requests,
    );
    ops.add(
        expansion_requests::__path_approve_seat_expansion_request,
        expansion_requests::approve_seat_expansion_request,
    );
    ops.add(
        expansion_requests::__path_reject_seat_expansion_request,
        expansion_requests::reject_seat_expansion_request,
    );
    ops.add(operators::__path_operator_login, operators::operator_login);
    ops.add(msps::__path_list_msps, msps::list_msps);
    ops.add(msps::__path_create_msp, msps::create_msp);
    ops.add(msps::__path_get_msp, msps::get_msp);
    ops.add(msps::__path_update_msp, msps::update_msp);
    ops.add(jobs::__path_list_jobs, jobs::list_jobs);
}
