//! HTTP routes, one module per resource.

pub mod admins;
pub mod api_keys;
pub mod audit_events;
pub mod auth;
pub mod customer_sessions;
pub mod customers;
pub mod fallback;
pub mod health;
pub mod me;
pub mod passwords;
pub mod platform;
