//! The HTTP API of the MSP portal: routes, authentication, error mapping,
//! the OpenAPI contract, and the pieces of the `msp-portal` binary.

pub mod auth;
pub mod bootstrap;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod cors;
pub mod db;
pub mod error;
pub mod field_schemas;
pub mod idempotency;
pub mod jobs;
pub mod json;
pub mod mail;
pub mod no_store;
pub mod openapi;
pub mod operations;
pub mod pagination;
pub mod problems;
pub mod request_id;
pub mod resources;
pub mod routes;
pub mod scim;
pub mod services;
pub mod simulation_mail;
pub mod spreadsheet;
pub mod startup;
pub mod state;
pub mod tracking_links;
pub mod versions;
