//! End-to-end tests over real HTTP. Every scenario runs on SQLite and on
//! PostgreSQL, each on a fresh database of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod accounts;
mod admins;
mod auth;
mod browsers;
mod campaign_dkim;
mod campaign_privacy;
mod campaign_results;
mod campaign_senders;
mod campaign_sending;
mod campaign_starts;
mod campaigns;
mod clock;
mod contract;
mod customers;
mod http_errors;
mod idempotency;
mod isolation;
mod jobs;
mod maa;
mod mail;
mod onboarding;
mod portfolio;
mod probes;
mod proxies;
mod schema;
mod scim;
mod seats;
mod tenancy;
