//! The JSON shapes of resources that several features show or accept, so that
//! one feature never borrows them from another's routes.

pub mod account_import;
pub mod accounts;
pub mod admins;
pub mod allowance;
pub mod allowlisting;
pub mod api_keys;
pub mod campaign_results;
pub mod campaigns;
pub mod customer_groups;
pub mod customer_lists;
pub mod customers;
pub mod jobs;
pub mod msps;
pub mod onboarding;
pub mod onboarding_steps;
pub mod provisioning;
pub mod scenarios;
pub mod seat_expansion;
pub mod seat_pool;
pub mod sign_in;
pub mod tracking_settings;
