//! Importing a customer's accounts from CSV: every row is checked on its own
//! and either applied whole or rejected with its reason; the file is applied
//! in one transaction, and sending it again changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::accounts::{
    AccountEmail, AccountStatus, ActivationBudget, Department, DisplayName, ExternalId, NewAccount, ProfileChanges,
};
use domain::audit::AuditAction;
use domain::maa::Month;
use persistence::DbConnection;
use persistence::accounts::{self, AccountRecord, Organization, StatusBatch};
use persistence::transactions::write_transaction;

use crate::auth::{AuditEvent, Caller};
use crate::error::{ApiError, InvalidField};
use crate::problems::ProblemCode;
use crate::resources::account_import::{ImportReport, ImportedRow};
use crate::services::accounts::{customer_domains, email_taken};

/// Largest file accepted: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Most rows in one file.
pub const MAX_ROWS: usize = 50_000;

pub(crate) const COLUMNS: [&str; 5] = ["email", "display_name", "department", "external_id", "status"];

/// A row that passed the checks that need no database.
#[derive(Debug)]
pub(crate) struct ValidRow {
    line: u64,
    raw_email: String,
    email: AccountEmail,
    /// The text columns of the file: an empty cell clears.
    profile: ProfileChanges,
    /// `None` when the file has no status for the row.
    status: Option<AccountStatus>,
}

impl ValidRow {
    /// The status the row asks for: its own, else the account's, else (a new
    /// account) active.
    fn target(&self, current: Option<&AccountRecord>) -> AccountStatus {
        self.status.or(current.map(AccountRecord::account_status)).unwrap_or(AccountStatus::Active)
    }

    fn applied(&self, outcome: &'static str, account_id: &str) -> ImportedRow {
        ImportedRow {
            line: self.line,
            email: self.raw_email.clone(),
            outcome,
            account_id: Some(account_id.to_owned()),
            code: None,
            reason: None,
        }
    }
}

/// What the header says: the position of each known column.
pub(crate) struct Header {
    positions: HashMap<&'static str, usize>,
    width: usize,
}

pub(crate) fn read_header(reader: &mut csv::Reader<&[u8]>) -> Result<Header, ApiError> {
    let invalid = |message: String| ApiError::Validation(vec![InvalidField::at("/header", message)]);
    let header = reader.headers().map_err(|e| invalid(format!("the header row cannot be read: {e}")))?.clone();
    let mut positions = HashMap::new();
    for (position, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        let Some(known) = COLUMNS.iter().find(|column| **column == name) else {
            return Err(invalid(format!("unknown column '{name}'; the columns are: {}", COLUMNS.join(", "))));
        };
        if positions.insert(*known, position).is_some() {
            return Err(invalid(format!("the column '{name}' appears twice")));
        }
    }
    if !positions.contains_key("email") {
        return Err(invalid("the column 'email' is required".to_owned()));
    }
    Ok(Header { positions, width: header.len() })
}

pub(crate) fn cell<'r>(record: &'r csv::StringRecord, header: &Header, column: &str) -> Option<&'r str> {
    header.positions.get(column).map(|&position| record.get(position).unwrap_or_default().trim())
}

/// Checks one row against everything but the database.
pub(crate) fn check_row(
    line: u64,
    record: &csv::StringRecord,
    header: &Header,
    domains: &[String],
) -> Result<ValidRow, String> {
    if record.len() != header.width {
        return Err(format!("has {} cells; the header has {}", record.len(), header.width));
    }
    let raw_email = cell(record, header, "email").unwrap_or_default().to_owned();
    let email = AccountEmail::parse(&raw_email, domains).map_err(|e| format!("email: {e}"))?;
    let profile = ProfileChanges {
        display_name: text_cell(record, header, "display_name", DisplayName::parse)?,
        department: text_cell(record, header, "department", Department::parse)?,
        external_id: text_cell(record, header, "external_id", ExternalId::parse)?,
    };
    let status = match cell(record, header, "status") {
        None | Some("") => None,
        Some(raw) => Some(raw.to_ascii_lowercase().parse::<AccountStatus>().map_err(|e| format!("status: {e}"))?),
    };
    Ok(ValidRow { line, raw_email, email, profile, status })
}

/// A text column's cell: absent column `None`, empty cell `Some(None)`.
pub(crate) fn text_cell<T>(
    record: &csv::StringRecord,
    header: &Header,
    column: &str,
    parse: fn(&str) -> Result<T, domain::accounts::NameError>,
) -> Result<Option<Option<T>>, String> {
    match cell(record, header, column) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(raw) => parse(raw).map(|v| Some(Some(v))).map_err(|e| format!("{column}: {e}")),
    }
}

pub(crate) fn rejected(line: u64, email: String, code: &'static str, reason: String) -> ImportedRow {
    ImportedRow { line, email, outcome: "rejected", account_id: None, code: Some(code), reason: Some(reason) }
}

/// Applies the checked rows in one transaction. Rows that only deactivate or
/// change fields go first, so that seats a file frees are there for the
/// activations it asks for.
pub(crate) fn apply(
    tx: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    rows: &[ValidRow],
    changed_by: &str,
    at: NaiveDateTime,
) -> Result<Vec<ImportedRow>, ApiError> {
    let organization = Organization::Customer(customer_id);
    let mut budget: ActivationBudget =
        accounts::lock_budget(tx, msp_id, organization, at)?.ok_or(ApiError::NotFound)?;
    let emails: Vec<String> = rows.iter().map(|row| row.email.as_str().to_owned()).collect();
    let existing = accounts::find_by_emails(tx, msp_id, organization, &emails)?;
    let mut batch = StatusBatch::new(msp_id, organization, changed_by);
    let mut report = Vec::with_capacity(rows.len());
    let mut new_records = Vec::new();
    let activates = |row: &ValidRow| {
        let current = existing.get(row.email.as_str());
        row.target(current) == AccountStatus::Active
            && current.map(AccountRecord::account_status) != Some(AccountStatus::Active)
    };
    for pass_activations in [false, true] {
        for row in rows.iter().filter(|row| activates(row) == pass_activations) {
            let current = existing.get(row.email.as_str());
            let to = row.target(current);
            let month = Month::of(current.map_or(at, |c| at.max(c.status_changed_at)));
            // Admitted first, so that a refused row writes nothing at all.
            let from = current.map(AccountRecord::account_status);
            if let Err(refusal) = budget.change(from, to, current.and_then(AccountRecord::last_active), month) {
                report.push(rejected(
                    row.line,
                    row.raw_email.clone(),
                    ProblemCode::from(refusal).as_str(),
                    refusal.to_string(),
                ));
                continue;
            }
            let Some(current) = current else {
                let new =
                    NewAccount { email: row.email.clone(), profile: row.profile.clone().into_profile(), status: to };
                let record = batch.create(&new, at);
                report.push(row.applied("created", &record.id));
                new_records.push(record);
                continue;
            };
            let mut outcome = "unchanged";
            if let Some(changed) = current.with_profile(None, &row.profile) {
                accounts::write_profile(tx, &changed, at).map_err(email_taken)?;
                outcome = "updated";
            }
            if to != current.account_status() {
                batch.change(tx, current, to, at)?;
                outcome = "updated";
            }
            report.push(row.applied(outcome, &current.id));
        }
    }
    accounts::insert_all(tx, &new_records, changed_by).map_err(email_taken)?;
    batch.finish(tx)?;
    Ok(report)
}

/// Imports the CSV file `body` into customer `customer_id`'s accounts and
/// audits a summary; the report says what happened to each row.
pub fn import(
    conn: &mut DbConnection,
    caller: &Caller,
    msp_id: &str,
    customer_id: &str,
    body: &[u8],
    at: DateTime<Utc>,
) -> Result<ImportReport, ApiError> {
    let domains = customer_domains(conn, msp_id, customer_id)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let header = read_header(&mut reader)?;
    let mut report = Vec::new();
    let mut valid = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_ROWS {
            return Err(ApiError::Validation(vec![InvalidField::at(
                "/rows",
                format!("a file may have at most {MAX_ROWS} rows"),
            )]));
        }
        let line = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(2);
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                report.push(rejected(line, String::new(), "invalid_row", format!("not valid CSV: {e}")));
                continue;
            }
        };
        // The reader counts the lines before the record; people count from 1.
        let line = record.position().map_or(line, |p| p.line() + 1);
        match check_row(line, &record, &header, &domains) {
            Err(reason) => {
                let email = cell(&record, &header, "email").unwrap_or_default().to_owned();
                report.push(rejected(line, email, "invalid_row", reason));
            }
            Ok(row) => {
                if let Some(first) = seen.get(row.email.as_str()) {
                    let reason = format!("the address is already on line {first}");
                    report.push(rejected(line, row.raw_email, "duplicate_row", reason));
                } else {
                    seen.insert(row.email.as_str().to_owned(), line);
                    valid.push(row);
                }
            }
        }
    }
    let applied = write_transaction(conn, |tx| {
        let applied = apply(tx, msp_id, customer_id, &valid, &caller.actor.label, at.naive_utc())?;
        let count = |outcome: &str| applied.iter().filter(|row| row.outcome == outcome).count();
        let summary = serde_json::json!({
            "created": count("created"), "updated": count("updated"), "unchanged": count("unchanged"),
            "rejected": count("rejected") + report.len(),
        });
        caller.record(tx, AuditEvent::new(msp_id, AuditAction::AccountImported, customer_id, at).after(&summary))?;
        Ok::<_, ApiError>(applied)
    })?;
    report.extend(applied);
    report.sort_by_key(|row| row.line);
    let count = |outcome: &str| report.iter().filter(|row| row.outcome == outcome).count();
    Ok(ImportReport {
        created: count("created"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        rejected: count("rejected"),
        rows: report,
    })
}
