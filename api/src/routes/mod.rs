//! HTTP routes, one module per resource.

pub mod account_import;
pub mod accounts;
pub mod admins;
pub mod api_keys;
pub mod audit_events;
pub mod auth;
pub mod customer_export;
pub mod customer_groups;
pub mod customer_list;
pub mod customer_sessions;
pub mod customers;
pub mod fallback;
pub mod health;
pub mod licenses;
pub mod maa;
pub mod me;
pub mod onboarding;
pub mod passwords;
pub mod platform;
pub mod provisioning;
pub mod tiers;
