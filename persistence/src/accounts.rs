//! Accounts, their status history, and the counters their activation limits
//! are checked against.
//!
//! Every status change goes through a [`StatusBatch`] (`crate::account_status`:
//! the account row and its history as each change is made; the counters and
//! the monthly roll-up once at the end), in the caller's transaction, after [`lock_budget`] has
//! locked the rows that serialise the organisation's activations: the
//! customer's row, then the MSP's.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::accounts::{AccountEmail, AccountStatus, ActivationBudget, CustomerAllowance, NewAccount, ProfileChanges};
use domain::maa::{Effect, Month};

pub use crate::account_status::StatusBatch;
use crate::database::per_backend;
use crate::schema::{account_status_changes, accounts, customers, msps};
use crate::{DbConnection, StoreError};

/// Whose accounts: a customer's (global users) or the MSP's own (local users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Organization<'a> {
    /// The accounts of one customer.
    Customer(&'a str),
    /// The accounts of the MSP's own organisation.
    Own,
}

impl Organization<'_> {
    /// The id its roll-up rows carry: the customer's, or the MSP's.
    pub fn tally_id<'a>(&'a self, msp_id: &'a str) -> &'a str {
        match self {
            Self::Customer(id) => id,
            Self::Own => msp_id,
        }
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRecord {
    /// Primary key.
    pub id: String,
    /// The MSP.
    pub msp_id: String,
    /// The customer; `None` in the MSP's own organisation.
    pub customer_id: Option<String>,
    /// Lower-cased address.
    pub email: String,
    /// How the person is called.
    pub display_name: Option<String>,
    /// Their department.
    pub department: Option<String>,
    /// Their id in the customer's directory.
    pub external_id: Option<String>,
    /// `active` or `inactive`.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AccountStatus,
    /// First day of the last month the account was active in.
    pub last_active_month: Option<NaiveDate>,
    /// When the status last changed (UTC).
    pub status_changed_at: NaiveDateTime,
    /// When deleted (UTC); deleted accounts are kept for their history.
    pub deleted_at: Option<NaiveDateTime>,
    /// When created (UTC).
    pub created_at: NaiveDateTime,
    /// When last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// SCIM attributes without a field of their own, as a JSON object
    /// (see `domain::scim::user`); `None` for accounts SCIM never wrote.
    pub scim_attributes: Option<String>,
}

impl AccountRecord {
    /// The account's status.
    pub fn account_status(&self) -> AccountStatus {
        self.status
    }

    /// The last month the account was active in.
    pub fn last_active(&self) -> Option<Month> {
        self.last_active_month.map(Month::of_day)
    }

    /// The account with a new address and `changes` applied, for
    /// [`write_profile`]; `None` when that changes nothing.
    pub fn with_profile(&self, email: Option<&AccountEmail>, changes: &ProfileChanges) -> Option<Self> {
        fn text<T: AsRef<str>>(value: &Option<T>) -> Option<String> {
            value.as_ref().map(|v| v.as_ref().to_owned())
        }
        let mut changed = self.clone();
        if let Some(email) = email {
            email.as_str().clone_into(&mut changed.email);
        }
        if let Some(value) = &changes.display_name {
            changed.display_name = text(value);
        }
        if let Some(value) = &changes.department {
            changed.department = text(value);
        }
        if let Some(value) = &changes.external_id {
            changed.external_id = text(value);
        }
        (changed != *self).then_some(changed)
    }
}

/// One kept status change.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_status_changes)]
pub struct StatusChangeRecord {
    /// Primary key, in the order the changes were made.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// The MSP.
    pub msp_id: String,
    /// The status from then on.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AccountStatus,
    /// When (UTC).
    pub changed_at: NaiveDateTime,
    /// Who made it (the audit log's actor label).
    pub changed_by: String,
}

/// The organisation's accounts that are not deleted, as a boxed query.
macro_rules! in_organization {
    ($msp_id:expr, $organization:expr) => {{
        let query =
            accounts::table.filter(accounts::msp_id.eq($msp_id)).filter(accounts::deleted_at.is_null()).into_boxed();
        match $organization {
            Organization::Customer(id) => query.filter(accounts::customer_id.eq(id)),
            Organization::Own => query.filter(accounts::customer_id.is_null()),
        }
    }};
}

/// Locks what serialises the organisation's activations — the customer's
/// row, then the MSP's — and reads what may still be activated at `now`.
/// `None` when the customer is not the MSP's. Every writer of the counters
/// takes these locks first, so the budget stays true until commit.
pub fn lock_budget(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    now: NaiveDateTime,
) -> Result<Option<ActivationBudget>, StoreError> {
    let customer = match organization {
        Organization::Customer(id) => {
            // A write that changes nothing, for its row lock.
            let locked =
                diesel::update(customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id)))
                    .set(customers::active_accounts.eq(customers::active_accounts))
                    .execute(conn)?;
            if locked == 0 {
                return Ok(None);
            }
            let (seats, active_accounts, max_mau): (i64, i64, i64) = customers::table
                .find(id)
                .select((customers::seats, customers::active_accounts, customers::max_mau))
                .first(conn)?;
            let month = Month::of(now);
            let tallies = crate::maa::tallies_of(conn, msp_id, id, month)?;
            let maa_this_month = domain::maa::monthly_active(active_accounts, &tallies, &[month])
                .first()
                .copied()
                .unwrap_or(active_accounts);
            Some(CustomerAllowance { seats, active_accounts, max_mau, maa_this_month })
        }
        Organization::Own => None,
    };
    diesel::update(msps::table.find(msp_id))
        .set(msps::active_global_users.eq(msps::active_global_users))
        .execute(conn)?;
    let Some((max_global, global, max_local, local)) = msps::table
        .find(msp_id)
        .select((msps::max_global_users, msps::active_global_users, msps::max_local_users, msps::active_local_users))
        .first::<(i64, i64, i64, i64)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(match customer {
        Some(customer) => ActivationBudget::for_customer(customer, max_global, global),
        None => ActivationBudget::for_own_organisation(max_local, local),
    }))
}

/// Adds `net` to the organisation's active accounts and to the MSP's global
/// or local users.
pub fn add_active(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    net: i64,
) -> Result<(), StoreError> {
    if net == 0 {
        return Ok(());
    }
    match organization {
        Organization::Customer(id) => {
            diesel::update(customers::table.filter(customers::msp_id.eq(msp_id)).filter(customers::id.eq(id)))
                .set(customers::active_accounts.eq(customers::active_accounts + net))
                .execute(conn)?;
            diesel::update(msps::table.find(msp_id))
                .set(msps::active_global_users.eq(msps::active_global_users + net))
                .execute(conn)?;
        }
        Organization::Own => {
            diesel::update(msps::table.find(msp_id))
                .set(msps::active_local_users.eq(msps::active_local_users + net))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The MSP's active users now: (global, max global, local, max local).
pub fn user_counts(conn: &mut DbConnection, msp_id: &str) -> Result<Option<(i64, i64, i64, i64)>, StoreError> {
    msps::table
        .find(msp_id)
        .select((msps::active_global_users, msps::max_global_users, msps::active_local_users, msps::max_local_users))
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The record of a new account, not yet written.
pub(crate) fn new_record(
    msp_id: &str,
    organization: Organization<'_>,
    new: &NewAccount,
    effect: Option<Effect>,
    at: NaiveDateTime,
) -> AccountRecord {
    AccountRecord {
        id: crate::new_id(),
        msp_id: msp_id.to_owned(),
        customer_id: match organization {
            Organization::Customer(id) => Some(id.to_owned()),
            Organization::Own => None,
        },
        email: new.email.as_str().to_owned(),
        display_name: new.profile.display_name.as_ref().map(|v| v.as_str().to_owned()),
        department: new.profile.department.as_ref().map(|v| v.as_str().to_owned()),
        external_id: new.profile.external_id.as_ref().map(|v| v.as_str().to_owned()),
        status: new.status,
        last_active_month: effect.map(|effect| effect.last_active_month.first_day()),
        status_changed_at: at,
        deleted_at: None,
        created_at: at,
        updated_at: at,
        scim_attributes: None,
    }
}

/// Writes new accounts, each with its first status change, in batches.
pub fn insert_all(conn: &mut DbConnection, records: &[AccountRecord], changed_by: &str) -> Result<(), StoreError> {
    let changes: Vec<StatusChangeRecord> = records
        .iter()
        .map(|record| StatusChangeRecord {
            id: crate::new_id(),
            account_id: record.id.clone(),
            msp_id: record.msp_id.clone(),
            status: record.status,
            changed_at: record.created_at,
            changed_by: changed_by.to_owned(),
        })
        .collect();
    load_accounts(conn, records, &changes)
}

/// Writes account rows and status changes as they are, in batches: for
/// bulk loads whose roll-up the caller writes ([`crate::maa::add_tallies`],
/// [`add_active`]).
pub fn load_accounts(
    conn: &mut DbConnection,
    records: &[AccountRecord],
    changes: &[StatusChangeRecord],
) -> Result<(), StoreError> {
    // Stays under SQLite's limit of bound parameters per statement.
    for batch in records.chunks(1_000) {
        per_backend!(conn, |backend| diesel::insert_into(accounts::table).values(batch.to_vec()).execute(backend))?;
    }
    for batch in changes.chunks(2_000) {
        per_backend!(conn, |backend| diesel::insert_into(account_status_changes::table)
            .values(batch.to_vec())
            .execute(backend))?;
    }
    Ok(())
}

/// Finds an account of the organisation (deleted ones are not found).
pub fn find(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    id: &str,
) -> Result<Option<AccountRecord>, StoreError> {
    in_organization!(msp_id, organization)
        .filter(accounts::id.eq(id))
        .select(AccountRecord::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::from)
}

/// The organisation's accounts with these addresses, by address.
pub fn find_by_emails(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    emails: &[String],
) -> Result<HashMap<String, AccountRecord>, StoreError> {
    let mut found = HashMap::new();
    for batch in emails.chunks(1_000) {
        let records: Vec<AccountRecord> = in_organization!(msp_id, organization)
            .filter(accounts::email.eq_any(batch))
            .select(AccountRecord::as_select())
            .load(conn)?;
        found.extend(records.into_iter().map(|record| (record.email.clone(), record)));
    }
    Ok(found)
}

/// The organisation's accounts with these ids (deleted ones are not found).
pub fn find_by_ids(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    ids: &[String],
) -> Result<Vec<AccountRecord>, StoreError> {
    let mut found = Vec::new();
    for batch in ids.chunks(1_000) {
        let records: Vec<AccountRecord> = in_organization!(msp_id, organization)
            .filter(accounts::id.eq_any(batch))
            .select(AccountRecord::as_select())
            .load(conn)?;
        found.extend(records);
    }
    Ok(found)
}

/// Which accounts a lookup by one indexed field returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Every account of the organisation.
    All,
    /// The account with this lower-cased address.
    Email(&'a str),
    /// Accounts with this external id.
    ExternalId(&'a str),
    /// The account with this id.
    Id(&'a str),
}

/// The organisation's accounts `lookup` selects, in creation order, `limit`
/// of them from the `offset`-th on.
pub fn look_up(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    lookup: Lookup<'_>,
    offset: i64,
    limit: i64,
) -> Result<Vec<AccountRecord>, StoreError> {
    let query = in_organization!(msp_id, organization);
    let query = match lookup {
        Lookup::All => query,
        Lookup::Email(email) => query.filter(accounts::email.eq(email.to_owned())),
        Lookup::ExternalId(external_id) => query.filter(accounts::external_id.eq(external_id.to_owned())),
        Lookup::Id(id) => query.filter(accounts::id.eq(id.to_owned())),
    };
    query
        .order(accounts::id.asc())
        .offset(offset)
        .limit(limit)
        .select(AccountRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// How many accounts the organisation has (deleted ones not counted).
pub fn count(conn: &mut DbConnection, msp_id: &str, organization: Organization<'_>) -> Result<i64, StoreError> {
    in_organization!(msp_id, organization).count().get_result(conn).map_err(StoreError::from)
}

/// Changes an account's address and descriptive fields.
pub fn write_profile(conn: &mut DbConnection, account: &AccountRecord, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(accounts::table.find(&account.id))
        .set((
            accounts::email.eq(&account.email),
            accounts::display_name.eq(&account.display_name),
            accounts::department.eq(&account.department),
            accounts::external_id.eq(&account.external_id),
            accounts::scim_attributes.eq(&account.scim_attributes),
            accounts::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks an account deleted; its history and the months it counted in stay,
/// its group memberships go. The caller has deactivated it first.
pub fn mark_deleted(conn: &mut DbConnection, account_id: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(accounts::table.find(account_id))
        .set((accounts::deleted_at.eq(at), accounts::updated_at.eq(at)))
        .execute(conn)?;
    crate::account_groups::forget_account(conn, account_id)
}

/// Which accounts a list shows; `None` leaves the list alone.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only this status.
    pub status: Option<AccountStatus>,
    /// Only this department (exactly).
    pub department: Option<String>,
    /// Only this external id.
    pub external_id: Option<String>,
    /// Only addresses starting with this (lower-cased).
    pub email_prefix: Option<String>,
}

/// A page of the organisation's accounts in creation order, after `after_id`.
pub fn list(
    conn: &mut DbConnection,
    msp_id: &str,
    organization: Organization<'_>,
    filter: &AccountFilter,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AccountRecord>, StoreError> {
    use diesel::expression_methods::EscapeExpressionMethods;
    let mut query = in_organization!(msp_id, organization);
    if let Some(status) = filter.status {
        query = query.filter(accounts::status.eq(status.as_str()));
    }
    if let Some(department) = &filter.department {
        query = query.filter(accounts::department.eq(department.clone()));
    }
    if let Some(external_id) = &filter.external_id {
        query = query.filter(accounts::external_id.eq(external_id.clone()));
    }
    if let Some(prefix) = &filter.email_prefix {
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query = query.filter(accounts::email.like(format!("{escaped}%")).escape('\\'));
    }
    if let Some(after) = after_id {
        query = query.filter(accounts::id.gt(after.to_owned()));
    }
    query.order(accounts::id.asc()).limit(limit).select(AccountRecord::as_select()).load(conn).map_err(StoreError::from)
}

/// A page of an account's status changes, oldest first, after `after_id`.
pub fn history(
    conn: &mut DbConnection,
    account_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<StatusChangeRecord>, StoreError> {
    let mut query =
        account_status_changes::table.filter(account_status_changes::account_id.eq(account_id)).into_boxed();
    if let Some(after) = after_id {
        query = query.filter(account_status_changes::id.gt(after.to_owned()));
    }
    query
        .order(account_status_changes::id.asc())
        .limit(limit)
        .select(StatusChangeRecord::as_select())
        .load(conn)
        .map_err(StoreError::from)
}

/// Deactivates, for the counters and the roll-up, every active account of a
/// customer that is being deleted (its accounts go with it): the months they
/// were active in stay counted.
pub fn retire_customer(
    conn: &mut DbConnection,
    msp_id: &str,
    customer_id: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let active: Option<i64> = customers::table
        .filter(customers::msp_id.eq(msp_id))
        .filter(customers::id.eq(customer_id))
        .select(customers::active_accounts)
        .first(conn)
        .optional()?;
    let active = active.unwrap_or(0);
    if active == 0 {
        return Ok(());
    }
    let mut tallies = std::collections::BTreeMap::new();
    tallies.insert(Month::of(at), domain::maa::MonthTally { net_change: -active, newly_counted: 0 });
    crate::maa::add_tallies(conn, msp_id, customer_id, &tallies)?;
    add_active(conn, msp_id, Organization::Customer(customer_id), -active)
}
