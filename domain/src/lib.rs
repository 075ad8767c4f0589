//! Business rules of the MSP portal.
//!
//! This crate is where an engineer reads the rules: what a valid customer,
//! domain, e-mail address or password is, how pages are cut, how a refresh
//! token may be used. It has no I/O: no database, no HTTP, no clock of its own
//! (callers pass `now`). `make test` fails if it ever depends on diesel or
//! actix.

pub mod access;
pub mod accounts;
pub mod admins;
pub mod allowance;
pub mod api_keys;
pub mod audit;
pub mod branding;
pub mod campaigns;
pub mod client_address;
pub mod customer_groups;
pub mod customers;
pub mod email;
pub mod email_delivery;
pub mod idempotency;
pub mod jobs;
pub mod license_expiry;
pub mod login_protection;
pub mod maa;
pub mod msps;
pub mod onboarding;
pub mod pagination;
pub mod privacy;
pub mod scim;
pub mod seat_expansion;
pub mod seats;
pub mod sessions;
pub mod spelling;
pub mod text;
pub mod tiers;
