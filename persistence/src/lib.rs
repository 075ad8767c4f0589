//! Storage of the MSP portal on PostgreSQL or SQLite, from one code base.
//!
//! Every SQL statement of the product lives in this crate. Query functions take
//! `&mut DbConnection`, so the caller decides what runs in one transaction
//! (see [`transactions::write_transaction`]). Ids are UUIDv7 strings made here;
//! timestamps are UTC.

pub mod account_groups;
pub mod account_status;
pub mod accounts;
pub mod admins;
pub mod api_keys;
pub mod audit;
pub mod campaign_counters;
pub mod campaign_events;
pub mod campaign_recipients;
pub mod campaign_sending;
pub mod campaigns;
pub mod customer_groups;
pub mod customer_lists;
pub mod customer_sessions;
pub mod customers;
pub mod database;
pub mod erasure;
pub mod error;
pub mod idempotency;
pub mod jobs;
pub mod login_throttles;
pub mod maa;
pub mod migrations;
pub mod msps;
pub mod onboarding;
pub mod operators;
pub mod outbox;
pub mod password_tokens;
pub mod phishing_scenarios;
pub mod provisioning;
mod schema;
pub mod schema_facts;
pub mod scim_connections;
pub mod seat_expansion;
pub mod seat_pool;
pub mod sessions;
pub mod transactions;

pub use database::{DatabaseUrl, DbConnection, DbPool};
pub use error::StoreError;

/// A new primary key: a UUIDv7, so keys sort by creation time, which keyset
/// pagination relies on.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
