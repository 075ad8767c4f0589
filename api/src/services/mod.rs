//! The use cases: each takes parsed domain types and the caller's `&mut`
//! connection (so the caller owns the transaction), combines the rules of
//! `domain` with the storage of `persistence`, and audits what it changes.
//! Routes call services; services never call routes.

pub mod account_import;
pub mod accounts;
pub mod admins;
pub mod allowance_orders;
pub mod allowlisting;
pub mod api_keys;
pub mod campaign_reports;
pub mod campaign_results;
pub mod campaign_runs;
pub mod campaign_sending;
pub mod campaigns;
pub mod customer_groups;
pub mod customer_sessions;
pub mod customers;
pub mod delivery_tests;
pub mod erasure;
pub mod logos;
pub mod msps;
pub mod onboarding;
pub mod onboarding_steps;
pub mod passwords;
pub mod provisioning;
pub mod scenarios;
pub mod seat_expansion;
pub mod seat_pool;
pub mod sign_in;
pub mod tracking;
pub mod tracking_settings;
