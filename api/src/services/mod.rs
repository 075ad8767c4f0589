//! The use cases: each takes parsed domain types and the caller's `&mut`
//! connection (so the caller owns the transaction), combines the rules of
//! `domain` with the storage of `persistence`, and audits what it changes.
//! Routes call services; services never call routes.

pub mod accounts;
pub mod admins;
pub mod customers;
pub mod onboarding;
pub mod provisioning;
pub mod seat_expansion;
pub mod sign_in;
