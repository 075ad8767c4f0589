//! The JSON shapes of resources that several features show or accept, so that
//! one feature never borrows them from another's routes.

pub mod accounts;
pub mod admins;
pub mod customer_lists;
pub mod customers;
pub mod onboarding;
pub mod provisioning;
pub mod seat_expansion;
pub mod sign_in;
