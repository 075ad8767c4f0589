//! The report of an account import, row by row.

use serde::Serialize;
use utoipa::ToSchema;

/// What happened to one row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedRow {
    /// Line of the file (the header is line 1).
    #[schema(example = 2)]
    pub line: u64,
    /// The row's address as written in the file.
    #[schema(example = "ann.lee@acme.example")]
    pub email: String,
    /// `created`, `updated`, `unchanged` or `rejected`.
    #[schema(example = "created")]
    pub outcome: &'static str,
    /// The account, unless rejected.
    #[schema(format = Uuid)]
    pub account_id: Option<String>,
    /// Why the row was rejected: a machine code…
    #[schema(example = "invalid_row")]
    pub code: Option<&'static str>,
    /// …and an explanation to show the person who made the file.
    #[schema(example = "email: the domain msp.example is not one of the customer's domains (acme.example)")]
    pub reason: Option<String>,
}

/// The report of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows that created an account.
    pub created: usize,
    /// Rows that changed an existing account.
    pub updated: usize,
    /// Rows that matched an account exactly (a file sent again is all
    /// `unchanged`).
    pub unchanged: usize,
    /// Rows that were not applied.
    pub rejected: usize,
    /// Every row, in file order.
    pub rows: Vec<ImportedRow>,
}
