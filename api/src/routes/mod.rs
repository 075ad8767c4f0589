//! HTTP routes, one module per resource.

pub mod auth;
pub mod customers;
pub mod fallback;
pub mod health;
pub mod me;
